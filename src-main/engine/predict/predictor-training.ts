import type { TrainState } from '../../contract';
import { progressGate, RunControl } from '../jobs/run-control';
import { NextFramePredictor } from './next-frame-model';
import { NextFrameSampler } from './next-frame-sampler';
import { resolvePredictorConfig, type PredictorConfig } from './predictor-config';
import { optimizerStateOf, predictorFromSnapshot, takePredictorSnapshot, type PredictorSnapshot } from './predictor-snapshot';
import { PredictorTrainer, type PredictorStepMetrics } from './predictor-trainer';
import type { TokenVolume } from './token-volume';

/** How a predictor is trained (the model's shape is PredictorConfig). */
export interface PredictorTrainOptions {
  steps: number;
  batchSize: number;
  learningRate: number;
  /** Seeds the batch draws (the model's own seed is in its config). */
  seed: number;
  /** Snapshot every N steps (0: only the final one). */
  checkpointEvery: number;
  /** Progress reports per second at most (default 4: what a person can read). */
  progressHz?: number;
}

export const DEFAULT_PREDICTOR_TRAINING: PredictorTrainOptions = {
  steps: 200,
  batchSize: 4,
  learningRate: 4e-3,
  seed: 1,
  checkpointEvery: 0,
};

export interface PredictorProgress {
  state: TrainState;
  step: number;
  totalSteps: number;
  metrics?: PredictorStepMetrics;
  etaSeconds?: number;
  message?: string;
}

export type PredictorDoneReason = 'completed' | 'stopped';

export interface PredictorTrainingHooks {
  onProgress?: (p: PredictorProgress) => void;
  /** Every `checkpointEvery` steps, on request (with its id), and the final one on stop or end. */
  onCheckpoint?: (s: PredictorSnapshot, info: { final: boolean; id?: number }) => Promise<void> | void;
}

/**
 * One predictor training run with the tokenizer's run semantics: pause (waits between steps),
 * resume, stop (after the current step, with a final snapshot), snapshots on schedule and on
 * request, progress throttled to a few reports a second. Runs in whatever thread calls `run`:
 * the predictor worker wraps it for the app; tests and the CLI may call it directly.
 */
export class PredictorTrainingLoop {
  readonly options: PredictorTrainOptions;
  readonly model: NextFramePredictor;
  readonly trainer: PredictorTrainer;
  private readonly sampler: NextFrameSampler;
  private readonly control = new RunControl();

  constructor(
    volumes: readonly TokenVolume[],
    model: Partial<PredictorConfig>,
    options: Partial<PredictorTrainOptions> = {},
    resume?: PredictorSnapshot,
  ) {
    this.options = { ...DEFAULT_PREDICTOR_TRAINING, ...options };
    const o = this.options;
    for (const key of ['steps', 'batchSize'] as const) {
      if (!Number.isInteger(o[key]) || o[key] < 1) throw new RangeError(`predictor training: ${key} must be a positive integer, got ${o[key]}`);
    }
    if (!(o.learningRate > 0)) throw new RangeError(`predictor training: learningRate must be positive, got ${o.learningRate}`);
    if (!Number.isInteger(o.checkpointEvery) || o.checkpointEvery < 0) {
      throw new RangeError(`predictor training: checkpointEvery must be an integer ≥ 0, got ${o.checkpointEvery}`);
    }
    const v0 = volumes[0];
    if (!v0) throw new RangeError('predictor training: no tokenized sequence given');
    const cfg = resume
      ? resume.config
      : resolvePredictorConfig({ ...model, codebookSize: v0.codebookSize, depth: v0.depth, h: v0.h, w: v0.w });
    for (const v of volumes) {
      if (v.h !== cfg.h || v.w !== cfg.w || v.depth !== cfg.depth || v.codebookSize !== cfg.codebookSize) {
        throw new RangeError(
          `predictor training: tokens are ${v.h}×${v.w}×${v.depth} from a codebook of ${v.codebookSize}, ` +
            `the model is for ${cfg.h}×${cfg.w}×${cfg.depth} and ${cfg.codebookSize} ids`,
        );
      }
    }
    this.model = resume ? predictorFromSnapshot(resume) : new NextFramePredictor(cfg);
    this.trainer = new PredictorTrainer(this.model, o.learningRate);
    if (resume) {
      const opt = optimizerStateOf(resume);
      if (opt) {
        try {
          this.trainer.setOptimizerState(opt, resume.step);
        } finally {
          for (const t of Object.values(opt.tensors)) t.dispose();
        }
      }
      this.trainer.history.push(...resume.history);
    }
    // Offsetting the batch seed by the step makes a resumed run draw fresh batches.
    this.sampler = new NextFrameSampler(volumes, cfg.context, o.seed + this.trainer.step);
  }

  get step(): number {
    return this.trainer.step;
  }

  get currentState(): TrainState {
    return this.control.state;
  }

  pause(): void {
    this.control.pause();
  }

  resume(): void {
    this.control.resume();
  }

  /** Stop after the current step (a final snapshot is still taken). */
  stop(): void {
    this.control.stop();
  }

  /** Ask for a snapshot between steps; `onCheckpoint` receives it with this id. */
  requestCheckpoint(id: number): void {
    this.control.requestCheckpoint(id);
  }

  async run(hooks: PredictorTrainingHooks = {}): Promise<{ reason: PredictorDoneReason; step: number; metrics?: PredictorStepMetrics }> {
    if (this.control.state !== 'idle') throw new Error('predictor training: this run was already started');
    const total = this.options.steps;
    const gate = progressGate(this.options.progressHz ?? 4);
    let msAvg = 0;
    const progress = (force: boolean, message?: string) => {
      if (!hooks.onProgress || !gate(force)) return;
      const metrics = this.trainer.history.at(-1);
      hooks.onProgress({
        state: this.control.state,
        step: this.trainer.step,
        totalSteps: total,
        metrics,
        etaSeconds: metrics ? (Math.max(0, total - this.trainer.step) * msAvg) / 1000 : undefined,
        message,
      });
    };
    const checkpoint = async (final: boolean, id?: number) => {
      if (!hooks.onCheckpoint) return;
      const snap = await takePredictorSnapshot(this.model, {
        step: this.trainer.step,
        optimizer: this.trainer.getOptimizerState(),
        history: this.trainer.history,
      });
      await hooks.onCheckpoint(snap, { final, id });
    };
    try {
      const reason = await this.control.run({
        totalSteps: total,
        checkpointEvery: this.options.checkpointEvery,
        step: () => this.trainer.step,
        trainStep: async () => {
          const m = await this.trainer.trainStep(this.sampler.batch(this.options.batchSize));
          msAvg = m.step === 1 || msAvg === 0 ? m.msPerStep : 0.9 * msAvg + 0.1 * m.msPerStep;
        },
        checkpoint,
        progress,
      });
      return { reason, step: this.trainer.step, metrics: this.trainer.history.at(-1) };
    } catch (err) {
      progress(true, err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  /** Frees the optimizer state; the model stays alive for predictions until `disposeModel`. */
  dispose(): void {
    this.trainer.dispose();
  }

  disposeModel(): void {
    this.model.dispose();
  }
}
