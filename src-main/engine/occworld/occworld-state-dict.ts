import type * as tf from '@tensorflow/tfjs-core';
import type { OccWorldConfig } from './occworld-config';
import { OccWorldNet } from './occworld-net';
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

/** The state dict's names and PyTorch shapes for a config, without building any tensor. */
export function occworldExpectedShapes(cfg: OccWorldConfig): Record<string, number[]> {
  const net = new OccWorldNet(cfg, null);
  return { ...net.store.torchShapes(), [OCCWORLD_CODEBOOK]: [cfg.vqvae_cfg.n_e, cfg.vqvae_cfg.e_dim] };
}

/**
 * A state dict's problems against a config (missing, extra, wrong shape: each names the tensor
 * and both shapes); empty when it matches.
 */
export function occworldShapeProblems(cfg: OccWorldConfig, shapes: Record<string, readonly number[]>): string[] {
  const want = occworldExpectedShapes(cfg);
  const problems: string[] = [];
  for (const [name, shape] of Object.entries(want)) {
    const got = shapes[name];
    if (!got) problems.push(`${name} is missing (expected [${shape.join(', ')}])`);
    else if (got.join() !== shape.join()) problems.push(`${name} is [${got.join(', ')}] but the config needs [${shape.join(', ')}]`);
  }
  for (const [name, got] of Object.entries(shapes)) if (!(name in want)) problems.push(`${name} [${got.join(', ')}] is not part of the configured OccWorld model`);
  return problems;
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
