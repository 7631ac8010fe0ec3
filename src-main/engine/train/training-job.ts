import type { BackendStatus, TrainConfig, TrainMetrics, TrainProgress } from '../../contract';
import type { InitBackendOptions } from '../backend/init-backend';
import { JobHandle } from '../jobs/job-handle';
import { WorkerJob } from '../jobs/worker-job';
import type { DoneReason, FromWorker, StartMessage } from './protocol';
import type { PlainTensor, TrainSnapshot } from './snapshot';
import type { SourceSpec } from './source-spec';

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
  /** Live weights every this many milliseconds (the `weights` event); 0/absent: none. */
  weightsEveryMs?: number;
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
  /** The run's current weights (live views), every `weightsEveryMs`. */
  weights: [{ step: number; weights: Record<string, PlainTensor> }];
  checkpoint: [TrainSnapshot, { final: boolean; id?: number }];
  checkpointSaved: [{ file: string; step: number; sizeBytes: number; final: boolean }];
  error: [Error];
  done: [TrainingDone];
}

export class TrainingJob extends JobHandle<TrainingJobEvents, TrainSnapshot, TrainingDone> {
  constructor(private readonly opts: TrainingJobOptions) {
    super();
    const start: StartMessage = {
      type: 'start',
      config: opts.config,
      source: opts.source,
      resume: opts.resume,
      resumeFrom: opts.resumeFrom,
      checkpointPath: opts.checkpointPath,
      backend: opts.backend,
      progressHz: opts.progressHz,
      ...(opts.weightsEveryMs ? { weightsEveryMs: opts.weightsEveryMs } : {}),
    };
    this.attach(new WorkerJob<TrainSnapshot, TrainMetrics, OwnReply, TrainingDone>({
      entry: opts.entry ?? new URL('./train-worker.ts', import.meta.url),
      name: 'training worker',
      start,
      onCheckpoint: opts.onCheckpoint,
      onSnapshot: (snapshot, info) => this.emit('checkpoint', snapshot, info),
      onMessage: (msg) => {
        switch (msg.type) {
          case 'started':
            this.emit('started', { backend: msg.backend, step: msg.step, tokenGrid: msg.tokenGrid });
            break;
          case 'progress':
            this.emit('progress', msg.progress);
            break;
          case 'weights':
            this.emit('weights', { step: msg.step, weights: msg.weights });
            break;
          case 'checkpoint-saved':
            this.emit('checkpointSaved', { file: msg.file, step: msg.step, sizeBytes: msg.sizeBytes, final: msg.final });
            break;
        }
      },
      finish: (msg) => {
        const d = { reason: msg.reason, step: msg.step, metrics: msg.metrics };
        this.emit('done', d);
        return d;
      },
      // Emitting 'error' with no listener would throw: the promise carries it then.
      onError: (err) => void (this.listenerCount('error') && this.emit('error', err)),
    }));
  }
}

type OwnReply = Exclude<FromWorker, { type: 'checkpoint' | 'error' | 'done' }>;
