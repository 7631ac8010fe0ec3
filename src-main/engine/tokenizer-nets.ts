import type * as tf from '@tensorflow/tfjs-core';
import type { DecoderSplit } from './adversarial/adaptive-weight';

/**
 * The encoder/decoder pair a Tokenizer wraps around its quantizer, whatever the architecture:
 * the reference conv nets (model/reference-nets.ts) or OccWorld's VAERes2D
 * (occworld/occworld-nets.ts). Channel-last inside; parameters under PyTorch's names.
 */
export interface TokenizerNets {
  readonly kind: 'reference' | 'occworld' | 'hierarchical' | 'titok';
  /** Where the quantizer's state goes in the state dict: `quantizer.` or OccWorld's `vqvae.`. */
  readonly quantizerPrefix: string;
  /** Frames as the encoder sees them (NHWC, normalised) → latents `[B, h, w, D]`. Call inside a tidy. */
  latents(x: tf.Tensor4D, training: boolean): tf.Tensor4D;
  /** (Quantized) latents `[B, h, w, D]` → decoder output NHWC (logits for class frames). Call inside a tidy. */
  decode(q: tf.Tensor4D, training: boolean): tf.Tensor4D;
  /**
   * `decode` cut before the decoder's last layer, for VQGAN's adaptive weight (the adversarial
   * objective); nets without it cannot train adversarially. Call inside a tidy.
   */
  decodeSplit?(q: tf.Tensor4D, training: boolean): DecoderSplit;
  /** The token grid for frames of `height × width`, when it is not the latent grid (TiTok: `[1, N]`). */
  tokenGrid?(height: number, width: number): [number, number];
  /** The trainable parameters by PyTorch name (the live variables). */
  params(): Record<string, tf.Variable>;
  /** Parameters under PyTorch's names and layouts: new tensors the caller disposes. */
  stateDict(): Record<string, tf.Tensor>;
  /** PyTorch shape of every parameter. */
  torchShapes(): Record<string, number[]>;
  /** Throws one clear error naming `source` unless `sd` holds every parameter with its shape. */
  checkStateDict(sd: Record<string, tf.Tensor>, source: string): void;
  /** Checks, then assigns; the caller keeps `sd`. */
  loadStateDict(sd: Record<string, tf.Tensor>, source: string): void;
  dispose(): void;
}
