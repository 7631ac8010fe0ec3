import * as tf from '@tensorflow/tfjs-core';
import type { ChannelNormalization } from '../../contract';
import { computeChannelStats, type ChannelStats } from '../../data/dataset';
import type { FrameSequence } from '../../data/frame';

/**
 * Per-channel input normalisation of the tokenizer. Continuous BEV channels have wildly
 * different scales (lidar max height in metres, point density in counts, intensity up to 255),
 * and an unnormalised MSE is dominated by the largest: training then diverges or crawls. The
 * statistics are computed once per data source when training starts, live in the TrainConfig
 * (so in every checkpoint and export) and are applied inside the Tokenizer: frames go in and come
 * out in frame units; only the network sees normalised values.
 */

/** Frames the statistics are computed over at most (drawn with a fixed seed: same source, same stats). */
export const STATS_MAX_FRAMES = 64;

/** The normalisation of a sequence's continuous channels, or undefined when none needs one (class frames). */
export async function sourceNormalization(seq: FrameSequence, maxFrames = STATS_MAX_FRAMES): Promise<ChannelNormalization | undefined> {
  const refs = Array.from({ length: seq.length }, (_, frame) => ({ sequence: 0, frame }));
  return normalizationFromStats(await computeChannelStats([seq], refs, { maxFrames, seed: 0 }));
}

export function normalizationFromStats(stats: ChannelStats): ChannelNormalization | undefined {
  if (!stats.normalised.some(Boolean)) return undefined;
  return { mean: [...stats.mean], std: [...stats.std] };
}

/** Throws one clear error, naming `source`, unless `n` fits `channels` channels. */
export function validateNormalization(n: unknown, channels: number, source: string): asserts n is ChannelNormalization {
  const obj = n as Partial<ChannelNormalization> | null;
  if (typeof obj !== 'object' || obj === null || !Array.isArray(obj.mean) || !Array.isArray(obj.std)) {
    throw new Error(`${source}: normalization must be { mean: number[], std: number[] }, got ${JSON.stringify(n)}`);
  }
  if (obj.mean.length !== channels || obj.std.length !== channels) {
    throw new Error(`${source}: normalization has ${obj.mean.length} means and ${obj.std.length} stds for ${channels} channels`);
  }
  obj.mean.forEach((m, c) => {
    if (typeof m !== 'number' || !Number.isFinite(m)) throw new Error(`${source}: normalization mean of channel ${c} is ${JSON.stringify(m)}, not a finite number`);
  });
  obj.std.forEach((s, c) => {
    if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) throw new Error(`${source}: normalization std of channel ${c} is ${JSON.stringify(s)}, not a positive number`);
  });
}

/** (x − mean) / std over the last (channel) axis of NHWC data. Call inside a tidy. */
export function normalizeNhwc(x: tf.Tensor4D, n: ChannelNormalization): tf.Tensor4D {
  return tf.div(tf.sub(x, tf.tensor1d(n.mean)), tf.tensor1d(n.std));
}

/** x · std + mean over the last (channel) axis of NHWC data: back to frame units. Call inside a tidy. */
export function denormalizeNhwc(x: tf.Tensor4D, n: ChannelNormalization): tf.Tensor4D {
  return tf.add(tf.mul(x, tf.tensor1d(n.std)), tf.tensor1d(n.mean));
}
