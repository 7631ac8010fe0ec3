import type { QuantizerConfig, QuantizerKind, TrainConfig } from '../contract/index';
import type { FrameSequence } from '../data/frame';
import { ArgumentError } from './errors';
import { applyOccWorldModel } from './occworld-train-config';

/**
 * The training settings the UI's form starts from, and the checks on what comes back from it.
 * Defaults are sized for a laptop CPU on the wasm backend: a few steps a second on 64×64 crops.
 */
export function defaultTrainConfigFor(seq: FrameSequence | null): TrainConfig {
  const side = seq ? Math.min(seq.height, seq.width) : 64;
  const crop = side >= 64 ? 64 : side - (side % 4);
  return {
    model: { inChannels: seq?.channels ?? 18, hidden: 32, latentDim: 16, stages: 2 },
    quantizer: { kind: 'vq', codebookSize: 256, beta: 0.25, ema: true, emaDecay: 0.99, kmeansInit: true, deadCodeThreshold: 1, reseed: 'random' },
    learningRate: 3e-3,
    steps: 1000,
    batchSize: 8,
    crop,
    seed: 0,
    checkpointEvery: 0,
  };
}

/** Sensible starting options per quantizer kind, so that switching kind in the form gives a working config. */
export function quantizerDefaults(kind: QuantizerKind, latentDim: number): QuantizerConfig {
  switch (kind) {
    case 'vq':
      return { kind, codebookSize: 256, beta: 0.25, ema: true, emaDecay: 0.99, kmeansInit: true, deadCodeThreshold: 1, reseed: 'random' };
    case 'fsq':
      return { kind, levels: [8, 5, 5, 5] };
    case 'lfq':
    case 'bsq':
      return { kind, entropyWeight: 0.1 };
    case 'rvq':
      return { kind, codebookSize: 256, depth: 4, beta: 0.25, ema: true, emaDecay: 0.99, kmeansInit: true };
    case 'gvq':
      return { kind, codebookSize: 256, depth: latentDim % 2 === 0 ? 2 : 1, beta: 0.25, ema: true, emaDecay: 0.99, kmeansInit: true };
  }
}

const KINDS: QuantizerKind[] = ['vq', 'fsq', 'lfq', 'bsq', 'rvq', 'gvq'];

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function int(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ArgumentError('startTraining', `${name} must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function num(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ArgumentError('startTraining', `${name} must be a number in ${min}..${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * Merges a partial config from a front door into the defaults and checks every field, so that
 * a bad form value gives one clear message instead of an error deep in the engine. Changing the
 * quantizer kind starts from that kind's defaults; FSQ's levels set the latent width.
 */
export function resolveTrainConfig(partial: unknown, base: TrainConfig, seq: FrameSequence): TrainConfig {
  if (partial !== undefined && partial !== null && !isObj(partial)) {
    throw new ArgumentError('startTraining', `expected a config object, got ${JSON.stringify(partial)}`);
  }
  const p = (partial ?? {}) as Partial<Record<keyof TrainConfig, unknown>>;
  const pm = isObj(p.model) ? p.model : {};
  const pq = isObj(p.quantizer) ? p.quantizer : {};
  const kind = (pq.kind ?? base.quantizer.kind) as QuantizerKind;
  if (!KINDS.includes(kind)) throw new ArgumentError('startTraining', `quantizer.kind must be one of ${KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  const model = { ...base.model, ...pm, inChannels: seq.channels };
  const quantizer: QuantizerConfig = { ...(kind === base.quantizer.kind ? base.quantizer : quantizerDefaults(kind, model.latentDim)), ...pq, kind } as QuantizerConfig;
  const cfg: TrainConfig = {
    ...base,
    ...(p as Partial<TrainConfig>),
    model: model as TrainConfig['model'],
    quantizer,
  };
  if (cfg.model.arch === 'occworld') applyOccWorldModel(cfg, pm, pq, base, seq);

  int('model.hidden', cfg.model.hidden, 1, 1024);
  int('model.latentDim', cfg.model.latentDim, 1, 1024);
  int('model.stages', cfg.model.stages, 1, 5);
  const f = 2 ** cfg.model.stages;
  if (quantizer.kind === 'fsq') {
    if (!Array.isArray(quantizer.levels) || quantizer.levels.length < 1 || quantizer.levels.some((l) => !Number.isInteger(l) || l < 2)) {
      throw new ArgumentError('startTraining', `quantizer.levels must be integers ≥ 2, got ${JSON.stringify(quantizer.levels)}`);
    }
    // FSQ quantizes each latent dimension to its own level count: the latent width follows the levels.
    cfg.model.latentDim = quantizer.levels.length;
  } else if (quantizer.kind === 'lfq' || quantizer.kind === 'bsq') {
    int('model.latentDim (one bit per dimension)', cfg.model.latentDim, 1, 20);
    delete quantizer.codebookSize;
  } else {
    int('quantizer.codebookSize', quantizer.codebookSize, 2, 65_536);
    if (quantizer.kind !== 'vq') int('quantizer.depth', quantizer.depth, 1, 16);
    if (quantizer.kind === 'gvq' && cfg.model.latentDim % (quantizer.depth ?? 1) !== 0) {
      throw new ArgumentError('startTraining', `model.latentDim ${cfg.model.latentDim} must split evenly into ${quantizer.depth} groups`);
    }
  }
  num('learningRate', cfg.learningRate, 1e-7, 1);
  int('steps', cfg.steps, 1, 10_000_000);
  int('batchSize', cfg.batchSize, 1, 1024);
  int('seed', cfg.seed, 0, 2 ** 31 - 1);
  int('checkpointEvery', cfg.checkpointEvery, 0, 10_000_000);
  int('crop', cfg.crop, 0, 8192);
  const cropSide = cfg.crop > 0 ? Math.min(cfg.crop, seq.height, seq.width) : Math.min(seq.height, seq.width);
  if (cropSide < f) {
    throw new ArgumentError('startTraining', `frames of ${seq.height}×${seq.width} (crop ${cfg.crop}) are smaller than the downsampling factor ${f}`);
  }
  if (cfg.crop === 0 && (seq.height % f !== 0 || seq.width % f !== 0)) {
    throw new ArgumentError('startTraining', `whole frames of ${seq.height}×${seq.width} are not a multiple of the downsampling factor ${f}: set a crop`);
  }
  return cfg;
}
