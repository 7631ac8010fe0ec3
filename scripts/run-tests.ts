/**
 * `npm test`: every part of the test suite in order — type checks, svelte-check, the unit tests,
 * the browser-mode build and the end-to-end tests — each run even when an earlier one failed (an
 * `&&` chain silently skipped the browser tests after one slow unit test), then a summary of each
 * part. Exits non-zero when any part failed. `--only name,name` runs a subset.
 *
 * CI keeps only the tail of the log, so the summary names what failed: the failed tests that the
 * vitest and Playwright reporters recorded (failure-list.ts), or else the last lines the part printed;
 * and the flaky tests (each suite runs a failed test once more), even in a part that passed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FAILURES_FILE_ENV, formatFailureList, readFailures } from './failure-list';

export interface Part {
  name: string;
  command: string;
  /** A part that cannot say anything when this one failed. */
  needs?: string;
}

export interface PartResult {
  name: string;
  status: 'passed' | 'FAILED' | 'not run';
  detail: string;
  ms: number;
  /** Why it failed, a line each: its failed tests, or the last lines it printed. */
  why?: string[];
}

export interface RunOutcome {
  /** The exit code, or why the command did not exit on its own. */
  code: number | string | null;
  /** The last lines it printed. */
  tail: string[];
}

/** Runs a command with extra environment variables. */
export type Runner = (command: string, env: Record<string, string>) => Promise<RunOutcome>;

const TAIL_LINES = 15;

export const PARTS: Part[] = [
  { name: 'typecheck', command: 'npm run typecheck' },
  { name: 'check:ui', command: 'npm run check:ui' },
  { name: 'unit', command: 'npx vitest run' },
  { name: 'build:web', command: 'npm run build:web' },
  // The end-to-end tests drive the build just made: without one they cannot say anything.
  { name: 'e2e', command: 'npx playwright test', needs: 'build:web' },
];

/** Keeps the last `n` complete lines of a stream of chunks. */
export class LineTail {
  private lines: string[] = [];
  private partial = '';
  constructor(private readonly n: number) {}
  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > this.n) this.lines.splice(0, this.lines.length - this.n);
  }
  get(): string[] {
    // eslint-disable-next-line no-control-regex
    const all = [...this.lines, this.partial].map((l) => l.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').trimEnd());
    return all.filter((l) => l !== '').slice(-this.n);
  }
}

function run(command: string, env: Record<string, string>): Promise<RunOutcome> {
  return new Promise((resolve) => {
    const tail = new LineTail(TAIL_LINES);
    const child = spawn(command, { shell: true, stdio: ['inherit', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    child.stdout.on('data', (b: Buffer) => (process.stdout.write(b), tail.push(b.toString('utf8'))));
    child.stderr.on('data', (b: Buffer) => (process.stderr.write(b), tail.push(b.toString('utf8'))));
    child.on('close', (code, signal) => resolve({ code: signal ? `killed by ${signal}` : code, tail: tail.get() }));
    child.on('error', (err) => resolve({ code: err.message, tail: tail.get() }));
  });
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export async function runParts(parts: Part[], runner: Runner = run, log = (line: string): void => void process.stdout.write(line + '\n')): Promise<boolean> {
  const results: PartResult[] = [];
  const scratch = mkdtempSync(path.join(tmpdir(), 'tokenscope-test-run-'));
  for (const part of parts) {
    const needed = part.needs && results.find((r) => r.name === part.needs);
    if (needed && needed.status !== 'passed') {
      results.push({ name: part.name, status: 'not run', detail: `${part.needs} failed`, ms: 0 });
      continue;
    }
    log(`\n━━ ${part.name}: ${part.command}`);
    const t0 = Date.now();
    const failuresFile = path.join(scratch, `${part.name.replace(/[^\w-]/g, '_')}.jsonl`);
    const { code, tail } = await runner(part.command, { [FAILURES_FILE_ENV]: failuresFile });
    const ms = Date.now() - t0;
    const recorded = readFailures(failuresFile);
    const flaky = recorded.filter((f) => f.flaky);
    const flakyLines = flaky.length ? [`    ${flaky.length} passed only when run again (flaky: fix them):`, ...formatFailureList(flaky)] : [];
    if (code === 0) {
      results.push({ name: part.name, status: 'passed', detail: flaky.length ? `${flaky.length} flaky` : '', ms, why: flakyLines });
      continue;
    }
    const failed = recorded.filter((f) => !f.flaky);
    const why = failed.length
      ? [`    ${failed.length} failed:`, ...formatFailureList(failed)]
      : ['    its last lines:', ...tail.map((l) => `      | ${l}`)];
    why.push(...flakyLines);
    results.push({ name: part.name, status: 'FAILED', detail: `exit ${code}`, ms, why });
  }
  rmSync(scratch, { recursive: true, force: true });
  log('\n━━ test summary');
  for (const r of results) {
    log(`  ${r.status.padEnd(7)}  ${r.name.padEnd(10)} ${r.ms ? seconds(r.ms).padStart(8) : ''.padStart(8)}  ${r.detail}`);
    for (const line of r.why ?? []) log(line);
  }
  const failed = results.filter((r) => r.status !== 'passed');
  log(failed.length ? `  ${failed.length} of ${results.length} parts did not pass` : `  all ${results.length} parts passed`);
  return failed.length === 0;
}

const isMain = !!process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt > 0 ? new Set((process.argv[onlyAt + 1] ?? '').split(',')) : null;
  const parts = only ? PARTS.filter((p) => only.has(p.name)) : PARTS;
  const ok = await runParts(parts);
  process.exit(ok ? 0 : 1);
}
