import type { ModelConfig } from '../../contract';

/**
 * The reference architecture (DESIGN.md), described once: the list of convolutions in PyTorch's
 * terms, each with its index in PyTorch's `nn.Sequential` (ReLUs count). The model (ConvNet)
 * builds from it, and the checkpoint/export code derives from it the nn.Sequential layer list
 * of config.json and the parameter shapes a state dict must have (checkpoint/layers.ts):
 * Encoder: [Conv2d(c, hidden, 4, 2, 1), ReLU] × stages, Conv2d(hidden, latent, 3, 1, 1).
 * Decoder: [ConvTranspose2d(c, hidden, 4, 2, 1), ReLU] × stages, ConvTranspose2d(hidden, out, 3, 1, 1).
 */
export interface ConvLayer {
  type: 'conv2d' | 'conv_transpose2d';
  /** Position in the nn.Sequential (`encoder.net.<index>.weight`). */
  index: number;
  in: number;
  out: number;
  kernel: number;
  stride: number;
  padding: number;
  /** A ReLU follows this layer. */
  relu: boolean;
}

export interface Architecture {
  encoder: ConvLayer[];
  decoder: ConvLayer[];
  /** Spatial downsampling factor (2^stages). */
  factor: number;
}

export function validateModelConfig(m: ModelConfig): void {
  const bad = (what: string, v: unknown) => new Error(`model config: ${what} must be a positive integer, got ${String(v)}`);
  if (!Number.isInteger(m.inChannels) || m.inChannels < 1) throw bad('inChannels', m.inChannels);
  if (!Number.isInteger(m.hidden) || m.hidden < 1) throw bad('hidden', m.hidden);
  if (!Number.isInteger(m.latentDim) || m.latentDim < 1) throw bad('latentDim', m.latentDim);
  if (!Number.isInteger(m.stages) || m.stages < 1 || m.stages > 6) {
    throw new Error(`model config: stages must be an integer in 1..6, got ${String(m.stages)}`);
  }
}

export function architecture(m: ModelConfig, outChannels: number = m.inChannels): Architecture {
  validateModelConfig(m);
  const encoder: ConvLayer[] = [];
  const decoder: ConvLayer[] = [];
  let c = m.inChannels;
  let index = 0;
  for (let s = 0; s < m.stages; s++) {
    encoder.push({ type: 'conv2d', index, in: c, out: m.hidden, kernel: 4, stride: 2, padding: 1, relu: true });
    index += 2;
    c = m.hidden;
  }
  encoder.push({ type: 'conv2d', index, in: c, out: m.latentDim, kernel: 3, stride: 1, padding: 1, relu: false });
  c = m.latentDim;
  index = 0;
  for (let s = 0; s < m.stages; s++) {
    decoder.push({ type: 'conv_transpose2d', index, in: c, out: m.hidden, kernel: 4, stride: 2, padding: 1, relu: true });
    index += 2;
    c = m.hidden;
  }
  decoder.push({ type: 'conv_transpose2d', index, in: c, out: outChannels, kernel: 3, stride: 1, padding: 1, relu: false });
  return { encoder, decoder, factor: 2 ** m.stages };
}

/**
 * PyTorch's shape of a layer's weight: Conv2d `[out, in, kh, kw]`, ConvTranspose2d
 * `[in, out, kh, kw]`. The bias is `[out]` for both.
 */
export function torchWeightShape(l: Pick<ConvLayer, 'type' | 'in' | 'out' | 'kernel'>): number[] {
  return l.type === 'conv2d' ? [l.out, l.in, l.kernel, l.kernel] : [l.in, l.out, l.kernel, l.kernel];
}

/** PyTorch names and shapes of every parameter of `layers` under `prefix` (e.g. `encoder.net`). */
export function torchParamShapes(prefix: string, layers: readonly ConvLayer[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const l of layers) {
    out[`${prefix}.${l.index}.weight`] = torchWeightShape(l);
    out[`${prefix}.${l.index}.bias`] = [l.out];
  }
  return out;
}
