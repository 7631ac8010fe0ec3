import { describe, expect, test } from 'vitest';
import { FakeService } from './fake-client';
import { RunStore } from './run.svelte';
import { emptyColumns } from '../logic/series';

describe('RunStore: the comparison\'s second checkpoint from the recent list', () => {
  test('the recent list comes from the service; picking one opens the comparison on it, without a followed run', async () => {
    const svc = new FakeService();
    const store = new RunStore({ client: svc.client(), series: emptyColumns(), toast: () => undefined });
    await store.loadRecent();
    expect(store.recent.map((r) => r.path)).toEqual(['/ck/b.ckpt', '/run/step-9']);
    expect(store.info).toBeNull();
    await store.compare(store.recent[0]!.path);
    expect(svc.calls.openComparison).toBe(1);
    expect(store.compareWith?.path).toBe('/ck/b.ckpt');
  });
});
