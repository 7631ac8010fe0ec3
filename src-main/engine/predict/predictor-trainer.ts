import * as tf from '@tensorflow/tfjs-core';
import { Adam, type AdamState } from '../train/adam';
import { crossEntropy, type NextFramePredictor } from './next-frame-model';
import type { NextFrameBatch } from './next-frame-sampler';

/** What one teacher-forced step reports (plain numbers). */
export interface PredictorStepMetrics {
  step: number;
  loss: number;
  /** Fraction of ids in the batch the model's argmax got right. */
  tokenAccuracy: number;
  msPerStep: number;
}

/**
 * Adam on the next-frame cross-entropy with teacher forcing (the true previous frames are the
 * input at every step). The step draws no randomness: with the seeded model and sampler a run
 * repeats exactly. Uses the tokenizer trainer's named Adam so its state checkpoints by name.
 */
export class PredictorTrainer {
  readonly optimizer: Adam;
  readonly history: PredictorStepMetrics[] = [];
  private stepCount = 0;

  constructor(
    readonly model: NextFramePredictor,
    learningRate: number,
  ) {
    this.optimizer = new Adam({ learningRate });
  }

  get step(): number {
    return this.stepCount;
  }

  async trainStep(batch: NextFrameBatch): Promise<PredictorStepMetrics> {
    const t0 = performance.now();
    const { h, w, depth, context: k } = this.model.config;
    const params = this.model.params();
    const byVarName = new Map<string, string>();
    for (const [name, v] of Object.entries(params)) byVarName.set(v.name, name);
    let correct: tf.Tensor | undefined;
    let scalars: tf.Tensor;
    try {
      scalars = tf.tidy(() => {
        const ctx = tf.tensor(batch.context, [batch.size, k, h, w, depth], 'int32');
        const tgt = tf.tensor(batch.target, [batch.size, h, w, depth], 'int32');
        const { value, grads } = tf.variableGrads(() => {
          const logp = this.model.logits(ctx); // log-probabilities
          correct = tf.keep(tf.mean(tf.cast(tf.equal(tf.argMax(logp, -1), tgt), 'float32')));
          return crossEntropy(logp, tgt, this.model.config.codebookSize);
        }, Object.values(params));
        const named: Record<string, tf.Tensor> = {};
        for (const [vname, g] of Object.entries(grads)) named[byVarName.get(vname) ?? vname] = g;
        this.optimizer.apply(params, named);
        return tf.stack([value, correct!]);
      });
    } finally {
      // Kept out of the gradient scope for the accuracy; freed whether or not the step worked.
      correct?.dispose();
    }
    const [loss, acc] = (await scalars.data()) as Float32Array;
    scalars.dispose();
    if (!Number.isFinite(loss!)) throw new Error(`predictor training diverged at step ${this.stepCount + 1}: loss is ${loss}`);
    this.stepCount += 1;
    const m: PredictorStepMetrics = { step: this.stepCount, loss: loss!, tokenAccuracy: acc!, msPerStep: performance.now() - t0 };
    this.history.push(m);
    return m;
  }

  /** Optimizer state copies (the caller disposes them) for a checkpoint. */
  getOptimizerState(): AdamState {
    return this.optimizer.getState();
  }

  setOptimizerState(state: AdamState, step: number): void {
    this.optimizer.setState(state, this.model.params());
    this.stepCount = step;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
