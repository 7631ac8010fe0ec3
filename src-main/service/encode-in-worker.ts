import { InferenceWorker } from '../engine/infer/inference-worker';
import { plainWeights } from '../engine/train/snapshot';
import type { SourceSpec } from '../engine/train/source-spec';
import type { Tokenizer } from '../engine/tokenizer';
import type { ProgressFn } from './jobs';
import { checkTokens } from './sequence-tokens';
import type { SequenceTokens } from './sequence-tokens';

/**
 * Encodes a whole sequence in the engine's inference worker thread, so that the service's thread
 * (Electron's main process, the web server) stays free while it runs. The worker gets the
 * tokenizer's current weights and opens the data itself from the source's spec.
 */
export async function encodeInWorker(tokenizer: Tokenizer, source: SourceSpec, progress: ProgressFn, entry?: URL): Promise<SequenceTokens> {
  const weights = await plainWeights(tokenizer);
  const worker = await InferenceWorker.create({
    config: tokenizer.cfg,
    encoding: tokenizer.encoding,
    weights,
    backend: { allowNative: true },
    ...(entry ? { entry } : {}),
  });
  try {
    const r = await worker.encode(source, { onProgress: (done, total) => progress(done, total) });
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
    await worker.dispose();
  }
}
