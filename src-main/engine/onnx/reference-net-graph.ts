import * as tf from '@tensorflow/tfjs-core';
import type { ReferenceNets } from '../model/reference-nets';
import type { OnnxGraph } from './onnx-graph';

/**
 * The reference encoder (DESIGN.md: 4×4 stride-2 convolutions with ReLUs, a 3×3 head) as ONNX
 * nodes on channel-first input `x [N, C, H, W]`; returns the latents' name `[N, D, h, w]`.
 * PyTorch's weight layout `[out, in, kh, kw]` is ONNX's, so the state dict goes in as it is.
 */
export async function writeReferenceEncoder(g: OnnxGraph, nets: ReferenceNets, x: string): Promise<string> {
  const sd = nets.encoder.stateDict();
  let h = x;
  try {
    for (const l of nets.encoder.layers) {
      const key = `${nets.encoder.prefix}.${l.index}`;
      const w = sd[`${key}.weight`]!;
      const b = sd[`${key}.bias`]!;
      const weight = g.constant(`${key}.weight`, (await w.data()) as Float32Array, w.shape);
      const bias = g.constant(`${key}.bias`, (await b.data()) as Float32Array, b.shape);
      const p = l.padding;
      h = g.op('Conv', [h, weight, bias], {
        kernel_shape: { ints: [l.kernel, l.kernel] },
        strides: { ints: [l.stride, l.stride] },
        pads: { ints: [p, p, p, p] },
      });
      if (l.relu) h = g.op('Relu', [h]);
    }
  } finally {
    tf.dispose(Object.values(sd));
  }
  return h;
}
