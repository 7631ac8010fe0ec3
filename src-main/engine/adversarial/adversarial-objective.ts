import * as tf from '@tensorflow/tfjs-core';
import type { AdversarialConfig } from '../../contract';
import type { FrameEncoding } from '../../data/frame';
import { toFrameSpace } from '../model/losses';
import { Adam, type AdamState } from '../train/adam';
import { adaptiveWeight, addToGradient, lastLayerGrad, type DecoderSplit } from './adaptive-weight';
import { discriminatorLoss, featureMatchingLoss, generatorLoss } from './gan-losses';
import { PatchDiscriminator } from './patch-discriminator';

/** What the tokenizer's training forward pass asks of an adversarial objective (see Tokenizer.forwardTrain). */
export interface DecodeHook {
  /**
   * Decodes through the last layer and returns the output to compute the reconstruction loss on,
   * plus extra terms for the generator's loss (feature matching). `recOf` is the reconstruction
   * loss of a decoder output; `real` the frames as the encoder saw them. Call inside the gradient scope.
   */
  decode(split: DecoderSplit, recOf: (out: tf.Tensor4D) => tf.Scalar, real: tf.Tensor4D): { out: tf.Tensor4D; extraLoss?: tf.Scalar };
}

export const ADVERSARIAL_DEFAULTS = {
  weight: 0.8,
  startStep: 0,
  loss: 'hinge',
  featureMatchingWeight: 0,
  discLayers: 2,
  discChannels: 32,
} as const satisfies Required<AdversarialConfig>;

export function adversarialSettings(cfg: AdversarialConfig): Required<AdversarialConfig> {
  return { ...ADVERSARIAL_DEFAULTS, ...cfg };
}

/** The discriminator's checkpointed state: weights under taming's names (PyTorch layouts) and its Adam. */
export interface AdversarialState {
  weights: Record<string, tf.Tensor>;
  optimizer: AdamState;
}

/**
 * VQGAN's adversarial objective for a tokenizer (taming-transformers' VQLPIPSWithDiscriminator,
 * with feature matching in place of LPIPS): a PatchGAN discriminator on frames — for class
 * frames the decoder's soft class maps (softmax per height group) against the one-hot input —,
 * the generator loss scaled by the adaptive weight λ on the decoder's last layer, and the
 * discriminator's own step with its own Adam (taming's betas 0.5, 0.9). Nothing happens before
 * `startStep` (taming's disc_start: its disc_factor is 0 there, so neither side learns).
 */
export class AdversarialObjective {
  readonly settings: Required<AdversarialConfig>;
  readonly discriminator: PatchDiscriminator;
  readonly optimizer: Adam;
  /** Tensors one generator pass leaves for the discriminator's step (kept; disposed by it). */
  private pending: { fake: tf.Tensor4D; lambda: tf.Scalar; g: tf.Scalar; dG: tf.Tensor4D; fm: tf.Scalar } | null = null;

  constructor(
    cfg: AdversarialConfig,
    readonly encoding: FrameEncoding,
    inChannels: number,
    learningRate: number,
    seed: number,
  ) {
    this.settings = adversarialSettings(cfg);
    this.discriminator = new PatchDiscriminator({ inChannels, ndf: this.settings.discChannels, layers: this.settings.discLayers }, seed + 7919);
    this.optimizer = new Adam({ learningRate, beta1: 0.5, beta2: 0.9 });
  }

  /** Whether step `step` (0-based, taming's global_step) trains adversarially. */
  activeAt(step: number): boolean {
    return step >= this.settings.startStep;
  }

  /** The frames the discriminator judges: soft class maps for class frames, the (normalised) values otherwise. */
  private frames(out: tf.Tensor4D): tf.Tensor4D {
    return toFrameSpace(out, this.encoding);
  }

  readonly hook: DecodeHook = {
    decode: (split, recOf, real) => {
      this.disposePending();
      const s = this.settings;
      const D = this.discriminator;
      const out0 = split.last(split.hidden, split.weight);
      const realFeatures = s.featureMatchingWeight > 0 ? D.forward(real).features : [];
      const fmOf = (o: tf.Tensor4D) => featureMatchingLoss(D.forward(this.frames(o)).features, realFeatures);
      const nllOf = (o: tf.Tensor4D) => (s.featureMatchingWeight > 0 ? (tf.add(recOf(o), tf.mul(s.featureMatchingWeight, fmOf(o))) as tf.Scalar) : recOf(o));
      // Off the loss's path (nested gradients in the forward pass): ∂L_nll/∂out, ∂L_G/∂out, their
      // gradients at the last layer's weight and λ, as taming's two autograd.grad calls.
      const dNll = tf.grad((o: tf.Tensor) => nllOf(o as tf.Tensor4D))(out0) as tf.Tensor4D;
      const { value: g, grad: dG } = tf.valueAndGrad((o: tf.Tensor) => generatorLoss(s.loss, D.forward(this.frames(o as tf.Tensor4D)).logits))(out0);
      const lambda = tf.mul(adaptiveWeight(lastLayerGrad(split, dNll), lastLayerGrad(split, dG as tf.Tensor4D)), s.weight) as tf.Scalar;
      const out = addToGradient(out0, lambda, dG as tf.Tensor4D);
      const fm = s.featureMatchingWeight > 0 ? fmOf(out) : undefined;
      this.pending = {
        fake: tf.keep(this.frames(out0)),
        lambda: tf.keep(lambda),
        g: tf.keep(g),
        dG: tf.keep(dG as tf.Tensor4D),
        fm: tf.keep(fm ?? tf.scalar(0)),
      };
      return fm ? { out, extraLoss: tf.mul(s.featureMatchingWeight, fm) as tf.Scalar } : { out };
    },
  };

  /**
   * The discriminator's step on the real frames (as the encoder saw them) and the last
   * generator pass's reconstruction (detached), then frees that pass's tensors. Returns
   * `[d_loss, mean real logit, mean fake logit, λ, g_loss, feature matching]`. Call inside a tidy.
   */
  discriminatorStep(real: tf.Tensor4D): tf.Tensor1D {
    const p = this.pending;
    if (!p) throw new Error('adversarial: the discriminator step needs a generator pass first');
    try {
      const params = this.discriminator.params();
      const means: tf.Scalar[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const lr = this.discriminator.forward(real).logits;
        const lf = this.discriminator.forward(p.fake).logits;
        means.push(tf.keep(tf.mean(lr)) as tf.Scalar, tf.keep(tf.mean(lf)) as tf.Scalar);
        return discriminatorLoss(this.settings.loss, lr, lf);
      }, Object.values(params));
      const byName: Record<string, tf.Tensor> = {};
      for (const [name, v] of Object.entries(params)) if (grads[v.name]) byName[name] = grads[v.name]!;
      this.optimizer.apply(params, byName);
      const out = tf.stack([value, means[0]!, means[1]!, p.lambda, p.g, p.fm]) as tf.Tensor1D;
      tf.dispose(means);
      return out;
    } finally {
      this.disposePending();
    }
  }

  /** Drops a generator pass's tensors when no discriminator step followed (an error in between). */
  disposePending(): void {
    if (!this.pending) return;
    tf.dispose(Object.values(this.pending));
    this.pending = null;
  }

  /** Copies of the discriminator's weights and Adam moments (the caller disposes them). */
  getState(): AdversarialState {
    return { weights: this.discriminator.stateDict(), optimizer: this.optimizer.getState() };
  }

  /** Restores getState's tensors (checked before anything changes; the caller keeps them). */
  setState(state: AdversarialState): void {
    this.discriminator.loadStateDict(state.weights, 'checkpoint: discriminator');
    this.optimizer.setState(state.optimizer, this.discriminator.params());
  }

  dispose(): void {
    this.disposePending();
    this.discriminator.dispose();
    this.optimizer.dispose();
  }
}
