import { expect } from 'vitest';
import type { FrameEncoding } from '../../data/frame';
import { InferencePool } from '../infer/inference-pool';
import type { Tokenizer } from '../tokenizer';
import { plainWeights } from '../train/snapshot';

/**
 * What the ONNX tests' pool checks share: two 2-worker wasm inference pools with the tokenizer's
 * weights, one encoding with ONNX Runtime and one with TensorFlow.js.
 */

/** Starts both pools, checks that each encodes with its engine, runs `fn`, and disposes both. */
export async function withEnginePools(
  tok: Tokenizer,
  encoding: FrameEncoding,
  fn: (onnxPool: InferencePool, tfjsPool: InferencePool) => Promise<void>,
): Promise<void> {
  const weights = await plainWeights(tok);
  const base = { config: tok.cfg, encoding, weights, workers: 2, backend: { prefer: ['wasm' as const] } };
  const onnxPool = await InferencePool.create({ ...base, encodeEngine: 'onnxruntime' });
  try {
    const tfjsPool = await InferencePool.create({ ...base, encodeEngine: 'tfjs' });
    try {
      expect(onnxPool.encodeEngine?.name).toBe('onnxruntime');
      expect(tfjsPool.encodeEngine?.name).toBe('tfjs');
      await fn(onnxPool, tfjsPool);
    } finally {
      await tfjsPool.dispose();
    }
  } finally {
    await onnxPool.dispose();
  }
}

/**
 * The two pools' results: each cell's quantization error equal to 1e-4 relative to
 * max(`floor`, the tfjs error); returns how many token ids differ.
 */
export function compareEncodes(a: { tokens: ArrayLike<number>; quantError: ArrayLike<number> }, b: { tokens: ArrayLike<number>; quantError: ArrayLike<number> }, floor = 1): number {
  expect(a.tokens.length).toBe(b.tokens.length);
  for (let i = 0; i < a.quantError.length; i++) expect(Math.abs(a.quantError[i]! - b.quantError[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(floor, b.quantError[i]!));
  let differ = 0;
  for (let i = 0; i < a.tokens.length; i++) if (a.tokens[i] !== b.tokens[i]) differ++;
  return differ;
}
