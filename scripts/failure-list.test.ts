import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FAILURES_FILE_ENV, errorHead, formatFailureList, readFailures, recordFailures } from './failure-list';

const dir = mkdtempSync(path.join(tmpdir(), 'failure-list-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the failed tests recorded for the summary of npm test', () => {
  it('round-trips through the file the environment names, and ignores a torn line', () => {
    const file = path.join(dir, 'a.jsonl');
    recordFailures([{ where: 'a.test.ts › x', error: 'boom' }], { [FAILURES_FILE_ENV]: file });
    recordFailures([{ where: 'b.test.ts › y', error: 'bang', flaky: true }], { [FAILURES_FILE_ENV]: file });
    writeFileSync(file, readFileSync(file, 'utf8') + '{"where": "cut sh');
    expect(readFailures(file)).toEqual([
      { where: 'a.test.ts › x', error: 'boom' },
      { where: 'b.test.ts › y', error: 'bang', flaky: true },
    ]);
    expect(readFailures(path.join(dir, 'absent.jsonl'))).toEqual([]);
    recordFailures([{ where: 'c', error: 'd' }], {}); // no file named: nothing written, no throw
  });

  it('keeps the first non-empty lines of an error, without colours, each cut at 240 characters', () => {
    expect(errorHead('\n\u001b[31mexpected 1 to be 2\u001b[39m\n\n  at x')).toBe('expected 1 to be 2\n  at x');
    expect(errorHead('x'.repeat(400))).toHaveLength(241);
    expect(errorHead(Array.from({ length: 12 }, (_, i) => `line ${i}`).join('\n')).split('\n')).toEqual([
      ...Array.from({ length: 8 }, (_, i) => `line ${i}`),
      '… 4 more lines',
    ]);
    expect(errorHead('')).toBe('(no message)');
    expect(formatFailureList(Array.from({ length: 3 }, (_, i) => ({ where: `t${i}`, error: 'e' })), 2).at(-1)).toContain('and 1 more');
  });

  it('a real vitest run with the project reporter records the failed test and the flaky one by file, group and name', () => {
    const file = path.join(dir, 'vitest.jsonl');
    const r = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'scripts/fixtures/failing.vitest.config.ts'], {
      env: { ...process.env, [FAILURES_FILE_ENV]: file },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(1);
    const recorded = readFailures(file);
    expect(recorded).toHaveLength(2);
    const [failed, flaky] = [recorded.filter((f) => !f.flaky), recorded.filter((f) => f.flaky)];
    expect(failed.map((f) => f.where)).toEqual(['scripts/fixtures/failing-suite.fixture.ts › a group › fails on purpose']);
    expect(failed[0]!.error).toMatch(/the value it got.*the value it wanted/);
    // Passed on its retry: recorded as flaky, with the error of the attempt that failed.
    expect(flaky.map((f) => f.where)).toEqual(['scripts/fixtures/failing-suite.fixture.ts › a group › flaky on purpose']);
    expect(flaky[0]!.error).toMatch(/the first attempt fails/);
  });
});
