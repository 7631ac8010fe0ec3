import * as tf from '@tensorflow/tfjs-core';
import { groupNorm, occworldGroups, OCCWORLD_NORM_EPS } from './group-norm';
import type { ParamStore } from './param-store';
import { torchConv2d } from './torch-conv';

/**
 * taming-transformers' AttnBlock: single-head self-attention over the H·W positions, 1×1 `q`,
 * `k`, `v` and `proj_out` convolutions after a GroupNorm, softmax(q·kᵀ/√C) over the keys, plus
 * the input. The key matrix is transposed explicitly (wasm's BatchMatMul is slow with transpose
 * flags).
 */
export class AttnBlock {
  constructor(
    private readonly store: ParamStore,
    readonly name: string,
    readonly c: number,
  ) {
    store.addNorm(`${name}.norm`, c);
    for (const n of ['q', 'k', 'v', 'proj_out']) store.addConv(`${name}.${n}`, c, c, 1);
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const p = (n: string) => this.store.get(`${this.name}.${n}`);
    const [b, h, w, c] = x.shape;
    const hn = groupNorm(x, occworldGroups(c), p('norm.weight'), p('norm.bias'), OCCWORLD_NORM_EPS);
    const flat = (n: string) => tf.reshape(torchConv2d(hn, p(`${n}.weight`), p(`${n}.bias`), 1), [b, h * w, c]) as tf.Tensor3D;
    const q = flat('q');
    const kT = tf.transpose(flat('k'), [0, 2, 1]);
    const att = tf.softmax(tf.mul(tf.matMul(q, kT), 1 / Math.sqrt(c)));
    const out = tf.reshape(tf.matMul(att, flat('v')), [b, h, w, c]) as tf.Tensor4D;
    return tf.add(x, torchConv2d(out, p('proj_out.weight'), p('proj_out.bias'), 1));
  }
}
