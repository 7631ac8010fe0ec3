import type { CodeOccurrence, TokenFrame } from '../contract/index';

/**
 * The tokens of a whole sequence under one tokenizer: what the token grid, the timeline's
 * change rate, the codebook's usage and the occurrence search all read, so that changing frame
 * never re-runs the encoder. `indices` is `[T, h, w, depth]` int32, `quantError` `[T, h, w]`.
 */
export interface SequenceTokens {
  frames: number;
  h: number;
  w: number;
  depth: number;
  codebookSize: number;
  indices: Int32Array;
  quantError: Float32Array;
  /** What encoded them, for the user (e.g. "ONNX Runtime 1.30.0 (CPU), 2 workers"); absent when unknown. */
  engine?: string;
}

export function checkTokens(t: SequenceTokens): SequenceTokens {
  const cells = t.frames * t.h * t.w;
  if (t.indices.length !== cells * t.depth) {
    throw new Error(`sequence tokens: ${t.indices.length} ids for ${t.frames}×${t.h}×${t.w}×${t.depth}`);
  }
  if (t.quantError.length !== cells) throw new Error(`sequence tokens: ${t.quantError.length} errors for ${t.frames}×${t.h}×${t.w}`);
  return t;
}

/** One frame's tokens as the contract carries them (copies: the cache stays intact). */
export function tokenFrame(t: SequenceTokens, index: number): TokenFrame {
  const cells = t.h * t.w;
  return {
    index,
    indices: t.indices.slice(index * cells * t.depth, (index + 1) * cells * t.depth),
    h: t.h,
    w: t.w,
    depth: t.depth,
    quantError: t.quantError.slice(index * cells, (index + 1) * cells),
  };
}

/** One frame's ids `[h, w, depth]` (a view, no copy). */
export function frameIds(t: SequenceTokens, index: number): Int32Array {
  const n = t.h * t.w * t.depth;
  return t.indices.subarray(index * n, (index + 1) * n);
}

/** How often each code occurs at one level (residual level / group) over the whole sequence. */
export function codeUsage(t: SequenceTokens, level: number): Float32Array {
  const usage = new Float32Array(t.codebookSize);
  for (let i = level; i < t.indices.length; i += t.depth) usage[t.indices[i]!]!++;
  return usage;
}

/** Every cell, over all frames, whose code at `level` is `code`; at most `limit` of them. */
export function occurrencesOf(t: SequenceTokens, code: number, level: number, limit = 200_000): CodeOccurrence[] {
  const out: CodeOccurrence[] = [];
  const cells = t.h * t.w;
  for (let f = 0; f < t.frames && out.length < limit; f++) {
    for (let c = 0; c < cells; c++) {
      if (t.indices[(f * cells + c) * t.depth + level] === code) {
        out.push({ frame: f, row: Math.floor(c / t.w), col: c % t.w });
        if (out.length >= limit) break;
      }
    }
  }
  return out;
}
