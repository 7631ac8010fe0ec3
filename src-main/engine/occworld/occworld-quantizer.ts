import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { variableFrom } from '../model/variable-from';
import { gatherRows, mse, squaredDistances, stopGradient, straightThrough } from '../quantizers/ops';
import type { NearestCodes, QuantizeOptions, QuantizeResult, Quantizer } from '../quantizers/quantizer';
import type { OccWorldVqConfig } from './occworld-config';

/**
 * The codebook of OccWorld's VectorQuantizer (taming's, `embedding` [n_e, e_dim], initialised
 * U(±1/n_e)): nearest code by squared L2, straight-through, and its loss in OccWorld's order.
 * With `legacy` (OccWorld's default) the β sits on the codebook term, the reverse of the VQ-VAE
 * paper: loss = ‖sg(q) − z‖² + β·‖q − sg(z)‖² (means). Its `quant_conv` / `post_quant_conv` live
 * with the network (OccWorldNet), so this is a plain Quantizer the rest of the engine can use.
 */
export class OccWorldQuantizer implements Quantizer {
  readonly kind = 'vq' as const;
  readonly depth = 1;
  readonly dim: number;
  readonly codebookSize: number;
  private readonly embedding: tf.Variable;

  constructor(
    private readonly cfg: OccWorldVqConfig,
    seed: number,
  ) {
    this.dim = cfg.e_dim;
    this.codebookSize = cfg.n_e;
    const rng = new Rng(seed ^ 0x5eed);
    const data = new Float32Array(cfg.n_e * cfg.e_dim);
    for (let i = 0; i < data.length; i++) data[i] = rng.range(-1 / cfg.n_e, 1 / cfg.n_e);
    this.embedding = variableFrom(tf.tensor2d(data, [cfg.n_e, cfg.e_dim]));
  }

  quantize(z: tf.Tensor2D, opts: QuantizeOptions): QuantizeResult {
    this.checkInput(z);
    return tf.tidy(() => {
      const cb = this.embedding as unknown as tf.Tensor2D;
      const indices = tf.argMin(squaredDistances(stopGradient(z), stopGradient(cb)), 1) as tf.Tensor1D;
      const codes = gatherRows(cb, indices);
      const commitment = mse(stopGradient(codes), z);
      const codebook = mse(codes, stopGradient(z));
      const [a, b] = this.cfg.legacy ? [1, this.cfg.beta] : [this.cfg.beta, 1];
      const loss = tf.add(tf.mul(commitment, a), tf.mul(codebook, b)) as tf.Scalar;
      const quantized = opts.training ? straightThrough(z, codes) : codes;
      return { quantized, indices: tf.cast(indices, 'int32'), loss, lossParts: { commitment, codebook } };
    });
  }

  /** score = ‖c‖² − 2·z·c; argmin; error = min + ‖z‖². Call inside a tidy. */
  nearestCodes(z: tf.Tensor2D): NearestCodes {
    this.checkInput(z);
    const cb = this.embedding;
    const c2 = tf.sum(tf.square(cb), 1);
    const score = tf.sub(c2, tf.matMul(z, tf.transpose(tf.mul(cb, 2))));
    const error = tf.relu(tf.add(tf.min(score, 1), tf.sum(tf.square(z), 1))) as tf.Tensor1D;
    return { indices: tf.cast(tf.argMin(score, 1), 'int32') as tf.Tensor1D, error };
  }

  indicesToCodes(indices: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => tf.gather(this.embedding, tf.reshape(tf.cast(indices, 'int32'), [-1])) as tf.Tensor2D);
  }

  trainableVariables(): tf.Variable[] {
    return [this.embedding];
  }

  /** OccWorld's name under `vqvae.`: `embedding.weight` [n_e, e_dim]. The live variable. */
  state(): Record<string, tf.Tensor> {
    return { 'embedding.weight': this.embedding };
  }

  loadState(state: Record<string, tf.Tensor>): void {
    const e = state['embedding.weight'];
    const want = [this.codebookSize, this.dim];
    if (!e) throw new Error(`occworld vq: state lacks "embedding.weight" [${want.join(', ')}]`);
    if (e.rank !== 2 || e.shape[0] !== want[0] || e.shape[1] !== want[1]) {
      throw new Error(`occworld vq: "embedding.weight" is [${e.shape.join(', ')}] but the model needs [${want.join(', ')}]`);
    }
    const extra = Object.keys(state).filter((k) => k !== 'embedding.weight');
    if (extra.length) throw new Error(`occworld vq: unexpected state ${extra.join(', ')}`);
    tf.tidy(() => this.embedding.assign(tf.cast(e, 'float32')));
  }

  codebook(): tf.Tensor2D {
    return tf.clone(this.embedding) as tf.Tensor2D;
  }

  private checkInput(z: tf.Tensor): void {
    if (z.rank !== 2 || z.shape[1] !== this.dim) throw new Error(`occworld vq: expected latents [N, ${this.dim}], got [${z.shape.join(', ')}]`);
  }

  dispose(): void {
    this.embedding.dispose();
  }
}
