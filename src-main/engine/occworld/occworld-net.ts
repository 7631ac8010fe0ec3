import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { Decoder2D } from './decoder-2d';
import { Encoder2D } from './encoder-2d';
import { encoderOutChannels, occworldHeights, occworldHead, type OccWorldConfig } from './occworld-config';
import { ParamStore } from './param-store';
import { torchConv2d } from './torch-conv';

/**
 * OccWorld's VAERes2D without its codebook (OccWorldQuantizer holds that): the class embedding
 * in, Encoder2D, `vqvae.quant_conv` — latents — `vqvae.post_quant_conv`, Decoder2D, the class
 * similarity out. Channel-last throughout, on the product's frame layout: a class frame is the
 * height-folded one-hot `[B, X, Y, Z·num_classes]` (channel = z·num_classes + class), and the
 * logits come back in the same layout, so the reference architecture's losses and views apply.
 *
 * Why the folding matches PyTorch: OccWorld embeds ids `[.., X, Y, Z]` to `[.., X, Y, Z, E]`
 * and reshapes to `[.., X, Y, Z·E]` (channel = z·E + e) before its NCHW permute; channel-last
 * that reshape is the whole story. Its output `[.., X, Y, Z·E]` is read as `[.., Z, E]` and
 * multiplied by class_embeds.weightᵀ.
 */
export class OccWorldNet {
  readonly store: ParamStore;
  readonly encoder: Encoder2D;
  readonly decoder: Decoder2D;
  readonly head: 'classes' | 'continuous';

  /** @param seed of the initial weights; null builds the structure only (`store.torchShapes()`), no tensors. */
  constructor(
    readonly cfg: OccWorldConfig,
    seed: number | null,
  ) {
    this.store = new ParamStore(seed === null ? null : new Rng(seed));
    this.head = occworldHead(cfg);
    // Registered in VAERes2D's order (encoder, decoder, class_embeds, vqvae): the state dict's order.
    this.encoder = new Encoder2D(this.store, 'encoder', cfg.encoder_cfg);
    this.decoder = new Decoder2D(this.store, 'decoder', cfg.decoder_cfg);
    const rng = new Rng((seed ?? 0) ^ 0xc1a55);
    if (this.head === 'classes') this.store.addPlain('class_embeds.weight', [cfg.num_classes!, cfg.expansion!], () => rng.normal());
    const z = encoderOutChannels(cfg);
    this.store.addConv('vqvae.quant_conv', z, cfg.vqvae_cfg.e_dim, 1);
    this.store.addConv('vqvae.post_quant_conv', cfg.vqvae_cfg.e_dim, z, 1);
  }

  /** Voxel class ids `[B, X, Y, Z]` (int32) → the encoder's input `[B, X, Y, Z·E]`. */
  embedIds(ids: tf.Tensor4D): tf.Tensor4D {
    const [b, x, y, z] = ids.shape;
    const ncls = this.cfg.num_classes!;
    const oneHot = tf.cast(tf.oneHot(tf.reshape(tf.cast(ids, 'int32'), [-1]), ncls), 'float32');
    return tf.reshape(tf.matMul(oneHot, this.store.get('class_embeds.weight')), [b, x, y, z * this.cfg.expansion!]);
  }

  /** Height-folded class frames `[B, X, Y, Z·C]` → voxel ids `[B, X, Y, Z]` (argmax per height). */
  frameToIds(frames: tf.Tensor4D): tf.Tensor4D {
    const [b, x, y] = frames.shape;
    const z = occworldHeights(this.cfg);
    return tf.argMax(tf.reshape(frames, [b, x, y, z, this.cfg.num_classes!]), -1) as tf.Tensor4D;
  }

  /** Frames (NHWC, as the product holds them) → the encoder's input. */
  input(frames: tf.Tensor4D): tf.Tensor4D {
    return this.head === 'classes' ? this.embedIds(this.frameToIds(frames)) : frames;
  }

  /** Encoder input → pre-quantization latents `[B, h, w, e_dim]` (after quant_conv). */
  latents(x: tf.Tensor4D, training: boolean): { z: tf.Tensor4D; shapes: Array<[number, number]> } {
    const { z, shapes } = this.encoder.forward(x, training);
    return { z: torchConv2d(z, this.store.get('vqvae.quant_conv.weight'), this.store.get('vqvae.quant_conv.bias'), 1), shapes };
  }

  /** Quantized latents `[B, h, w, e_dim]` → logits `[B, X, Y, Z·num_classes]` (or the BEV channels). */
  decode(q: tf.Tensor4D, training: boolean, shapes?: ReadonlyArray<readonly [number, number]>): tf.Tensor4D {
    const h = torchConv2d(q, this.store.get('vqvae.post_quant_conv.weight'), this.store.get('vqvae.post_quant_conv.bias'), 1);
    const out = this.decoder.forward(h, training, shapes);
    if (this.head !== 'classes') return out;
    const [b, x, y, c] = out.shape;
    const e = this.cfg.expansion!;
    const ncls = this.cfg.num_classes!;
    const templ = tf.transpose(this.store.get('class_embeds.weight')); // [E, classes]
    return tf.reshape(tf.matMul(tf.reshape(out, [-1, e]), templ), [b, x, y, (c / e) * ncls]);
  }

  dispose(): void {
    this.store.dispose();
  }
}
