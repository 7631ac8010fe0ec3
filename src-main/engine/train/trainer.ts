import * as tf from '@tensorflow/tfjs-core';
import type { ReseedEvent, TrainConfig, TrainMetrics } from '../../contract';
import { RESEED_LOG_LIMIT } from '../quantizers/codebook-dynamics';
import type { Tokenizer } from '../tokenizer';
import { Adam, type AdamState } from './adam';
import type { Batch } from './batch-sampler';
import { bitsPerToken, CodebookHealth, compressionRatio } from '../metrics/codebook-health';
import { ConfusionMatrix } from '../metrics/segmentation';
import { applyTemperature, gapDue, hardReconLoss } from './relaxed-assignment';
import { AdversarialObjective, type AdversarialState } from '../adversarial/adversarial-objective';
import type { HeldOutEvaluator, HeldOutResult } from './held-out';

/**
 * One training run of a tokenizer: Adam on reconstruction + quantizer loss, one `trainStep` per
 * batch inside a tf.tidy, returning plain numbers. Seeded and repeatable: the tokenizer's
 * weights come from the config's seed and the step itself draws no randomness, so the same
 * seed and batches give the same losses. Its state (optimizer, step, metric window, history)
 * can be read and restored for checkpoints.
 */
export interface TrainerState {
  step: number;
  optimizer: AdamState;
  /**
   * The code indices of the batches in the codebook-health window, oldest first, as float32
   * (exact below 2^24; float32 so it is stored like every other numeric array of a checkpoint).
   */
  usageWindow: Float32Array[];
  history: TrainMetrics[];
  /** The discriminator and its optimizer, when the config trains adversarially. */
  adversarial?: AdversarialState;
}

/** Batches the codebook-health window spans (utilization, perplexity, dead codes). */
export const HEALTH_WINDOW_BATCHES = 50;

export class Trainer {
  readonly optimizer: Adam;
  readonly health: CodebookHealth;
  /** VQGAN's discriminator and its loss, when `cfg.adversarial` asks for it. */
  readonly adversarial?: AdversarialObjective;
  /** The same window's raw indices, to checkpoint and restore it. */
  private recentIndices: Int32Array[] = [];
  /** Every step's metrics, oldest first. */
  history: TrainMetrics[] = [];
  private stepCount = 0;
  private msAvg = 0;
  private readonly names = new Map<string, string>();
  /** Reseeding events of this run (the newest RESEED_LOG_LIMIT), oldest first. */
  private reseeds: ReseedEvent[] = [];
  /** Codes reseeded in the whole run, also those that fell out of the log. */
  private reseededCodes = 0;
  /** The latest soft-vs-hard reconstruction gap and its step (relaxed assignments only). */
  private lastGap: { value: number; step: number } | undefined;
  /** Held-out frames evaluated every `heldOutEvery` steps (set by the training loop that owns the frames). */
  heldOut?: HeldOutEvaluator;
  /** The latest held-out evaluation and its step, carried on every step's metrics. */
  private lastHeldOut: (HeldOutResult & { heldOutStep: number }) | undefined;

  constructor(
    readonly tokenizer: Tokenizer,
    readonly cfg: TrainConfig = tokenizer.cfg,
  ) {
    // The codebook's parameter group: every trainable quantizer variable (`quantizer.*`).
    const learningRates: Record<string, number> = {};
    if (cfg.codebookLearningRate !== undefined) {
      for (const name of Object.keys(this.params())) if (name.startsWith('quantizer.')) learningRates[name] = cfg.codebookLearningRate;
    }
    this.optimizer = new Adam({ learningRate: cfg.learningRate, learningRates });
    const q = tokenizer.quantizer;
    this.health = new CodebookHealth(q.codebookSize, { depth: q.depth, windowBatches: HEALTH_WINDOW_BATCHES });
    if (cfg.adversarial) {
      if (!tokenizer.nets.decodeSplit) throw new Error(`trainer: the ${tokenizer.nets.kind} network cannot train with the adversarial objective`);
      this.adversarial = new AdversarialObjective(cfg.adversarial, tokenizer.encoding, cfg.model.inChannels, cfg.learningRate, cfg.seed);
    }
  }

  get step(): number {
    return this.stepCount;
  }

  /**
   * Trainable parameters by stable name: PyTorch's names for the nets, `quantizer.<state name>`
   * for quantizer variables (tfjs' own variable names change from one process to the next).
   */
  params(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = this.tokenizer.nets.params();
    const q = this.tokenizer.quantizer;
    const state = q.state();
    q.trainableVariables().forEach((v, i) => {
      const key = Object.keys(state).find((k) => state[k] === v);
      out[`quantizer.${key ?? `param${i}`}`] = v;
    });
    return out;
  }

  /** One optimisation step on a `[B, C, H, W]` batch. */
  async trainStep(batch: Batch | tf.Tensor4D): Promise<TrainMetrics> {
    const t0 = performance.now();
    const tok = this.tokenizer;
    const x = batch instanceof tf.Tensor ? batch : tf.tensor4d(batch.data, batch.shape);
    const params = this.params();
    const varList = Object.values(params);
    for (const [name, v] of Object.entries(params)) this.names.set(v.name, name);
    const encoding = tok.encoding;
    const classes = encoding.kind === 'classes' ? encoding.numClasses : 0;
    tok.quantizer.setTrainingStep?.(this.stepCount);
    const temperature = applyTemperature(tok, this.cfg, this.stepCount);
    const measureGap = gapDue(tok, this.cfg, this.stepCount + 1);
    const kmeansBefore = tok.quantizer.kmeansRuns?.() ?? 0;

    // Tensors kept past the gradient scope for afterStep and the metrics; disposed below.
    const kept: { z?: tf.Tensor2D; indices?: tf.Tensor; seg?: tf.Tensor; parts?: tf.Tensor; hardRecon?: tf.Tensor; partNames: string[] } = { partNames: [] };
    let scalars: tf.Tensor | undefined;
    const adv = this.adversarial?.activeAt(this.stepCount) ? this.adversarial : undefined;
    let advCount = 0;
    try {
      scalars = tf.tidy(() => {
        const xN = tok.toNhwc(x);
        const { value, grads } = tf.variableGrads(() => {
          const r = tok.forwardTrain(xN, adv?.hook);
          kept.z = tf.keep(r.z);
          kept.indices = tf.keep(tf.cast(r.indices, 'int32'));
          if (classes) kept.seg = tf.keep(predictedAndTrueClasses(r.out, xN, classes));
          kept.partNames = Object.keys(r.lossParts);
          kept.parts = tf.keep(tf.stack([r.reconLoss, r.quantLoss, ...kept.partNames.map((k) => r.lossParts[k]!)]));
          return r.loss;
        }, varList);
        // The hard assignment's reconstruction with the weights the soft one just used.
        if (measureGap) kept.hardRecon = tf.keep(hardReconLoss(tok, xN));
        const byName: Record<string, tf.Tensor> = {};
        for (const [vname, g] of Object.entries(grads)) byName[this.names.get(vname) ?? vname] = g;
        this.optimizer.apply(params, byName);
        // taming's second optimizer: the discriminator learns after the generator's step.
        const advScalars = adv ? adv.discriminatorStep(xN) : null;
        advCount = advScalars ? advScalars.size : 0;
        return tf.concat([tf.reshape(value, [1]), kept.parts!, ...(advScalars ? [advScalars] : [])]);
      });
      // State kept outside the optimiser (EMA codebook, dead-code reseeding) moves after the step.
      tok.quantizer.afterStep?.(kept.z!, kept.indices!);
      const [vals, ids, segCounts, reseeds, hardRecon] = await Promise.all([
        scalars.data() as Promise<Float32Array>,
        kept.indices!.data() as Promise<Int32Array>,
        kept.seg ? (kept.seg.data() as Promise<Int32Array>) : Promise.resolve(null),
        tok.quantizer.takeReseeds ? tok.quantizer.takeReseeds(this.stepCount + 1) : Promise.resolve([]),
        kept.hardRecon ? (kept.hardRecon.data() as Promise<Float32Array>) : Promise.resolve(null),
      ]);
      this.stepCount += 1;
      this.logReseeds(reseeds);
      // A batch the codebook was just fitted to (k-means init) counts only until the next one.
      this.pushIndices(ids, (tok.quantizer.kmeansRuns?.() ?? 0) > kmeansBefore);
      const window = this.health.summary();
      const ms = performance.now() - t0;
      this.msAvg = this.stepCount === 1 ? ms : 0.9 * this.msAvg + 0.1 * ms;
      const [, C, H, W] = x.shape;
      const q = tok.quantizer;
      const [h, w] = tok.tokenGrid(H, W);
      const quantLoss: Record<string, number> = { total: vals[2]! };
      kept.partNames.forEach((k, i) => (quantLoss[k] = vals[3 + i]!));
      const a = vals.subarray(vals.length - advCount);
      const m: TrainMetrics = {
        step: this.stepCount,
        totalSteps: this.cfg.steps,
        loss: vals[0]!,
        reconLoss: vals[1]!,
        quantLoss,
        perplexity: window.perplexity,
        utilization: window.utilization,
        deadCodes: window.deadCodes,
        healthBatches: window.batches,
        healthWindow: HEALTH_WINDOW_BATCHES,
        bitsPerToken: bitsPerToken(q.codebookSize, q.depth),
        compressionRatio: compressionRatio({ inputValues: C * H * W, tokens: h * w, codebookSize: q.codebookSize, depth: q.depth }),
        msPerStep: ms,
        etaSeconds: (Math.max(0, this.cfg.steps - this.stepCount) * this.msAvg) / 1000,
      };
      if (temperature !== undefined) m.temperature = temperature;
      if (hardRecon) this.lastGap = { value: hardRecon[0]! - m.reconLoss, step: m.step };
      if (this.lastGap) {
        m.softHardGap = this.lastGap.value;
        m.softHardGapStep = this.lastGap.step;
      }
      if (advCount) {
        const [dLoss, logitsReal, logitsFake, lambda, gLoss, featureMatching] = Array.from(a);
        m.adversarial = { gLoss: gLoss!, dLoss: dLoss!, lambda: lambda!, logitsReal: logitsReal!, logitsFake: logitsFake!, featureMatching: featureMatching! };
        // The generator's whole loss, as taming logs it: nll + λ·g + codebook (the tape's loss has no λ·g: its gradient is added at the output).
        m.loss += lambda! * gLoss!;
      }
      if (segCounts && encoding.kind === 'classes') {
        const half = segCounts.length / 2;
        const cm = new ConfusionMatrix(encoding.numClasses);
        cm.add(segCounts.subarray(0, half), segCounts.subarray(half));
        const free = encoding.freeClass;
        const s = cm.scores(free ?? 0);
        // Without a free class every class counts towards mIoU and there is no occupancy IoU.
        const miou = free === undefined ? nanMean(s.perClass) : s.miou;
        if (Number.isFinite(miou)) m.miou = miou;
        if (free !== undefined && Number.isFinite(s.iou)) m.iou = s.iou;
      }
      if (!Number.isFinite(m.loss)) throw new Error(`training diverged at step ${m.step}: loss is ${m.loss}`);
      // Only on due steps: the other steps cost nothing more.
      if (this.heldOut?.due(m.step)) {
        const titok = this.cfg.model.arch === 'titok' ? ([H, W] as [number, number]) : undefined;
        this.lastHeldOut = { ...(await this.heldOut.evaluate(titok)), heldOutStep: m.step };
      }
      if (this.lastHeldOut) Object.assign(m, this.lastHeldOut);
      this.history.push(m);
      return m;
    } finally {
      this.adversarial?.disposePending();
      if (!(batch instanceof tf.Tensor)) x.dispose();
      tf.dispose([scalars, kept.z, kept.indices, kept.seg, kept.parts, kept.hardRecon].filter((t): t is tf.Tensor => t !== undefined));
    }
  }

  private logReseeds(events: ReseedEvent[]): void {
    for (const e of events) this.reseededCodes += e.codes.length;
    this.reseeds.push(...events);
    if (this.reseeds.length > RESEED_LOG_LIMIT) this.reseeds.splice(0, this.reseeds.length - RESEED_LOG_LIMIT);
  }

  /** The run's reseeding events (the newest few hundred), oldest first: a copy. */
  reseedLog(): ReseedEvent[] {
    return this.reseeds.map((e) => ({ ...e, codes: [...e.codes], ...(e.from ? { from: [...e.from] } : {}) }));
  }

  /** Codes reseeded over the whole run (also those older than the log keeps). */
  get reseededTotal(): number {
    return this.reseededCodes;
  }

  private pushIndices(ids: Int32Array, provisional = false): void {
    if (this.health.newestProvisional) this.recentIndices.pop();
    this.health.push(ids, { provisional });
    this.recentIndices.push(ids);
    if (this.recentIndices.length > HEALTH_WINDOW_BATCHES) this.recentIndices.shift();
  }

  /**
   * Code usage over the sliding window, for the live histogram (first level for residual /
   * grouped quantizers); undefined for implicit codebooks too large to histogram.
   */
  usageHistogram(): Float32Array | undefined {
    try {
      return this.health.usage(0);
    } catch {
      return undefined;
    }
  }

  /** A copy of everything needed to resume (tensors are new: the caller disposes them). */
  getState(): TrainerState {
    return {
      step: this.stepCount,
      optimizer: this.optimizer.getState(),
      // Not the provisional k-means batch: a run resumed at step 1 would keep it for a whole window.
      usageWindow: (this.health.newestProvisional ? this.recentIndices.slice(0, -1) : this.recentIndices).map((a) => Float32Array.from(a)),
      history: this.history.map((h) => ({ ...h, quantLoss: { ...h.quantLoss } })),
      ...(this.adversarial ? { adversarial: this.adversarial.getState() } : {}),
    };
  }

  getOptimizerState(): AdamState {
    return this.optimizer.getState();
  }

  setOptimizerState(state: AdamState): void {
    this.optimizer.setState(state, this.params());
  }

  /** Restores a state from getState (the tokenizer's weights are loaded separately). */
  setState(state: TrainerState): void {
    this.optimizer.setState(state.optimizer, this.params());
    this.health.reset();
    this.recentIndices = [];
    for (const ids of state.usageWindow.slice(-HEALTH_WINDOW_BATCHES)) this.pushIndices(Int32Array.from(ids));
    this.history = state.history.map((h) => ({ ...h, quantLoss: { ...h.quantLoss } }));
    this.stepCount = state.step;
    const g = [...this.history].reverse().find((h) => h.softHardGap !== undefined && h.softHardGapStep !== undefined);
    this.lastGap = g ? { value: g.softHardGap!, step: g.softHardGapStep! } : undefined;
    const ho = [...this.history].reverse().find((h) => h.heldOutRecon !== undefined && h.heldOutStep !== undefined);
    this.lastHeldOut = ho ? { heldOutRecon: ho.heldOutRecon!, heldOutStep: ho.heldOutStep!, ...(ho.heldOutMiou !== undefined ? { heldOutMiou: ho.heldOutMiou } : {}) } : undefined;
    if (this.adversarial && state.adversarial) this.adversarial.setState(state.adversarial);
  }

  dispose(): void {
    this.adversarial?.dispose();
    this.optimizer.dispose();
  }
}

/**
 * Predicted (argmax of the logits) and true class of every cell and group, concatenated as
 * int32 `[2 · M]` (both NHWC, channel = group·K + class). Gradient-free.
 */
function predictedAndTrueClasses(out: tf.Tensor4D, target: tf.Tensor4D, K: number): tf.Tensor1D {
  return tf.concat([tf.argMax(tf.reshape(out, [-1, K]), 1), tf.argMax(tf.reshape(target, [-1, K]), 1)]).asType('int32') as tf.Tensor1D;
}

function nanMean(v: number[]): number {
  const ok = v.filter((x) => !Number.isNaN(x));
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
}
