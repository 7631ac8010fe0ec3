import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { variableFrom } from '../model/variable-from';

/**
 * taming-transformers' NLayerDiscriminator (pix2pix's PatchGAN) on BEV frames, NHWC inside:
 * Conv(in, ndf, 4, s2, p1) → LeakyReLU(0.2) → [Conv(4, s2, p1, no bias) → BatchNorm → LeakyReLU]
 * × (layers − 1) → Conv(4, s1, p1, no bias) → BatchNorm → LeakyReLU → Conv(…, 1, 4, s1, p1): one
 * real/fake logit per overlapping patch. Parameter names are taming's (`main.N.weight`, the
 * BatchNorm after conv N is `main.N+1`), so its state dict loads into taming's module.
 *
 * BatchNorm always normalises with the batch's own statistics (training mode): the discriminator
 * only ever runs while training, as in taming, so running statistics are never read and not kept.
 */
export interface DiscriminatorShape {
  inChannels: number;
  /** Filters of the first conv (taming's ndf; 64 there, smaller for BEV). */
  ndf: number;
  /** taming's n_layers: stride-2 convs before the two stride-1 ones. */
  layers: number;
}

interface DLayer {
  /** Index in taming's nn.Sequential `main`. */
  index: number;
  in: number;
  out: number;
  stride: number;
  bias: boolean;
  norm: boolean;
}

const LEAK = 0.2;
const BN_EPS = 1e-5;

/** The layer list of taming's NLayerDiscriminator(input_nc, ndf, n_layers). */
export function discriminatorLayers(s: DiscriminatorShape): DLayer[] {
  const layers: DLayer[] = [{ index: 0, in: s.inChannels, out: s.ndf, stride: 2, bias: true, norm: false }];
  let mult = 1;
  let index = 2; // after the first conv and its LeakyReLU
  for (let n = 1; n < s.layers; n++) {
    const prev = mult;
    mult = Math.min(2 ** n, 8);
    layers.push({ index, in: s.ndf * prev, out: s.ndf * mult, stride: 2, bias: false, norm: true });
    index += 3;
  }
  const prev = mult;
  mult = Math.min(2 ** s.layers, 8);
  layers.push({ index, in: s.ndf * prev, out: s.ndf * mult, stride: 1, bias: false, norm: true });
  index += 3;
  layers.push({ index, in: s.ndf * mult, out: 1, stride: 1, bias: true, norm: false });
  return layers;
}

/** Side of the logit map for a frame side `n` (each 4×4 conv with padding 1: ⌊(n − 2)/s⌋ + 1). */
export function patchSide(n: number, s: DiscriminatorShape): number {
  let side = n;
  for (const l of discriminatorLayers(s)) side = Math.floor((side - 2) / l.stride) + 1;
  return side;
}

export interface DiscriminatorOutput {
  /** Patch logits `[B, h', w', 1]`. */
  logits: tf.Tensor4D;
  /** Every LeakyReLU's output, for the feature-matching loss. */
  features: tf.Tensor4D[];
}

export class PatchDiscriminator {
  readonly layers: DLayer[];
  private readonly vars = new Map<string, tf.Variable>();

  /** Weights as taming's weights_init draws them (seeded): convs N(0, 0.02), BatchNorm γ ~ N(1, 0.02), β = 0. */
  constructor(
    readonly shape: DiscriminatorShape,
    seed: number,
  ) {
    for (const [k, v] of Object.entries(shape)) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`discriminator: ${k} must be a positive integer, got ${v}`);
    }
    this.layers = discriminatorLayers(shape);
    const rng = new Rng(seed);
    const draw = (n: number, mean: number, std: number) => Float32Array.from({ length: n }, () => mean + std * rng.normal());
    for (const l of this.layers) {
      this.vars.set(`main.${l.index}.weight`, variableFrom(tf.tensor4d(draw(16 * l.in * l.out, 0, 0.02), [4, 4, l.in, l.out])));
      if (l.bias) {
        // weights_init leaves conv biases at PyTorch's default, U(±1/√fan_in).
        const bound = 1 / Math.sqrt(l.in * 16);
        this.vars.set(`main.${l.index}.bias`, variableFrom(tf.tensor1d(Float32Array.from({ length: l.out }, () => rng.range(-bound, bound)))));
      }
      if (l.norm) {
        this.vars.set(`main.${l.index + 1}.weight`, variableFrom(tf.tensor1d(draw(l.out, 1, 0.02))));
        this.vars.set(`main.${l.index + 1}.bias`, variableFrom(tf.zeros([l.out])));
      }
    }
  }

  /** Throws a clear error when frames of `h × w` leave no patch to judge. */
  checkFrameSize(h: number, w: number): void {
    const ph = patchSide(h, this.shape);
    const pw = patchSide(w, this.shape);
    if (ph < 1 || pw < 1) {
      throw new Error(
        `discriminator: ${h}×${w} frames are too small for ${this.shape.layers} layers (no patch left); ` +
          `use fewer discriminator layers or larger crops`,
      );
    }
  }

  /** NHWC frames → patch logits and features. Call inside a tidy. */
  forward(x: tf.Tensor4D): DiscriminatorOutput {
    if (x.shape[3] !== this.shape.inChannels) {
      throw new Error(`discriminator: frames have ${x.shape[3]} channels, the discriminator takes ${this.shape.inChannels}`);
    }
    this.checkFrameSize(x.shape[1], x.shape[2]);
    let h = x;
    const features: tf.Tensor4D[] = [];
    this.layers.forEach((l, i) => {
      h = tf.conv2d(h, this.vars.get(`main.${l.index}.weight`) as unknown as tf.Tensor4D, l.stride, 1);
      if (l.bias) h = tf.add(h, this.vars.get(`main.${l.index}.bias`)!);
      if (l.norm) h = this.batchNorm(h, l.index + 1);
      if (i < this.layers.length - 1) {
        h = tf.leakyRelu(h, LEAK);
        features.push(h);
      }
    });
    return { logits: h, features };
  }

  private batchNorm(x: tf.Tensor4D, index: number): tf.Tensor4D {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const xhat = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, BN_EPS)));
    return tf.add(tf.mul(xhat, this.vars.get(`main.${index}.weight`)!), this.vars.get(`main.${index}.bias`)!) as tf.Tensor4D;
  }

  /** The live variables by taming's name (conv weights in tfjs' [kh, kw, in, out] layout). */
  params(): Record<string, tf.Variable> {
    return Object.fromEntries(this.vars);
  }

  /** Parameters under taming's names and PyTorch layouts: new tensors the caller disposes. */
  stateDict(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [k, v] of this.vars) out[k] = v.rank === 4 ? tf.transpose(v, [3, 2, 0, 1]) : tf.clone(v);
    return out;
  }

  /** Loads taming-named PyTorch-layout tensors; every name and shape is checked before anything changes. */
  loadStateDict(sd: Record<string, tf.Tensor>, source = 'discriminator'): void {
    for (const [k, v] of this.vars) {
      const t = sd[k];
      const want = v.rank === 4 ? [v.shape[3]!, v.shape[2]!, v.shape[0]!, v.shape[1]!] : v.shape;
      if (!t) throw new Error(`${source}: ${k} is missing (expected [${want.join(', ')}])`);
      if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
        throw new Error(`${source}: ${k} is [${t.shape.join(', ')}] but the discriminator needs [${want.join(', ')}]`);
      }
    }
    for (const [k, v] of this.vars) {
      tf.tidy(() => {
        const t = tf.cast(sd[k]!, 'float32');
        v.assign(v.rank === 4 ? tf.transpose(t, [2, 3, 1, 0]) : t);
      });
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
