import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { BackendStatus, TrainConfig, TrainMetrics, TrainProgress } from '../../contract';
import type { InitBackendOptions } from '../backend/init-backend';
import type { DoneReason, FromWorker, ToWorker } from './protocol';
import type { TrainSnapshot } from './snapshot';
import type { SourceSpec } from './source-spec';
import { workerEntry } from './worker-entry';

/**
 * The calling side of a training run in a worker thread: methods for the commands, events for
 * what comes back. Checkpoints happen every `checkpointEvery` steps, on request, and a final one
 * on stop or completion; two ways to keep them: `checkpointPath` (the worker writes the native
 * checkpoint file itself through engine/checkpoint, then `checkpointSaved` fires) and the
 * `onCheckpoint` hook (receives each snapshot as plain arrays). `done` resolves only after the
 * hook has finished with the final one.
 */
export interface TrainingJobOptions {
  config: TrainConfig;
  source: SourceSpec;
  resume?: TrainSnapshot;
  /** Continue from a native checkpoint file instead. */
  resumeFrom?: string;
  /** Native checkpoint file the worker writes every `checkpointEvery` steps and on stop/completion. */
  checkpointPath?: string;
  backend?: InitBackendOptions;
  progressHz?: number;
  onCheckpoint?: (snapshot: TrainSnapshot, info: { final: boolean; id?: number }) => Promise<void> | void;
  /** The worker module (default: train-worker next to this file, through the tsx bootstrap when running from sources). */
  entry?: URL;
}

export interface TrainingDone {
  reason: DoneReason;
  step: number;
  metrics?: TrainMetrics;
}

export interface TrainingJobEvents {
  started: [{ backend: BackendStatus; step: number; tokenGrid: [number, number] }];
  progress: [TrainProgress];
  checkpoint: [TrainSnapshot, { final: boolean; id?: number }];
  checkpointSaved: [{ file: string; step: number; sizeBytes: number; final: boolean }];
  error: [Error];
  done: [TrainingDone];
}

export class TrainingJob extends EventEmitter<TrainingJobEvents> {
  /** Resolves when the run ends (completed or stopped, final checkpoint handled); rejects on error. */
  readonly done: Promise<TrainingDone>;
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pendingCheckpoints = new Map<number, (s: TrainSnapshot) => void>();
  private hookChain: Promise<void> = Promise.resolve();
  private finished = false;

  constructor(private readonly opts: TrainingJobOptions) {
    super();
    const { url, execArgv } = workerEntry(opts.entry ?? new URL('./train-worker.ts', import.meta.url));
    this.worker = new Worker(url, { workerData: { entry: opts.entry?.href ?? new URL('./train-worker.ts', import.meta.url).href }, execArgv });
    this.done = new Promise<TrainingDone>((resolve, reject) => {
      const fail = (err: Error) => {
        if (this.finished) return;
        this.finished = true;
        // Emitting 'error' with no listener would throw: the promise carries it then.
        if (this.listenerCount('error')) this.emit('error', err);
        void this.worker.terminate();
        reject(err);
      };
      this.worker.on('message', (msg: FromWorker) => {
        switch (msg.type) {
          case 'started':
            this.emit('started', { backend: msg.backend, step: msg.step, tokenGrid: msg.tokenGrid });
            break;
          case 'progress':
            this.emit('progress', msg.progress);
            break;
          case 'checkpoint': {
            const info = { final: msg.final, id: msg.id };
            this.emit('checkpoint', msg.snapshot, info);
            if (msg.id !== undefined) this.pendingCheckpoints.get(msg.id)?.(msg.snapshot);
            if (msg.id !== undefined) this.pendingCheckpoints.delete(msg.id);
            const hook = this.opts.onCheckpoint;
            if (hook) this.hookChain = this.hookChain.then(() => hook(msg.snapshot, info));
            this.hookChain.catch(fail);
            break;
          }
          case 'checkpoint-saved':
            this.emit('checkpointSaved', { file: msg.file, step: msg.step, sizeBytes: msg.sizeBytes, final: msg.final });
            break;
          case 'error':
            fail(new Error(msg.message));
            break;
          case 'done':
            this.hookChain.then(() => {
              if (this.finished) return;
              this.finished = true;
              const d = { reason: msg.reason, step: msg.step, metrics: msg.metrics };
              this.emit('done', d);
              void this.worker.terminate();
              resolve(d);
            }, fail);
            break;
        }
      });
      this.worker.on('error', fail);
      this.worker.on('exit', (code) => {
        if (!this.finished) fail(new Error(`training worker exited unexpectedly (code ${code})`));
      });
    });
    // An unobserved rejection must not crash the process: callers that care await `done`.
    this.done.catch(() => undefined);
    this.send({
      type: 'start',
      config: opts.config,
      source: opts.source,
      resume: opts.resume,
      resumeFrom: opts.resumeFrom,
      checkpointPath: opts.checkpointPath,
      backend: opts.backend,
      progressHz: opts.progressHz,
    });
  }

  pause(): void {
    this.send({ type: 'pause' });
  }

  resume(): void {
    this.send({ type: 'resume' });
  }

  /** Asks the run to stop after the current step; resolves like `done` (after the final checkpoint). */
  stop(): Promise<TrainingDone> {
    this.send({ type: 'stop' });
    return this.done;
  }

  /** A snapshot of the run as it is now (the hook sees it too). */
  requestCheckpoint(): Promise<TrainSnapshot> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pendingCheckpoints.set(id, resolve);
      this.send({ type: 'checkpoint-requested', id });
    });
  }

  /** Ends the worker at once (no final checkpoint). */
  async terminate(): Promise<void> {
    if (!this.finished) {
      this.finished = true;
      await this.worker.terminate();
    }
  }

  private send(msg: ToWorker): void {
    if (!this.finished) this.worker.postMessage(msg);
  }
}
