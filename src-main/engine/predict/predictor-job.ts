import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { BackendStatus } from '../../contract';
import type { InitBackendOptions } from '../backend/init-backend';
import { workerEntry } from '../train/worker-entry';
import type { PredictorConfig } from './predictor-config';
import type { FromPredictorWorker, ToPredictorWorker } from './predictor-protocol';
import type { PredictorSnapshot } from './predictor-snapshot';
import type { PredictorStepMetrics } from './predictor-trainer';
import type { PredictorDoneReason, PredictorProgress, PredictorTrainOptions } from './predictor-training';
import type { TokenVolume } from './token-volume';

/**
 * The calling side of a predictor training run in a worker thread (the TrainingJob pattern):
 * commands as methods, what comes back as events. `onCheckpoint` receives every snapshot (on
 * schedule, on request, and the final one), and `done` resolves only after it has handled the
 * final one — which is also the trained model: `predictorFromSnapshot(final)`.
 */
export interface PredictorJobOptions {
  volumes: TokenVolume[];
  model?: Partial<PredictorConfig>;
  options?: Partial<PredictorTrainOptions>;
  resume?: PredictorSnapshot;
  backend?: InitBackendOptions;
  onCheckpoint?: (snapshot: PredictorSnapshot, info: { final: boolean; id?: number }) => Promise<void> | void;
  /** The worker module (default: predictor-worker next to this file). */
  entry?: URL;
}

export interface PredictorJobDone {
  reason: PredictorDoneReason;
  step: number;
  metrics?: PredictorStepMetrics;
  /** The final snapshot (the trained weights). */
  snapshot: PredictorSnapshot;
}

export interface PredictorJobEvents {
  started: [{ backend: BackendStatus; step: number; config: PredictorConfig; parameters: number }];
  progress: [PredictorProgress];
  checkpoint: [PredictorSnapshot, { final: boolean; id?: number }];
  error: [Error];
  done: [PredictorJobDone];
}

export class PredictorTrainingJob extends EventEmitter<PredictorJobEvents> {
  readonly done: Promise<PredictorJobDone>;
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, (s: PredictorSnapshot) => void>();
  private hookChain: Promise<void> = Promise.resolve();
  private finalSnapshot: PredictorSnapshot | null = null;
  private finished = false;

  constructor(private readonly opts: PredictorJobOptions) {
    super();
    const entry = opts.entry ?? new URL('./predictor-worker.ts', import.meta.url);
    const { url, execArgv } = workerEntry(entry);
    this.worker = new Worker(url, { workerData: { entry: entry.href }, execArgv });
    this.done = new Promise<PredictorJobDone>((resolve, reject) => {
      const fail = (err: Error) => {
        if (this.finished) return;
        this.finished = true;
        if (this.listenerCount('error')) this.emit('error', err);
        void this.worker.terminate();
        reject(err);
      };
      this.worker.on('message', (msg: FromPredictorWorker) => {
        switch (msg.type) {
          case 'started':
            this.emit('started', { backend: msg.backend, step: msg.step, config: msg.config, parameters: msg.parameters });
            break;
          case 'progress':
            this.emit('progress', msg.progress);
            break;
          case 'checkpoint': {
            const info = { final: msg.final, id: msg.id };
            if (msg.final) this.finalSnapshot = msg.snapshot;
            this.emit('checkpoint', msg.snapshot, info);
            if (msg.id !== undefined) {
              this.pending.get(msg.id)?.(msg.snapshot);
              this.pending.delete(msg.id);
            }
            const hook = this.opts.onCheckpoint;
            if (hook) this.hookChain = this.hookChain.then(() => hook(msg.snapshot, info));
            this.hookChain.catch(fail);
            break;
          }
          case 'error':
            fail(new Error(msg.message));
            break;
          case 'done':
            this.hookChain.then(() => {
              if (this.finished) return;
              if (!this.finalSnapshot) return fail(new Error('predictor worker finished without a final snapshot'));
              this.finished = true;
              const d: PredictorJobDone = { reason: msg.reason, step: msg.step, metrics: msg.metrics, snapshot: this.finalSnapshot };
              this.emit('done', d);
              void this.worker.terminate();
              resolve(d);
            }, fail);
            break;
        }
      });
      this.worker.on('error', fail);
      this.worker.on('exit', (code) => {
        if (!this.finished) fail(new Error(`predictor worker exited unexpectedly (code ${code})`));
      });
    });
    this.done.catch(() => undefined);
    this.send({
      type: 'start',
      volumes: opts.volumes,
      model: opts.model ?? {},
      options: opts.options ?? {},
      resume: opts.resume,
      backend: opts.backend,
    });
  }

  pause(): void {
    this.send({ type: 'pause' });
  }

  resume(): void {
    this.send({ type: 'resume' });
  }

  /** Stops after the current step; resolves like `done` (after the final snapshot). */
  stop(): Promise<PredictorJobDone> {
    this.send({ type: 'stop' });
    return this.done;
  }

  requestCheckpoint(): Promise<PredictorSnapshot> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.send({ type: 'checkpoint-requested', id });
    });
  }

  async terminate(): Promise<void> {
    if (!this.finished) {
      this.finished = true;
      await this.worker.terminate();
    }
  }

  private send(msg: ToPredictorWorker): void {
    if (!this.finished) this.worker.postMessage(msg);
  }
}
