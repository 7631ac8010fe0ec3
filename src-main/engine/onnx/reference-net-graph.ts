import * as tf from '@tensorflow/tfjs-core';
import type { ConvNet } from '../model/conv-net';
import type { ReferenceNets } from '../model/reference-nets';
import type { OnnxGraph } from './onnx-graph';

/**
 * The reference encoder (DESIGN.md: 4×4 stride-2 convolutions with ReLUs, a 3×3 head) as ONNX
 * nodes on channel-first input `x [N, C, H, W]`; returns the latents' name `[N, D, h, w]`.
 */
export async function writeReferenceEncoder(g: OnnxGraph, nets: ReferenceNets, x: string): Promise<string> {
  return writeConvNet(g, nets.encoder, x);
}

/**
 * A ConvNet (conv2d and conv_transpose2d layers, each with its bias and optional ReLU) as ONNX
 * nodes on channel-first `x`; returns the output's name. The state dict is in PyTorch's layouts,
 * which are ONNX's: Conv `[out, in, kh, kw]`, ConvTranspose `[in, out, kh, kw]`. ONNX
 * ConvTranspose with pads p and no output_padding has PyTorch's output size (H − 1)·s − 2p + k,
 * the size ConvNet.forward asks tf.conv2dTranspose for.
 */
export async function writeConvNet(g: OnnxGraph, net: ConvNet, x: string): Promise<string> {
  const sd = net.stateDict();
  let h = x;
  try {
    for (const l of net.layers) {
      const key = `${net.prefix}.${l.index}`;
      const w = sd[`${key}.weight`]!;
      const b = sd[`${key}.bias`]!;
      const weight = g.constant(`${key}.weight`, (await w.data()) as Float32Array, w.shape);
      const bias = g.constant(`${key}.bias`, (await b.data()) as Float32Array, b.shape);
      const p = l.padding;
      h = g.op(l.type === 'conv2d' ? 'Conv' : 'ConvTranspose', [h, weight, bias], {
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
