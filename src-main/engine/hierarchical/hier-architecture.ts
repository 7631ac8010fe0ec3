import type { ModelConfig } from '../../contract';
import { torchParamShapes, validateModelConfig, type ConvLayer } from '../model/architecture';

/**
 * VQ-VAE-2's two-level network (Razavi et al. 2019) as rosinality/vq-vae-2-pytorch builds it,
 * with its module names, `n_res_block = 0` (the residual stacks are left out: every other layer,
 * kernel, stride and ReLU is the reference's):
 *
 *   enc_b  = [Conv(in, ch/2, 4, 2, 1), ReLU, Conv(ch/2, ch, 4, 2, 1), ReLU, Conv(ch, ch, 3, 1, 1), ReLU]   4×
 *   enc_t  = [Conv(ch, ch/2, 4, 2, 1), ReLU, Conv(ch/2, ch, 3, 1, 1), ReLU]                             2× more
 *   quantize_conv_t = Conv(ch, D, 1) → top VQ
 *   dec_t  = [Conv(D, ch, 3, 1, 1), ReLU, ConvT(ch, D, 4, 2, 1)]       (the top's code, decoded to the bottom grid)
 *   quantize_conv_b = Conv(D + ch, D, 1) on cat(dec_t, enc_b) → bottom VQ   (the bottom is conditioned on the top)
 *   upsample_t = ConvT(D, D, 4, 2, 1)
 *   dec    = [Conv(2D, ch, 3, 1, 1), ReLU, ConvT(ch, ch/2, 4, 2, 1), ReLU, ConvT(ch/2, out, 4, 2, 1)] on cat(upsample_t, bottom)
 *
 * ModelConfig: hidden = ch (even), latentDim = D (both codebooks' code size), stages = 2 (the
 * bottom grid is 4× down, the top 8×). The 1×1 convolutions are one-layer sequences
 * (`quantize_conv_t.0.weight`) so every sub-net shares the ConvNet machinery.
 */
export interface HierArchitecture {
  enc_b: ConvLayer[];
  enc_t: ConvLayer[];
  quantize_conv_t: ConvLayer[];
  dec_t: ConvLayer[];
  quantize_conv_b: ConvLayer[];
  upsample_t: ConvLayer[];
  dec: ConvLayer[];
}

export const HIER_NETS = ['enc_b', 'enc_t', 'quantize_conv_t', 'dec_t', 'quantize_conv_b', 'upsample_t', 'dec'] as const;
export type HierNetName = (typeof HIER_NETS)[number];

/** Downsampling of the bottom grid and of the top grid. */
export const HIER_BOTTOM_FACTOR = 4;
export const HIER_TOP_FACTOR = 8;

export function validateHierModel(m: ModelConfig, source = 'hierarchical model'): void {
  validateModelConfig(m);
  if (m.stages !== 2) throw new Error(`${source}: the hierarchical (VQ-VAE-2) model has a 4× bottom and an 8× top grid: stages must be 2, got ${m.stages}`);
  if (m.hidden % 2 !== 0 || m.hidden < 2) throw new Error(`${source}: hidden (VQ-VAE-2's channel) must be even, got ${m.hidden}`);
}

const conv = (index: number, inC: number, out: number, kernel: number, stride: number, padding: number, relu: boolean): ConvLayer => ({
  type: 'conv2d', index, in: inC, out, kernel, stride, padding, relu,
});
const convT = (index: number, inC: number, out: number, relu: boolean): ConvLayer => ({
  type: 'conv_transpose2d', index, in: inC, out, kernel: 4, stride: 2, padding: 1, relu,
});

export function hierArchitecture(m: ModelConfig, outChannels: number = m.inChannels): HierArchitecture {
  validateHierModel(m);
  const ch = m.hidden;
  const half = ch / 2;
  const D = m.latentDim;
  return {
    enc_b: [conv(0, m.inChannels, half, 4, 2, 1, true), conv(2, half, ch, 4, 2, 1, true), conv(4, ch, ch, 3, 1, 1, true)],
    enc_t: [conv(0, ch, half, 4, 2, 1, true), conv(2, half, ch, 3, 1, 1, true)],
    quantize_conv_t: [conv(0, ch, D, 1, 1, 0, false)],
    dec_t: [conv(0, D, ch, 3, 1, 1, true), convT(2, ch, D, false)],
    quantize_conv_b: [conv(0, D + ch, D, 1, 1, 0, false)],
    upsample_t: [convT(0, D, D, false)],
    dec: [conv(0, 2 * D, ch, 3, 1, 1, true), convT(2, ch, half, true), convT(4, half, outChannels, false)],
  };
}

/** PyTorch names and shapes of every parameter of the networks (not the codebooks). */
export function hierParamShapes(a: HierArchitecture): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const n of HIER_NETS) Object.assign(out, torchParamShapes(n, a[n]));
  return out;
}
