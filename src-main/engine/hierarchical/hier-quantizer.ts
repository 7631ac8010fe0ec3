/**
 * VQ-VAE-2's two codebooks seen by the rest of TokenScope as one quantizer of depth 2 on the
 * bottom grid: a latent row is `[top (D) | bottom (D)]`, where the top half is the top grid's
 * latent repeated over the 2×2 bottom cells it covers (HierarchicalNets.latents builds it).
 * Level 0 is the top codebook, level 1 the bottom one; indices `[N, 2]`. So the trainer, the
 * codebook health window, checkpoints, the codebook view and per-level selection all work as
 * for a residual / grouped quantizer, and `hier-levels.ts` turns the depth-2 grid back into the
 * top `[h/8, w/8]` and bottom `[h/4, w/4]` grids.
 *
 * Loss: the sum of both levels' VQ losses, as VQ-VAE-2 has it (rosinality: β·(diff_t + diff_b));
 * a mean over the repeated top rows equals the mean over the top grid. The EMA update of the top
 * codebook takes each top latent once (not four times), so its counts are the reference's.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { QuantizeOptions, QuantizeResult, Quantizer, QuantizerResumeState, ResumableQuantizer } from '../quantizers/quantizer';
import { VectorQuantizer, type VqOptions } from '../quantizers/vq';

export const HIER_LEVEL_NAMES = ['top', 'bottom'] as const;

export class HierarchicalQuantizer implements Quantizer, ResumableQuantizer {
  readonly kind = 'vq' as const;
  /** Width of a latent row: the top and the bottom code side by side. */
  readonly dim: number;
  readonly codeDim: number;
  readonly codebookSize: number;
  readonly depth = 2;
  readonly top: VectorQuantizer;
  readonly bottom: VectorQuantizer;
  /** `[B, h, w]` of the bottom grid of the last training forward pass, to take each top latent once in afterStep. */
  private lastGrid: [number, number, number] | null = null;

  constructor(opts: VqOptions) {
    this.codeDim = opts.dim;
    this.dim = 2 * opts.dim;
    this.codebookSize = opts.codebookSize;
    const seed = opts.seed ?? 0;
    this.top = new VectorQuantizer({ ...opts, seed: seed + 104729 });
    this.bottom = new VectorQuantizer({ ...opts, seed: seed + 2 * 104729 });
  }

  /** The bottom grid the next afterStep's rows come from (HierarchicalNets sets it in training). */
  setGrid(grid: [number, number, number]): void {
    this.lastGrid = grid;
  }

  private split(z: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
    if (z.rank !== 2 || z.shape[1] !== this.dim) {
      throw new Error(`hierarchical quantizer: expected latents [N, ${this.dim}] (top | bottom), got [${z.shape.join(', ')}]`);
    }
    return tf.split(z, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
  }

  quantize(z: tf.Tensor2D, opts: QuantizeOptions): QuantizeResult {
    return tf.tidy(() => {
      const [zt, zb] = this.split(z);
      const t = this.top.quantize(zt, opts);
      const b = this.bottom.quantize(zb, opts);
      const lossParts: Record<string, tf.Scalar> = {};
      for (const [k, v] of Object.entries(t.lossParts)) lossParts[`top_${k}`] = v;
      for (const [k, v] of Object.entries(b.lossParts)) lossParts[`bottom_${k}`] = v;
      return {
        quantized: tf.concat([t.quantized, b.quantized], 1) as tf.Tensor2D,
        indices: tf.stack([tf.cast(t.indices, 'int32'), tf.cast(b.indices, 'int32')], 1),
        loss: tf.add(t.loss, b.loss) as tf.Scalar,
        lossParts,
      };
    });
  }

  indicesToCodes(indices: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const [t, b] = tf.unstack(tf.reshape(tf.cast(indices, 'int32'), [-1, 2]), 1);
      return tf.concat([this.top.indicesToCodes(t!), this.bottom.indicesToCodes(b!)], 1) as tf.Tensor2D;
    });
  }

  trainableVariables(): tf.Variable[] {
    return [...this.top.trainableVariables(), ...this.bottom.trainableVariables()];
  }

  afterStep(z: tf.Tensor2D, indices: tf.Tensor): void {
    tf.tidy(() => {
      const [zt, zb] = this.split(z);
      const [it, ib] = tf.unstack(tf.reshape(tf.cast(indices, 'int32'), [-1, 2]), 1);
      this.bottom.afterStep(zb, ib!);
      const g = this.lastGrid;
      if (g && g[0] * g[1] * g[2] === z.shape[0] && g[1] % 2 === 0 && g[2] % 2 === 0) {
        this.top.afterStep(topRows(zt, g), topRows(tf.reshape(it!, [-1, 1]), g).reshape([-1]));
      } else {
        this.top.afterStep(zt, it!);
      }
    });
  }

  /** `top.embedding.weight` `[K, D]`, `top.cluster_size`, `top.embed_avg`, and the same under `bottom.`. */
  state(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [name, q] of [['top', this.top], ['bottom', this.bottom]] as const) {
      for (const [k, v] of Object.entries(q.state())) out[`${name}.${k}`] = v;
    }
    return out;
  }

  loadState(state: Record<string, tf.Tensor>): void {
    for (const [name, q] of [['top', this.top], ['bottom', this.bottom]] as const) {
      const sub: Record<string, tf.Tensor> = {};
      for (const [k, v] of Object.entries(state)) if (k.startsWith(`${name}.`)) sub[k.slice(name.length + 1)] = v;
      if (!sub['embedding.weight']) throw new Error(`hierarchical quantizer: state lacks "${name}.embedding.weight"`);
      q.loadState(sub);
    }
  }

  /** `[2, K, D]`: level 0 the top codebook, level 1 the bottom one. */
  codebook(): tf.Tensor3D {
    return tf.tidy(() => tf.stack([this.top.codebook(), this.bottom.codebook()]) as tf.Tensor3D);
  }

  async resumeState(): Promise<QuantizerResumeState> {
    const [t, b] = await Promise.all([this.top.resumeState(), this.bottom.resumeState()]);
    const arrays: QuantizerResumeState['arrays'] = {};
    for (const [k, a] of Object.entries(t.arrays)) arrays[`top.${k}`] = a;
    for (const [k, a] of Object.entries(b.arrays)) arrays[`bottom.${k}`] = a;
    return { json: { top: t.json, bottom: b.json }, arrays };
  }

  restoreResumeState(s: QuantizerResumeState): void {
    for (const [name, q] of [['top', this.top], ['bottom', this.bottom]] as const) {
      const json = s.json[name];
      if (typeof json !== 'object' || json === null) throw new Error(`hierarchical quantizer: resume state lacks "${name}"`);
      const arrays: QuantizerResumeState['arrays'] = {};
      for (const [k, a] of Object.entries(s.arrays)) if (k.startsWith(`${name}.`)) arrays[k.slice(name.length + 1)] = a;
      q.restoreResumeState({ json: json as Record<string, unknown>, arrays });
    }
  }

  dispose(): void {
    this.top.dispose();
    this.bottom.dispose();
  }
}

/** Rows `[B·h·w, C]` of a bottom grid → the rows at even row and column, one per top cell `[B·h/2·w/2, C]`. */
export function topRows(rows: tf.Tensor2D, [b, h, w]: [number, number, number]): tf.Tensor2D {
  const c = rows.shape[1];
  const g = tf.reshape(rows, [(b * h) / 2, 2, w / 2, 2, c]);
  return tf.reshape(tf.slice(g, [0, 0, 0, 0, 0], [(b * h) / 2, 1, w / 2, 1, c]), [b * (h / 2) * (w / 2), c]) as tf.Tensor2D;
}
