/**
 * Blocks of README.md that scripts write: the text between `<!-- NAME:start -->` and
 * `<!-- NAME:end -->`. `npm run size -- --write-readme` writes the size table and
 * `npm run bench` the benchmark table, so that figures come from one run of one script and
 * cannot drift apart; tests read them back.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The repository's README.md. */
export const README = resolve(import.meta.dirname, '../README.md');

function markers(name: string): [string, string] {
  return [`<!-- ${name}:start (written by a script; do not edit by hand) -->`, `<!-- ${name}:end -->`];
}

/** The text of block `name` in `text`, without its markers; throws when the block is missing. */
export function readBlock(text: string, name: string): string {
  const [start, end] = markers(name);
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${name} block (${start} ... ${end})`);
  return text
    .slice(from + start.length, to)
    .replace(/^\n/, '')
    .replace(/\n$/, '');
}

/** `text` with block `name` replaced by `content`. */
export function replaceBlock(text: string, name: string, content: string): string {
  const [start, end] = markers(name);
  readBlock(text, name);
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  return `${text.slice(0, from)}${start}\n${content}\n${text.slice(to)}`;
}

/** Rewrites block `name` of README.md; returns whether the file changed. */
export function writeReadmeBlock(name: string, content: string): boolean {
  const before = readFileSync(README, 'utf8');
  const after = replaceBlock(before, name, content);
  if (after !== before) writeFileSync(README, after);
  return after !== before;
}
