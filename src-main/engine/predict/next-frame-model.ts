import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node build has no gradient functions; this registers them (training needs them).
import '../backend/gradients';
import { Rng } from '../../util/rng';
import type { PredictorConfig } from './predictor-config';
import { selfAttention, type AttentionWeights } from './self-attention';

/**
 * The built-in world model: predicts every cell of frame t from the token grids of frames
 * t−k … t−1, all cells in parallel (teacher forcing in training, autoregressive over frames in
 * rollouts).
 *
 * - Each context token is embedded (one table per residual level, summed) plus a learned
 *   embedding of its frame position (t−k … t−1).
 * - A convolutional stem (stemKernel², over the k frames' embeddings stacked as channels) fuses
 *   each cell's neighbourhood across time into one token per cell, to which learned row and column
 *   embeddings and the embedding of the cell's last token are added. Motion in BEV is local, and
 *   a small convolution sees it at once, where attention would have to learn relative positions
 *   from absolute ones (ViT's "early convolutions" finding).
 * - `layers` pre-norm transformer blocks of full self-attention over the h·w cells then an MLP.
 *   Full attention over the k·h·w context tokens would cost k² more; on the reference machine (2
 *   CPU cores, wasm) the cell-level version keeps a 16×16 grid step in the low hundreds of ms.
 * - The output is a pointer-generator mixture per cell and level: with probability g (a learned
 *   sigmoid gate of the cell's features) the cell keeps the last frame's id, otherwise the id is
 *   drawn from a softmax over the codebook. The gate starts open (g ≈ 0.9), so the untrained
 *   model already predicts "copy the last frame" (a strong baseline on BEV, where most cells do
 *   not change) and training only has to learn where to deviate. Copying does not go through the
 *   softmax, so ids that were rare or absent in training can still be kept — a plain copy bonus on
 *   the logits is defeated by the head learning to push never-seen ids down.
 */

interface BlockWeights {
  norm1: [tf.Variable, tf.Variable];
  attn: AttentionWeights;
  norm2: [tf.Variable, tf.Variable];
  fc1: [tf.Variable, tf.Variable];
  fc2: [tf.Variable, tf.Variable];
}

/** Initial gate bias: sigmoid(2.2) ≈ 0.9, so the untrained model copies the last frame. */
const GATE_INIT = 2.2;

export class NextFramePredictor {
  readonly config: PredictorConfig;
  private readonly named = new Map<string, tf.Variable>();
  private readonly embed: tf.Variable;
  private readonly posFrame: tf.Variable;
  private readonly posRow: tf.Variable;
  private readonly posCol: tf.Variable;
  private readonly stem: [tf.Variable, tf.Variable];
  private readonly blocks: BlockWeights[] = [];
  private readonly normOut: [tf.Variable, tf.Variable];
  private readonly head: [tf.Variable, tf.Variable];
  private readonly gate: [tf.Variable, tf.Variable];
  private disposed = false;

  constructor(config: PredictorConfig) {
    this.config = config;
    const { codebookSize: K, depth, h, w, context: k, dim: D, layers, stemKernel: ks, mlpRatio } = config;
    // Weights are drawn in JS from the seeded Rng so the same seed gives the same model on any backend.
    const rng = new Rng(config.seed);
    const normal = (name: string, shape: number[], std: number) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const v = new Float32Array(n);
      for (let i = 0; i < n; i++) v[i] = rng.normal() * std;
      return this.add(name, tf.tensor(v, shape));
    };
    const constant = (name: string, shape: number[], value: number) => this.add(name, tf.fill(shape, value));
    const norm = (name: string): [tf.Variable, tf.Variable] => [constant(`${name}.weight`, [D], 1), constant(`${name}.bias`, [D], 0)];
    const linear = (name: string, i: number, o: number, gain = 1): tf.Variable => normal(name, [i, o], gain / Math.sqrt(i));

    this.embed = normal('embed.weight', [depth * K, D], 0.5);
    this.posFrame = normal('pos.frame', [k, D], 0.1);
    this.posRow = normal('pos.row', [h, D], 0.1);
    this.posCol = normal('pos.col', [w, D], 0.1);
    this.stem = [normal('stem.weight', [ks, ks, k * D, D], 1 / Math.sqrt(ks * ks * k * D)), constant('stem.bias', [D], 0)];
    for (let l = 0; l < layers; l++) {
      const p = `layers.${l}`;
      this.blocks.push({
        norm1: norm(`${p}.norm1`),
        attn: {
          wq: linear(`${p}.attn.q.weight`, D, D),
          wk: linear(`${p}.attn.k.weight`, D, D),
          wv: linear(`${p}.attn.v.weight`, D, D),
          // Small output projections: each block starts close to the identity.
          wo: linear(`${p}.attn.o.weight`, D, D, 0.1),
        },
        norm2: norm(`${p}.norm2`),
        fc1: [linear(`${p}.mlp.fc1.weight`, D, D * mlpRatio), constant(`${p}.mlp.fc1.bias`, [D * mlpRatio], 0)],
        fc2: [linear(`${p}.mlp.fc2.weight`, D * mlpRatio, D, 0.1), constant(`${p}.mlp.fc2.bias`, [D], 0)],
      });
    }
    this.normOut = norm('norm_out');
    this.head = [normal('head.weight', [D, depth * K], 0.02), constant('head.bias', [depth * K], 0)];
    this.gate = [normal('gate.weight', [D, depth], 0.02), constant('gate.bias', [depth], GATE_INIT)];
  }

  private add(name: string, value: tf.Tensor): tf.Variable {
    const v = tf.variable(value, true, `predictor/${name}/${nextId++}`);
    value.dispose();
    this.named.set(name, v);
    return v;
  }

  trainableVariables(): tf.Variable[] {
    return [...this.named.values()];
  }

  parameterCount(): number {
    let n = 0;
    for (const v of this.named.values()) n += v.size;
    return n;
  }

  /**
   * Log-probabilities `[B, h, w, depth, K]` (usable as logits) for the frame after `context` (int32 `[B, k, h, w, depth]`,
   * oldest frame first). Call inside `tf.tidy` (or a gradient function).
   */
  logits(context: tf.Tensor): tf.Tensor {
    this.assertAlive();
    const { codebookSize: K, depth, h, w, context: k, dim: D, heads } = this.config;
    const [b, ...rest] = context.shape;
    const want = [k, h, w, depth];
    if (context.rank !== 5 || rest.some((s, i) => s !== want[i])) {
      throw new RangeError(`predictor input must be [B, ${want.join(', ')}], got [${context.shape.join(', ')}]`);
    }
    if (context.dtype !== 'int32') throw new TypeError(`predictor input must be int32 ids, got ${context.dtype}`);
    const batch = b!;
    const hw = h * w;
    // Embedding as one-hot · table: gather's gradient needs UnsortedSegmentSum, which wasm lacks.
    const ids = tf.reshape(tf.add(context, tf.range(0, depth * K, K, 'int32')), [-1]);
    const table = tf.matMul(oneHotF32(ids, depth * K) as tf.Tensor2D, this.embed as tf.Tensor2D);
    const emb = tf.sum(tf.reshape(table, [batch, k, h, w, depth, D]), 4); // [B, k, h, w, D]
    const framed = tf.add(emb, tf.reshape(this.posFrame, [1, k, 1, 1, D]));
    const stacked = tf.reshape(tf.transpose(framed, [0, 2, 3, 1, 4]), [batch, h, w, k * D]) as tf.Tensor4D;
    const fused = tf.add(tf.conv2d(stacked, this.stem[0] as tf.Tensor4D, 1, 'same'), this.stem[1]);
    const last = tf.reshape(lastFrame(emb, k), [batch, h, w, D]);
    const spatial = tf.add(tf.reshape(this.posRow, [1, h, 1, D]), tf.reshape(this.posCol, [1, 1, w, D]));
    let x = tf.reshape(tf.add(tf.add(fused, last), spatial), [batch * hw, D]) as tf.Tensor2D;

    for (const blk of this.blocks) {
      x = tf.add(x, selfAttention(layerNorm(x, blk.norm1), blk.attn, batch, hw, heads));
      const hidden = tf.relu(tf.add(tf.matMul(layerNorm(x, blk.norm2), blk.fc1[0] as tf.Tensor2D), blk.fc1[1])) as tf.Tensor2D;
      x = tf.add(x, tf.add(tf.matMul(hidden, blk.fc2[0] as tf.Tensor2D), blk.fc2[1]));
    }
    const feat = layerNorm(x, this.normOut);
    const head = tf.add(tf.matMul(feat, this.head[0] as tf.Tensor2D), this.head[1]);
    const generate = tf.softmax(tf.reshape(head, [batch, h, w, depth, K]));
    const g = tf.reshape(tf.sigmoid(tf.add(tf.matMul(feat, this.gate[0] as tf.Tensor2D), this.gate[1])), [batch, h, w, depth, 1]);
    const lastIds = tf.reshape(lastFrame(context, k), [batch, h, w, depth]);
    const mixture = tf.add(tf.mul(tf.sub(1, g), generate), tf.mul(g, oneHotF32(lastIds, K)));
    // Log-probabilities serve as logits: softmax(log p) = p, and argmax / top-k are unchanged.
    return tf.log(tf.add(mixture, PROB_FLOOR));
  }

  /** Mean cross-entropy of the prediction for `context` against `target` (int32 `[B, h, w, depth]`). */
  loss(context: tf.Tensor, target: tf.Tensor): tf.Scalar {
    return crossEntropy(this.logits(context), target, this.config.codebookSize);
  }

  /** Every weight under a stable name, for checkpoints (the caller must not dispose them). */
  state(): Record<string, tf.Tensor> {
    return this.params();
  }

  /** The trainable variables by stable name (the optimizer keys its moments by these). */
  params(): Record<string, tf.Variable> {
    return Object.fromEntries(this.named);
  }

  /** Copies weights in by name; every name must be present with the same shape. */
  loadState(state: Record<string, tf.Tensor>, source = 'checkpoint'): void {
    this.assertAlive();
    for (const [name, v] of this.named) {
      const t = state[name];
      if (!t) throw new Error(`${source}: predictor weight "${name}" is missing`);
      if (t.shape.join(',') !== v.shape.join(',')) {
        throw new Error(`${source}: predictor weight "${name}" has shape [${t.shape.join(', ')}], the model needs [${v.shape.join(', ')}]`);
      }
    }
    for (const [name, v] of this.named) {
      const t = state[name]!;
      tf.tidy(() => v.assign(t.dtype === 'float32' ? t : tf.cast(t, 'float32')));
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.named.values()) v.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private assertAlive(): void {
    if (this.disposed) throw new Error('the next-frame predictor was disposed');
  }
}

let nextId = 0;

/** Mean negative log-probability of the `target` ids under `logp` (`[…, K]` log-probabilities). */
export function crossEntropy(logp: tf.Tensor, target: tf.Tensor, K: number): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(logp, oneHotF32(target, K)), -1))) as tf.Scalar;
}

/** Keeps log p finite where the mixture gives an id (numerically) zero probability. */
const PROB_FLOOR = 1e-9;

/**
 * Frame k−1 of a `[B, k, …]` tensor, sliced as a rank-3 view: wasm's Slice (and Pad, its
 * gradient) on rank-5 tensors is ~10× slower than on the same data reshaped to rank 3.
 */
function lastFrame(x: tf.Tensor, k: number): tf.Tensor {
  const [b] = x.shape;
  const per = x.size / (b! * k);
  return tf.slice(tf.reshape(x, [b!, k, per]), [0, k - 1, 0], [b!, 1, per]);
}

/** Layer norm over the last axis with a learned scale and shift. */
function layerNorm(x: tf.Tensor2D, [gamma, beta]: [tf.Variable, tf.Variable]): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta);
}

/**
 * One-hot as float32. Built as int32 then cast: the wasm backend's OneHot kernel ignores the
 * dtype argument and writes int32 bits into a float32 tensor (tfjs 4.22; found by experiment).
 */
function oneHotF32(ids: tf.Tensor, depth: number): tf.Tensor {
  return tf.cast(tf.oneHot(ids, depth), 'float32');
}
