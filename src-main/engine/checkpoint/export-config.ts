import type { FrameEncoding, QuantizerConfig, QuantizerKind, TrainConfig } from '../../contract';
import { TrainConfigSchema } from '../../contract/schemas';
import { checkValue } from '../../contract/schema-errors';
import { validateNormalization } from '../model/normalization';
import { configLimitProblems, inputLimitProblems } from './config-limits';
import { referenceLayers, sameLayers, type LayerSpec } from './layers';
import { objectivesFromExport, objectivesToExport, type ExportedObjectives } from './export-objectives';

/**
 * config.json of an export: everything the PyTorch module (resources/pytorch/tokenscope_tokenizer.py)
 * needs to rebuild the tokenizer, in snake_case for Python readers, plus TokenScope's own
 * TrainConfig under `train` so that a re-import restores the training settings too.
 */

export const EXPORT_FORMAT = 'tokenscope-tokenizer';
export const EXPORT_VERSION = 1;

export interface ExportedQuantizer {
  kind: QuantizerKind;
  /** Dimension of the vectors the quantizer sees (FSQ: number of levels). */
  dim: number;
  /** Distinct ids per index position (implied for fsq, lfq, bsq). */
  codebook_size: number;
  levels?: number[];
  /** rvq: residual depth; gvq: number of groups. */
  depth?: number;
  beta?: number;
  ema?: boolean;
  ema_decay?: number;
  cosine?: boolean;
  entropy_weight?: number;
  kmeans_init?: boolean;
  dead_code_threshold?: number;
  reseed?: string;
  /** Objectives on the codebook, snake_case (export-objectives.ts). */
  codebook_objectives?: ExportedObjectives;
  // Codebook dynamics (docs/design-notes/codebook-dynamics.md): what train.py's kit honours.
  reseed_pool?: 'fifo' | 'reservoir';
  reseed_pool_size?: number;
  dead_after_steps?: number;
  reseed_noise?: number;
  jitter?: number;
  rotation_trick?: boolean;
  beta_schedule?: { start: number; end: number; steps: number };
  /** vq: training-time assignment ('hard', 'soft', 'gumbel'); inference is hard whatever it says. */
  assignment?: 'hard' | 'soft' | 'gumbel';
  /** soft / gumbel: the temperature schedule trained with. */
  temperature?: { start: number; end: number; steps?: number; schedule?: 'linear' | 'exponential' };
  /** gumbel: straight-through hard sample in training. */
  gumbel_hard?: boolean;
  /** gumbel: weight of the KL to the uniform prior. */
  kl_weight?: number;
  gap_every?: number;
  /** How an index is built from per-dimension values, in words. */
  index_order?: string;
  /** mhvq: how the heads' codes are composed ("concat" or "sum"). */
  compose?: 'concat' | 'sum';
  /** mhvq: "identity" (fixed channel selectors) or "learned" (heads.{h}.project_in.weight). */
  projection?: 'identity' | 'learned';
  /** mhvq: weight of the disentanglement regulariser (training only). */
  disentangle_weight?: number;
}

export interface ExportedInput {
  height: number;
  width: number;
  channels: number;
  channel_names: string[];
  encoding: FrameEncoding;
  /**
   * Per-channel statistics the model works in, or null: the encoder sees (x − mean) / std and
   * the decoder's output is x · std + mean in frame units (the PyTorch module does both).
   */
  normalization: { mean: number[]; std: number[] } | null;
}

export interface ExportConfigJson {
  format: typeof EXPORT_FORMAT;
  version: number;
  weights: string;
  codebook: string | null;
  layout: 'NCHW';
  model: {
    in_channels: number;
    out_channels: number;
    hidden: number;
    latent_dim: number;
    stages: number;
    /** continuous: decoder output is the frame; class_logits: per group, softmax over classes. */
    output: 'continuous' | 'class_logits';
    encoder: LayerSpec[];
    decoder: LayerSpec[];
  };
  quantizer: ExportedQuantizer;
  input: ExportedInput | null;
  /** Tokens per frame, [h, w]; null when the frame size is not known. */
  token_grid: [number, number] | null;
  token_depth: number;
  downsample: number;
  bits_per_token: number;
  train?: TrainConfig;
  /** Written by the training kit into each checkpoint of a run: the step it holds. */
  run?: { step: number };
}

/** What an export knows about the data beyond the model (sizes, channel meanings, palette). */
export interface InputDescription {
  height: number;
  width: number;
  channelNames: string[];
  encoding: FrameEncoding;
  normalization?: { mean: number[]; std: number[] };
}

/** Code dimension and ids per position implied by a quantizer config and the latent width. */
export function quantizerShape(q: QuantizerConfig, latentDim: number): { dim: number; codebookSize: number; depth: number } {
  switch (q.kind) {
    case 'fsq': {
      if (!q.levels?.length) throw new Error('fsq quantizer config needs levels');
      return { dim: q.levels.length, codebookSize: q.levels.reduce((a, b) => a * b, 1), depth: 1 };
    }
    case 'lfq':
    case 'bsq':
      return { dim: latentDim, codebookSize: 2 ** latentDim, depth: 1 };
    case 'vq':
    case 'rvq':
    case 'gvq': {
      if (!q.codebookSize) throw new Error(`${q.kind} quantizer config needs codebookSize`);
      const depth = q.kind === 'vq' ? 1 : (q.depth ?? 1);
      return { dim: latentDim, codebookSize: q.codebookSize, depth };
    }
    case 'rfsq': {
      if (!q.levels?.length) throw new Error('rfsq quantizer config needs levels');
      return { dim: q.levels.length, codebookSize: q.levels.reduce((a, b) => a * b, 1), depth: q.depth ?? 1 };
    }
    case 'rlfq':
      return { dim: latentDim, codebookSize: 2 ** latentDim, depth: q.depth ?? 1 };
    case 'mhvq': {
      if (!q.codebookSize) throw new Error('mhvq quantizer config needs codebookSize');
      return { dim: latentDim, codebookSize: q.codebookSize, depth: q.depth ?? 1 };
    }
  }
}

export function buildExportConfig(
  train: TrainConfig,
  input: InputDescription | undefined,
  opts: { outChannels?: number; codebookFile: string | null },
): ExportConfigJson {
  const m = train.model;
  const q = train.quantizer;
  const shape = quantizerShape(q, m.latentDim);
  const outChannels = opts.outChannels ?? m.inChannels;
  const layers = referenceLayers(m, outChannels);
  const f = 2 ** m.stages;
  if (input && input.channelNames.length !== m.inChannels) {
    throw new Error(`export: the input has ${input.channelNames.length} channel names but the model takes ${m.inChannels} channels`);
  }
  const quantizer: ExportedQuantizer = { kind: q.kind, dim: shape.dim, codebook_size: shape.codebookSize };
  if (q.levels) quantizer.levels = [...q.levels];
  if (q.kind === 'rvq' || q.kind === 'gvq') quantizer.depth = shape.depth;
  if (q.kind === 'rfsq' || q.kind === 'rlfq' || q.kind === 'mhvq') quantizer.depth = shape.depth;
  if (q.compose !== undefined) quantizer.compose = q.compose;
  if (q.projection !== undefined) quantizer.projection = q.projection;
  if (q.disentangleWeight !== undefined) quantizer.disentangle_weight = q.disentangleWeight;
  if (q.beta !== undefined) quantizer.beta = q.beta;
  if (q.ema !== undefined) quantizer.ema = q.ema;
  if (q.emaDecay !== undefined) quantizer.ema_decay = q.emaDecay;
  if (q.cosine !== undefined) quantizer.cosine = q.cosine;
  if (q.entropyWeight !== undefined) quantizer.entropy_weight = q.entropyWeight;
  if (q.kmeansInit !== undefined) quantizer.kmeans_init = q.kmeansInit;
  if (q.deadCodeThreshold !== undefined) quantizer.dead_code_threshold = q.deadCodeThreshold;
  if (q.reseed !== undefined) quantizer.reseed = q.reseed;
  if (q.objectives !== undefined) quantizer.codebook_objectives = objectivesToExport(q.objectives);
  if (q.reseedPool !== undefined) quantizer.reseed_pool = q.reseedPool;
  if (q.reseedPoolSize !== undefined) quantizer.reseed_pool_size = q.reseedPoolSize;
  if (q.deadAfterSteps !== undefined) quantizer.dead_after_steps = q.deadAfterSteps;
  if (q.reseedNoise !== undefined) quantizer.reseed_noise = q.reseedNoise;
  if (q.jitter !== undefined) quantizer.jitter = q.jitter;
  if (q.rotationTrick !== undefined) quantizer.rotation_trick = q.rotationTrick;
  if (q.betaSchedule !== undefined) quantizer.beta_schedule = { ...q.betaSchedule };
  if (q.assignment !== undefined) quantizer.assignment = q.assignment;
  if (q.temperature !== undefined) quantizer.temperature = { ...q.temperature };
  if (q.gumbelHard !== undefined) quantizer.gumbel_hard = q.gumbelHard;
  if (q.klWeight !== undefined) quantizer.kl_weight = q.klWeight;
  if (q.gapEvery !== undefined) quantizer.gap_every = q.gapEvery;
  if (q.assignment === 'gumbel') quantizer.index_order = 'argmax over K of the 1x1 projection proj(z) (no noise at inference)';
  if (q.kind === 'fsq') quantizer.index_order = 'mixed radix over levels, dimension 0 least significant';
  if (q.kind === 'lfq' || q.kind === 'bsq') quantizer.index_order = 'one bit per dimension (value > 0), dimension 0 most significant';
  if (q.kind === 'rvq') quantizer.index_order = 'last axis: residual level 0..depth-1, each an id into its own codebook';
  if (q.kind === 'gvq') quantizer.index_order = 'last axis: channel group 0..depth-1, each an id into its own codebook';
  if (q.kind === 'rfsq') quantizer.index_order = 'last axis: residual level 0..depth-1, each a symmetric-FSQ id (mixed radix, dimension 0 least significant)';
  if (q.kind === 'rlfq') quantizer.index_order = 'last axis: residual level 0..depth-1, each one bit per dimension (dimension 0 most significant)';
  if (q.kind === 'mhvq') quantizer.index_order = 'last axis: head 0..depth-1, each an id into its own codebook';

  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    weights: 'model.safetensors',
    codebook: opts.codebookFile,
    layout: 'NCHW',
    model: {
      in_channels: m.inChannels,
      out_channels: outChannels,
      hidden: m.hidden,
      latent_dim: m.latentDim,
      stages: m.stages,
      output: input?.encoding.kind === 'classes' ? 'class_logits' : 'continuous',
      ...layers,
    },
    quantizer,
    input: input
      ? {
          height: input.height,
          width: input.width,
          channels: m.inChannels,
          channel_names: [...input.channelNames],
          encoding: input.encoding,
          normalization: train.normalization ?? input.normalization ?? null,
        }
      : null,
    token_grid: input ? [Math.floor(input.height / f), Math.floor(input.width / f)] : null,
    token_depth: shape.depth,
    downsample: f,
    bits_per_token: shape.depth * Math.log2(shape.codebookSize),
    train,
  };
}

/** Training settings for a model that arrives without TokenScope's own (e.g. built in PyTorch). */
const FALLBACK_TRAINING = { learningRate: 1e-3, steps: 1000, batchSize: 8, crop: 0, seed: 0, checkpointEvery: 100 };

function need(cond: unknown, source: string, what: string): asserts cond {
  if (!cond) throw new Error(`${source}: ${what}`);
}

const isPosInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

/**
 * Validates a parsed config.json and turns it into TokenScope's TrainConfig. The layer lists
 * must be the reference architecture for the stated sizes: TokenScope builds nothing else.
 */
export function parseExportConfig(raw: unknown, source: string): { json: ExportConfigJson; train: TrainConfig; outChannels: number } {
  need(typeof raw === 'object' && raw !== null && !Array.isArray(raw), source, 'not a JSON object');
  const c = raw as Partial<ExportConfigJson>;
  need(c.format === EXPORT_FORMAT, source, `not a TokenScope export (format ${JSON.stringify(c.format)}, expected "${EXPORT_FORMAT}")`);
  need(typeof c.version === 'number' && c.version <= EXPORT_VERSION, source, `format version ${String(c.version)} is newer than this TokenScope reads (${EXPORT_VERSION})`);
  const m = c.model;
  need(typeof m === 'object' && m !== null, source, 'missing "model"');
  for (const k of ['in_channels', 'out_channels', 'hidden', 'latent_dim', 'stages'] as const) {
    need(isPosInt(m[k]), source, `model.${k} must be a positive integer (got ${JSON.stringify(m[k])})`);
  }
  const q = c.quantizer;
  need(typeof q === 'object' && q !== null, source, 'missing "quantizer"');
  const kinds: QuantizerKind[] = ['vq', 'fsq', 'lfq', 'bsq', 'rvq', 'gvq', 'rfsq', 'rlfq', 'mhvq'];
  need(kinds.includes(q.kind), source, `quantizer.kind ${JSON.stringify(q.kind)} is not one of ${kinds.join(', ')}`);
  if (q.kind === 'fsq') need(Array.isArray(q.levels) && q.levels.length > 0 && q.levels.every(isPosInt), source, 'fsq needs quantizer.levels, a list of positive integers');
  if (q.kind === 'vq' || q.kind === 'rvq' || q.kind === 'gvq') need(isPosInt(q.codebook_size), source, `${q.kind} needs quantizer.codebook_size`);
  if (q.kind === 'rvq' || q.kind === 'gvq') need(isPosInt(q.depth), source, `${q.kind} needs quantizer.depth`);
  if (q.kind === 'rfsq') need(Array.isArray(q.levels) && q.levels.length > 0 && q.levels.every(isPosInt), source, 'rfsq needs quantizer.levels, a list of positive integers');
  if (q.kind === 'mhvq') need(isPosInt(q.codebook_size), source, 'mhvq needs quantizer.codebook_size');
  if (q.kind === 'rfsq' || q.kind === 'rlfq' || q.kind === 'mhvq') need(isPosInt(q.depth), source, `${q.kind} needs quantizer.depth`);

  const quantizer: QuantizerConfig = { kind: q.kind };
  if (q.kind !== 'fsq' && q.kind !== 'lfq' && q.kind !== 'bsq' && q.kind !== 'rfsq' && q.kind !== 'rlfq') quantizer.codebookSize = q.codebook_size;
  if (q.levels) quantizer.levels = [...q.levels];
  if (q.depth !== undefined) quantizer.depth = q.depth;
  if (q.beta !== undefined) quantizer.beta = q.beta;
  if (q.ema !== undefined) quantizer.ema = q.ema;
  if (q.ema_decay !== undefined) quantizer.emaDecay = q.ema_decay;
  if (q.cosine !== undefined) quantizer.cosine = q.cosine;
  if (q.entropy_weight !== undefined) quantizer.entropyWeight = q.entropy_weight;
  if (q.kmeans_init !== undefined) quantizer.kmeansInit = q.kmeans_init;
  if (q.dead_code_threshold !== undefined) quantizer.deadCodeThreshold = q.dead_code_threshold;
  if (q.reseed !== undefined) quantizer.reseed = q.reseed as QuantizerConfig['reseed'];
  if (q.compose !== undefined) quantizer.compose = q.compose;
  if (q.projection !== undefined) quantizer.projection = q.projection;
  if (q.disentangle_weight !== undefined) quantizer.disentangleWeight = q.disentangle_weight;
  if (q.codebook_objectives !== undefined) quantizer.objectives = objectivesFromExport(q.codebook_objectives, source);
  if (q.reseed_pool !== undefined) quantizer.reseedPool = q.reseed_pool;
  if (q.reseed_pool_size !== undefined) quantizer.reseedPoolSize = q.reseed_pool_size;
  if (q.dead_after_steps !== undefined) quantizer.deadAfterSteps = q.dead_after_steps;
  if (q.reseed_noise !== undefined) quantizer.reseedNoise = q.reseed_noise;
  if (q.jitter !== undefined) quantizer.jitter = q.jitter;
  if (q.rotation_trick !== undefined) quantizer.rotationTrick = q.rotation_trick;
  if (q.beta_schedule !== undefined) quantizer.betaSchedule = { ...q.beta_schedule };
  if (q.assignment !== undefined) quantizer.assignment = q.assignment;
  if (q.temperature !== undefined) quantizer.temperature = q.temperature;
  if (q.gumbel_hard !== undefined) quantizer.gumbelHard = q.gumbel_hard;
  if (q.kl_weight !== undefined) quantizer.klWeight = q.kl_weight;
  if (q.gap_every !== undefined) quantizer.gapEvery = q.gap_every;

  const model = { inChannels: m.in_channels, hidden: m.hidden, latentDim: m.latent_dim, stages: m.stages };
  const limits = configLimitProblems(model, quantizer, m.out_channels);
  if (c.input) limits.push(...inputLimitProblems({ height: c.input.height, width: c.input.width, channelNames: c.input.channel_names, encoding: c.input.encoding }, m.in_channels));
  need(limits.length === 0, source, limits.join('; '));
  const ref = referenceLayers(model, m.out_channels);
  if (m.encoder !== undefined) need(Array.isArray(m.encoder) && sameLayers(m.encoder, ref.encoder), source, 'model.encoder is not the reference architecture TokenScope builds for these sizes');
  if (m.decoder !== undefined) need(Array.isArray(m.decoder) && sameLayers(m.decoder, ref.decoder), source, 'model.decoder is not the reference architecture TokenScope builds for these sizes');
  const shape = quantizerShape(quantizer, model.latentDim);
  need(q.dim === undefined || q.dim === shape.dim, source, `quantizer.dim ${String(q.dim)} does not match the ${shape.dim} the ${q.kind} quantizer implies`);

  const prior: Partial<TrainConfig> & typeof FALLBACK_TRAINING = c.train ?? FALLBACK_TRAINING;
  // The stats the weights were trained with: config.json's input says so for PyTorch readers;
  // TokenScope's own train block is the fallback for exports without an input description.
  const normalization = c.input?.normalization ?? prior.normalization ?? undefined;
  if (normalization !== undefined) validateNormalization(normalization, model.inChannels, `${source}: input`);
  const train: TrainConfig = {
    learningRate: prior.learningRate,
    steps: prior.steps,
    batchSize: prior.batchSize,
    crop: prior.crop,
    seed: prior.seed,
    checkpointEvery: prior.checkpointEvery,
    model,
    quantizer,
    ...(normalization ? { normalization: { mean: [...normalization.mean], std: [...normalization.std] } } : {}),
    ...(prior.codebookLearningRate !== undefined ? { codebookLearningRate: prior.codebookLearningRate } : {}),
    ...(prior.heldOutEvery !== undefined ? { heldOutEvery: prior.heldOutEvery } : {}),
  };
  const checked = checkValue('config', TrainConfigSchema, train);
  need(checked.ok, source, `the config it implies is not one TokenScope runs: ${checked.ok ? '' : checked.problem}`);
  return { json: c as ExportConfigJson, train, outChannels: m.out_channels };
}
