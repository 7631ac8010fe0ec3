import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../../contract';
import type { FrameSequence } from '../../data/frame';
import { copyCrop } from '../../data/dataset';
import type { Tokenizer } from '../tokenizer';
import { reconstructionLoss } from '../model/losses';
import { occworldReconLoss } from '../occworld/occworld-loss';
import { ConfusionMatrix } from '../metrics/segmentation';

/**
 * Held-out metrics (issue 11): the reconstruction loss (and mIoU on class frames) of a few whole
 * frames the batch sampler never draws, every `heldOutEvery` steps and at the last step. The
 * training figures are on the batches just trained on; these say whether the tokenizer
 * generalises within the sequence. Evaluation only: nothing here changes weights or tokens.
 */

/** Every HELD_OUT_STRIDE-th frame (5, 11, …) is held out, at most HELD_OUT_MAX of them. */
export const HELD_OUT_STRIDE = 6;
export const HELD_OUT_MAX = 4;

/** The held-out frame indices of a sequence of `length` frames; none below HELD_OUT_STRIDE frames. */
export function heldOutFrames(length: number): number[] {
  const out: number[] = [];
  for (let i = HELD_OUT_STRIDE - 1; i < length && out.length < HELD_OUT_MAX; i += HELD_OUT_STRIDE) out.push(i);
  return out;
}

/** Frames held out by a config: none when `heldOutEvery` is 0 or absent. */
export function heldOutFramesFor(cfg: TrainConfig, length: number): number[] {
  return (cfg.heldOutEvery ?? 0) > 0 ? heldOutFrames(length) : [];
}

export interface HeldOutResult {
  heldOutRecon: number;
  heldOutMiou?: number;
}

export class HeldOutEvaluator {
  private data: Float32Array | null = null;
  private shape: [number, number, number, number] | null = null;

  constructor(
    readonly tokenizer: Tokenizer,
    readonly seq: FrameSequence,
    readonly frames: number[],
    readonly every: number,
    readonly totalSteps: number,
  ) {
    if (!frames.length) throw new Error('held-out evaluator: no held-out frames');
    if (!Number.isInteger(every) || every < 1) throw new Error(`held-out evaluator: heldOutEvery must be a positive integer, got ${every}`);
  }

  /** Whether step `step` (1-based, after the step) evaluates: every N-th and the last. */
  due(step: number): boolean {
    return step % this.every === 0 || step === this.totalSteps;
  }

  /**
   * The frames as one `[F, C, h, w]` batch, read once: whole frames snapped down to the model's
   * factor (TiTok's fixed grid needs its training size: `fixedSize`, a centre crop).
   */
  private async batch(fixedSize?: [number, number]): Promise<tf.Tensor4D> {
    if (!this.data) {
      const { seq } = this;
      const f = this.tokenizer.arch.factor;
      const h = fixedSize ? fixedSize[0] : seq.height - (seq.height % f);
      const w = fixedSize ? fixedSize[1] : seq.width - (seq.width % f);
      if (h < f || w < f) throw new Error(`held-out evaluator: frames of ${seq.height}×${seq.width} are smaller than the downsampling factor ${f}`);
      const y0 = Math.floor((seq.height - h) / 2);
      const x0 = Math.floor((seq.width - w) / 2);
      const data = new Float32Array(this.frames.length * seq.channels * h * w);
      for (let b = 0; b < this.frames.length; b++) copyCrop(await seq.getFrame(this.frames[b]!), y0, x0, h, w, data, b, 'NCHW');
      this.data = data;
      this.shape = [this.frames.length, seq.channels, h, w];
    }
    return tf.tensor4d(this.data, this.shape!);
  }

  /** Inference-mode forward (no straight-through, no quantizer state change) of the held-out frames. */
  async evaluate(fixedSize?: [number, number]): Promise<HeldOutResult> {
    const tok = this.tokenizer;
    const x = await this.batch(fixedSize);
    const enc = tok.encoding;
    const classes = enc.kind === 'classes' ? enc.numClasses : 0;
    let out: tf.Tensor | undefined;
    try {
      out = tf.tidy(() => {
        const xN = tok.toNhwc(x);
        const z4 = tok.latents(xN, false);
        const [b, h, w, d] = z4.shape;
        const q = tok.quantizer.quantize(tf.reshape(z4, [b * h * w, d]) as tf.Tensor2D, { training: false });
        const o = tok.nets.decode(tf.reshape(q.quantized, [b, h, w, d]) as tf.Tensor4D, false);
        const rec = tok.nets.kind === 'occworld' ? occworldReconLoss(o, xN, enc, tok.cfg.model.occworldLoss) : reconstructionLoss(o, xN, enc);
        const parts: tf.Tensor[] = [tf.reshape(rec, [1])];
        if (classes) {
          const pred = tf.argMax(tf.reshape(o, [-1, classes]), 1);
          const truth = tf.argMax(tf.reshape(xN, [-1, classes]), 1);
          parts.push(tf.concat([pred, truth]).asType('float32'));
        }
        return tf.concat(parts);
      });
      const vals = (await out.data()) as Float32Array;
      const r: HeldOutResult = { heldOutRecon: vals[0]! };
      if (classes && enc.kind === 'classes') {
        const half = (vals.length - 1) / 2;
        const cm = new ConfusionMatrix(classes);
        cm.add(vals.subarray(1, 1 + half), vals.subarray(1 + half));
        const s = cm.scores(enc.freeClass ?? 0);
        const per = s.perClass.filter((v) => !Number.isNaN(v));
        const miou = enc.freeClass === undefined ? (per.length ? per.reduce((a, v) => a + v, 0) / per.length : NaN) : s.miou;
        if (Number.isFinite(miou)) r.heldOutMiou = miou;
      }
      return r;
    } finally {
      x.dispose();
      out?.dispose();
    }
  }
}
