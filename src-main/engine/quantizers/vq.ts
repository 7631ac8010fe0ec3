/**
 * Vector quantization (VQ-VAE), with the options of vector-quantize-pytorch's VectorQuantize:
 * an EMA codebook with Laplace smoothing, k-means initialisation from the first batch,
 * dead-code reseeding, a soft-assignment entropy regulariser and a cosine-similarity codebook.
 *
 * Losses: codebook loss ‖sg(z) − q‖² (only without EMA, where the codebook is trained by the
 * optimiser) + β·commitment ‖z − sg(q)‖²; the output passes gradients straight through to z
 * (or through the rotation trick). The EMA codebook, its counts and dead-code reseeding change
 * in `afterStep`, outside the optimiser, with the batch's latents and indices.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ReseedEvent } from '../../contract';
import { Rng } from '../../util/rng';
import { commitmentWeight, poolSlots, reseedEventOf, type BetaSchedule } from './codebook-dynamics';
import {
  entropy,
  gatherRows,
  l2normalize,
  mse,
  oneHotFloat,
  rotateTo,
  squaredDistances,
  stopGradient,
  straightThrough,
  sumRowsByCode,
} from './ops';
import { activeObjectives, codebookObjectives, objectivesProblem, type CodebookObjectives } from './codebook-objectives';
import type { NearestCodes, QuantizeOptions, QuantizeResult, Quantizer, QuantizerResumeState, ResumableQuantizer } from './quantizer';

/**
 * Where dead codes get their new value: a random row of the pool of recent latents ('random'),
 * the batch's worst-quantized latents ('largest-error'), or a split of a popular code ('split':
 * the most used live code plus noise; the two halves share its EMA count and sum).
 */
export type ReseedMode = 'random' | 'largest-error' | 'off' | 'split';

export interface VqOptions {
  dim: number;
  codebookSize: number;
  /** Commitment weight β (the reference's `commitment_weight`). Default 0.25. */
  beta?: number;
  /** EMA codebook instead of a trained one. Default false. */
  ema?: boolean;
  /** EMA decay of counts and sums. Default 0.99. */
  decay?: number;
  /** Laplace smoothing ε. Default 1e-5. */
  eps?: number;
  /** k-means on the first training batch replaces the initial codebook. Default false. */
  kmeansInit?: boolean;
  kmeansIters?: number;
  /** Codes whose EMA count falls below this are reseeded; 0 turns reseeding off. Default 0. */
  deadCodeThreshold?: number;
  /** Where reseeded codes come from. Default 'random' (recent latents). */
  reseed?: ReseedMode;
  /** How many recent latent rows are kept to reseed from. Default 4096. */
  recentLatents?: number;
  /** How the pool of recent latents is kept: the newest rows, or a uniform reservoir sample. Default 'fifo'. */
  reseedPool?: 'fifo' | 'reservoir';
  /** Codes not assigned for this many steps are dead too (0: by EMA count only). Default 0. */
  deadAfterSteps?: number;
  /** σ of the Gaussian noise added to reseeded codes. Default 0. */
  reseedNoise?: number;
  /** σ of Gaussian noise on the latents before the nearest-code search, in training only. Default 0. */
  jitter?: number;
  /** β on a linear schedule (overrides beta while training; beta after). */
  betaSchedule?: BetaSchedule;
  /** Weight of the soft-assignment entropy regulariser (per-sample − codebook entropy). Default 0. */
  entropyWeight?: number;
  /** Temperature of the soft assignment softmax(−d²/T). Default 1. */
  entropyTemperature?: number;
  /** Cosine-similarity codebook: latents and codes on the unit sphere. Default false. */
  cosine?: boolean;
  /** Rotation trick instead of the plain straight-through estimator (gradient only). Default false. */
  rotationTrick?: boolean;
  /** Extra objectives on the codebook (codebook-objectives.ts), each off at weight 0. */
  objectives?: CodebookObjectives;
  seed?: number;
}

type Required_ = Required<Omit<VqOptions, 'betaSchedule'>> & Pick<VqOptions, 'betaSchedule'>;

export interface VqCodesResult {
  /** The selected codes `[N, D]`; gradient reaches the codebook only (not the input). */
  codes: tf.Tensor2D;
  /** The input as compared with the codes (l2-normalised for the cosine codebook). */
  input: tf.Tensor2D;
  indices: tf.Tensor1D;
  loss: tf.Scalar;
  lossParts: Record<string, tf.Scalar>;
}

export class VectorQuantizer implements Quantizer, ResumableQuantizer {
  readonly kind = 'vq' as const;
  readonly dim: number;
  readonly codebookSize: number;
  readonly depth = 1;
  readonly options: Readonly<Required_>;

  private readonly embedding: tf.Variable;
  private readonly clusterSize: tf.Variable;
  private readonly embedAvg: tf.Variable;
  private initted: boolean;
  private recent: tf.Tensor2D | null = null;
  private readonly rng: Rng;
  /** Steps since each code was last assigned (dead-by-steps). */
  private readonly sinceUsed: tf.Variable;
  /** Latent rows seen so far (reservoir sampling's row number). */
  private seen = 0;
  /** Training steps already done, for the commitment weight's schedule (set by the trainer). */
  private trainingStep = 0;
  /** k-means initialisations done by this process (see Quantizer.kmeansRuns). */
  private kmeansCount = 0;
  /** The last reseeding's mask and split sources, until the trainer reads them. */
  private pendingReseed: { dead: tf.Tensor1D; from: tf.Tensor1D | null; source: ReseedEvent['source'] } | null = null;

  constructor(opts: VqOptions) {
    const o: Required_ = {
      beta: 0.25,
      ema: false,
      decay: 0.99,
      eps: 1e-5,
      kmeansInit: false,
      kmeansIters: 10,
      deadCodeThreshold: 0,
      reseed: 'random',
      recentLatents: 4096,
      reseedPool: 'fifo',
      deadAfterSteps: 0,
      reseedNoise: 0,
      jitter: 0,
      entropyWeight: 0,
      entropyTemperature: 1,
      cosine: false,
      rotationTrick: false,
      objectives: {},
      seed: 0,
      ...opts,
    };
    if (!Number.isInteger(o.dim) || o.dim < 1) throw new Error(`vq: dim must be a positive integer, got ${o.dim}`);
    if (!Number.isInteger(o.codebookSize) || o.codebookSize < 2) {
      throw new Error(`vq: codebookSize must be an integer ≥ 2, got ${o.codebookSize}`);
    }
    if (!(o.decay > 0 && o.decay < 1)) throw new Error(`vq: decay must lie in (0, 1), got ${o.decay}`);
    const objectivesIssue = objectivesProblem(o.objectives, o.ema);
    if (objectivesIssue) throw new Error(`vq: ${objectivesIssue}`);
    if (!Number.isInteger(o.recentLatents) || o.recentLatents < 1) throw new Error(`vq: the reseed pool size must be a positive integer, got ${o.recentLatents}`);
    if (!Number.isInteger(o.deadAfterSteps) || o.deadAfterSteps < 0) throw new Error(`vq: deadAfterSteps must be an integer ≥ 0, got ${o.deadAfterSteps}`);
    if (!(o.reseedNoise >= 0) || !(o.jitter >= 0)) throw new Error(`vq: reseed noise and jitter must be ≥ 0, got ${o.reseedNoise} and ${o.jitter}`);
    if (o.betaSchedule) commitmentWeight(o.beta, o.betaSchedule, 0);
    this.options = o;
    this.dim = o.dim;
    this.codebookSize = o.codebookSize;
    this.rng = new Rng(o.seed);

    // The classic VQ-VAE init, uniform in ±1/K (nn.Embedding-style), drawn from the seeded Rng
    // so the same seed gives the same codebook on every backend.
    const K = o.codebookSize;
    const init = new Float32Array(K * o.dim);
    for (let i = 0; i < init.length; i++) init[i] = this.rng.range(-1 / K, 1 / K);
    const initCodes = tf.tidy(() => {
      const t = tf.tensor2d(init, [K, o.dim]);
      return o.cosine ? l2normalize(t) : t;
    });
    this.embedding = tf.variable(initCodes, !o.ema);
    // tf.variable shares the initial tensor's data but does not take ownership of the tensor.
    const initCounts = o.ema ? tf.ones([K]) : tf.zeros([K]);
    this.clusterSize = tf.variable(initCounts, false);
    this.embedAvg = tf.variable(initCodes, false);
    const initSince = tf.zeros([K]);
    this.sinceUsed = tf.variable(initSince, false);
    initCodes.dispose();
    initCounts.dispose();
    initSince.dispose();
    this.initted = !o.kmeansInit;
  }

  /** The codebook as used for lookup (normalised rows for a trained cosine codebook). */
  private table(): tf.Tensor2D {
    const e = this.embedding as unknown as tf.Tensor2D;
    return this.options.cosine && !this.options.ema ? l2normalize(e) : e;
  }

  /**
   * Nearest codes with losses, without the straight-through step (residual VQ builds on this).
   * Runs k-means first on the first training batch when asked. Call inside a tf.tidy.
   */
  lookup(z: tf.Tensor2D, opts: QuantizeOptions): VqCodesResult {
    this.checkInput(z);
    if (opts.training && !this.initted) this.kmeansInitialise(z);
    const o = this.options;
    // Jitter: the search sees z + σ·ε (ε fixed per step, drawn from the seeded Rng); the gradient
    // reaches z unchanged, the noise is a constant.
    const zj = opts.training && o.jitter > 0 ? tf.add(z, this.gaussian(z.shape[0], o.jitter)) as tf.Tensor2D : z;
    const x = o.cosine ? l2normalize(zj) : zj;
    const cb = this.table();
    const dist = squaredDistances(x, cb);
    const indices = tf.argMin(dist, 1) as tf.Tensor1D;
    const codes = gatherRows(cb, indices);
    const commitment = mse(x, stopGradient(codes));
    const lossParts: Record<string, tf.Scalar> = { commitment };
    const beta = opts.training ? commitmentWeight(o.beta, o.betaSchedule, this.trainingStep) : o.beta;
    let loss = tf.mul(commitment, beta) as tf.Scalar;
    if (!o.ema) {
      const codebookLoss = mse(stopGradient(x), codes);
      lossParts.codebook = codebookLoss;
      loss = tf.add(loss, codebookLoss) as tf.Scalar;
    }
    if (o.entropyWeight > 0 && opts.training) {
      // Confident per-sample assignments (low entropy) over an evenly used codebook (high).
      const p = tf.softmax(tf.div(tf.neg(dist), o.entropyTemperature));
      const perSample = tf.mean(entropy(p));
      const codebookEntropy = entropy(tf.mean(p, 0));
      const ent = tf.sub(perSample, codebookEntropy) as tf.Scalar;
      lossParts.entropy = ent;
      loss = tf.add(loss, tf.mul(ent, o.entropyWeight)) as tf.Scalar;
    }
    if (opts.training && activeObjectives(o.objectives).length) {
      const obj = codebookObjectives(o.objectives, cb, x, indices, () => this.rng.next());
      Object.assign(lossParts, obj.parts);
      loss = tf.add(loss, obj.loss) as tf.Scalar;
    }
    return { codes, input: x, indices, loss, lossParts };
  }

  quantize(z: tf.Tensor2D, opts: QuantizeOptions): QuantizeResult {
    this.checkInput(z);
    if (opts.training && !this.initted) this.kmeansInitialise(z);
    return tf.tidy(() => {
      const r = this.lookup(z, opts);
      const quantized = !opts.training
        ? r.codes
        : this.options.rotationTrick
          ? rotateTo(r.input, r.codes)
          : straightThrough(r.input, r.codes);
      return { quantized, indices: r.indices, loss: r.loss, lossParts: r.lossParts };
    });
  }

  /**
   * Euclidean codebooks: the nearest code and its squared distance, no losses. The score
   * ‖c‖² − 2·z·c (‖z‖² is the same for every code of a row) is one 1×1 convolution with the
   * codebook as its filter and ‖c‖² as its fused bias: on wasm that is XNNPACK's GEMM, ~2× faster
   * than matMul followed by a separate subtraction over the [N, K] scores. error = min + ‖z‖²
   * (wasm's gather of the [N, D] codes costs more than the row minimum). Null for the cosine
   * codebook, whose error is measured against normalised codes. Call inside a tf.tidy.
   */
  nearestCodes(z: tf.Tensor2D): NearestCodes | null {
    if (this.options.cosine) return null;
    this.checkInput(z);
    const cb = this.table();
    const [n, d] = z.shape;
    const k = cb.shape[0];
    const filter = tf.reshape(tf.transpose(tf.mul(cb, -2)), [1, 1, d, k]) as tf.Tensor4D;
    const c2 = tf.sum(tf.square(cb), 1) as tf.Tensor1D;
    const score = tf.fused.conv2d({ x: tf.reshape(z, [1, 1, n, d]) as tf.Tensor4D, filter, strides: 1, pad: 'valid', bias: c2 });
    const flat = tf.reshape(score, [n, k]);
    const indices = tf.cast(tf.argMin(flat, 1), 'int32') as tf.Tensor1D;
    const error = tf.relu(tf.add(tf.min(flat, 1), tf.sum(tf.square(z), 1))) as tf.Tensor1D;
    return { indices, error };
  }

  indicesToCodes(indices: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const idx = tf.reshape(tf.cast(indices, 'int32'), [-1]) as tf.Tensor1D;
      return tf.gather(this.table(), idx) as tf.Tensor2D;
    });
  }

  trainableVariables(): tf.Variable[] {
    return this.options.ema ? [] : [this.embedding];
  }

  /**
   * After the optimiser's step: EMA counts (kept in both modes, for dead-code detection), the
   * EMA codebook update of the fixtures' rule, then dead-code reseeding. Tensor ops only, no
   * reads back to JS, so it never stalls a GPU backend.
   */
  afterStep(z: tf.Tensor2D, indices: tf.Tensor): void {
    this.checkInput(z);
    const o = this.options;
    const K = this.codebookSize;
    tf.tidy(() => {
      const x = o.cosine ? l2normalize(z) : z;
      const idx = tf.reshape(tf.cast(indices, 'int32'), [-1]) as tf.Tensor1D;
      const oneHot = oneHotFloat(idx, K); // [N, K]
      const counts = tf.sum(oneHot, 0);
      const w = 1 - o.decay;
      // lerp(old, new, w) = old + w·(new − old), as torch's lerp_ for w < 0.5.
      const cs = tf.add(this.clusterSize, tf.mul(tf.sub(counts, this.clusterSize), w));
      this.clusterSize.assign(cs);
      if (o.ema) {
        const embedSum = sumRowsByCode(oneHot, x); // [K, D]
        const ea = tf.add(this.embedAvg, tf.mul(tf.sub(embedSum, this.embedAvg), w));
        this.embedAvg.assign(ea);
        const total = tf.sum(cs);
        const smoothed = tf.mul(tf.div(tf.add(cs, o.eps), tf.add(total, K * o.eps)), total);
        let embed = tf.div(ea, tf.reshape(smoothed, [K, 1])) as tf.Tensor2D;
        if (o.cosine) embed = l2normalize(embed);
        this.embedding.assign(embed);
      }
      if (o.deadAfterSteps > 0) {
        this.sinceUsed.assign(tf.where(tf.greater(counts, 0), tf.zerosLike(counts), tf.add(this.sinceUsed, 1)));
      }
      if (this.reseeding) {
        if (o.reseed === 'random') this.remember(x);
        this.reseedDeadCodes(x);
      }
    });
  }

  /** Dead codes are detected (by EMA count or by steps unused) and reseeded. */
  private get reseeding(): boolean {
    const o = this.options;
    return o.reseed !== 'off' && (o.deadCodeThreshold > 0 || o.deadAfterSteps > 0);
  }

  /** Tells the quantizer how many training steps are done (the commitment weight's schedule). */
  kmeansRuns(): number {
    return this.kmeansCount;
  }

  setTrainingStep(step: number): void {
    this.trainingStep = step;
  }

  /**
   * The codes the last afterStep reseeded, as an event for `step` (none: empty), read back
   * asynchronously; clears what it read. `level` labels a residual level / group.
   */
  async takeReseeds(step: number, level?: number): Promise<ReseedEvent[]> {
    const p = this.pendingReseed;
    if (!p) return [];
    this.pendingReseed = null;
    try {
      const [dead, from] = await Promise.all([p.dead.data() as Promise<Int32Array>, p.from ? (p.from.data() as Promise<Int32Array>) : Promise.resolve(null)]);
      const e = reseedEventOf(step, dead, from, p.source, level);
      return e ? [e] : [];
    } finally {
      p.dead.dispose();
      p.from?.dispose();
    }
  }

  /** [n, D] Gaussian noise of std σ from the seeded Rng (the same on every backend). */
  private gaussian(n: number, sigma: number): tf.Tensor2D {
    const a = new Float32Array(n * this.dim);
    for (let i = 0; i < a.length; i++) a[i] = sigma * this.rng.normal();
    return tf.tensor2d(a, [n, this.dim]);
  }

  /**
   * Keeps a pool of at most `recentLatents` latent rows to reseed from: the newest ones (FIFO)
   * or a uniform sample of every row seen (reservoir sampling); see poolSlots.
   */
  private remember(x: tf.Tensor2D): void {
    const o = this.options;
    const poolRows = this.recent?.shape[0] ?? 0;
    const slots = poolSlots(o.reseedPool, o.recentLatents, poolRows, this.seen, x.shape[0], this.rng);
    this.seen += x.shape[0];
    const next = tf.tidy(() => {
      const all = this.recent ? tf.concat([this.recent, x], 0) : x;
      return tf.gather(all, tf.tensor1d(slots, 'int32')) as tf.Tensor2D;
    });
    this.recent?.dispose();
    this.recent = tf.keep(next);
  }

  /**
   * Dead codes — EMA count below the threshold, or unassigned for `deadAfterSteps` steps — take a
   * new value: a random row of the recent-latents pool, the batch's latents with the largest
   * quantization error (largest first), or a split of a popular code (the j-th dead code, in code
   * order, takes the j-th most used live code whose count is at least twice the reseed count;
   * parent and child share its EMA count and sum equally; dead codes without a parent wait). With `reseedNoise` σ, σ·ε is added to every
   * new value. Otherwise counts reset to the threshold (1 without one) and EMA sums to value ×
   * count, as the reference's expire_codes_ does. Tensor ops only; the mask is kept for takeReseeds.
   */
  private reseedDeadCodes(x: tf.Tensor2D): void {
    const o = this.options;
    const K = this.codebookSize;
    const seedCount = o.deadCodeThreshold > 0 ? o.deadCodeThreshold : 1;
    const [keptDead, keptFrom] = tf.tidy((): tf.Tensor1D[] => {
      let dead = o.deadCodeThreshold > 0 ? tf.less(this.clusterSize, o.deadCodeThreshold) : tf.zeros([K], 'bool');
      if (o.deadAfterSteps > 0) dead = tf.logicalOr(dead, tf.greaterEqual(this.sinceUsed, o.deadAfterSteps));
      let deadRows = tf.tile(tf.reshape(dead, [K, 1]), [1, this.dim]);
      let candidates: tf.Tensor2D;
      let from: tf.Tensor1D | null = null;
      let counts: tf.Tensor1D = tf.fill([K], seedCount);
      let sharedCs: tf.Tensor = this.clusterSize;
      let sharedAvg: tf.Tensor = this.embedAvg;
      if (o.reseed === 'random') {
        const pool = this.recent ?? x;
        const n = pool.shape[0];
        const picks = new Int32Array(K);
        for (let i = 0; i < K; i++) picks[i] = this.rng.int(n);
        candidates = tf.gather(pool, tf.tensor1d(picks, 'int32')) as tf.Tensor2D;
      } else if (o.reseed === 'largest-error') {
        const err = tf.min(squaredDistances(x, this.table()), 1); // [N]
        const k = Math.min(K, x.shape[0]);
        const worst = tf.topk(err, k).indices; // [k], largest error first
        // The j-th dead code (in code order) takes the j-th worst latent (wrapping around).
        const rank = tf.mod(tf.sub(tf.cumsum(tf.cast(dead, 'int32')), 1), k);
        const rankClamped = tf.cast(tf.maximum(rank, 0), 'int32') as tf.Tensor1D;
        candidates = tf.gather(x, tf.gather(worst, rankClamped)) as tf.Tensor2D;
      } else {
        // Split: a parent must be live with a count of at least twice the reseed count, so that
        // both halves stay above the threshold (otherwise halves die again at once and the
        // codebook churns). Parents by EMA count, most used first; each splits once per step.
        const eligible = tf.logicalAnd(tf.logicalNot(dead), tf.greaterEqual(this.clusterSize, 2 * seedCount));
        const order = tf.topk(tf.where(eligible, this.clusterSize, tf.fill([K], -1)), K).indices; // [K] int32
        const rank = tf.sub(tf.cumsum(tf.cast(dead, 'int32')), 1);
        // Dead codes beyond the number of parents wait for a later step.
        dead = tf.logicalAnd(dead, tf.less(rank, tf.sum(tf.cast(eligible, 'int32'))));
        deadRows = tf.tile(tf.reshape(dead, [K, 1]), [1, this.dim]);
        const deadF = tf.cast(dead, 'float32');
        from = tf.gather(order, tf.cast(tf.clipByValue(rank, 0, K - 1), 'int32')) as tf.Tensor1D; // the parent per (dead) code
        // Parent and child share the parent's EMA count and sum: half each.
        const splits = tf.sum(tf.mul(oneHotFloat(from, K), tf.reshape(deadF, [K, 1])), 0);
        const share = tf.div(1, tf.add(splits, 1));
        sharedCs = tf.mul(this.clusterSize, share);
        sharedAvg = tf.mul(this.embedAvg, tf.reshape(share, [K, 1]));
        counts = tf.gather(sharedCs, from) as tf.Tensor1D;
        candidates = gatherRows(this.embedding as unknown as tf.Tensor2D, from);
      }
      if (o.reseedNoise > 0) candidates = tf.add(candidates, this.gaussian(K, o.reseedNoise)) as tf.Tensor2D;
      if (o.cosine) candidates = l2normalize(candidates);
      this.embedding.assign(tf.where(deadRows, candidates, this.embedding as tf.Tensor));
      this.embedAvg.assign(tf.where(deadRows, tf.mul(candidates, tf.reshape(counts, [K, 1])), sharedAvg));
      this.clusterSize.assign(tf.where(dead, counts, sharedCs));
      if (o.deadAfterSteps > 0) this.sinceUsed.assign(tf.where(dead, tf.zeros([K]), this.sinceUsed));
      const deadInt = tf.cast(dead, 'int32') as tf.Tensor1D;
      return from ? [deadInt, from] : [deadInt];
    });
    this.pendingReseed?.dead.dispose();
    this.pendingReseed?.from?.dispose();
    const source: ReseedEvent['source'] = o.reseed === 'split' ? 'split' : o.reseed === 'random' ? 'reservoir' : 'batch';
    // Kept: afterStep (and rvq/gvq around it) runs inside tidies that would dispose them.
    this.pendingReseed = { dead: tf.keep(keptDead!), from: keptFrom ? tf.keep(keptFrom) : null, source };
  }

  /**
   * k-means (10 Lloyd iterations) on the batch, seeded with distinct random rows, as the
   * reference's `kmeans`: empty clusters keep their previous mean; counts become the cluster sizes.
   */
  private kmeansInitialise(z: tf.Tensor2D): void {
    const o = this.options;
    const K = this.codebookSize;
    tf.tidy(() => {
      const samples = stopGradient(o.cosine ? l2normalize(z) : z);
      const n = samples.shape[0];
      const picks = n >= K ? this.permutation(n).slice(0, K) : Int32Array.from({ length: K }, () => this.rng.int(n));
      let means = tf.gather(samples, tf.tensor1d(picks, 'int32')) as tf.Tensor2D;
      let bins: tf.Tensor1D = tf.zeros([K]);
      for (let it = 0; it < o.kmeansIters; it++) {
        const [nextMeans, nextBins] = tf.tidy(() => {
          const buckets = tf.argMin(squaredDistances(samples, means), 1) as tf.Tensor1D;
          const oneHot = oneHotFloat(buckets, K);
          const b = tf.sum(oneHot, 0) as tf.Tensor1D;
          const sums = sumRowsByCode(oneHot, samples);
          let m = tf.div(sums, tf.reshape(tf.maximum(b, 1), [K, 1])) as tf.Tensor2D;
          if (o.cosine) m = l2normalize(m);
          const empty = tf.tile(tf.reshape(tf.equal(b, 0), [K, 1]), [1, this.dim]);
          return [tf.where(empty, means, m) as tf.Tensor2D, b] as const;
        });
        means.dispose();
        bins.dispose();
        means = nextMeans;
        bins = nextBins;
      }
      this.embedding.assign(means);
      this.embedAvg.assign(tf.mul(means, tf.reshape(bins, [K, 1])));
      this.clusterSize.assign(bins);
    });
    this.initted = true;
    this.kmeansCount++;
  }

  private permutation(n: number): Int32Array {
    const p = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }

  private checkInput(z: tf.Tensor): void {
    if (z.rank !== 2 || z.shape[1] !== this.dim) {
      throw new Error(`vq: expected latents [N, ${this.dim}], got [${z.shape.join(', ')}]`);
    }
  }

  /** PyTorch names: `embedding.weight` [K, D], `cluster_size` [K], `embed_avg` [K, D], `initted` [1]. */
  state(): Record<string, tf.Tensor> {
    return {
      'embedding.weight': this.embedding,
      cluster_size: this.clusterSize,
      embed_avg: this.embedAvg,
    };
  }

  loadState(state: Record<string, tf.Tensor>): void {
    const K = this.codebookSize;
    const D = this.dim;
    const expect: Record<string, number[]> = {
      'embedding.weight': [K, D],
      cluster_size: [K],
      embed_avg: [K, D],
    };
    const embedding = state['embedding.weight'];
    if (!embedding) throw new Error('vq: state lacks "embedding.weight"');
    for (const [name, shape] of Object.entries(expect)) {
      const t = state[name];
      if (t && (t.rank !== shape.length || t.shape.some((s, i) => s !== shape[i]))) {
        throw new Error(`vq: state "${name}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
      }
    }
    tf.tidy(() => {
      this.embedding.assign(tf.cast(embedding, 'float32'));
      const cs = state.cluster_size;
      if (cs) this.clusterSize.assign(tf.cast(cs, 'float32'));
      const ea = state.embed_avg;
      if (ea) this.embedAvg.assign(tf.cast(ea, 'float32'));
    });
    // A loaded codebook is already initialised: k-means would overwrite a trained one.
    this.initted = true;
  }

  codebook(): tf.Tensor2D {
    return tf.tidy(() => this.table().clone());
  }

  /** The Rng position, whether k-means has run, and the recent-latents pool. */
  async resumeState(): Promise<QuantizerResumeState> {
    const arrays: QuantizerResumeState['arrays'] = {};
    if (this.recent) arrays.recent = { data: (await this.recent.data()) as Float32Array, shape: [...this.recent.shape] };
    if (this.options.deadAfterSteps > 0) arrays.since_used = { data: (await this.sinceUsed.data()) as Float32Array, shape: [this.codebookSize] };
    return { json: { rng: this.rng.getState(), initted: this.initted, seen: this.seen }, arrays };
  }

  restoreResumeState(s: QuantizerResumeState): void {
    const { rng, initted } = s.json;
    if (typeof rng !== 'number' || typeof initted !== 'boolean') {
      throw new Error('vq: resume state needs a numeric "rng" and a boolean "initted"');
    }
    const recent = s.arrays.recent;
    if (recent && (recent.shape.length !== 2 || recent.shape[1] !== this.dim || !(recent.data instanceof Float32Array))) {
      throw new Error(`vq: resume array "recent" must be float32 [M, ${this.dim}], got [${recent.shape.join(', ')}]`);
    }
    const since = s.arrays.since_used;
    if (since && (since.shape.length !== 1 || since.shape[0] !== this.codebookSize || !(since.data instanceof Float32Array))) {
      throw new Error(`vq: resume array "since_used" must be float32 [${this.codebookSize}], got [${since.shape.join(', ')}]`);
    }
    const seen = s.json.seen;
    if (seen !== undefined && !(typeof seen === 'number' && Number.isInteger(seen) && seen >= 0)) throw new Error('vq: resume state "seen" must be an integer ≥ 0');
    this.rng.setState(rng);
    this.initted = initted;
    this.seen = typeof seen === 'number' ? seen : 0;
    if (since) tf.tidy(() => this.sinceUsed.assign(tf.tensor1d(since.data)));
    this.recent?.dispose();
    this.recent = recent ? tf.keep(tf.tensor2d(recent.data, recent.shape as [number, number])) : null;
  }

  dispose(): void {
    this.embedding.dispose();
    this.clusterSize.dispose();
    this.embedAvg.dispose();
    this.sinceUsed.dispose();
    this.recent?.dispose();
    this.recent = null;
    this.pendingReseed?.dead.dispose();
    this.pendingReseed?.from?.dispose();
    this.pendingReseed = null;
  }
}
