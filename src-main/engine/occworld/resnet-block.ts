import * as tf from '@tensorflow/tfjs-core';
import { groupNorm, occworldGroups, OCCWORLD_NORM_EPS } from './group-norm';
import type { ParamStore } from './param-store';
import { swish, torchConv2d } from './torch-conv';

/**
 * taming-transformers' ResnetBlock without the timestep embedding (OccWorld's temb_channels = 0):
 * GroupNorm → SiLU → 3×3 conv → GroupNorm → SiLU → dropout → 3×3 conv, plus the input, through a
 * 1×1 `nin_shortcut` when the channel count changes. Parameters are registered in PyTorch's
 * order (norm1, conv1, norm2, conv2, nin_shortcut).
 */
export class ResnetBlock {
  constructor(
    private readonly store: ParamStore,
    readonly name: string,
    readonly cin: number,
    readonly cout: number,
    private readonly dropout: number,
  ) {
    store.addNorm(`${name}.norm1`, cin);
    store.addConv(`${name}.conv1`, cin, cout, 3);
    store.addNorm(`${name}.norm2`, cout);
    store.addConv(`${name}.conv2`, cout, cout, 3);
    if (cin !== cout) store.addConv(`${name}.nin_shortcut`, cin, cout, 1);
  }

  forward(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const p = (n: string) => this.store.get(`${this.name}.${n}`);
    let h = swish(groupNorm(x, occworldGroups(this.cin), p('norm1.weight'), p('norm1.bias'), OCCWORLD_NORM_EPS));
    h = torchConv2d(h, p('conv1.weight'), p('conv1.bias'), 1);
    h = swish(groupNorm(h, occworldGroups(this.cout), p('norm2.weight'), p('norm2.bias'), OCCWORLD_NORM_EPS));
    if (training && this.dropout > 0) h = tf.dropout(h, this.dropout) as tf.Tensor4D;
    h = torchConv2d(h, p('conv2.weight'), p('conv2.bias'), 1);
    const skip = this.cin !== this.cout ? torchConv2d(x, p('nin_shortcut.weight'), p('nin_shortcut.bias'), 1) : x;
    return tf.add(skip, h);
  }
}
