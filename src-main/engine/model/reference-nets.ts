import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../util/rng';
import type { DecoderSplit } from '../adversarial/adaptive-weight';
import type { TokenizerNets } from '../tokenizer-nets';
import type { Architecture } from './architecture';
import { ConvNet } from './conv-net';

/** The reference architecture's encoder and decoder (DESIGN.md) as TokenizerNets. */
export class ReferenceNets implements TokenizerNets {
  readonly kind = 'reference' as const;
  readonly quantizerPrefix = 'quantizer.';
  readonly encoder: ConvNet;
  readonly decoder: ConvNet;

  /** Encoder and decoder draw from one seeded stream in a fixed order: same seed, same weights. */
  constructor(arch: Architecture, rng: Rng) {
    this.encoder = new ConvNet('encoder.net', arch.encoder, rng);
    this.decoder = new ConvNet('decoder.net', arch.decoder, rng);
  }

  latents(x: tf.Tensor4D, training = true): tf.Tensor4D {
    return this.encoder.forward(x, training);
  }

  decode(q: tf.Tensor4D, training = true): tf.Tensor4D {
    return this.decoder.forward(q, training);
  }

  decodeSplit(q: tf.Tensor4D): DecoderSplit {
    return this.decoder.forwardSplit(q);
  }

  params(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    for (const net of [this.encoder, this.decoder]) {
      net.layers.forEach((l, i) => {
        out[`${net.prefix}.${l.index}.weight`] = net.weights[i]!;
        out[`${net.prefix}.${l.index}.bias`] = net.biases[i]!;
      });
    }
    return out;
  }

  stateDict(): Record<string, tf.Tensor> {
    return { ...this.encoder.stateDict(), ...this.decoder.stateDict() };
  }

  torchShapes(): Record<string, number[]> {
    return { ...this.encoder.torchShapes(), ...this.decoder.torchShapes() };
  }

  checkStateDict(sd: Record<string, tf.Tensor>, source: string): void {
    this.encoder.checkStateDict(sd, source);
    this.decoder.checkStateDict(sd, source);
  }

  loadStateDict(sd: Record<string, tf.Tensor>, source: string): void {
    this.checkStateDict(sd, source);
    this.encoder.loadStateDict(sd, source);
    this.decoder.loadStateDict(sd, source);
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
  }
}
