import { InferencePool } from '../engine/infer/inference-pool';
import { plainWeights } from '../engine/train/snapshot';
import type { SourceSpec } from '../engine/train/source-spec';
import type { Tokenizer } from '../engine/tokenizer';
import type { ProgressFn } from './jobs';
import { checkTokens } from './sequence-tokens';
import type { SequenceTokens } from './sequence-tokens';

/**
 * Encodes a whole sequence in the engine's inference worker threads, so that the service's thread
 * (Electron's main process, the web server) stays free while it runs: a pool of one worker per
 * core (wasm runs one thread per worker in Node), each encoding a contiguous slice of the frames
 * (2 workers: ~1.9× one thread's frames/s on the reference model). Each worker gets the
 * tokenizer's current weights and opens the data itself from the source's spec.
 */
export async function encodeInWorker(tokenizer: Tokenizer, source: SourceSpec, progress: ProgressFn, entry?: URL): Promise<SequenceTokens> {
  const weights = await plainWeights(tokenizer);
  const pool = await InferencePool.create({
    config: tokenizer.cfg,
    encoding: tokenizer.encoding,
    weights,
    backend: { allowNative: true },
    ...(entry ? { entry } : {}),
  });
  try {
    const r = await pool.encode(source, undefined, { onProgress: (done, total) => progress(done, total) });
    progress(r.frames, r.frames);
    return checkTokens({
      frames: r.frames,
      h: r.h,
      w: r.w,
      depth: r.depth,
      codebookSize: tokenizer.quantizer.codebookSize,
      indices: r.tokens,
      quantError: r.quantError,
    });
  } finally {
    await pool.dispose();
  }
}
