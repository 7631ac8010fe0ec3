/**
 * FSQ [8, 5, 5, 5] on ../shared/fixtures/fsq_8555 on whatever backend is active (shared by the
 * wasm test fsq.test.ts and the webgpu test): per input, which rows differ from PyTorch's codes
 * and indices and by how much.
 */
import * as tf from '@tensorflow/tfjs-core';
import { toFloat32, toInt32 } from '../../data/npy';
import { FiniteScalarQuantizer } from './fsq';
import { fixture, maxAbsDiff } from './test-backend';

export const FSQ_LEVELS = [8, 5, 5, 5];
export const FSQ_INPUTS = ['z_lin', 'z_rand', 'z_edge', 'z_img'] as const;

export interface Compared {
  rows: number;
  badRows: number[];
  codesMaxDiff: number;
  preroundMaxDiff: number;
  roundTripMaxDiff: number;
}

export async function compareFsq(fsq: FiniteScalarQuantizer, name: string): Promise<Compared> {
  const f = (n: string) => fixture(`fsq_8555/${n}`);
  // z_img has no preround file.
  const [z, codes, indices, pre] = await Promise.all([
    f(name),
    f(`${name}_codes`),
    f(`${name}_indices`),
    name === 'z_img' ? Promise.resolve(null) : f(`${name}_preround`),
  ]);
  const D = 4;
  const channelFirst = name === 'z_img';
  const zt = tf.tidy(() => {
    const t = tf.tensor(toFloat32(z!), z!.shape);
    // The image input is (B, C, H, W): channel-last and flattened as the reference does.
    return (channelFirst ? tf.reshape(tf.transpose(t, [0, 2, 3, 1]), [-1, D]) : tf.reshape(t, [-1, D])) as tf.Tensor2D;
  });
  const r = fsq.quantize(zt, { training: false });
  const bounded = fsq.bound(zt);
  const back = fsq.indicesToCodes(r.indices);
  const ours = await r.quantized.data();
  const oursIdx = await r.indices.data();
  const cf = channelFirst ? tf.tidy(() => tf.reshape(tf.transpose(tf.tensor(toFloat32(codes!), codes!.shape), [0, 2, 3, 1]), [-1])) : null;
  const expCodes = cf ? await cf.data() : toFloat32(codes!);
  cf?.dispose();
  const expPre = pre ? toFloat32(pre) : null;
  const expIdx = toInt32(indices!);
  const rows = zt.shape[0];
  const badRows: number[] = [];
  for (let i = 0; i < rows; i++) {
    let bad = oursIdx[i] !== expIdx[i];
    for (let d = 0; d < D; d++) if (ours[i * D + d] !== expCodes[i * D + d]) bad = true;
    if (bad) badRows.push(i);
  }
  const out: Compared = {
    rows,
    badRows,
    codesMaxDiff: maxAbsDiff(ours, expCodes),
    preroundMaxDiff: expPre ? maxAbsDiff(await bounded.data(), expPre) : 0,
    roundTripMaxDiff: maxAbsDiff(await back.data(), ours),
  };
  tf.dispose([zt, r.quantized, r.indices, r.loss, bounded, back]);
  return out;
}

/** Every input compared, the implicit codebook and level indices, and the tensors left behind. */
export async function runFsqFixture() {
  const fsq = new FiniteScalarQuantizer(FSQ_LEVELS, 4);
  const before = tf.memory().numTensors;
  const results: Record<string, Compared> = {};
  for (const name of FSQ_INPUTS) results[name] = await compareFsq(fsq, name);
  const [cbRef, lvRef] = await Promise.all([fixture('fsq_8555/implicit_codebook'), fixture('fsq_8555/level_indices_of_arange1000')]);
  const cb = fsq.implicitCodebook();
  const lv = tf.tidy(() => fsq.indicesToLevels(tf.range(0, 1000, 1, 'int32')));
  const implicit = {
    codebook: maxAbsDiff(await cb.data(), toFloat32(cbRef!)),
    levels: maxAbsDiff(await lv.data(), toInt32(lvRef!)),
  };
  tf.dispose([cb, lv]);
  return { results, implicit, leaked: tf.memory().numTensors - before };
}
