import type { RunCheckpoint, RunEvent, RunInfo, TrainMetrics } from '../contract/index';
import { RunFollower, type RunSnapshot } from './run-follower';

export interface FollowedRunHost {
  emit(e: RunEvent): void;
  error(message: string): void;
  /** Loads a checkpoint folder into the views; false when it may not now (local training owns them). */
  load(path: string): Promise<boolean>;
}

/** Metrics kept per run (a long cluster run is thinned to this many, evenly, keeping the newest). */
const MAX_METRICS = 20_000;

/**
 * A run folder the workspace follows: its checkpoints and metrics (RunFollower), and which of
 * its checkpoints the views show — the newest as it lands, or one the user pinned. Loads are
 * serialised, and a load that lost the race to a newer checkpoint is followed by that one.
 */
export class FollowedRun {
  private readonly follower: RunFollower;
  private checkpoints: RunCheckpoint[] = [];
  private metrics: TrainMetrics[] = [];
  private follow = true;
  private pinned: number | null = null;
  private shown: RunCheckpoint | null = null;
  private loading: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly dir: string,
    private readonly host: FollowedRunHost,
    pollMs?: number,
  ) {
    this.follower = new RunFollower(dir, (s) => this.onSnapshot(s), (err) => host.error(`following ${dir}: ${err.message}`), pollMs);
  }

  async start(): Promise<{ info: RunInfo; metrics: TrainMetrics[] }> {
    const first = await this.follower.start();
    this.checkpoints = first.checkpoints;
    this.addMetrics(first.newMetrics);
    await this.sync();
    return { info: this.info(), metrics: [...this.metrics] };
  }

  info(): RunInfo {
    return {
      dir: this.dir,
      checkpoints: this.checkpoints.map((c) => ({ ...c })),
      follow: this.follow,
      pinned: this.pinned,
      shownStep: this.shown?.step ?? null,
      metricsCount: this.metrics.length,
    };
  }

  async setFollow(follow: boolean, step?: number): Promise<RunInfo> {
    if (!follow) {
      const target = step ?? this.shown?.step;
      if (target === undefined || !this.checkpoints.some((c) => c.step === target)) {
        throw new Error(`setRunFollow: the run has no checkpoint at step ${String(target)} (it has ${this.checkpoints.map((c) => c.step).join(', ') || 'none yet'})`);
      }
      this.pinned = target;
    } else {
      this.pinned = null;
    }
    this.follow = follow;
    await this.sync();
    this.host.emit({ info: this.info(), newMetrics: [], reset: false });
    return this.info();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.follower.close();
    await this.loading.catch(() => undefined);
  }

  private onSnapshot(s: RunSnapshot): void {
    if (this.closed) return;
    this.checkpoints = s.checkpoints;
    if (s.metricsReset) this.metrics = [];
    this.addMetrics(s.newMetrics);
    this.host.emit({ info: this.info(), newMetrics: s.newMetrics, reset: s.metricsReset });
    void this.sync().then(() => {
      if (!this.closed) this.host.emit({ info: this.info(), newMetrics: [], reset: false });
    });
  }

  private addMetrics(m: TrainMetrics[]): void {
    this.metrics.push(...m);
    if (this.metrics.length > MAX_METRICS) {
      // Keep every other one of the older half: the curve's shape survives, memory stays bounded.
      const half = Math.floor(this.metrics.length / 2);
      this.metrics = [...this.metrics.slice(0, half).filter((_, i) => i % 2 === 0), ...this.metrics.slice(half)];
    }
  }

  private target(): RunCheckpoint | undefined {
    return this.follow ? this.checkpoints[this.checkpoints.length - 1] : this.checkpoints.find((c) => c.step === this.pinned);
  }

  /** Loads the checkpoint the views should show, if it is not the one they show. */
  private sync(): Promise<void> {
    this.loading = this.loading.then(async () => {
      const t = this.target();
      if (this.closed || !t || (this.shown && this.shown.path === t.path && this.shown.mtimeMs === t.mtimeMs)) return;
      try {
        if (await this.host.load(t.path)) this.shown = t;
      } catch (err) {
        this.host.error(`${t.path}: cannot open the run's checkpoint: ${(err as Error).message}`);
      }
    });
    return this.loading;
  }
}
