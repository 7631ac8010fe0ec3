import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../util/rng';
import { variableFrom } from '../model/variable-from';

/**
 * The TiTok nets' parameters by PyTorch name. Linear weights live as `[in, out]` (what matMul
 * takes without a transpose flag, which wasm runs slowly) and leave as PyTorch's `[out, in]`;
 * everything else (LayerNorm, embeddings, biases) has one layout.
 */
export class TiTokParams {
  readonly vars = new Map<string, tf.Variable>();
  /** Names stored transposed (nn.Linear weights). */
  private readonly linear = new Set<string>();

  constructor(private readonly rng: Rng) {}

  /** nn.Linear(in, out) with PyTorch's default init U(±1/√in). */
  addLinear(name: string, inF: number, outF: number): void {
    const b = 1 / Math.sqrt(inF);
    this.add(`${name}.weight`, [inF, outF], () => this.rng.range(-b, b));
    this.add(`${name}.bias`, [outF], () => this.rng.range(-b, b));
    this.linear.add(`${name}.weight`);
  }

  addLayerNorm(name: string, c: number): void {
    this.add(`${name}.weight`, [c], () => 1);
    this.add(`${name}.bias`, [c], () => 0);
  }

  /** A learned embedding, N(0, 0.02) as TiTok's (ViT's) position embeddings and tokens. */
  addEmbedding(name: string, shape: number[]): void {
    this.add(name, shape, () => 0.02 * this.rng.normal());
  }

  private add(name: string, shape: number[], draw: () => number): void {
    const n = shape.reduce((a, b) => a * b, 1);
    this.vars.set(name, variableFrom(tf.tensor(Float32Array.from({ length: n }, draw), shape)));
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`titok: no parameter ${name}`);
    return v;
  }

  /** `x [.., in]` through nn.Linear `name`. */
  applyLinear(name: string, x: tf.Tensor): tf.Tensor {
    const w = this.get(`${name}.weight`);
    const shape = x.shape;
    const flat = tf.reshape(x, [-1, shape[shape.length - 1]!]);
    const y = tf.add(tf.matMul(flat, w as tf.Tensor2D), this.get(`${name}.bias`));
    return tf.reshape(y, [...shape.slice(0, -1), w.shape[1]!]);
  }

  /** nn.LayerNorm over the last axis (eps 1e-5). */
  applyLayerNorm(name: string, x: tf.Tensor): tf.Tensor {
    const { mean, variance } = tf.moments(x, -1, true);
    const xhat = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5)));
    return tf.add(tf.mul(xhat, this.get(`${name}.weight`)), this.get(`${name}.bias`));
  }

  torchShapes(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [k, v] of this.vars) out[k] = this.linear.has(k) ? [v.shape[1]!, v.shape[0]!] : v.shape.slice();
    return out;
  }

  stateDict(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [k, v] of this.vars) out[k] = this.linear.has(k) ? tf.transpose(v) : tf.clone(v);
    return out;
  }

  checkStateDict(sd: Record<string, tf.Tensor>, source: string): void {
    for (const [name, shape] of Object.entries(this.torchShapes())) {
      const t = sd[name];
      if (!t) throw new Error(`${source}: ${name} is missing (expected [${shape.join(', ')}])`);
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new Error(`${source}: ${name} is [${t.shape.join(', ')}] but the model needs [${shape.join(', ')}]`);
      }
    }
  }

  loadStateDict(sd: Record<string, tf.Tensor>, source: string): void {
    this.checkStateDict(sd, source);
    for (const [k, v] of this.vars) tf.tidy(() => v.assign(this.linear.has(k) ? tf.transpose(sd[k]!) : tf.cast(sd[k]!, 'float32')));
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
