import type * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../contract';
import { architecture, torchWeightShape, type ConvLayer } from '../model/architecture';

/**
 * The reference architecture as PyTorch's `nn.Sequential` layer lists (ReLUs included): what
 * config.json describes, what the PyTorch module builds, and what a state dict must hold. It is
 * derived from the model's own description (model/architecture.ts), so the two cannot drift.
 */

export type LayerSpec =
  | { type: 'conv2d' | 'conv_transpose2d'; in: number; out: number; kernel: number; stride: number; padding: number }
  | { type: 'relu' };

export interface NetLayers {
  encoder: LayerSpec[];
  decoder: LayerSpec[];
}

export function referenceLayers(model: ModelConfig, outChannels: number = model.inChannels): NetLayers {
  const arch = architecture(model, outChannels);
  return { encoder: sequential(arch.encoder), decoder: sequential(arch.decoder) };
}

/** A list of convolutions as the nn.Sequential that holds them: each followed by its ReLU, if any. */
function sequential(layers: readonly ConvLayer[]): LayerSpec[] {
  const out: LayerSpec[] = [];
  for (const l of layers) {
    if (l.index !== out.length) throw new Error(`architecture: layer index ${l.index} is not its nn.Sequential position ${out.length}`);
    out.push({ type: l.type, in: l.in, out: l.out, kernel: l.kernel, stride: l.stride, padding: l.padding });
    if (l.relu) out.push({ type: 'relu' });
  }
  return out;
}

/** PyTorch parameter names and shapes of a layer list under `prefix` (e.g. `encoder.net`). */
export function expectedParams(prefix: string, layers: LayerSpec[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  layers.forEach((l, i) => {
    if (l.type === 'relu') return;
    out[`${prefix}.${i}.weight`] = torchWeightShape(l);
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
