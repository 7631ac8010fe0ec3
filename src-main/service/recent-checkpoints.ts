import type { RecentCheckpoint, RunInfo } from '../contract/index';

/**
 * The checkpoints a comparison is offered: the ones this workspace opened or wrote, most recent
 * first, after them the ones the app remembered from earlier sessions (its settings' recent
 * items, handed in at start), then the followed run's, newest step first. A path appears once
 * (its most recent origin), and the checkpoint the views show is left out: it is side A.
 */
export const MAX_RECENT_CHECKPOINTS = 12;

export class RecentCheckpoints {
  private items: RecentCheckpoint[] = [];

  constructor(private readonly remembered: readonly string[] = []) {}

  add(path: string, origin: 'opened' | 'written', step?: number): void {
    this.items = [{ path, origin, ...(step !== undefined ? { step } : {}) }, ...this.items.filter((i) => i.path !== path)].slice(0, MAX_RECENT_CHECKPOINTS);
  }

  list(shown: string | null, run: RunInfo | null): RecentCheckpoint[] {
    const seen = new Set<string>(shown ? [shown] : []);
    const out: RecentCheckpoint[] = [];
    const push = (c: RecentCheckpoint) => {
      if (seen.has(c.path)) return;
      seen.add(c.path);
      out.push(c);
    };
    for (const c of this.items) push(c);
    for (const p of this.remembered) push({ path: p, origin: 'settings' });
    for (const c of [...(run?.checkpoints ?? [])].sort((x, y) => y.step - x.step)) push({ path: c.path, origin: 'run', step: c.step });
    return out;
  }
}
