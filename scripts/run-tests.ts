/**
 * `npm test`: every part of the test suite in order — type checks, svelte-check, the unit tests,
 * the browser-mode build and the end-to-end tests — each run even when an earlier one failed (an
 * `&&` chain silently skipped the browser tests after one slow unit test), then a summary of each
 * part. Exits non-zero when any part failed. `--only name,name` runs a subset.
 */
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';

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
}

export type Runner = (command: string) => Promise<number | string | null>;

export const PARTS: Part[] = [
  { name: 'typecheck', command: 'npm run typecheck' },
  { name: 'check:ui', command: 'npm run check:ui' },
  { name: 'unit', command: 'npx vitest run' },
  { name: 'build:web', command: 'npm run build:web' },
  // The end-to-end tests drive the build just made: without one they cannot say anything.
  { name: 'e2e', command: 'npx playwright test', needs: 'build:web' },
];

function run(command: string): Promise<number | string | null> {
  return new Promise((resolve) => {
    const child = spawn(command, { shell: true, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : code));
    child.on('error', (err) => resolve(err.message));
  });
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export async function runParts(parts: Part[], runner: Runner = run, log = (line: string): void => void process.stdout.write(line + '\n')): Promise<boolean> {
  const results: PartResult[] = [];
  for (const part of parts) {
    const needed = part.needs && results.find((r) => r.name === part.needs);
    if (needed && needed.status !== 'passed') {
      results.push({ name: part.name, status: 'not run', detail: `${part.needs} failed`, ms: 0 });
      continue;
    }
    log(`\n━━ ${part.name}: ${part.command}`);
    const t0 = Date.now();
    const code = await runner(part.command);
    results.push({ name: part.name, status: code === 0 ? 'passed' : 'FAILED', detail: code === 0 ? '' : `exit ${code}`, ms: Date.now() - t0 });
  }
  log('\n━━ test summary');
  for (const r of results) log(`  ${r.status.padEnd(7)}  ${r.name.padEnd(10)} ${r.ms ? seconds(r.ms).padStart(8) : ''.padStart(8)}  ${r.detail}`);
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
