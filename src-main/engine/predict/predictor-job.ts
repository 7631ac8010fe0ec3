import type { BackendStatus } from '../../contract';
import type { InitBackendOptions } from '../backend/init-backend';
import { JobHandle } from '../jobs/job-handle';
import { WorkerJob } from '../jobs/worker-job';
import type { PredictorConfig } from './predictor-config';
import type { FromPredictorWorker, PredictorStartMessage } from './predictor-protocol';
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

export class PredictorTrainingJob extends JobHandle<PredictorJobEvents, PredictorSnapshot, PredictorJobDone> {
  private finalSnapshot: PredictorSnapshot | null = null;

  constructor(private readonly opts: PredictorJobOptions) {
    super();
    const start: PredictorStartMessage = {
      type: 'start',
      volumes: opts.volumes,
      model: opts.model ?? {},
      options: opts.options ?? {},
      resume: opts.resume,
      backend: opts.backend,
    };
    this.attach(new WorkerJob<PredictorSnapshot, PredictorStepMetrics, OwnReply, PredictorJobDone>({
      entry: opts.entry ?? new URL('./predictor-worker.ts', import.meta.url),
      name: 'predictor worker',
      start,
      onCheckpoint: opts.onCheckpoint,
      onSnapshot: (snapshot, info) => {
        if (info.final) this.finalSnapshot = snapshot;
        this.emit('checkpoint', snapshot, info);
      },
      onMessage: (msg) => {
        if (msg.type === 'started') this.emit('started', { backend: msg.backend, step: msg.step, config: msg.config, parameters: msg.parameters });
        else if (msg.type === 'progress') this.emit('progress', msg.progress);
      },
      finish: (msg) => {
        if (!this.finalSnapshot) throw new Error('predictor worker finished without a final snapshot');
        const d: PredictorJobDone = { reason: msg.reason, step: msg.step, metrics: msg.metrics, snapshot: this.finalSnapshot };
        this.emit('done', d);
        return d;
      },
      onError: (err) => void (this.listenerCount('error') && this.emit('error', err)),
    }));
  }
}

type OwnReply = Exclude<FromPredictorWorker, { type: 'checkpoint' | 'error' | 'done' }>;
