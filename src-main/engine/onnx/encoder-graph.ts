import * as tf from '@tensorflow/tfjs-core';
import { ReferenceNets } from '../model/reference-nets';
import { VectorQuantizer } from '../quantizers/vq';
import type { Tokenizer } from '../tokenizer';
import { OnnxGraph } from './onnx-graph';

/**
 * The tokenizer's inference encoder as an ONNX graph: frames `x [N, C, H, W]` (frame units,
 * channel-first as they are stored) → token ids `ids [N, h, w]` (int32) and the squared
 * quantization error `err [N, h, w]`, the same two arrays `Tokenizer.encode` gives.
 *
 * The graph is the tfjs path op for op: the input normalisation (x − mean) / std, the
 * reference encoder's convolutions (PyTorch's weight layout is ONNX's), and the nearest-code
 * search as VectorQuantizer.nearestCodes writes it — a 1×1 convolution by −2·codebook with
 * ‖c‖² as its bias, argmin over the codes, error = relu(min + ‖z‖²). Only summation order
 * differs, so ids agree except where two codes are within float rounding of each other.
 */
export const ONNX_ENCODER_INPUT = 'x';
export const ONNX_ENCODER_IDS = 'ids';
export const ONNX_ENCODER_ERROR = 'err';

/** Why this tokenizer's encoder cannot be written as an ONNX graph here, or null when it can. */
export function onnxEncoderUnsupported(t: Tokenizer): string | null {
  if (!(t.nets instanceof ReferenceNets)) return `the ${t.nets.kind} architecture is encoded with TensorFlow.js only`;
  const q = t.quantizer;
  if (!(q instanceof VectorQuantizer)) return `the ${q.kind} quantizer is encoded with TensorFlow.js only`;
  if (q.options.cosine) return 'the cosine-similarity codebook is encoded with TensorFlow.js only';
  return null;
}

export async function onnxEncoderGraph(t: Tokenizer, producer: { name: string; version: string }): Promise<Uint8Array> {
  const why = onnxEncoderUnsupported(t);
  if (why) throw new Error(`ONNX encoder: ${why}`);
  const nets = t.nets as ReferenceNets;
  const C = t.cfg.model.inChannels;
  const g = new OnnxGraph('tokenscope_encoder');
  let h = g.input(ONNX_ENCODER_INPUT, 'float', ['N', C, 'H', 'W']);

  const norm = t.cfg.normalization;
  if (norm) {
    h = g.op('Sub', [h, g.constant('norm_mean', Float32Array.from(norm.mean), [1, C, 1, 1])]);
    h = g.op('Div', [h, g.constant('norm_std', Float32Array.from(norm.std), [1, C, 1, 1])]);
  }

  const sd = nets.encoder.stateDict();
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

  // Nearest code: argmin_k ‖z − c_k‖² = argmin_k (‖c_k‖² − 2 z·c_k), as a 1×1 convolution.
  const cb = t.quantizer.codebook()!;
  const [K, D] = cb.shape as [number, number];
  const table = (await cb.data()) as Float32Array;
  cb.dispose();
  const filter = new Float32Array(K * D);
  const c2 = new Float32Array(K);
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let d = 0; d < D; d++) {
      const v = table[k * D + d]!;
      filter[k * D + d] = -2 * v;
      s += v * v;
    }
    c2[k] = s;
  }
  const z = h;
  const score = g.op('Conv', [z, g.constant('codebook_neg2', filter, [K, D, 1, 1]), g.constant('codebook_sq', c2, [K])], {
    kernel_shape: { ints: [1, 1] },
  });
  const ids64 = g.op('ArgMin', [score], { axis: { int: 1 }, keepdims: { int: 0 } });
  g.op('Cast', [ids64], { to: { int: 6 } }, ONNX_ENCODER_IDS);
  const best = g.op('ReduceMin', [score], { axes: { ints: [1] }, keepdims: { int: 0 } });
  const z2 = g.op('ReduceSumSquare', [z], { axes: { ints: [1] }, keepdims: { int: 0 } });
  g.op('Relu', [g.op('Add', [best, z2])], {}, ONNX_ENCODER_ERROR);
  g.output(ONNX_ENCODER_IDS, 'int32', ['N', 'h', 'w']);
  g.output(ONNX_ENCODER_ERROR, 'float', ['N', 'h', 'w']);
  return g.serialize(producer);
}
