import type * as tf from '@tensorflow/tfjs-core';
import type { OccWorldNet } from './occworld-net';
import type { OccWorldQuantizer } from './occworld-quantizer';

/** Where the codebook sits in OccWorld's state dict. */
export const OCCWORLD_CODEBOOK = 'vqvae.embedding.weight';

/**
 * Every parameter of an OccWorld tokenizer under OccWorld's names (`encoder.*`, `decoder.*`,
 * `class_embeds.weight`, `vqvae.quant_conv.*`, `vqvae.embedding.weight`, `vqvae.post_quant_conv.*`)
 * with the PyTorch shape each must have.
 */
export function occworldTorchShapes(net: OccWorldNet, quantizer: OccWorldQuantizer): Record<string, number[]> {
  return { ...net.store.torchShapes(), [OCCWORLD_CODEBOOK]: [quantizer.codebookSize, quantizer.dim] };
}

/** New tensors the caller disposes. */
export function occworldStateDict(net: OccWorldNet, quantizer: OccWorldQuantizer): Record<string, tf.Tensor> {
  return { ...net.store.stateDict(), [OCCWORLD_CODEBOOK]: quantizer.codebook() };
}

/**
 * Loads OccWorld's state dict as `load_state_dict(strict=True)` would: a missing tensor, an extra
 * one or a wrong shape is one error naming `source`, the tensor and both shapes, thrown before
 * anything is assigned.
 */
export function loadOccWorldStateDict(net: OccWorldNet, quantizer: OccWorldQuantizer, sd: Record<string, tf.Tensor>, source: string): void {
  const want = occworldTorchShapes(net, quantizer);
  const extra = Object.keys(sd).filter((k) => !(k in want));
  if (extra.length) {
    const first = sd[extra[0]!]!;
    throw new Error(
      `${source}: ${extra[0]} [${first.shape.join(', ')}] is not part of the configured OccWorld model` +
        (extra.length > 1 ? ` (nor are ${extra.length - 1} more: ${extra.slice(1, 4).join(', ')}${extra.length > 4 ? ', …' : ''})` : ''),
    );
  }
  const cb = sd[OCCWORLD_CODEBOOK];
  const cbShape = want[OCCWORLD_CODEBOOK]!;
  if (!cb) throw new Error(`${source}: ${OCCWORLD_CODEBOOK} is missing (expected [${cbShape.join(', ')}])`);
  if (cb.shape.join() !== cbShape.join()) throw new Error(`${source}: ${OCCWORLD_CODEBOOK} is [${cb.shape.join(', ')}] but the model needs [${cbShape.join(', ')}]`);
  net.store.checkStateDict(sd, source);
  net.store.loadStateDict(sd, source);
  quantizer.loadState({ 'embedding.weight': cb });
}
