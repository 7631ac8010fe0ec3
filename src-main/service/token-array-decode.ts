import type { FrameEncoding } from '../data/frame';
import { formatBytes, memoryBudget } from '../data/memory-budget';
import { classMapsToVoxels } from '../data/occupancy-voxels';
import type { Tokenizer } from '../engine/tokenizer';
import { ArgumentError } from './errors';
import { classMaps } from './frame-compare';
import type { ProgressFn } from './jobs';
import { decodeIds } from './tokenizer-ops';

/**
 * Decodes a whole token array `[T, h, w]` or `[T, h, w, depth]` (the CLI's `decode`, a world
 * model's output). Class frames come back as class maps `[T, 1, H, W]` (uint8; height-folded
 * occupancy as voxel class ids in its own layout `[T, X, Y, Z]`), continuous
 * ones as values `[T, C, H, W]` (float32). Ids outside the codebook are refused before any work.
 */
export async function decodeTokenArray(
  tokenizer: Tokenizer,
  encoding: FrameEncoding,
  ids: Int32Array,
  shape: number[],
  progress: ProgressFn = () => undefined,
): Promise<{ data: Float32Array | Uint8Array; shape: number[] }> {
  const q = tokenizer.quantizer;
  const want = q.depth === 1 ? 3 : 4;
  if (shape.length !== want || (q.depth > 1 && shape[3] !== q.depth)) {
    throw new ArgumentError('decode', `tokens must be [T, h, w${q.depth > 1 ? `, ${q.depth}` : ''}] for this tokenizer, got [${shape.join(', ')}]`);
  }
  for (let i = 0; i < ids.length; i++) {
    if (ids[i]! < 0 || ids[i]! >= q.codebookSize) {
      throw new ArgumentError('decode', `token id ${ids[i]} at position ${i} is outside the codebook (0..${q.codebookSize - 1})`);
    }
  }
  const [T, h, w] = shape as [number, number, number];
  const f = tokenizer.arch.factor;
  // What the decoded frames will take, from the shape alone: a 1 MB token file can ask for gigabytes.
  const outBytes = T * h * f * w * f * tokenizer.arch.decoder.at(-1)!.out * 4;
  if (outBytes > memoryBudget()) {
    throw new ArgumentError('decode', `${T} frames of ${h}×${w} tokens would decode to ${formatBytes(outBytes)}, over the memory budget of ${formatBytes(memoryBudget())} (decode fewer frames, or raise --memory-budget)`);
  }
  const H = h * f;
  const W = w * f;
  const per = h * w * q.depth;
  const classes = encoding.kind === 'classes' ? encoding : null;
  let out: Float32Array | Uint8Array | null = null;
  let outShape: number[] = [];
  for (let t = 0; t < T; t++) {
    const recon = await decodeIds(tokenizer, ids.subarray(t * per, (t + 1) * per), h, w);
    const C = recon.length / (H * W);
    if (classes) {
      const groups = C / classes.numClasses;
      const maps = classMaps(recon, { channels: C, height: H, width: W }, classes.numClasses);
      out ??= new Uint8Array(T * groups * H * W);
      outShape = [T, groups, H, W];
      out.set(maps, t * maps.length);
    } else {
      out ??= new Float32Array(T * C * H * W);
      outShape = [T, C, H, W];
      out.set(recon, t * recon.length);
    }
    progress(t + 1, T);
  }
  if (!out) throw new ArgumentError('decode', 'the token array holds no frames');
  // Height-folded occupancy goes back to the source's own layout [T, X, Y, Z] (Occ3D, OccWorld).
  if (classes && outShape[1]! > 1) return { data: classMapsToVoxels(out as Uint8Array, T, outShape[1]!, H, W), shape: [T, W, H, outShape[1]!] };
  return { data: out, shape: outShape };
}
