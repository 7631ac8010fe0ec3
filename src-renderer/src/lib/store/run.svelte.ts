/**
 * A followed training run (training kit's run folder, watched by the service): its checkpoints,
 * which one the views show, and its metrics as the training charts' curves. Kept apart from the
 * app store: it only needs a client and the app's series to write the curves into.
 */
import type { CheckpointInfo, ComparisonFrame, RecentCheckpoint, RunEvent, RunInfo, TokenScopeClient, TrainMetrics } from '../../../../src-main/contract/index';
import { appendMetrics, emptyColumns, type MetricColumns } from '../logic/series';

export interface RunHost {
  client: TokenScopeClient | null;
  series: MetricColumns;
  toast(text: string, kind?: 'error' | 'info'): void;
}

export class RunStore {
  info = $state.raw<RunInfo | null>(null);
  busy = $state(false);
  /** The second checkpoint compared with the one the views show, and its view of the current frame. */
  compareWith = $state.raw<CheckpointInfo | null>(null);
  comparison = $state.raw<ComparisonFrame | null>(null);
  /** Checkpoints offered as B: recently opened or written, remembered, and the followed run's. */
  recent = $state.raw<RecentCheckpoint[]>([]);
  private attached: TokenScopeClient | null = null;
  private off: (() => void) | null = null;

  constructor(private readonly host: RunHost) {}

  /** Subscribes to the client's run events once (the panel calls it when the client is there). */
  attach(client: TokenScopeClient): void {
    if (this.attached === client) return;
    this.off?.();
    this.attached = client;
    this.off = client.on('run', (e) => this.onEvent(e));
    void client.getRun().then((r) => (this.info = r));
  }

  async follow(dir: string): Promise<void> {
    const client = this.host.client;
    if (!client || !dir.trim()) return;
    this.busy = true;
    try {
      const { info, metrics } = await client.followRun(dir.trim());
      this.info = info;
      this.host.series = columnsOf(metrics);
      this.host.toast(`following ${info.dir}: ${info.checkpoints.length} checkpoint(s), ${info.metricsCount} step(s)`, 'info');
    } catch (err) {
      this.host.toast((err as Error).message);
    } finally {
      this.busy = false;
    }
  }

  async pin(step: number | null): Promise<void> {
    const client = this.host.client;
    if (!client || !this.info) return;
    try {
      this.info = await client.setRunFollow(step === null ? { follow: true } : { follow: false, step });
    } catch (err) {
      this.host.toast((err as Error).message);
    }
  }

  async stop(): Promise<void> {
    await this.host.client?.stopFollowingRun();
    this.info = null;
  }

  async compare(path: string): Promise<void> {
    const client = this.host.client;
    if (!client) return;
    try {
      this.compareWith = await client.openComparison(path);
    } catch (err) {
      this.host.toast((err as Error).message);
    }
  }

  /** Refreshes the recent-checkpoints pick list (the panel calls it when shown and when checkpoints change). */
  async loadRecent(): Promise<void> {
    const client = this.host.client;
    if (!client) return;
    try {
      this.recent = await client.recentCheckpoints();
    } catch (err) {
      this.host.toast((err as Error).message);
    }
  }

  async closeComparison(): Promise<void> {
    await this.host.client?.closeComparison();
    this.compareWith = null;
    this.comparison = null;
  }

  /** B's view of frame `index` (the panel calls it when the frame or either checkpoint changes). */
  async loadComparison(index: number): Promise<void> {
    const client = this.host.client;
    if (!client || !this.compareWith || index < 0) return;
    try {
      this.comparison = await client.getComparison(index, { channels: 'labels' });
    } catch (err) {
      this.comparison = null;
      this.host.toast((err as Error).message);
    }
  }

  private onEvent(e: RunEvent): void {
    this.info = e.info;
    if (e.reset) this.host.series = emptyColumns();
    if (e.newMetrics.length) {
      let cols = this.host.series;
      for (const m of e.newMetrics) cols = appendMetrics(cols, m);
      this.host.series = { ...cols };
    }
  }
}

function columnsOf(metrics: TrainMetrics[]): MetricColumns {
  let cols = emptyColumns();
  for (const m of metrics) cols = appendMetrics(cols, m);
  return { ...cols };
}
