import { describe, expect, it } from 'vitest';
import { runParts } from './run-tests';
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
    const ok = await runParts(parts, async (c) => (ran.push(c), c === 'unit' ? 1 : 0), (l) => lines.push(l));
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
    expect(await runParts(parts, async (c) => (ran.push(c), c === 'build' ? 2 : 0), (l) => lines.push(l))).toBe(false);
    expect(ran).toEqual(['tc', 'unit', 'build']);
    expect(lines.find((l) => l.includes(' e2e '))).toMatch(/not run\s+e2e\s+build:web failed/);
  });

  it('passes when every part passes', async () => {
    expect(await runParts(parts, async () => 0, () => undefined)).toBe(true);
  });
});
