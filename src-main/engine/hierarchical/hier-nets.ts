import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../util/rng';
import { ConvNet } from '../model/conv-net';
import type { TokenizerNets } from '../tokenizer-nets';
import { HIER_NETS, hierParamShapes, type HierArchitecture, type HierNetName } from './hier-architecture';
import type { HierarchicalQuantizer } from './hier-quantizer';

/**
 * VQ-VAE-2's networks (hier-architecture.ts) as TokenizerNets. The top level is quantized inside
 * `latents`, because the bottom level is conditioned on it (rosinality's `encode`): enc_b → enc_t
 * → quantize_conv_t → top VQ (straight-through in training) → dec_t, concatenated with enc_b →
 * quantize_conv_b = the bottom latent. `latents` returns, per bottom cell, the top latent of the
 * cell's 2×2 block beside the bottom latent, `[B, h, w, 2D]`, which HierarchicalQuantizer
 * quantizes as levels 0 and 1 (the top again, to the same codes, now with its loss).
 * `decode` takes the top codes back to the top grid (one per 2×2 block), upsample_t, and decodes
 * cat(upsample_t, bottom) with `dec` (rosinality's `decode`).
 */
export class HierarchicalNets implements TokenizerNets {
  readonly kind = 'hierarchical' as const;
  readonly quantizerPrefix = 'quantizer.';
  readonly nets: Record<HierNetName, ConvNet>;

  /** Sub-nets draw from one seeded stream in a fixed order: same seed, same weights. */
  constructor(
    readonly arch: HierArchitecture,
    private readonly quantizer: HierarchicalQuantizer,
    rng: Rng,
  ) {
    const nets = {} as Record<HierNetName, ConvNet>;
    for (const n of HIER_NETS) nets[n] = new ConvNet(n, arch[n], rng);
    this.nets = nets;
  }

  get codeDim(): number {
    return this.quantizer.codeDim;
  }

  /** The top latent, its quantized code (straight-through in training) and the bottom latent. */
  levels(x: tf.Tensor4D, training: boolean): { zt: tf.Tensor4D; qt: tf.Tensor4D; zb: tf.Tensor4D } {
    // `training` reaches every ConvNet: at inference their convolutions run fused (conv-net.ts).
    const encB = this.nets.enc_b.forward(x, training);
    const zt = this.nets.quantize_conv_t.forward(this.nets.enc_t.forward(encB, training), training);
    const [b, h, w, d] = zt.shape;
    const q = this.quantizer.top.quantize(tf.reshape(zt, [b * h * w, d]) as tf.Tensor2D, { training });
    const qt = tf.reshape(q.quantized, [b, h, w, d]) as tf.Tensor4D;
    const decT = this.nets.dec_t.forward(qt, training);
    const zb = this.nets.quantize_conv_b.forward(tf.concat([decT, encB], 3), training);
    return { zt, qt, zb };
  }

  latents(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const { zt, zb } = this.levels(x, training);
    const [b, h, w] = zb.shape;
    if (training) this.quantizer.setGrid([b, h, w]);
    return tf.concat([upsampleNearest2(zt), zb], 3);
  }

  decode(q: tf.Tensor4D, training = true): tf.Tensor4D {
    const D = this.codeDim;
    const [b, h, w, c] = q.shape;
    if (c !== 2 * D || h % 2 !== 0 || w % 2 !== 0) {
      throw new Error(`hierarchical decoder: expected codes [B, h, w, ${2 * D}] on an even grid, got [${q.shape.join(', ')}]`);
    }
    const top = tf.slice(q, [0, 0, 0, 0], [b, h, w, D]);
    const bottom = tf.slice(q, [0, 0, 0, D], [b, h, w, D]);
    return this.decodeLevels(subsample2(top), bottom, training);
  }

  /** rosinality's `decode(quant_t, quant_b)`: top codes `[B, h/2, w/2, D]`, bottom codes `[B, h, w, D]`. */
  decodeLevels(qt: tf.Tensor4D, qb: tf.Tensor4D, training = true): tf.Tensor4D {
    return this.nets.dec.forward(tf.concat([this.nets.upsample_t.forward(qt, training), qb], 3), training);
  }

  params(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    for (const net of Object.values(this.nets)) {
      net.layers.forEach((l, i) => {
        out[`${net.prefix}.${l.index}.weight`] = net.weights[i]!;
        out[`${net.prefix}.${l.index}.bias`] = net.biases[i]!;
      });
    }
    return out;
  }

  stateDict(): Record<string, tf.Tensor> {
    return Object.assign({}, ...Object.values(this.nets).map((n) => n.stateDict())) as Record<string, tf.Tensor>;
  }

  torchShapes(): Record<string, number[]> {
    return hierParamShapes(this.arch);
  }

  checkStateDict(sd: Record<string, tf.Tensor>, source: string): void {
    for (const n of Object.values(this.nets)) n.checkStateDict(sd, source);
  }

  loadStateDict(sd: Record<string, tf.Tensor>, source: string): void {
    this.checkStateDict(sd, source);
    for (const n of Object.values(this.nets)) n.loadStateDict(sd, source);
  }

  dispose(): void {
    for (const n of Object.values(this.nets)) n.dispose();
  }
}

/**
 * Nearest-neighbour 2× upsampling `[B, h, w, C]` → `[B, 2h, 2w, C]`: two rank-3 tiles and
 * reshapes (tfjs' tile gradient stops at rank 4), differentiable on every backend.
 */
export function upsampleNearest2(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const cols = tf.tile(tf.reshape(x, [b * h * w, 1, c]), [1, 2, 1]);
  const rows = tf.tile(tf.reshape(cols, [b * h, 1, 2 * w * c]), [1, 2, 1]);
  return tf.reshape(rows, [b, 2 * h, 2 * w, c]);
}

/** The inverse of upsampleNearest2 on a block-constant grid: every other row and column. */
export function subsample2(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const g = tf.reshape(x, [(b * h) / 2, 2, w / 2, 2, c]);
  return tf.reshape(tf.slice(g, [0, 0, 0, 0, 0], [(b * h) / 2, 1, w / 2, 1, c]), [b, h / 2, w / 2, c]);
}
