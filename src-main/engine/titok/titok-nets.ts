import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig, TiTokConfig } from '../../contract';
import { Rng } from '../../util/rng';
import type { DecoderSplit } from '../adversarial/adaptive-weight';
import { architecture } from '../model/architecture';
import { ConvNet } from '../model/conv-net';
import type { TokenizerNets } from '../tokenizer-nets';
import { addCrossAttentionBlock, crossAttentionBlock } from './cross-attention-block';
import { TiTokParams } from './titok-params';

/**
 * A TiTok-style 1D tokenizer (Yu et al. 2024, bytedance/1d-tokenizer) on BEV frames:
 * - encoder: the reference conv stem (4×4 stride-2 convs + ReLU, `encoder.stem`) gives a
 *   `gridHeight × gridWidth` grid of `hidden`-wide features plus a learned position embedding;
 *   N learnable queries (`encoder.queries`) cross-attend to it through `layers` blocks, and a
 *   LayerNorm + Linear makes them N latents of `latentDim` — the tokens to quantize.
 * - decoder: the quantized tokens (Linear to `hidden` + a token position embedding) are the
 *   context for one mask token per grid cell (`decoder.mask_token` + the grid's position
 *   embedding), which attend to them through `layers` blocks; a LayerNorm, then the reference
 *   transposed-conv head (`decoder.head`) brings the grid back to frames.
 * TiTok's encoder runs self-attention over patches and latent tokens together; here the queries
 * cross-attend (Perceiver-style), which keeps the per-token attention over the BEV explicit: it
 * is what the app shows on hover. Latents cross the Tokenizer as `[B, 1, N, D]` (a 1 × N grid), so
 * the quantizers, codebook views and token files work unchanged.
 */
export class TiTokNets implements TokenizerNets {
  readonly kind = 'titok' as const;
  readonly quantizerPrefix = 'quantizer.';
  readonly stem: ConvNet;
  readonly head: ConvNet;
  readonly params_: TiTokParams;
  readonly factor: number;

  constructor(
    readonly model: ModelConfig,
    readonly t: TiTokConfig,
    seed: number,
  ) {
    const c = model.hidden;
    if (c % t.heads !== 0) throw new Error(`titok: hidden ${c} is not a multiple of heads ${t.heads}`);
    const rng = new Rng(seed);
    const arch = architecture(model);
    this.factor = arch.factor;
    this.stem = new ConvNet('encoder.stem', arch.encoder.slice(0, -1), rng);
    // The head up-samples the hidden-wide grid: the reference decoder with latentDim = hidden.
    this.head = new ConvNet('decoder.head', architecture({ ...model, latentDim: c }).decoder, rng);
    const p = (this.params_ = new TiTokParams(rng));
    const m = t.gridHeight * t.gridWidth;
    p.addEmbedding('encoder.pos_embed', [m, c]);
    p.addEmbedding('encoder.queries', [t.tokens, c]);
    for (let l = 0; l < t.layers; l++) addCrossAttentionBlock(p, `encoder.blocks.${l}`, c);
    p.addLayerNorm('encoder.norm_out', c);
    p.addLinear('encoder.to_latent', c, model.latentDim);
    p.addLinear('decoder.from_latent', model.latentDim, c);
    p.addEmbedding('decoder.token_pos', [t.tokens, c]);
    p.addEmbedding('decoder.mask_token', [1, c]);
    p.addEmbedding('decoder.pos_embed', [m, c]);
    for (let l = 0; l < t.layers; l++) addCrossAttentionBlock(p, `decoder.blocks.${l}`, c);
    p.addLayerNorm('decoder.norm_out', c);
  }

  tokenGrid(): [number, number] {
    return [1, this.t.tokens];
  }

  /** The frame size the position embeddings were made for. */
  frameSize(): [number, number] {
    return [this.t.gridHeight * this.factor, this.t.gridWidth * this.factor];
  }

  /**
   * Latents `[B, 1, N, D]` and the last encoder block's attention `[B, N, h, w]`. Call inside a
   * tidy. `training` reaches the stem: at inference its convolutions run fused (conv-net.ts).
   */
  /**
   * Why frames of `height × width` cannot be encoded (the position embeddings fix the grid), or
   * null. The ONNX encoder (onnx/titok-graph.ts) gives the same message before ONNX Runtime runs.
   */
  frameSizeError(height: number, width: number): string | null {
    const [fh, fw] = this.frameSize();
    if (height === fh && width === fw) return null;
    return `titok: the model takes ${fh}×${fw} frames (a ${this.t.gridHeight}×${this.t.gridWidth} grid), got ${height}×${width}; crop to ${fh}×${fw}`;
  }

  encodeWithAttention(x: tf.Tensor4D, training: boolean): { latents: tf.Tensor4D; attention: tf.Tensor4D } {
    const why = this.frameSizeError(x.shape[1], x.shape[2]);
    if (why) throw new Error(why);
    const f = this.stem.forward(x, training);
    const [b, h, w, c] = f.shape;
    const p = this.params_;
    const ctx = tf.add(tf.reshape(f, [b, h * w, c]), p.get('encoder.pos_embed')) as tf.Tensor3D;
    let q = tf.tile(tf.expandDims(p.get('encoder.queries'), 0), [b, 1, 1]) as tf.Tensor3D;
    let attention: tf.Tensor3D | null = null;
    for (let l = 0; l < this.t.layers; l++) ({ out: q, attention } = crossAttentionBlock(p, `encoder.blocks.${l}`, q, ctx, this.t.heads));
    const z = p.applyLinear('encoder.to_latent', p.applyLayerNorm('encoder.norm_out', q));
    return { latents: tf.reshape(z, [b, 1, this.t.tokens, this.model.latentDim]), attention: tf.reshape(attention!, [b, this.t.tokens, h, w]) };
  }

  latents(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return this.encodeWithAttention(x, training).latents;
  }

  /** Quantized tokens `[B, 1, N, D]` → the grid of decoded features `[B, h, w, hidden]`. */
  private decodeGrid(q: tf.Tensor4D): tf.Tensor4D {
    const b = q.shape[0];
    const c = this.model.hidden;
    const p = this.params_;
    if (q.shape[1] * q.shape[2] !== this.t.tokens) throw new Error(`titok: expected ${this.t.tokens} tokens, got ${q.shape[1] * q.shape[2]}`);
    const tokens = tf.add(p.applyLinear('decoder.from_latent', tf.reshape(q, [b, this.t.tokens, this.model.latentDim])), p.get('decoder.token_pos')) as tf.Tensor3D;
    const m = this.t.gridHeight * this.t.gridWidth;
    let cells = tf.tile(tf.expandDims(tf.add(p.get('decoder.mask_token'), p.get('decoder.pos_embed')), 0), [b, 1, 1]) as tf.Tensor3D;
    for (let l = 0; l < this.t.layers; l++) cells = crossAttentionBlock(p, `decoder.blocks.${l}`, cells, tokens, this.t.heads).out;
    return tf.reshape(p.applyLayerNorm('decoder.norm_out', cells), [b, this.t.gridHeight, this.t.gridWidth, c]) as tf.Tensor4D;
  }

  decode(q: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return this.head.forward(this.decodeGrid(q), training);
  }

  decodeSplit(q: tf.Tensor4D): DecoderSplit {
    return this.head.forwardSplit(this.decodeGrid(q));
  }

  params(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = Object.fromEntries(this.params_.vars);
    for (const net of [this.stem, this.head]) {
      net.layers.forEach((l, i) => {
        out[`${net.prefix}.${l.index}.weight`] = net.weights[i]!;
        out[`${net.prefix}.${l.index}.bias`] = net.biases[i]!;
      });
    }
    return out;
  }

  stateDict(): Record<string, tf.Tensor> {
    return { ...this.stem.stateDict(), ...this.params_.stateDict(), ...this.head.stateDict() };
  }

  torchShapes(): Record<string, number[]> {
    return { ...this.stem.torchShapes(), ...this.params_.torchShapes(), ...this.head.torchShapes() };
  }

  checkStateDict(sd: Record<string, tf.Tensor>, source: string): void {
    this.stem.checkStateDict(sd, source);
    this.params_.checkStateDict(sd, source);
    this.head.checkStateDict(sd, source);
  }

  loadStateDict(sd: Record<string, tf.Tensor>, source: string): void {
    this.checkStateDict(sd, source);
    this.stem.loadStateDict(sd, source);
    this.params_.loadStateDict(sd, source);
    this.head.loadStateDict(sd, source);
  }

  dispose(): void {
    this.stem.dispose();
    this.head.dispose();
    this.params_.dispose();
  }
}
