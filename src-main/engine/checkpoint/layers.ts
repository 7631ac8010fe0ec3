import type * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../contract';

/**
 * The reference architecture (DESIGN.md) written out layer by layer, in PyTorch's terms: what
 * config.json describes, what the PyTorch module builds, and what a state dict must hold.
 * Encoder: [Conv2d(c, hidden, 4, 2, 1), ReLU] × stages, Conv2d(hidden, latent, 3, 1, 1).
 * Decoder: [ConvTranspose2d(c, hidden, 4, 2, 1), ReLU] × stages, ConvTranspose2d(hidden, out, 3, 1, 1).
 */

export type LayerSpec =
  | { type: 'conv2d' | 'conv_transpose2d'; in: number; out: number; kernel: number; stride: number; padding: number }
  | { type: 'relu' };

export interface NetLayers {
  encoder: LayerSpec[];
  decoder: LayerSpec[];
}

export function referenceLayers(model: ModelConfig, outChannels: number = model.inChannels): NetLayers {
  const encoder: LayerSpec[] = [];
  let c = model.inChannels;
  for (let s = 0; s < model.stages; s++) {
    encoder.push({ type: 'conv2d', in: c, out: model.hidden, kernel: 4, stride: 2, padding: 1 }, { type: 'relu' });
    c = model.hidden;
  }
  encoder.push({ type: 'conv2d', in: c, out: model.latentDim, kernel: 3, stride: 1, padding: 1 });
  const decoder: LayerSpec[] = [];
  c = model.latentDim;
  for (let s = 0; s < model.stages; s++) {
    decoder.push({ type: 'conv_transpose2d', in: c, out: model.hidden, kernel: 4, stride: 2, padding: 1 }, { type: 'relu' });
    c = model.hidden;
  }
  decoder.push({ type: 'conv_transpose2d', in: c, out: outChannels, kernel: 3, stride: 1, padding: 1 });
  return { encoder, decoder };
}

/** PyTorch parameter names and shapes of a layer list under `prefix` (e.g. `encoder.net`). */
export function expectedParams(prefix: string, layers: LayerSpec[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  layers.forEach((l, i) => {
    if (l.type === 'relu') return;
    // Conv2d weights are [out, in, kh, kw]; ConvTranspose2d weights are [in, out, kh, kw].
    out[`${prefix}.${i}.weight`] = l.type === 'conv2d' ? [l.out, l.in, l.kernel, l.kernel] : [l.in, l.out, l.kernel, l.kernel];
    out[`${prefix}.${i}.bias`] = [l.out];
  });
  return out;
}

/**
 * Checks that a state dict holds the encoder/decoder parameters the layers need, with the right
 * shapes; returns the problems (empty when it matches). Quantizer entries are not checked here.
 */
export function checkNetParams(shapes: Record<string, readonly number[]>, layers: NetLayers): string[] {
  const want = { ...expectedParams('encoder.net', layers.encoder), ...expectedParams('decoder.net', layers.decoder) };
  const problems: string[] = [];
  for (const [name, shape] of Object.entries(want)) {
    const got = shapes[name];
    if (!got) problems.push(`${name} is missing (expected [${shape.join(', ')}])`);
    else if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      problems.push(`${name} is [${got.join(', ')}] but the config needs [${shape.join(', ')}]`);
    }
  }
  for (const name of Object.keys(shapes)) {
    if ((name.startsWith('encoder.') || name.startsWith('decoder.')) && !(name in want)) problems.push(`${name} is not part of the configured model`);
  }
  return problems;
}

export function shapesOf(sd: Record<string, tf.Tensor>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(sd)) out[k] = t.shape.slice();
  return out;
}

/** Whether two layer lists describe the same network. */
export function sameLayers(a: LayerSpec[], b: LayerSpec[]): boolean {
  const key = (l: LayerSpec) => (l.type === 'relu' ? 'relu' : `${l.type}(${l.in},${l.out},${l.kernel},${l.stride},${l.padding})`);
  return a.length === b.length && a.every((l, i) => key(l) === key(b[i]!));
}
