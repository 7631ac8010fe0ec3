/**
 * The failed tests of a run, and the flaky ones (failed, then passed when run again), written by
 * the vitest and Playwright reporters beside their own output and printed again in `npm test`'s
 * final summary. CI keeps only the tail of a long log: without this, a unit test that failed 500 s
 * before the end of the run is named nowhere in it, and a flaky one nowhere at all.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

/** The file the reporters append to, one JSON line per failed test; run-tests.ts sets it per part. */
export const FAILURES_FILE_ENV = 'TOKENSCOPE_TEST_FAILURES_FILE';

export interface FailedTest {
  /** "file › describe › test". */
  where: string;
  /** The head of the first error (errorHead). */
  error: string;
  /** It failed, then passed on a retry: the part passes, and the summary still names it. */
  flaky?: boolean;
}

const MAX_LINES = 8;
const MAX_LINE = 240;

/**
 * The head of an error: its first non-empty lines, without colours, each cut short. Several lines,
 * not one: an assertion given a message (a command's stderr, say) puts the message first.
 */
export function errorHead(message: string): string {
  // eslint-disable-next-line no-control-regex
  const lines = message.split('\n').map((l) => l.replace(/\u001b\[[0-9;]*m/g, '').trimEnd()).filter((l) => l.trim() !== '');
  if (lines.length === 0) return '(no message)';
  const head = lines.slice(0, MAX_LINES).map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE)}…` : l));
  if (lines.length > MAX_LINES) head.push(`… ${lines.length - MAX_LINES} more lines`);
  return head.join('\n');
}

/** Appends to the file named by the environment, when a runner named one. */
export function recordFailures(failed: FailedTest[], env: NodeJS.ProcessEnv = process.env): void {
  const file = env[FAILURES_FILE_ENV];
  if (!file || failed.length === 0) return;
  appendFileSync(file, failed.map((f) => JSON.stringify(f) + '\n').join(''));
}

export function readFailures(file: string): FailedTest[] {
  if (!existsSync(file)) return [];
  const out: FailedTest[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const f = JSON.parse(line) as Partial<FailedTest>;
      if (typeof f.where === 'string' && typeof f.error === 'string') out.push({ where: f.where, error: f.error, ...(f.flaky ? { flaky: true } : {}) });
    } catch {
      // A line cut short by a crash: the others still say something.
    }
  }
  return out;
}

export function formatFailureList(failed: FailedTest[], max = 20): string[] {
  const lines = failed.slice(0, max).map((f) => `      ✗ ${f.where}\n${f.error.split('\n').map((l) => `          ${l}`).join('\n')}`);
  if (failed.length > max) lines.push(`      … and ${failed.length - max} more`);
  return lines;
}
