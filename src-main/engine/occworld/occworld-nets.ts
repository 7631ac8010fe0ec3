import type * as tf from '@tensorflow/tfjs-core';
import type { TokenizerNets } from '../tokenizer-nets';
import type { OccWorldConfig } from './occworld-config';
import { frameToOccLayout, occToFrameLayout } from './occ-layout';
import { OccWorldNet } from './occworld-net';

/**
 * OccWorld's VAERes2D as a Tokenizer's encoder/decoder: frames (the product's height-folded
 * one-hot class frames, or continuous BEV channels) in, latents after `vqvae.quant_conv` out;
 * codes in through `vqvae.post_quant_conv`, logits in the frames' layout out. The codebook is
 * the Tokenizer's quantizer (OccWorldQuantizer), saved as `vqvae.embedding.weight`. Tensors
 * cross in the product's frame layout and the network runs in OccWorld's (occ-layout.ts): token
 * grids are in the frame's layout like every other tokenizer's.
 */
export class OccWorldNets implements TokenizerNets {
  readonly kind = 'occworld' as const;
  readonly quantizerPrefix = 'vqvae.';
  readonly net: OccWorldNet;

  constructor(cfg: OccWorldConfig, seed: number) {
    this.net = new OccWorldNet(cfg, seed);
  }

  latents(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return occToFrameLayout(this.net.latents(this.net.input(frameToOccLayout(x)), training).z);
  }

  decode(q: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return occToFrameLayout(this.net.decode(frameToOccLayout(q), training));
  }

  params(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    for (const k of Object.keys(this.net.store.torchShapes())) out[k] = this.net.store.get(k);
    return out;
  }

  stateDict(): Record<string, tf.Tensor> {
    return this.net.store.stateDict();
  }

  torchShapes(): Record<string, number[]> {
    return this.net.store.torchShapes();
  }

  checkStateDict(sd: Record<string, tf.Tensor>, source: string): void {
    this.net.store.checkStateDict(sd, source);
  }

  loadStateDict(sd: Record<string, tf.Tensor>, source: string): void {
    this.net.store.loadStateDict(sd, source);
  }

  dispose(): void {
    this.net.dispose();
  }
}
