/**
 * The committed API reference (docs/api, written by `npm run docs`; CI checks that it is
 * fresh) reads: every link lands on a page that exists and has content, and no protobuf
 * message renders as protobuf-ts's encoder (`User = User$Type`, no fields) instead of its
 * interface with the fields.
 */
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileSuite } from '../helpers/common';

const test = fileSuite(import.meta.url);

const docs = resolve(import.meta.dirname, '../../docs/api');
const pages = walk(docs).filter((f) => f.endsWith('.md'));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** A page's text without its breadcrumb line, its heading and blank lines. */
function body(page: string): string {
  return readFileSync(page, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('# ') && !/^\[stream-video-client\]\(/.test(line))
    .join('\n');
}

test('the reference has the facade and the message pages', () => {
  for (const page of [
    'index/classes/StreamVideoClient.md',
    'index/interfaces/User.md',
    'index/interfaces/Member.md',
    'index/interfaces/Participant.md',
    'index/interfaces/PendingCall.md',
    'testing/classes/LocalCoordinator.md',
  ]) {
    assert.ok(existsSync(join(docs, page)), page);
  }
});

test('every relative link lands on an existing page that has content', () => {
  const broken: string[] = [];
  const empty = new Set<string>();
  for (const page of pages) {
    for (const m of readFileSync(page, 'utf8').matchAll(/\]\(([^)#\s]+\.md)(#[^)]*)?\)/g)) {
      const target = resolve(dirname(page), m[1]);
      if (!existsSync(target)) broken.push(`${relative(docs, page)} -> ${m[1]}`);
      else if (body(target).length < 20) empty.add(relative(docs, target));
    }
  }
  assert.equal(broken, []);
  assert.equal([...empty], []);
});

test('protobuf messages render as their interfaces: no page or signature shows a MessageType', () => {
  const encoders = pages.filter((p) => /\$Type\b/.test(readFileSync(p, 'utf8'))).map((p) => relative(docs, p));
  assert.equal(encoders, []);
  const member = readFileSync(join(docs, 'index/interfaces/Member.md'), 'utf8');
  for (const field of ['userId', 'role', 'callCid']) assert.ok(member.includes(`### ${field}`), field);
  // PendingCall links its ringer to the User interface, which lists the fields.
  assert.match(readFileSync(join(docs, 'index/interfaces/PendingCall.md'), 'utf8'), /\[`User`\]\(User\.md\)/);
});

test('handler signatures name the event types instead of expanding them', () => {
  const client = readFileSync(join(docs, 'index/classes/StreamVideoClient.md'), 'utf8');
  assert.match(client, /`K` \*extends\* \[`StreamEventName`\]/);
  assert.match(client, /\[`EventHandler`\]\([^)]*\)\\<\[`StreamEvent`\]/);
  assert.not.match(client, /"call\.created"` \\\| `"call\.ring"/);
});

test.run();
