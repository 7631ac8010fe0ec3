import type { ModelConfig } from '../../contract';

/**
 * The reference architecture (DESIGN.md) as a list of layers in PyTorch's terms, so that the
 * index of each layer is its index in PyTorch's `nn.Sequential` (ReLUs count):
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
