import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../contract';
import type { FrameEncoding } from '../data/frame';
import { Rng } from '../util/rng';
import { architecture, type Architecture } from './model/architecture';
import type { ConvNet } from './model/conv-net';
import { ReferenceNets } from './model/reference-nets';
import { OccWorldNets } from './occworld/occworld-nets';
import { hierArchitecture, HIER_TOP_FACTOR } from './hierarchical/hier-architecture';
import { HierarchicalNets } from './hierarchical/hier-nets';
import { createHierQuantizer } from './hierarchical/hier-config';
import { HierarchicalQuantizer } from './hierarchical/hier-quantizer';
import { occworldFrameChannels, occworldHead, occworldHeights } from './occworld/occworld-config';
import { occworldOf } from './occworld/occworld-model-config';
import { occworldReconLoss } from './occworld/occworld-loss';
import { OccWorldQuantizer } from './occworld/occworld-quantizer';
import type { TokenizerNets } from './tokenizer-nets';
import type { DecodeHook } from './adversarial/adversarial-objective';
import { TiTokNets } from './titok/titok-nets';
import { reconstructionLoss, toFrameSpace } from './model/losses';
import { denormalizeNhwc, normalizeNhwc, validateNormalization } from './model/normalization';
import { createQuantizer } from './quantizers/create-quantizer';
import type { Quantizer } from './quantizers/quantizer';

/**
 * The tokenizer: encoder → quantizer → decoder. Frames cross its API as NCHW `[B, C, H, W]`
 * (a frame is `[C, H, W]`); everything inside is channel-last (NHWC), which is what the tfjs
 * backends' convolutions want. Token grids are `[B, h, w]`, or `[B, h, w, depth]` for
 * residual / grouped quantizers.
 */
export interface EncodeResult {
  /** int32 `[B, h, w]` or `[B, h, w, depth]`. */
  indices: tf.Tensor;
  /** Squared distance between each latent and its code, `[B, h, w]`. */
  quantError: tf.Tensor3D;
}

/** What one forward pass in training produces (all scalars but `z`/`indices`). */
export interface ForwardResult {
  loss: tf.Scalar;
  reconLoss: tf.Scalar;
  quantLoss: tf.Scalar;
  lossParts: Record<string, tf.Scalar>;
  /** Pre-quantization latents `[N, D]` (for the quantizer's afterStep and metrics). */
  z: tf.Tensor2D;
  /** `[N]` or `[N, depth]`. */
  indices: tf.Tensor;
  /** Decoder output, NHWC (logits for class frames). */
  out: tf.Tensor4D;
}

export class Tokenizer {
  readonly arch: Architecture;
  /** The encoder/decoder pair: the reference conv nets or OccWorld's VAERes2D (`cfg.model.arch`). */
  readonly nets: TokenizerNets;
  readonly quantizer: Quantizer;
  private disposed = false;

  /**
   * @param quantizer an already built quantizer (tests, imports); by default one is made from
   *   `cfg.quantizer` with the latent dim and seed of `cfg`.
   */
  constructor(
    readonly cfg: TrainConfig,
    readonly encoding: FrameEncoding,
    quantizer?: Quantizer,
  ) {
    this.arch = architecture(cfg.model);
    if (encoding.kind === 'classes' && cfg.model.inChannels !== encoding.numClasses * encoding.groups) {
      throw new Error(
        `tokenizer: class frames with ${encoding.groups} group(s) of ${encoding.numClasses} classes have ` +
          `${encoding.numClasses * encoding.groups} channels, but the model has inChannels = ${cfg.model.inChannels}`,
      );
    }
    if (cfg.normalization !== undefined) {
      validateNormalization(cfg.normalization, cfg.model.inChannels, 'tokenizer');
      if (encoding.kind === 'classes') throw new Error('tokenizer: normalization applies to continuous frames, not class frames');
    }
    if (cfg.model.arch === 'occworld') {
      const occ = occworldOf(cfg.model, 'tokenizer');
      checkOccWorldEncoding(occ, encoding);
      this.nets = new OccWorldNets(occ, cfg.seed);
      this.quantizer = quantizer ?? new OccWorldQuantizer(occ.vqvae_cfg, cfg.seed);
    } else if (cfg.model.arch === 'hierarchical') {
      // VQ-VAE-2: the nets quantize the top level themselves (the bottom is conditioned on it).
      const hq = quantizer ?? createHierQuantizer(cfg.quantizer, cfg.model.latentDim, cfg.seed);
      if (!(hq instanceof HierarchicalQuantizer)) throw new Error('tokenizer: a hierarchical model needs its two-level quantizer');
      this.quantizer = hq;
      this.nets = new HierarchicalNets(hierArchitecture(cfg.model), hq, new Rng(cfg.seed));
    } else if (cfg.model.arch === 'titok') {
      if (!cfg.model.titok) throw new Error('tokenizer: a titok model needs its settings (model.titok: tokens, grid, layers, heads)');
      this.nets = new TiTokNets(cfg.model, cfg.model.titok, cfg.seed);
      this.quantizer = quantizer ?? createQuantizer(cfg.quantizer, cfg.model.latentDim, cfg.seed);
    } else {
      this.nets = new ReferenceNets(this.arch, new Rng(cfg.seed));
      this.quantizer = quantizer ?? createQuantizer(cfg.quantizer, cfg.model.latentDim, cfg.seed);
    }
    const codeWidth = this.nets.kind === 'hierarchical' ? 2 * cfg.model.latentDim : cfg.model.latentDim;
    if (this.quantizer.dim !== codeWidth) {
      throw new Error(`tokenizer: the quantizer expects dim ${this.quantizer.dim} but latentDim is ${cfg.model.latentDim}`);
    }
  }

  /** The reference encoder (throws for other architectures: use `nets`). */
  get encoder(): ConvNet {
    if (!(this.nets instanceof ReferenceNets)) throw new Error(`tokenizer: a ${this.nets.kind} model has no reference encoder`);
    return this.nets.encoder;
  }

  /** The reference decoder (throws for other architectures: use `nets`). */
  get decoder(): ConvNet {
    if (!(this.nets instanceof ReferenceNets)) throw new Error(`tokenizer: a ${this.nets.kind} model has no reference decoder`);
    return this.nets.decoder;
  }

  /** Token grid size for a frame of `height × width`. */
  tokenGrid(height: number, width: number): [number, number] {
    if (this.nets.tokenGrid) return this.nets.tokenGrid(height, width);
    return [height / this.arch.factor, width / this.arch.factor];
  }

  trainableVariables(): tf.Variable[] {
    return [...Object.values(this.nets.params()), ...this.quantizer.trainableVariables()];
  }

  /**
   * Checks a `[B, C, H, W]` batch in frame units and returns it channel-last, normalised with
   * the config's statistics when it has them: what the encoder sees. Call inside a tidy.
   */
  toNhwc(x: tf.Tensor): tf.Tensor4D {
    this.checkFrames(x);
    const nhwc = tf.transpose(x as tf.Tensor4D, [0, 2, 3, 1]);
    return this.cfg.normalization ? normalizeNhwc(nhwc, this.cfg.normalization) : nhwc;
  }

  /** Frame sizes must be multiples of this: the coarsest grid's downsampling (8 for the hierarchical top grid). */
  get frameMultiple(): number {
    return this.nets.kind === 'hierarchical' ? HIER_TOP_FACTOR : this.arch.factor;
  }

  checkFrames(x: tf.Tensor): void {
    const f = this.frameMultiple;
    if (x.rank !== 4) throw new Error(`tokenizer: expected frames [B, C, H, W], got [${x.shape.join(', ')}]`);
    const [, c, h, w] = x.shape as [number, number, number, number];
    if (c !== this.cfg.model.inChannels) {
      throw new Error(`tokenizer: frames have ${c} channels but the model takes ${this.cfg.model.inChannels}`);
    }
    if (h % f !== 0 || w % f !== 0 || h === 0 || w === 0) {
      throw new Error(`tokenizer: frame size ${h}×${w} is not a multiple of the downsampling factor ${f}`);
    }
  }

  /** Latents `[B, h, w, D]` of NHWC frames. Call inside a tidy. */
  latents(xNhwc: tf.Tensor4D, training = false): tf.Tensor4D {
    return this.nets.latents(xNhwc, training);
  }

  /** Frames `[B, C, H, W]` → token ids and per-cell quantization error. Returns new tensors. */
  encode(x: tf.Tensor): EncodeResult {
    this.assertAlive();
    return tf.tidy(() => {
      const z4 = this.latents(this.toNhwc(x));
      const [b, h, w, d] = z4.shape;
      const z = tf.reshape(z4, [b * h * w, d]) as tf.Tensor2D;
      const fast = this.quantizer.nearestCodes?.(z);
      if (fast) return { indices: tf.reshape(fast.indices, [b, h, w]), quantError: tf.reshape(fast.error, [b, h, w]) as tf.Tensor3D };
      const q = this.quantizer.quantize(z, { training: false });
      const err = tf.reshape(tf.sum(tf.squaredDifference(z, q.quantized), -1), [b, h, w]) as tf.Tensor3D;
      const depth = this.quantizer.depth;
      const indices = tf.reshape(tf.cast(q.indices, 'int32'), depth === 1 ? [b, h, w] : [b, h, w, depth]);
      return { indices, quantError: err };
    });
  }

  /**
   * Token ids `[B, h, w(, depth)]` → decoder output `[B, C, H, W]`: frame units for continuous
   * frames (the input normalisation undone), class logits for class frames.
   */
  decodeIndices(indices: tf.Tensor): tf.Tensor4D {
    this.assertAlive();
    const depth = this.quantizer.depth;
    const want = depth === 1 ? 3 : 4;
    if (indices.rank !== want || (depth > 1 && indices.shape[3] !== depth)) {
      throw new Error(
        `tokenizer: expected token ids [B, h, w${depth > 1 ? `, ${depth}` : ''}], got [${indices.shape.join(', ')}]`,
      );
    }
    return tf.tidy(() => {
      const [b, h, w] = indices.shape as [number, number, number];
      const flat = tf.reshape(tf.cast(indices, 'int32'), depth === 1 ? [b * h * w] : [b * h * w, depth]);
      const codes = this.quantizer.indicesToCodes(flat);
      const q = tf.reshape(codes, [b, h, w, this.quantizer.dim]) as tf.Tensor4D;
      const out = this.nets.decode(q, false);
      return tf.transpose(this.cfg.normalization ? denormalizeNhwc(out, this.cfg.normalization) : out, [0, 3, 1, 2]);
    });
  }

  /** Frames → frames through the tokens (class frames come back as per-group class probabilities). */
  reconstruct(x: tf.Tensor): tf.Tensor4D {
    this.assertAlive();
    return tf.tidy(() => {
      const { indices } = this.encode(x);
      const out = this.decodeIndices(indices);
      const nhwc = tf.transpose(out, [0, 2, 3, 1]) as tf.Tensor4D;
      return tf.transpose(toFrameSpace(nhwc, this.encoding), [0, 3, 1, 2]);
    });
  }

  /**
   * The training forward pass on NHWC frames as `toNhwc` gives them (normalised): encoder,
   * quantizer (training mode: straight-through, its own loss), decoder, reconstruction loss in
   * normalised units. Call inside a gradient scope / tidy.
   */
  forwardTrain(xNhwc: tf.Tensor4D, hook?: DecodeHook): ForwardResult {
    const z4 = this.latents(xNhwc, true);
    const [b, h, w, d] = z4.shape;
    const z = tf.reshape(z4, [b * h * w, d]) as tf.Tensor2D;
    const q = this.quantizer.quantize(z, { training: true });
    const qz = tf.reshape(q.quantized, [b, h, w, d]) as tf.Tensor4D;
    const recOf = (o: tf.Tensor4D) =>
      this.nets.kind === 'occworld' ? occworldReconLoss(o, xNhwc, this.encoding, this.cfg.model.occworldLoss) : reconstructionLoss(o, xNhwc, this.encoding);
    let out: tf.Tensor4D;
    let extraLoss: tf.Scalar | undefined;
    if (hook) {
      // The adversarial objective decodes through the last layer itself (its adaptive weight).
      if (!this.nets.decodeSplit) throw new Error(`tokenizer: the ${this.nets.kind} network cannot train with the adversarial objective`);
      ({ out, extraLoss } = hook.decode(this.nets.decodeSplit(qz, true), recOf, xNhwc));
    } else {
      out = this.nets.decode(qz, true);
    }
    const reconLoss = recOf(out);
    const loss = (extraLoss ? tf.addN([reconLoss, q.loss, extraLoss]) : tf.add(reconLoss, q.loss)) as tf.Scalar;
    return { loss, reconLoss, quantLoss: q.loss, lossParts: q.lossParts, z, indices: q.indices, out };
  }

  /**
   * Every persistent tensor under PyTorch's names and layouts: `encoder.net.N.weight`
   * `[out, in, kh, kw]`, `decoder.net.N.weight` `[in, out, kh, kw]`, biases, and
   * `quantizer.*` from the quantizer's state. New tensors: the caller disposes them.
   */
  stateDict(): Record<string, tf.Tensor> {
    this.assertAlive();
    const out: Record<string, tf.Tensor> = this.nets.stateDict();
    for (const [k, t] of Object.entries(this.quantizer.state())) out[`${this.nets.quantizerPrefix}${k}`] = tf.clone(t);
    return out;
  }

  /**
   * Loads a state dict in PyTorch's names and layouts. All encoder/decoder shapes are checked
   * before anything is assigned; the quantizer checks its own entries.
   */
  loadStateDict(sd: Record<string, tf.Tensor>, source = 'state dict'): void {
    this.assertAlive();
    const qp = this.nets.quantizerPrefix;
    if (this.nets.kind === 'reference') {
      const unknown = Object.keys(sd).filter((k) => !/^(encoder\.net|decoder\.net|quantizer)\./.test(k));
      if (unknown.length) throw new Error(`${source}: unexpected entries ${unknown.slice(0, 5).join(', ')}`);
    }
    const netShapes = this.nets.torchShapes();
    const extra = Object.keys(sd).filter((k) => !k.startsWith(qp) && !(k in netShapes));
    if (extra.length) throw new Error(`${source}: ${extra.slice(0, 5).join(', ')} are not part of the configured model`);
    // Check the nets (throws on the first problem) before the first assignment.
    this.nets.checkStateDict(sd, source);
    const q: Record<string, tf.Tensor> = {};
    for (const [k, t] of Object.entries(sd)) if (k.startsWith(qp) && !(k in netShapes)) q[k.slice(qp.length)] = t;
    this.quantizer.loadState(q);
    this.nets.loadStateDict(sd, source);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.nets.dispose();
    this.quantizer.dispose();
  }

  private assertAlive(): void {
    if (this.disposed) throw new Error('tokenizer: used after dispose()');
  }
}

/** An OccWorld model's head must fit the frames: class frames of its classes and heights, or continuous ones. */
function checkOccWorldEncoding(occ: Parameters<typeof occworldHead>[0], encoding: FrameEncoding): void {
  if (occworldHead(occ) === 'continuous') {
    if (encoding.kind === 'classes') throw new Error('tokenizer: the continuous OccWorld head takes continuous frames, not class frames');
    return;
  }
  if (encoding.kind !== 'classes' || encoding.numClasses !== occ.num_classes || encoding.groups !== occworldHeights(occ)) {
    const got = encoding.kind === 'classes' ? `${encoding.groups} height(s) of ${encoding.numClasses} classes` : 'continuous frames';
    throw new Error(
      `tokenizer: OccWorld's class head takes ${occworldHeights(occ)} heights of ${occ.num_classes} classes ` +
        `(${occworldFrameChannels(occ)} one-hot channels), got ${got}`,
    );
  }
}
