import * as tf from '@tensorflow/tfjs-core';
import { variableFrom } from '../model/variable-from';

/**
 * Adam with PyTorch's update rule and defaults (β = 0.9, 0.999, ε = 1e-8, ε added after the
 * square root of the bias-corrected second moment), holding its moments per named parameter so
 * that its state can be checkpointed and restored by name (tfjs' own Adam keys its state by
 * auto-generated variable names, which differ from one process to the next).
 */
export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /**
   * Parameter groups: a learning rate per parameter name that differs from `learningRate` (the
   * codebook's own rate), as torch.optim.Adam's param groups — same moments, another step size.
   */
  learningRates?: Record<string, number>;
}

/** Optimizer state as plain tensors: `step` and per parameter `<name>.exp_avg` / `<name>.exp_avg_sq`. */
export interface AdamState {
  step: number;
  tensors: Record<string, tf.Tensor>;
}

export class Adam {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private readonly lrs: Record<string, number>;
  private stepCount = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(opts: AdamOptions) {
    if (!(opts.learningRate > 0)) throw new Error(`adam: learning rate must be positive, got ${opts.learningRate}`);
    this.lr = opts.learningRate;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.epsilon ?? 1e-8;
    for (const [name, lr] of Object.entries(opts.learningRates ?? {})) {
      if (!(lr > 0)) throw new Error(`adam: learning rate of ${name} must be positive, got ${lr}`);
    }
    this.lrs = { ...opts.learningRates };
  }

  /** The learning rate of one parameter (its group's). */
  lrOf(name: string): number {
    return this.lrs[name] ?? this.lr;
  }

  get step(): number {
    return this.stepCount;
  }

  /** Applies one update to `params` (name → variable) from `grads` (name → gradient). */
  apply(params: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>): void {
    this.stepCount += 1;
    const t = this.stepCount;
    const bc1 = 1 - this.beta1 ** t;
    const bc2 = 1 - this.beta2 ** t;
    const sqrtBc2 = Math.sqrt(bc2);
    tf.tidy(() => {
      for (const [name, p] of Object.entries(params)) {
        const g = grads[name];
        if (!g) continue;
        const m = this.moment(this.m, name, p);
        const v = this.moment(this.v, name, p);
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtBc2), this.eps);
        p.assign(tf.sub(p, tf.mul(tf.div(m, denom), this.lrOf(name) / bc1)));
      }
    });
  }

  private moment(store: Map<string, tf.Variable>, name: string, like: tf.Tensor): tf.Variable {
    let t = store.get(name);
    if (!t) {
      t = variableFrom(tf.zerosLike(like), false);
      store.set(name, t);
    }
    return t;
  }

  /** Copies of the state (the caller disposes the tensors). */
  getState(): AdamState {
    const tensors: Record<string, tf.Tensor> = {};
    for (const [k, t] of this.m) tensors[`${k}.exp_avg`] = tf.clone(t);
    for (const [k, t] of this.v) tensors[`${k}.exp_avg_sq`] = tf.clone(t);
    return { step: this.stepCount, tensors };
  }

  /**
   * Restores state saved by getState. `params` gives the expected shapes: every moment must name
   * a known parameter with its shape, checked before anything changes.
   */
  setState(state: AdamState, params: Record<string, tf.Variable>): void {
    if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`adam state: step must be a non-negative integer, got ${state.step}`);
    const parsed: Array<[Map<string, tf.Variable>, string, tf.Tensor]> = [];
    for (const [key, t] of Object.entries(state.tensors)) {
      const m = /^(.*)\.(exp_avg|exp_avg_sq)$/.exec(key);
      if (!m) throw new Error(`adam state: unexpected entry ${key}`);
      const name = m[1]!;
      const p = params[name];
      if (!p) throw new Error(`adam state: ${key} names no parameter of this model`);
      if (p.shape.length !== t.shape.length || p.shape.some((d, i) => d !== t.shape[i])) {
        throw new Error(`adam state: ${key} is [${t.shape.join(', ')}] but ${name} is [${p.shape.join(', ')}]`);
      }
      parsed.push([m[2] === 'exp_avg' ? this.m : this.v, name, t]);
    }
    this.disposeMoments();
    for (const [store, name, t] of parsed) store.set(name, variableFrom(tf.cast(t, 'float32'), false));
    this.stepCount = state.step;
  }

  private disposeMoments(): void {
    for (const t of this.m.values()) t.dispose();
    for (const t of this.v.values()) t.dispose();
    this.m.clear();
    this.v.clear();
  }

  dispose(): void {
    this.disposeMoments();
  }
}
