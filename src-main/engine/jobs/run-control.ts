import type { TrainState } from '../../contract';

/**
 * The run semantics every training loop in a worker shares (the tokenizer's and the predictor's):
 * pause waits between steps, resume wakes it, stop ends it after the current step with a final
 * checkpoint, checkpoint requests are answered between steps, scheduled checkpoints every N
 * steps, progress reported with a message on each state change. The loop's own work (a step,
 * a snapshot, a progress report) comes in as hooks; this class owns only the state machine.
 */
export type RunDoneReason = 'completed' | 'stopped';

export interface RunHooks {
  totalSteps: number;
  /** Scheduled checkpoints every N steps (0: only the final one). */
  checkpointEvery: number;
  /** Steps done so far (a resumed run starts above 0). */
  step(): number;
  /** One optimisation step. */
  trainStep(): Promise<void>;
  /** A snapshot: scheduled or requested (`id`), or the final one on stop or completion. */
  checkpoint(final: boolean, id?: number): Promise<void>;
  /** A progress report; `force` for state changes, else the callee may throttle. */
  progress(force: boolean, message?: string): void;
}

export class RunControl {
  private current: TrainState = 'idle';
  private stopRequested = false;
  private wake: (() => void) | null = null;
  private readonly checkpointRequests: number[] = [];
  private ran = false;

  get state(): TrainState {
    return this.current;
  }

  /**
   * Marks the run as started before `run` is called (a worker does this on its start message,
   * so a pause or stop that arrives while the backend is still loading is kept).
   */
  begin(): void {
    if (this.current === 'idle') this.current = 'running';
  }

  pause(): void {
    if (this.current === 'running') this.current = 'paused';
  }

  resume(): void {
    if (this.current === 'paused') this.current = 'running';
    this.wakeUp();
  }

  /** Stop after the current step (a final checkpoint is still taken). */
  stop(): void {
    this.stopRequested = true;
    if (this.current === 'running' || this.current === 'paused') this.current = 'stopping';
    this.wakeUp();
  }

  /** Ask for a checkpoint between steps; the `checkpoint` hook receives this id. */
  requestCheckpoint(id: number): void {
    this.checkpointRequests.push(id);
    this.wakeUp();
  }

  /** Runs the loop to completion or stop; on an error the state becomes 'error' and it rethrows. */
  async run(h: RunHooks): Promise<RunDoneReason> {
    if (this.ran) throw new Error('this run was already started');
    this.ran = true;
    this.begin();
    try {
      h.progress(true, 'started');
      while (h.step() < h.totalSteps && !this.stopRequested) {
        while (this.checkpointRequests.length) await h.checkpoint(false, this.checkpointRequests.shift());
        if (this.current === 'paused') {
          h.progress(true, 'paused');
          await new Promise<void>((r) => (this.wake = r));
          if ((this.current as TrainState) === 'running') h.progress(true, 'resumed');
          continue;
        }
        await h.trainStep();
        h.progress(false);
        const every = h.checkpointEvery;
        if (every > 0 && h.step() % every === 0 && h.step() < h.totalSteps) await h.checkpoint(false);
        // Lets queued messages (pause, stop, checkpoint requests) in between steps: awaiting
        // tensor reads alone may not.
        await new Promise<void>((r) => setImmediate(r));
      }
      while (this.checkpointRequests.length) await h.checkpoint(false, this.checkpointRequests.shift());
      const reason: RunDoneReason = this.stopRequested ? 'stopped' : 'completed';
      await h.checkpoint(true);
      this.current = 'done';
      h.progress(true, reason);
      return reason;
    } catch (err) {
      this.current = 'error';
      throw err;
    }
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}

/**
 * A gate for progress reports: a person reads a few updates a second, so at most `hz` (capped
 * at 4, default 4) pass; forced ones (state changes) always pass and restart the interval.
 */
export function progressGate(hz = 4): (force: boolean) => boolean {
  const minGapMs = 1000 / Math.min(Math.max(hz, 0.1), 4);
  let last = -Infinity;
  return (force) => {
    const now = performance.now();
    if (!force && now - last < minGapMs) return false;
    last = now;
    return true;
  };
}
