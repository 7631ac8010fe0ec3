import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../util/rng';
import { variableFrom } from '../model/variable-from';

/**
 * A model's parameters by their PyTorch names (`encoder.down.0.block.1.conv2.weight`), held as
 * tf.Variables in tfjs layouts: a Conv2d weight `[out, in, kh, kw]` lives as `[kh, kw, in, out]`
 * (perm [2, 3, 1, 0], what tf.conv2d takes channel-last); everything else keeps PyTorch's layout.
 * The state dict comes and goes in PyTorch's names and layouts, checked name by name and shape
 * by shape before anything is assigned.
 */
interface Entry {
  /** Null in a shapes-only store. */
  variable: tf.Variable | null;
  conv: boolean;
  torchShape: number[];
}

export class ParamStore {
  private readonly entries = new Map<string, Entry>();

  /** @param rng draws the initial values; null makes a shapes-only store (no tensors: checks, config files). */
  constructor(private readonly rng: Rng | null) {}

  /**
   * A Conv2d's weight and bias with PyTorch's default init: kaiming_uniform(a=√5), i.e.
   * U(±1/√fan_in) for the weight, and the bias likewise (fan_in = in·k·k).
   */
  addConv(name: string, cin: number, cout: number, k: number): void {
    const bound = 1 / Math.sqrt(cin * k * k);
    this.add(`${name}.weight`, [cout, cin, k, k], true, () => this.rng!.range(-bound, bound));
    this.add(`${name}.bias`, [cout], false, () => this.rng!.range(-bound, bound));
  }

  /** GroupNorm's affine parameters, initialised as PyTorch does (weight 1, bias 0). */
  addNorm(name: string, c: number): void {
    this.add(`${name}.weight`, [c], false, () => 1);
    this.add(`${name}.bias`, [c], false, () => 0);
  }

  /** Any other tensor, in PyTorch's layout, drawn elementwise from `init`. */
  addPlain(name: string, shape: number[], init: () => number): void {
    this.add(name, shape, false, init);
  }

  private add(name: string, torchShape: number[], conv: boolean, init: () => number): void {
    if (this.entries.has(name)) throw new Error(`param store: ${name} is defined twice`);
    if (!this.rng) {
      this.entries.set(name, { variable: null, conv, torchShape });
      return;
    }
    const data = new Float32Array(torchShape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = init();
    const t = tf.tensor(data, torchShape);
    const tfjs = conv ? tf.tidy(() => tf.transpose(t, [2, 3, 1, 0])) : t;
    if (conv) t.dispose();
    this.entries.set(name, { variable: variableFrom(tfjs), conv, torchShape });
  }

  /** The live variable (tfjs layout). Throws on a name the model does not have: a bug, not bad input. */
  get(name: string): tf.Variable {
    const e = this.entries.get(name);
    if (!e?.variable) throw new Error(`param store: no parameter ${name}${e ? ' (a shapes-only store)' : ''}`);
    return e.variable;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  variables(): tf.Variable[] {
    return [...this.entries.keys()].map((k) => this.get(k));
  }

  /** Number of scalar parameters. */
  size(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.torchShape.reduce((a, b) => a * b, 1);
    return n;
  }

  torchShapes(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [k, e] of this.entries) out[k] = [...e.torchShape];
    return out;
  }

  /** Every parameter under its PyTorch name and layout: new tensors the caller disposes. */
  stateDict(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [k, e] of this.entries) out[k] = e.conv ? tf.transpose(this.get(k), [3, 2, 0, 1]) : tf.clone(this.get(k));
    return out;
  }

  /**
   * Throws one error naming `source` unless `sd` holds every parameter of the store with its
   * PyTorch shape, float32 (extra entries are the caller's to refuse: see occworld-state-dict.ts).
   */
  checkStateDict(sd: Record<string, tf.Tensor>, source: string): void {
    for (const [name, e] of this.entries) {
      const t = sd[name];
      if (!t) throw new Error(`${source}: ${name} is missing (expected [${e.torchShape.join(', ')}])`);
      if (t.shape.length !== e.torchShape.length || t.shape.some((d, i) => d !== e.torchShape[i])) {
        throw new Error(`${source}: ${name} is [${t.shape.join(', ')}] but the model needs [${e.torchShape.join(', ')}]`);
      }
      if (t.dtype !== 'float32') throw new Error(`${source}: ${name} is ${t.dtype}, expected float32`);
    }
  }

  /** Copies values in from PyTorch names and layouts, all checked first; the caller keeps `sd`. */
  loadStateDict(sd: Record<string, tf.Tensor>, source: string): void {
    this.checkStateDict(sd, source);
    for (const [name, e] of this.entries) {
      tf.tidy(() => this.get(name).assign(e.conv ? tf.transpose(sd[name]!, [2, 3, 1, 0]) : sd[name]!));
    }
  }

  dispose(): void {
    for (const e of this.entries.values()) e.variable?.dispose();
    this.entries.clear();
  }
}
