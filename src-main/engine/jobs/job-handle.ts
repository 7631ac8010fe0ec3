import { EventEmitter } from 'node:events';
import type { WorkerJob } from './worker-job';

/**
 * The commands every worker-thread job offers its caller (pause, resume, stop, checkpoint,
 * terminate), shared by the tokenizer's TrainingJob and the predictor's PredictorTrainingJob;
 * each subclass builds its WorkerJob and routes its own events.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export abstract class JobHandle<TEvents extends Record<keyof TEvents, any[]>, TSnapshot, TDone> extends EventEmitter<TEvents> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private job!: WorkerJob<TSnapshot, any, any, TDone>;

  /** Called once from the subclass's constructor (its callbacks need `this`, so not through super()). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  protected attach(job: WorkerJob<TSnapshot, any, any, TDone>): void {
    this.job = job;
  }

  /** Resolves when the run ends (completed or stopped, final snapshot handled); rejects on error. */
  get done(): Promise<TDone> {
    return this.job.done;
  }

  pause(): void {
    this.job.send({ type: 'pause' });
  }

  resume(): void {
    this.job.send({ type: 'resume' });
  }

  /** Asks the run to stop after the current step; resolves like `done` (after the final snapshot). */
  stop(): Promise<TDone> {
    this.job.send({ type: 'stop' });
    return this.done;
  }

  /** A snapshot of the run as it is now (the checkpoint hook sees it too). */
  requestCheckpoint(): Promise<TSnapshot> {
    return this.job.requestCheckpoint();
  }

  /** Ends the worker at once (no final snapshot). */
  terminate(): Promise<void> {
    return this.job.terminate();
  }
}
