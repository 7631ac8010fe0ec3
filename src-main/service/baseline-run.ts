import type { PredictorProgressEvent } from '../contract/index';
import { copyLastBaseline } from '../engine/predict/copy-last';
import { PredictorTrainingJob } from '../engine/predict/predictor-job';
import { predictorFromSnapshot } from '../engine/predict/predictor-snapshot';
import type { PredictorProgress } from '../engine/predict/predictor-training';
import { rollout } from '../engine/predict/rollout';
import type { PredictionVolume } from '../engine/predict/token-volume';
import { BASELINE_DEFAULTS, volumeOf, type BaselineOptions } from './predictions';
import type { SequenceTokens } from './sequence-tokens';

/**
 * The baseline predictor trained off the service thread (issue 11): the engine's predictor
 * worker job runs the training loop with the tokenizer's run semantics (pause, resume, stop after
 * the current step), its progress becomes `predictorProgress` events (loss, accuracy, ETA), and
 * the final snapshot is rolled out here into the PredictionVolume the views read. A stopped run
 * still rolls out what it learned. `kind: 'copy'` needs no training and no worker.
 */
export class BaselineRun {
  readonly result: Promise<PredictionVolume>;
  private job: PredictorTrainingJob | null = null;

  constructor(tokens: SequenceTokens, opts: BaselineOptions, onProgress: (p: PredictorProgressEvent) => void, entry?: URL) {
    this.result = this.run(tokens, opts, onProgress, entry);
    this.result.catch(() => undefined);
  }

  private async run(tokens: SequenceTokens, opts: BaselineOptions, onProgress: (p: PredictorProgressEvent) => void, entry?: URL): Promise<PredictionVolume> {
    const o = { ...BASELINE_DEFAULTS, ...opts };
    const truth = volumeOf(tokens);
    if (truth.frames < 2) throw new Error('the sequence has a single frame: there is no next frame to predict');
    const context = Math.min(o.context, truth.frames - 1);
    const horizon = o.horizon ?? truth.frames - context;
    if (o.kind === 'copy') return copyLastBaseline(truth, { start: context, horizon });
    // The same model and seeds as the in-process baseline (predictions.ts: runBaseline).
    const job = new PredictorTrainingJob({
      volumes: [truth],
      model: { context, seed: o.seed + 1 },
      options: { steps: o.steps, batchSize: o.batchSize, learningRate: o.learningRate, seed: o.seed, checkpointEvery: 0 },
      backend: { allowNative: true },
      ...(entry ? { entry } : {}),
    });
    this.job = job;
    job.on('progress', (p) => onProgress(progressEvent(p)));
    const done = await job.done;
    onProgress({ state: 'done', step: done.step, totalSteps: o.steps, ...(done.metrics ? { loss: done.metrics.loss, tokenAccuracy: done.metrics.tokenAccuracy } : {}), message: `${done.reason}; rolling out` });
    const model = predictorFromSnapshot(done.snapshot, 'baseline predictor');
    try {
      return await rollout(model, truth, { start: context, horizon, rollouts: o.rollouts, temperature: o.temperature, topK: o.topK, seed: o.seed });
    } finally {
      model.dispose();
    }
  }

  pause(): void {
    this.job?.pause();
  }

  resume(): void {
    this.job?.resume();
  }

  stop(): void {
    void this.job?.stop().catch(() => undefined);
  }
}

export function progressEvent(p: PredictorProgress): PredictorProgressEvent {
  return {
    state: p.state,
    step: p.step,
    totalSteps: p.totalSteps,
    ...(p.metrics ? { loss: p.metrics.loss, tokenAccuracy: p.metrics.tokenAccuracy } : {}),
    ...(p.etaSeconds !== undefined ? { etaSeconds: p.etaSeconds } : {}),
    ...(p.message ? { message: p.message } : {}),
  };
}
