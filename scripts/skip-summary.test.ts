import { describe, expect, it } from 'vitest';
import { formatSkipSummary, skippedEntries } from './skip-summary';

describe('the skipped-tests summary', () => {
  it('lists each skipped test, a wholly skipped group once, with the note or the title as the reason', () => {
    const file = {
      name: 'src/a.test.ts',
      children: [
        { name: 'runs', skipped: false },
        { name: 'native backend (skipped: libtensorflow absent)', skipped: true },
        { name: 'dynamic', skipped: true, note: 'no GPU on this machine' },
        {
          name: 'matches PyTorch (skipped: /usr/bin/python3 cannot import torch)',
          children: [
            { name: 'one', skipped: true },
            { name: 'two', skipped: true },
          ],
        },
        { name: 'mystery', skipped: true },
      ],
    };
    const entries = skippedEntries(file);
    expect(entries).toEqual([
      { where: 'src/a.test.ts › native backend (skipped: libtensorflow absent)', tests: 1, reason: 'see its title' },
      { where: 'src/a.test.ts › dynamic', tests: 1, reason: 'no GPU on this machine' },
      { where: 'src/a.test.ts › matches PyTorch (skipped: /usr/bin/python3 cannot import torch)', tests: 2, reason: 'see its title' },
      { where: 'src/a.test.ts › mystery', tests: 1, reason: 'NO REASON GIVEN: say why in the title or with ctx.skip(note)' },
    ]);
    const text = formatSkipSummary(entries);
    expect(text).toContain('Skipped: 5 tests, and why:');
    expect(text).toContain('  ↓ src/a.test.ts › dynamic — no GPU on this machine');
    expect(text).toContain('(2 tests)');
  });

  it('prints nothing when nothing was skipped', () => {
    expect(formatSkipSummary(skippedEntries({ name: 'f', children: [{ name: 't', skipped: false }] }))).toBe('');
  });
});
