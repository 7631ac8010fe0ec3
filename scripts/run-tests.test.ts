import { describe, expect, it } from 'vitest';
import { appendFileSync } from 'node:fs';
import { FAILURES_FILE_ENV } from './failure-list';
import { LineTail, runParts } from './run-tests';
import type { Part } from './run-tests';

describe('npm test runs every part and reports each (issue 12: the && chain skipped the browser tests)', () => {
  const parts: Part[] = [
    { name: 'typecheck', command: 'tc' },
    { name: 'unit', command: 'unit' },
    { name: 'build:web', command: 'build' },
    { name: 'e2e', command: 'e2e', needs: 'build:web' },
  ];

  it('goes on after a failed part, fails overall, and names each part in the summary', async () => {
    const ran: string[] = [];
    const lines: string[] = [];
    const ok = await runParts(parts, async (c) => (ran.push(c), { code: c === 'unit' ? 1 : 0, tail: [] }), (l) => lines.push(l));
    expect(ok).toBe(false);
    expect(ran).toEqual(['tc', 'unit', 'build', 'e2e']);
    const summary = lines.slice(lines.indexOf('\n━━ test summary'));
    expect(summary.find((l) => l.includes(' unit '))).toMatch(/^\s+FAILED\s+unit\s.*exit 1$/);
    expect(summary.find((l) => l.includes(' e2e '))).toMatch(/^\s+passed\s+e2e/);
    expect(summary.at(-1)).toBe('  1 of 4 parts did not pass');
  });

  it('does not run the browser tests without a build, and says why', async () => {
    const ran: string[] = [];
    const lines: string[] = [];
    expect(await runParts(parts, async (c) => (ran.push(c), { code: c === 'build' ? 2 : 0, tail: [] }), (l) => lines.push(l))).toBe(false);
    expect(ran).toEqual(['tc', 'unit', 'build']);
    expect(lines.find((l) => l.includes(' e2e '))).toMatch(/not run\s+e2e\s+build:web failed/);
  });

  it('passes when every part passes', async () => {
    expect(await runParts(parts, async () => ({ code: 0, tail: [] }), () => undefined)).toBe(true);
  });

  it('names the failed tests in the summary (CI keeps only the tail of the log), else the last lines printed', async () => {
    const lines: string[] = [];
    const ok = await runParts(
      parts,
      async (c, env) => {
        if (c === 'unit') appendFileSync(env[FAILURES_FILE_ENV]!, JSON.stringify({ where: 'x.test.ts › group › it', error: 'expected 1 to be 2' }) + '\n');
        return c === 'unit' || c === 'tc' ? { code: 1, tail: ['src/a.ts(3,1): error TS2304', 'Found 1 error.'] } : { code: 0, tail: [] };
      },
      (l) => lines.push(l),
    );
    expect(ok).toBe(false);
    const summary = lines.slice(lines.indexOf('\n━━ test summary')).join('\n');
    expect(summary).toMatch(/FAILED\s+typecheck.*\n    its last lines:\n      \| src\/a.ts\(3,1\): error TS2304\n      \| Found 1 error\./);
    expect(summary).toMatch(/FAILED\s+unit.*\n    1 failed:\n      ✗ x.test.ts › group › it\n          expected 1 to be 2/);
    expect(summary).not.toMatch(/Found 1 error[^]*FAILED\s+unit[^]*Found 1 error/); // the unit part names its tests, not its tail
  });

  it('keeps the last lines of a stream cut anywhere, without colour codes', () => {
    const t = new LineTail(2);
    for (const chunk of ['a\nb', 'b\n\u001b[31mc\u001b[39m\n', 'd']) t.push(chunk);
    expect(t.get()).toEqual(['c', 'd']);
  });

  it('names flaky tests (passed only when run again) even when their part passed', async () => {
    const lines: string[] = [];
    const ok = await runParts(
      parts,
      async (c, env) => {
        if (c === 'e2e') appendFileSync(env[FAILURES_FILE_ENV]!, JSON.stringify({ where: 'e2e/a.spec.ts › b', error: 'timed out', flaky: true }) + '\n');
        return { code: 0, tail: [] };
      },
      (l) => lines.push(l),
    );
    expect(ok).toBe(true);
    const summary = lines.slice(lines.indexOf('\n━━ test summary')).join('\n');
    expect(summary).toMatch(/passed\s+e2e.*1 flaky\n    1 passed only when run again \(flaky: fix them\):\n      ✗ e2e\/a.spec.ts › b\n          timed out/);
    expect(summary).toMatch(/all 4 parts passed$/);
  });
});
