import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { torchParamShapes, type ConvLayer } from './architecture';
import { variableFrom } from './variable-from';

/**
 * A stack of (transposed) convolutions with ReLUs between them, holding its weights as
 * tf.Variables in TensorFlow.js layouts and working channel-last (NHWC) inside:
 * conv2d filters are [kh, kw, in, out]; conv2dTranspose filters are [kh, kw, out, in].
 * Both are the same arrays as PyTorch's weights up to one transpose, perm [2, 3, 1, 0]
 * (Conv2d [out, in, kh, kw], ConvTranspose2d [in, out, kh, kw]) and no kernel flip: both
 * libraries define the transposed convolution as the adjoint of the same cross-correlation
 * (checked numerically against PyTorch in tokenizer.torch.test.ts).
 */
export class ConvNet {
  readonly weights: tf.Variable[] = [];
  readonly biases: tf.Variable[] = [];

  constructor(
    readonly prefix: string,
    readonly layers: readonly ConvLayer[],
    rng: Rng,
  ) {
    for (const l of layers) {
      // PyTorch's default init: kaiming_uniform(a=√5) ⇒ U(±1/√fan_in), bias likewise; fan_in is
      // size(1)·kh·kw of the PyTorch weight, i.e. `in` for Conv2d and `out` for ConvTranspose2d.
      const fanIn = (l.type === 'conv2d' ? l.in : l.out) * l.kernel * l.kernel;
      const bound = 1 / Math.sqrt(fanIn);
      const shape = this.filterShape(l);
      const w = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < w.length; i++) w[i] = rng.range(-bound, bound);
      const b = new Float32Array(l.out);
      for (let i = 0; i < b.length; i++) b[i] = rng.range(-bound, bound);
      this.weights.push(variableFrom(tf.tensor4d(w, shape)));
      this.biases.push(variableFrom(tf.tensor1d(b)));
    }
  }

  /** tfjs filter shape of a layer. */
  filterShape(l: ConvLayer): [number, number, number, number] {
    return l.type === 'conv2d' ? [l.kernel, l.kernel, l.in, l.out] : [l.kernel, l.kernel, l.out, l.in];
  }

  variables(): tf.Variable[] {
    return [...this.weights, ...this.biases];
  }

  /**
   * x: NHWC. Call inside a tf.tidy. At inference (`training` false) each convolution runs with
   * its bias and ReLU fused into one kernel (XNNPACK on wasm adds them in its accumulator), which
   * saves two passes over every activation; training keeps the separate ops its gradients and the
   * PyTorch cross-checks were written against.
   */
  forward(x: tf.Tensor4D, training = true): tf.Tensor4D {
    let h = x;
    this.layers.forEach((l, i) => {
      const w = this.weights[i] as unknown as tf.Tensor4D;
      const b = this.biases[i] as unknown as tf.Tensor1D;
      if (!training && l.type === 'conv2d') {
        h = tf.fused.conv2d({ x: h, filter: w, strides: l.stride, pad: l.padding, bias: b, activation: l.relu ? 'relu' : 'linear' });
        return;
      }
      if (l.type === 'conv2d') {
        h = tf.conv2d(h, w, l.stride, l.padding);
      } else {
        const [n, hh, ww] = h.shape;
        // PyTorch's ConvTranspose2d output size, (H − 1)·s − 2p + k.
        const outH = (hh - 1) * l.stride - 2 * l.padding + l.kernel;
        const outW = (ww - 1) * l.stride - 2 * l.padding + l.kernel;
        h = tf.conv2dTranspose(h, w, [n, outH, outW, l.out], l.stride, l.padding);
      }
      h = tf.add(h, b);
      if (l.relu) h = tf.relu(h);
    });
    return h;
  }

  /**
   * The forward pass cut before the last layer: its input, its weight and the layer itself as a
   * function of (input, weight), for VQGAN's adaptive weight. Call inside a tf.tidy.
   */
  forwardSplit(x: tf.Tensor4D): { hidden: tf.Tensor4D; weight: tf.Variable; last(h: tf.Tensor4D, w: tf.Tensor): tf.Tensor4D } {
    const n = this.layers.length - 1;
    let h = x;
    for (let i = 0; i < n; i++) h = this.layer(h, i, this.weights[i]!);
    return { hidden: h, weight: this.weights[n]!, last: (hh, w) => this.layer(hh, n, w) };
  }

  /** Layer `i` (conv or transposed conv, bias, ReLU) with the given filter. */
  private layer(h: tf.Tensor4D, i: number, w: tf.Tensor): tf.Tensor4D {
    const l = this.layers[i]!;
    const b = this.biases[i] as unknown as tf.Tensor1D;
    if (l.type === 'conv2d') {
      h = tf.conv2d(h, w as tf.Tensor4D, l.stride, l.padding);
    } else {
      const [n, hh, ww] = h.shape;
      const outH = (hh - 1) * l.stride - 2 * l.padding + l.kernel;
      const outW = (ww - 1) * l.stride - 2 * l.padding + l.kernel;
      h = tf.conv2dTranspose(h, w as tf.Tensor4D, [n, outH, outW, l.out], l.stride, l.padding);
    }
    h = tf.add(h, b);
    return l.relu ? tf.relu(h) : h;
  }

  /** Parameters under PyTorch's names and layouts (new tensors; the caller disposes them). */
  stateDict(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    this.layers.forEach((l, i) => {
      out[`${this.prefix}.${l.index}.weight`] = tf.transpose(this.weights[i]!, [3, 2, 0, 1]);
      out[`${this.prefix}.${l.index}.bias`] = tf.clone(this.biases[i]!);
    });
    return out;
  }

  /** The PyTorch shape of each parameter, for checks and error messages. */
  torchShapes(): Record<string, number[]> {
    return torchParamShapes(this.prefix, this.layers);
  }

  /** Throws one clear error, naming `source`, unless `sd` holds every parameter with its shape, float32. */
  checkStateDict(sd: Record<string, tf.Tensor>, source = 'state dict'): void {
    const want = this.torchShapes();
    for (const [name, shape] of Object.entries(want)) {
      const t = sd[name];
      if (!t) throw new Error(`${source}: ${name} is missing (expected [${shape.join(', ')}])`);
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new Error(`${source}: ${name} is [${t.shape.join(', ')}] but the model needs [${shape.join(', ')}]`);
      }
      if (t.dtype !== 'float32') throw new Error(`${source}: ${name} is ${t.dtype}, expected float32`);
    }
  }

  /**
   * Assigns parameters from PyTorch names/layouts. Every shape is checked first, so a mismatch
   * throws before anything changes.
   */
  loadStateDict(sd: Record<string, tf.Tensor>, source = 'state dict'): void {
    this.checkStateDict(sd, source);
    this.layers.forEach((l, i) => {
      tf.tidy(() => {
        // [3, 2, 0, 1] took tfjs to torch; its inverse is [2, 3, 1, 0].
        this.weights[i]!.assign(tf.transpose(sd[`${this.prefix}.${l.index}.weight`]!, [2, 3, 1, 0]));
        this.biases[i]!.assign(sd[`${this.prefix}.${l.index}.bias`]!);
      });
    });
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}
