import { describe, expect, it } from 'vitest';
import { RecentCheckpoints } from './recent-checkpoints';
import type { RunInfo } from '../contract/index';

const run = { checkpoints: [{ step: 10, path: '/run/step-10', mtimeMs: 0, sizeBytes: 1 }, { step: 20, path: '/run/step-20', mtimeMs: 0, sizeBytes: 1 }] } as RunInfo;

describe('recent checkpoints offered to the comparison', () => {
  it('most recent first, then remembered ones, then the run newest first; once each; the shown one left out', () => {
    const r = new RecentCheckpoints(['/old.ckpt', '/a.ckpt']);
    r.add('/a.ckpt', 'opened', 3);
    r.add('/b.ckpt', 'written', 7);
    r.add('/a.ckpt', 'opened', 3);
    expect(r.list('/b.ckpt', run).map((c) => `${c.origin}:${c.path}`)).toEqual(['opened:/a.ckpt', 'settings:/old.ckpt', 'run:/run/step-20', 'run:/run/step-10']);
    expect(r.list(null, null).map((c) => c.path)).toEqual(['/a.ckpt', '/b.ckpt', '/old.ckpt']);
  });

  it('keeps a bounded list', () => {
    const r = new RecentCheckpoints();
    for (let i = 0; i < 30; i++) r.add(`/c${i}.ckpt`, 'written');
    const l = r.list(null, null);
    expect(l.length).toBe(12);
    expect(l[0]!.path).toBe('/c29.ckpt');
  });
});
