/**
 * Reads the token predictions of an external world model (`.npy` integer arrays) and aligns them
 * with a sequence and a tokenizer checkpoint. Accepted layouts:
 * - `[T, h, w]`: one rollout of T frames (plain VQ / FSQ tokens);
 * - `[T, h, w, depth]`: one rollout of residual / grouped tokens (depth > 1);
 * - `[R, T, h, w]` and `[R, T, h, w, depth]`: R sampled rollouts.
 * Predicted frame j stands for sequence frame `offset + j`, the offset given directly or found
 * from the timestamp of the first predicted frame. Every kind of mismatch is one DataError that
 * names the file and says what to fix.
 */
import { DataError } from './errors';
import { unravelIndex } from './frame-utils';
import { checkMemory } from './memory-budget';
import { formatShape, readNpy, writeNpy, type NpyArray } from './npy';

/** What the predictions must fit: the checkpoint's token grid and the sequence's length. */
export interface PredictionExpectation {
  codebookSize: number;
  h: number;
  w: number;
  /** Index positions per cell (1 for plain tokens). */
  depth: number;
  /** Length of the sequence the predictions are aligned to. */
  frames: number;
  /** Timestamps of the sequence's frames (µs), for alignment by timestamp. */
  timestampsUs?: readonly number[];
}

export interface PredictionAlignment {
  /** Sequence frame of the first predicted frame (default 0). */
  offset?: number;
  /** Or: the timestamp (µs) of the first predicted frame, matched to the nearest sequence frame. */
  startTimestampUs?: number;
  /**
   * 'windows': the leading axis holds sliding windows (window s starts at `offset + s`), so the
   * last window must end within the sequence; otherwise it holds rollouts of the same frames.
   */
  mode?: 'rollout' | 'one-step' | 'windows';
}

export interface Predictions {
  /** int32 `[rollouts, frames, h, w, depth]`. */
  tokens: Int32Array;
  rollouts: number;
  frames: number;
  h: number;
  w: number;
  depth: number;
  /** Sequence frame of predicted frame 0. */
  offset: number;
  /** The file's own shape and dtype, for messages and the info panel. */
  shape: number[];
  dtype: string;
}

/** Sampled rollouts scored per file: far above what a person compares, far below what hangs evaluate (5,000 did). */
export const MAX_ROLLOUTS = 256;

const INTEGER_DTYPES = new Set(['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64']);

export async function readPredictions(
  path: string,
  expect: PredictionExpectation,
  align: PredictionAlignment = {},
): Promise<Predictions> {
  return parsePredictions(await readNpy(path), path, expect, align);
}

/** The checks and layout of readPredictions on an already parsed array. */
export function parsePredictions(
  arr: NpyArray,
  file: string,
  expect: PredictionExpectation,
  align: PredictionAlignment = {},
): Predictions {
  const { shape, dtype } = arr;
  if (dtype === 'float16' || dtype === 'float32' || dtype === 'float64') {
    throw new DataError(file, `holds ${dtype} values; predictions must be integer code ids (save them with .astype(np.int32))`);
  }
  if (!INTEGER_DTYPES.has(dtype)) {
    throw new DataError(file, `holds ${dtype} values; predictions must be integer code ids (int8 … int64, uint8 … uint64)`);
  }
  const layout = interpretShape(shape, expect, file);
  const { rollouts, frames, depth } = layout;
  const { h, w } = expect;
  if (frames === 0 || rollouts === 0) throw new DataError(file, `is empty (shape ${formatShape(shape)})`);
  if (rollouts > MAX_ROLLOUTS) {
    throw new DataError(file, `holds ${rollouts} rollouts; at most ${MAX_ROLLOUTS} are scored (each is decoded and compared frame by frame): keep a sample of them`);
  }
  checkMemory(file, arr.data.length * 4, `the ${formatShape(shape)} predicted ids as int32`);

  const offset = resolveOffset(file, expect, align);
  if (align.mode === 'windows' && offset + rollouts - 1 + frames > expect.frames) {
    throw new DataError(
      file,
      `${rollouts} sliding windows of ${frames} frames from sequence frame ${offset} run past the sequence's ${expect.frames} frames ` +
        `(the last window would end at frame ${offset + rollouts - 1 + frames - 1}, the last frame is ${expect.frames - 1})`,
    );
  }
  if (offset + frames > expect.frames) {
    throw new DataError(
      file,
      `${frames} predicted frames starting at sequence frame ${offset} run past the sequence's ${expect.frames} frames ` +
        `(the last predicted frame would be ${offset + frames - 1}, the last frame is ${expect.frames - 1})`,
    );
  }
  const tokens = checkIds(arr, file, expect.codebookSize);
  return { tokens, rollouts, frames, h, w, depth, offset, shape: [...shape], dtype };
}

function interpretShape(
  shape: readonly number[],
  expect: PredictionExpectation,
  file: string,
): { rollouts: number; frames: number; depth: number } {
  const { h, w, depth } = expect;
  const grid = depth > 1 ? `${h}×${w}×${depth}` : `${h}×${w}`;
  const accepted = depth > 1 ? `[T, ${h}, ${w}, ${depth}] or [R, T, ${h}, ${w}, ${depth}]` : `[T, ${h}, ${w}] or [R, T, ${h}, ${w}]`;
  const mismatch = (got: string) =>
    new DataError(file, `shape ${formatShape(shape)} does not fit the checkpoint's ${grid} token grid${got}; expected ${accepted}`);
  const gridAt = (i: number) => shape[i] === h && shape[i + 1] === w;
  if (depth === 1) {
    if (shape.length === 3) {
      if (!gridAt(1)) throw mismatch(` (frames are ${shape[1]}×${shape[2]})`);
      return { rollouts: 1, frames: shape[0]!, depth: 1 };
    }
    if (shape.length === 4) {
      if (gridAt(2)) return { rollouts: shape[0]!, frames: shape[1]!, depth: 1 };
      // [T, h, w, 1] is the same tokens with an explicit depth axis.
      if (gridAt(1) && shape[3] === 1) return { rollouts: 1, frames: shape[0]!, depth: 1 };
      if (gridAt(1)) throw new DataError(file, `shape ${formatShape(shape)} looks like residual tokens of depth ${shape[3]}, but the checkpoint has depth 1`);
      throw mismatch(` (frames are ${shape[2]}×${shape[3]})`);
    }
    if (shape.length === 5 && gridAt(2) && shape[4] === 1) return { rollouts: shape[0]!, frames: shape[1]!, depth: 1 };
    throw mismatch(shape.length === 5 ? '' : ` (${shape.length} axes)`);
  }
  if (shape.length === 4) {
    if (gridAt(1) && shape[3] === depth) return { rollouts: 1, frames: shape[0]!, depth };
    if (gridAt(1)) throw new DataError(file, `shape ${formatShape(shape)} has ${shape[3]} ids per cell, but the checkpoint's residual depth is ${depth}`);
    throw mismatch('');
  }
  if (shape.length === 5) {
    if (gridAt(2) && shape[4] === depth) return { rollouts: shape[0]!, frames: shape[1]!, depth };
    if (gridAt(2)) throw new DataError(file, `shape ${formatShape(shape)} has ${shape[4]} ids per cell, but the checkpoint's residual depth is ${depth}`);
    throw mismatch('');
  }
  if (shape.length === 3 && gridAt(1)) {
    throw new DataError(file, `shape ${formatShape(shape)} has one id per cell, but the checkpoint's residual depth is ${depth}; expected ${accepted}`);
  }
  throw mismatch(` (${shape.length} axes)`);
}

function resolveOffset(file: string, expect: PredictionExpectation, align: PredictionAlignment): number {
  if (align.offset !== undefined && align.startTimestampUs !== undefined) {
    throw new DataError(file, 'give either a frame offset or a start timestamp for the alignment, not both');
  }
  if (align.startTimestampUs !== undefined) {
    const ts = expect.timestampsUs;
    if (!ts || ts.length === 0) throw new DataError(file, 'alignment by timestamp asked for, but the sequence has no timestamps; give a frame offset');
    let best = 0;
    for (let i = 1; i < ts.length; i++) if (Math.abs(ts[i]! - align.startTimestampUs) < Math.abs(ts[best]! - align.startTimestampUs)) best = i;
    // A match is the nearest frame within half the typical (median) frame interval.
    const gaps = ts.slice(1).map((t, i) => Math.abs(t - ts[i]!)).sort((x, y) => x - y);
    const tolerance = gaps.length ? gaps[Math.floor(gaps.length / 2)]! / 2 : 0;
    if (Math.abs(ts[best]! - align.startTimestampUs) > tolerance) {
      throw new DataError(
        file,
        `start timestamp ${align.startTimestampUs} µs matches no frame of the sequence (nearest is frame ${best} at ${ts[best]} µs; ` +
          `the sequence spans ${ts[0]}…${ts[ts.length - 1]} µs)`,
      );
    }
    return best;
  }
  const offset = align.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0 || offset >= expect.frames) {
    throw new DataError(file, `frame offset ${offset} is outside the sequence's frames 0…${expect.frames - 1}`);
  }
  return offset;
}

/** Copies the ids to int32, counting those outside [0, K) and reporting the first. */
function checkIds(arr: NpyArray, file: string, K: number): Int32Array {
  const d = arr.data;
  const out = new Int32Array(d.length);
  let bad = 0;
  let first = -1;
  let firstValue: number | bigint = 0;
  const bigK = BigInt(K);
  for (let i = 0; i < d.length; i++) {
    const raw = d[i]!;
    const v = typeof raw === 'bigint' ? (raw >= 0n && raw < bigK ? Number(raw) : -1) : raw;
    if (v < 0 || v >= K) {
      if (bad === 0) {
        first = i;
        firstValue = raw;
      }
      bad++;
      continue;
    }
    out[i] = v;
  }
  if (bad > 0) {
    const at = unravelIndex(first, arr.shape);
    throw new DataError(
      file,
      `${bad} id${bad === 1 ? ' is' : 's are'} outside the codebook's range 0…${K - 1}; the first is ${String(firstValue)} at [${at.join(', ')}]`,
    );
  }
  return out;
}

/**
 * Writes predictions as `.npy` int32 in the layout readPredictions reads back: `[T, h, w]` for
 * one rollout of plain tokens, `[R, T, h, w]` for several, with a trailing depth axis when
 * depth > 1. Atomic (temporary file + rename).
 */
export async function writePredictions(
  path: string,
  p: Pick<Predictions, 'tokens' | 'rollouts' | 'frames' | 'h' | 'w' | 'depth'>,
): Promise<void> {
  const shape = [...(p.rollouts > 1 ? [p.rollouts] : []), p.frames, p.h, p.w, ...(p.depth > 1 ? [p.depth] : [])];
  await writeNpy(path, p.tokens, shape);
}
