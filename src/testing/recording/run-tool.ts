import { spawn } from 'node:child_process';
import { RecordingError } from './recording-error';

/** Lines of a tool's output kept for error messages. */
const OUTPUT_LINES = 20;
/** Most bytes of standard output kept (a header's JSON, never media). */
const MAX_STDOUT = 1 << 20;

/** Why a tool run was aborted: the job's time ran out, or the coordinator is closing. */
export type AbortReason = 'timeout' | 'closed';

/**
 * Runs `program` with `args` (no shell) and resolves with what it printed on standard
 * output. It is killed (SIGKILL) when `signal` aborts.
 * @throws RecordingError `tools_missing` when the program is not installed, `timeout` when
 *   `signal` aborted with reason `'timeout'`, `processing_failed` when it exits with another
 *   code than 0 (`output` holds its last lines) or was aborted otherwise.
 */
export function runTool(program: string, args: readonly string[], signal: AbortSignal, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(aborted(signal, what));
      return;
    }
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], signal, killSignal: 'SIGKILL' });
    let stdout = '';
    const lines: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < MAX_STDOUT) stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(line);
      if (lines.length > OUTPUT_LINES) lines.splice(0, lines.length - OUTPUT_LINES);
    });
    // An abort settles once the killed tool has exited, so that none outlives its failure.
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (signal.aborted) return;
      if (err.code === 'ENOENT') reject(new RecordingError('tools_missing', `${program} is not installed (needed to ${what})`, { cause: err }));
      else reject(new RecordingError('processing_failed', `could not run ${program} to ${what}`, { cause: err }));
    });
    child.once('close', (code, killed) => {
      if (signal.aborted) reject(aborted(signal, what));
      else if (code === 0) resolve(stdout);
      else
        reject(
          new RecordingError('processing_failed', `${program} failed to ${what} (exit ${code ?? killed})`, {
            output: [...lines, ...stdout.split('\n').slice(-3)].join('\n'),
          }),
        );
    });
  });
}

function aborted(signal: AbortSignal, what: string): RecordingError {
  return signal.reason === 'timeout'
    ? new RecordingError('timeout', `post-processing ran out of time while it had to ${what}`)
    : new RecordingError('processing_failed', `post-processing was stopped while it had to ${what} (the coordinator closed)`);
}
