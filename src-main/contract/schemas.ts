import { z } from 'zod';
import type { ServiceMethod, TokenScopeService } from './index';
import type { OccWorldConfig } from './occworld';

/**
 * The contract's runtime half: one zod schema per concept that crosses a boundary (a front
 * door's message, a config read from a checkpoint or an export), and the arguments of every
 * service method. The contract's TypeScript types are inferred from these (index.ts re-exports
 * them under their usual names), and a type check below fails when a method's parameters and
 * its argument schema disagree, so the two cannot drift. Bounds are what the engine can run,
 * not what is sensible to train: a form may offer less.
 *
 * One schema per concept, each a separate `export const`, so that additions (a new model
 * architecture, new methods) merge as new entries.
 */

const int = (min: number, max: number) => z.int().min(min).max(max);
const SEED = int(0, 2 ** 31 - 1);

// ---- tokenizer configuration ----------------------------------------------------------------

export const QuantizerKindSchema = z.enum(['vq', 'fsq', 'lfq', 'bsq', 'rvq', 'gvq', 'rfsq', 'rlfq', 'mhvq']);

/**
 * Extra objectives on a VQ codebook (engine/quantizers/codebook-objectives.ts; formulas and
 * references in docs/design-notes/codebook-objectives.md). Each weight is 0 (off) by default.
 * All but InfoNCE act on the codebook alone, so they need a trained codebook (ema false).
 */
export const CodebookObjectivesSchema = z.strictObject({
  /** Orthogonality (vector-quantize-pytorch's orthogonal_loss_fn). */
  orthogonal: z.number().min(0).max(1000).optional(),
  /** Only the codes the batch used (the library's orthogonal_reg_active_codes_only). Default true. */
  orthogonalActiveOnly: z.boolean().optional(),
  /** At most this many (used) codes, sampled each step (orthogonal_reg_max_codes). */
  orthogonalMaxCodes: int(2, 65_536).optional(),
  /** Norm control: mean (‖e‖ − target)². */
  norm: z.number().min(0).max(1000).optional(),
  normTarget: z.number().min(0).max(1e6).optional(),
  /** Soft repulsion: mean over pairs of exp(−‖eᵢ − eⱼ‖² / σ²). */
  repulsion: z.number().min(0).max(1000).optional(),
  repulsionSigma: z.number().min(1e-6).max(1e6).optional(),
  /** Variance hinge: mean over dimensions of max(0, γ − std)². */
  varianceHinge: z.number().min(0).max(1000).optional(),
  varianceGamma: z.number().min(0).max(1e6).optional(),
  /** Contrastive InfoNCE: latent vs its assigned code against the other codes. */
  infonce: z.number().min(0).max(1000).optional(),
  infonceTemperature: z.number().min(1e-4).max(100).optional(),
  /** VICReg's variance and covariance terms over the codebook's rows. */
  vicregVariance: z.number().min(0).max(1000).optional(),
  vicregCovariance: z.number().min(0).max(1000).optional(),
});

export const QuantizerConfigSchema = z.strictObject({
  kind: QuantizerKindSchema,
  /** Codebook size K (vq, rvq, gvq per group); implied by levels for fsq and by dim for lfq/bsq. */
  codebookSize: int(2, 65_536).optional(),
  /** FSQ levels, e.g. [8, 5, 5, 5]. */
  levels: z.array(int(2, 1024)).min(1).max(32).optional(),
  /** Residual depth (rvq) or number of groups (gvq). */
  depth: int(1, 16).optional(),
  /** Commitment weight β. */
  beta: z.number().min(0).max(100).optional(),
  ema: z.boolean().optional(),
  emaDecay: z.number().min(0).lt(1).optional(),
  kmeansInit: z.boolean().optional(),
  deadCodeThreshold: z.number().min(0).max(1e9).optional(),
  reseed: z.enum(['random', 'largest-error', 'off', 'split']).optional(),
  entropyWeight: z.number().min(0).max(100).optional(),
  cosine: z.boolean().optional(),
  /** Multi-head VQ (mhvq; heads = depth): how the heads' codes are composed. Default concat. */
  compose: z.enum(['concat', 'sum']).optional(),
  /** Multi-head VQ: fixed channel-selector projections (identity) or trained ones. Default identity. */
  projection: z.enum(['identity', 'learned']).optional(),
  /** Multi-head VQ: weight λ of the disentanglement regulariser between heads. Default 0. */
  disentangleWeight: z.number().min(0).max(100).optional(),
  /** Objectives on the codebook (vq, rvq, gvq); see CodebookObjectivesSchema. */
  objectives: CodebookObjectivesSchema.optional(),
  // ---- codebook dynamics (docs/design-notes/codebook-dynamics.md) ----
  /** 'random' reseeds from a pool of recent latents: the newest rows ('fifo') or a uniform sample of all seen ('reservoir'). */
  reseedPool: z.enum(['fifo', 'reservoir']).optional(),
  /** Rows the pool of recent latents holds (default 4096). */
  reseedPoolSize: int(1, 1_000_000).optional(),
  /** A code not assigned for this many steps is dead too (0: only the EMA count decides). */
  deadAfterSteps: int(0, 1_000_000_000).optional(),
  /** σ of Gaussian noise added to every reseeded code. */
  reseedNoise: z.number().min(0).max(1000).optional(),
  /** σ of Gaussian noise on the encoder's latents before quantization, in training only. */
  jitter: z.number().min(0).max(1000).optional(),
  /** The rotation trick (Fifty et al. 2024) instead of the straight-through estimator. */
  rotationTrick: z.boolean().optional(),
  /** Commitment weight β linearly from start to end over `steps` steps, then end (replaces beta). */
  betaSchedule: z.strictObject({ start: z.number().min(0).max(100), end: z.number().min(0).max(100), steps: int(1, 10_000_000) }).optional(),
  /**
   * vq only: how latents are assigned to codes in training (docs/design-notes/soft-gumbel.md).
   * 'hard' (default): argmin + straight-through. 'soft': Σ_k softmax(−d_k/τ)·e_k. 'gumbel':
   * DALL-E dVAE / taming GumbelQuantize, a 1×1 projection to K logits and a Gumbel-softmax over
   * them. Inference is always hard (argmin / argmax of the logits).
   */
  assignment: z.enum(['hard', 'soft', 'gumbel']).optional(),
  /** Temperature τ of soft / gumbel assignment over training. */
  temperature: z
    .strictObject({
      start: z.number().positive().max(1e4),
      end: z.number().positive().max(1e4),
      /** Steps the anneal takes (then τ = end); absent: the run's steps. */
      steps: int(0, 10_000_000).optional(),
      schedule: z.enum(['linear', 'exponential']).optional(),
    })
    .optional(),
  /** gumbel: a straight-through hard one-hot sample in the forward pass (gradient of the soft one). */
  gumbelHard: z.boolean().optional(),
  /** gumbel: weight of the KL divergence to the uniform prior (default 0.1; taming's kl_weight is 5e-4). */
  klWeight: z.number().min(0).max(100).optional(),
  /** soft / gumbel: measure the soft-vs-hard reconstruction gap every this many steps (0: never; default 10). */
  gapEvery: int(0, 10_000_000).optional(),
});

/**
 * OccWorld's model dict (`config/train_vqvae.py`'s `model = dict(...)`). Its fields are checked,
 * against each other and against the weights, by engine/occworld/occworld-config.ts; here only
 * its shape as a JSON object.
 */
export const OccWorldConfigSchema = z.custom<OccWorldConfig>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
  message: "expected OccWorld's model dict (an object with type, encoder_cfg, decoder_cfg, vqvae_cfg)",
});

/**
 * A TiTok-style 1D tokenizer (bytedance/1d-tokenizer): N learnable queries cross-attend to the
 * conv encoder's grid and become N tokens; the decoder's mask tokens (one per grid cell) attend to
 * them. The grid is fixed (position embeddings): frames must be gridHeight·f × gridWidth·f.
 */
export const TiTokConfigSchema = z.strictObject({
  tokens: int(1, 4096),
  gridHeight: int(1, 1024),
  gridWidth: int(1, 1024),
  /** Cross-attention blocks in the encoder and in the decoder. */
  layers: int(1, 12),
  heads: int(1, 64),
});

export const ModelConfigSchema = z.strictObject({
  inChannels: int(1, 4096),
  hidden: int(1, 1024),
  latentDim: int(1, 1024),
  /** Down/up-sampling stages: 2 → 4×, 3 → 8×. */
  stages: int(1, 5),
  /**
   * The network: the reference conv net (absent or 'reference') or OccWorld's VAERes2D, whose
   * settings are `occworld` (then inChannels = the frames' channels, hidden = ch, latentDim =
   * e_dim, stages = len(ch_mult) − 1), or 'hierarchical': VQ-VAE-2's top (8×) and bottom (4×)
   * grids with their own VQ codebooks (engine/hierarchical; stages = 2, hidden even).
   */
  arch: z.enum(['reference', 'occworld', 'hierarchical', 'titok']).optional(),
  /** arch 'titok': the 1D tokenizer's settings (hidden = its width, latentDim = the token dimension). */
  titok: TiTokConfigSchema.optional(),
  occworld: OccWorldConfigSchema.optional(),
  /** OccWorld's training loss weights: ce × cross-entropy + lovasz × Lovász-softmax (OccWorld: 10 and 1; 0 turns Lovász off). */
  occworldLoss: z.strictObject({ ce: z.number().min(0).max(1000), lovasz: z.number().min(0).max(1000) }).optional(),
});

/**
 * Per-channel statistics of the training frames: the tokenizer's input is (x − mean) / std and
 * its decoded output is mapped back (x · std + mean). Channels left as they are have 0 / 1.
 */
export const ChannelNormalizationSchema = z
  .strictObject({
    mean: z.array(z.number()).max(65_536),
    std: z.array(z.number().positive()).max(65_536),
  })
  .refine((n) => n.mean.length === n.std.length, { message: 'mean and std must have one entry per channel' });

/**
 * VQGAN's adversarial objective (taming-transformers): a PatchGAN discriminator on the frames,
 * the generator loss scaled by the adaptive weight λ · `weight`, from `startStep` on; feature
 * matching on the discriminator's features stands in for the perceptual loss.
 */
export const AdversarialConfigSchema = z.strictObject({
  /** taming's disc_weight: multiplies the adaptive weight λ. */
  weight: z.number().min(0).max(1000).optional(),
  /** taming's disc_start: steps before the discriminator and the generator loss come in. */
  startStep: int(0, 10_000_000).optional(),
  loss: z.enum(['hinge', 'non-saturating']).optional(),
  /** Weight of the L1 feature-matching loss on the discriminator's features (0: off). */
  featureMatchingWeight: z.number().min(0).max(1000).optional(),
  /** taming's disc_num_layers (stride-2 convs) and disc_ndf (filters of the first conv). */
  discLayers: int(1, 6).optional(),
  discChannels: int(1, 512).optional(),
});

export const TrainConfigSchema = z.strictObject({
  model: ModelConfigSchema,
  quantizer: QuantizerConfigSchema,
  /**
   * Computed once per data source when training starts (continuous frames only) and kept with
   * the checkpoint and the export; absent: frames go in as they are.
   */
  normalization: ChannelNormalizationSchema.optional(),
  learningRate: z.number().min(1e-7).max(1),
  /** Adam's learning rate for the codebook's parameter group (trained codebooks); absent: learningRate. */
  codebookLearningRate: z.number().min(1e-7).max(1).optional(),
  steps: int(1, 10_000_000),
  batchSize: int(1, 1024),
  /** Random crop size for training, or 0 for whole frames. */
  crop: int(0, 8192),
  seed: SEED,
  checkpointEvery: int(0, 10_000_000),
  /** Evaluate on the held-out frames (every 6th frame, not trained on) every N steps and at the end; 0 or absent: off. */
  heldOutEvery: int(0, 10_000_000).optional(),
  /** VQGAN's adversarial objective; absent: reconstruction and quantizer losses only. */
  adversarial: AdversarialConfigSchema.optional(),
});

/** What `startTraining` takes: any part of a TrainConfig; the service fills in the rest from its defaults. */
export const TrainConfigPatchSchema = TrainConfigSchema.partial().extend({
  model: ModelConfigSchema.partial().extend({ titok: TiTokConfigSchema.partial().optional() }).optional(),
  quantizer: QuantizerConfigSchema.partial().optional(),
});

// ---- frames ---------------------------------------------------------------------------------

/** `'all'` the whole `[C, H, W]` tensor; `'labels'` only the class maps; a list of channel ids. */
export const ChannelSelectionSchema = z.union([z.literal('all'), z.literal('labels'), z.array(int(0, 65_535)).max(65_536)], {
  error: "expected 'all', 'labels' or a list of channel ids (integers ≥ 0)",
});

/**
 * What of a frame to send (`getFrame`, `getDecoded`): a height-folded Occ3D frame is 288 × 200 ×
 * 200 float32 (46 MB), while a view draws a 40 kB class map or one channel.
 * - `channels`: `'all'` (the default), `'labels'` (class frames only), or channel ids in order.
 * - `groupLabels`: class frames also carry the class map of every height group.
 */
export const FrameRequestSchema = z.strictObject({
  channels: ChannelSelectionSchema.optional(),
  groupLabels: z.boolean().optional(),
});

// ---- method options -------------------------------------------------------------------------

export const ProceduralOptionsSchema = z.strictObject({
  seed: SEED.optional(),
  frames: int(1, 10_000).optional(),
  size: int(16, 1024).optional(),
});

export const ExportOptionsSchema = z.strictObject({
  /** false: leave tokens.npy out on purpose (otherwise data the tokenizer can't read is an error). */
  tokens: z.boolean().optional(),
  /** true: also write encoder.onnx (frames → token ids and errors), for tokenizers that have an ONNX graph. */
  onnx: z.boolean().optional(),
});

export const ImportPredictionsOptionsSchema = z.strictObject({
  offset: int(0, 1_000_000_000).optional(),
  startTimestampUs: z.number().optional(),
  /** What the file holds (default: the side file's, else 'rollout'). */
  mode: z.enum(['rollout', 'one-step', 'windows']).optional(),
});

export const BaselinePredictorOptionsSchema = z.strictObject({
  kind: z.enum(['transformer', 'copy']).optional(),
  steps: int(0, 1_000_000).optional(),
  context: int(1, 16).optional(),
  horizon: int(1, 100_000).optional(),
  rollouts: int(1, 64).optional(),
  batchSize: int(1, 256).optional(),
  learningRate: z.number().positive().max(1).optional(),
  temperature: z.number().min(0).max(100).optional(),
  topK: int(1, 65_536).optional(),
  seed: SEED.optional(),
});

/** What `openPath` may be told that the data cannot say itself (see contract/open-options.ts). */
export const LidarOpenOptionsSchema = z.strictObject({
  preset: z.enum(['nuscenes', 'kitti', 'sensor']).optional(),
  yawDeg: z.number().optional(),
  heightM: z.number().optional(),
  zRangeM: z.tuple([z.number(), z.number()]).optional(),
  rangeM: z.number().optional(),
  cellSizeM: z.number().optional(),
});

export const OpenPathOptionsSchema = z.strictObject({
  scene: z.string().min(1).max(255).optional(),
  split: z.string().min(1).max(255).optional(),
  alignTo: int(0, 10_000_000).optional(),
  lidar: LidarOpenOptionsSchema.optional(),
  sweeps: z.boolean().optional(),
});

export const OpenCheckpointOptionsSchema = z.strictObject({
  /** config.json describing a PyTorch checkpoint's architecture. */
  config: z.string().min(1).max(4096).optional(),
});

export const TrainKitOptionsSchema = z.strictObject({
  steps: int(1, 1_000_000_000).optional(),
  processes: int(1, 1024).optional(),
  split: z.string().min(1).max(255).optional(),
});

export const RunFollowOptionsSchema = z.strictObject({
  follow: z.boolean(),
  step: int(0, 1_000_000_000).optional(),
});

export const DatasetExportOptionsSchema = z.strictObject({
  split: z.string().min(1).max(255).optional(),
  maxMemoryMiB: int(16, 1_048_576).optional(),
  workers: int(1, 64).optional(),
});

// ---- the arguments of every method ----------------------------------------------------------

/** A file or folder path from a client: text, no NUL byte (the OS would cut it there). */
export const PathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.trim() !== '', { message: 'expected a file or folder path, got only spaces' })
  .refine((p) => !p.includes('\0'), { message: 'the path contains a NUL byte' });
/** Any integer: the workspace checks it against what is open, and says the valid range. */
const INDEX = z.int();
const LEVEL = int(0, 15);

/** Each method's arguments, in order, with their names (for error messages). */
export const SERVICE_ARGUMENTS = {
  getStatus: z.tuple([]),
  openProcedural: z.tuple([ProceduralOptionsSchema.optional()]),
  openPath: z.tuple([PathSchema, OpenPathOptionsSchema.optional()]),
  listScenes: z.tuple([]),
  openScene: z.tuple([z.string().min(1).max(255)]),
  getFrame: z.tuple([INDEX, FrameRequestSchema.optional()]),
  startTraining: z.tuple([TrainConfigPatchSchema]),
  pauseTraining: z.tuple([]),
  resumeTraining: z.tuple([]),
  stopTraining: z.tuple([]),
  defaultTrainConfig: z.tuple([]),
  saveCheckpoint: z.tuple([PathSchema.optional()]),
  openCheckpoint: z.tuple([PathSchema, OpenCheckpointOptionsSchema.optional()]),
  exportCheckpoint: z.tuple([PathSchema, ExportOptionsSchema.optional()]),
  getTokens: z.tuple([INDEX]),
  getTokenLevel: z.tuple([INDEX, LEVEL]),
  getTokenAttention: z.tuple([INDEX]),
  getDecoded: z.tuple([INDEX, FrameRequestSchema.optional()]),
  getCodebook: z.tuple([LEVEL.optional()]),
  projectCodebook: z.tuple([z.enum(['pca', 'umap']), LEVEL.optional()]),
  codeOccurrences: z.tuple([INDEX, LEVEL.optional()]),
  codePrototype: z.tuple([INDEX]),
  importPredictions: z.tuple([PathSchema, ImportPredictionsOptionsSchema.optional()]),
  trainBaselinePredictor: z.tuple([BaselinePredictorOptionsSchema.optional()]),
  getPrediction: z.tuple([INDEX, INDEX.optional()]),
  predictionHorizonAccuracy: z.tuple([]),
  pausePredictor: z.tuple([]),
  resumePredictor: z.tuple([]),
  stopPredictor: z.tuple([]),
  exportTrainKit: z.tuple([PathSchema, TrainKitOptionsSchema.optional()]),
  followRun: z.tuple([PathSchema]),
  setRunFollow: z.tuple([RunFollowOptionsSchema]),
  getRun: z.tuple([]),
  stopFollowingRun: z.tuple([]),
  openComparison: z.tuple([PathSchema]),
  getComparison: z.tuple([INDEX, FrameRequestSchema.optional()]),
  closeComparison: z.tuple([]),
  recentCheckpoints: z.tuple([]),
  readTrainingHistory: z.tuple([PathSchema]),
  exportDatasetTokens: z.tuple([PathSchema, PathSchema, DatasetExportOptionsSchema.optional()]),
  cancelDatasetExport: z.tuple([]),
  evaluateScene: z.tuple([]),
} as const satisfies Record<ServiceMethod, z.ZodTuple>;

export const SERVICE_ARGUMENT_NAMES: Record<ServiceMethod, readonly string[]> = {
  getStatus: [],
  openProcedural: ['options'],
  openPath: ['path', 'options'],
  listScenes: [],
  openScene: ['name'],
  getFrame: ['index', 'request'],
  startTraining: ['config'],
  pauseTraining: [],
  resumeTraining: [],
  stopTraining: [],
  defaultTrainConfig: [],
  saveCheckpoint: ['path'],
  openCheckpoint: ['path', 'options'],
  exportCheckpoint: ['dir', 'options'],
  getTokens: ['index'],
  getTokenLevel: ['index', 'level'],
  getTokenAttention: ['index'],
  getDecoded: ['index', 'request'],
  getCodebook: ['level'],
  projectCodebook: ['method', 'level'],
  codeOccurrences: ['code', 'level'],
  codePrototype: ['code'],
  importPredictions: ['path', 'options'],
  trainBaselinePredictor: ['options'],
  getPrediction: ['index', 'rollout'],
  predictionHorizonAccuracy: [],
  pausePredictor: [],
  resumePredictor: [],
  stopPredictor: [],
  exportTrainKit: ['dir', 'options'],
  followRun: ['dir'],
  setRunFollow: ['options'],
  getRun: [],
  stopFollowingRun: [],
  openComparison: ['path'],
  getComparison: ['index', 'request'],
  closeComparison: [],
  recentCheckpoints: [],
  readTrainingHistory: ['path'],
  exportDatasetTokens: ['dataset', 'dir', 'options'],
  cancelDatasetExport: [],
  evaluateScene: [],
};

// Fails to compile when a method's parameters in index.ts and its argument schema here differ.
type Same<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
type Drifted = { [M in ServiceMethod]: Same<Parameters<TokenScopeService[M]>, z.input<(typeof SERVICE_ARGUMENTS)[M]>> extends true ? never : M }[ServiceMethod];
export const _argumentsMatchContract: [Drifted] extends [never] ? true : Drifted = true;
