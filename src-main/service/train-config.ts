import type { QuantizerConfig, QuantizerKind, TrainConfig } from '../contract/index';
import { TrainConfigPatchSchema, TrainConfigSchema } from '../contract/schemas';
import type { FrameSequence } from '../data/frame';
import { checkCompositeConfig } from './composite-train-config';
import { objectivesConfigProblem } from '../engine/quantizers/codebook-objectives-config';
import { ArgumentError } from './errors';
import { applyOccWorldModel } from './occworld-train-config';
import { applyHierarchicalModel } from './hier-train-config';
import { applyAssignment, assignmentProblems } from './assignment-train-config';
import { titokSettings } from './titok-train-config';
import { parseValue } from './validate-arguments';

/**
 * The training settings the UI's form starts from, and how what comes back from it is completed.
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
    heldOutEvery: 50,
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
    case 'rfsq':
      return { kind, levels: [8, 5, 5, 5], depth: 3 };
    case 'rlfq':
      return { kind, depth: 3, entropyWeight: 0.1 };
    case 'mhvq':
      return { kind, codebookSize: 256, depth: latentDim % 4 === 0 ? 4 : 1, compose: 'concat', projection: 'learned', beta: 0.25, ema: true, emaDecay: 0.99, kmeansInit: true };
  }
}

/** The keys of `o` whose values are defined (an explicit undefined must not erase a default). */
function defined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function refuse(problem: string): never {
  throw new ArgumentError('startTraining', problem);
}

/**
 * Merges a partial config from a front door into the defaults and checks it against the
 * contract's schema (contract/schemas.ts: types, bounds, no unknown keys), then what one field
 * implies for another, so that a bad form value gives one clear message instead of an error
 * deep in the engine, and nothing unchecked reaches a checkpoint. Changing the quantizer kind
 * starts from that kind's defaults; FSQ's levels set the latent width.
 */
export function resolveTrainConfig(partial: unknown, base: TrainConfig, seq: FrameSequence): TrainConfig {
  const p = parseValue('startTraining', 'config', TrainConfigPatchSchema, partial ?? {});
  const kind = p.quantizer?.kind ?? base.quantizer.kind;
  const model = { ...base.model, ...defined(p.model), inChannels: seq.channels };
  // TiTok's 1D tokenizer: its grid from the frames, what the request leaves out defaulted (before the schema check).
  if (model.arch === 'titok') model.titok = titokSettings(model, p.model?.titok ?? (base.model.arch === 'titok' ? base.model.titok : undefined), seq);
  const quantizer = applyAssignment(
    { ...(kind === base.quantizer.kind ? base.quantizer : quantizerDefaults(kind, model.latentDim)), ...defined(p.quantizer), kind },
    defined(p.quantizer),
  );
  const cfg = parseValue('startTraining', 'config', TrainConfigSchema, { ...base, ...defined(p), model, quantizer });
  if (cfg.model.arch === 'occworld' && (cfg.quantizer.assignment ?? 'hard') !== 'hard') refuse("config.quantizer.assignment: OccWorld's VAERes2D trains its own hard VQ; soft / gumbel need the reference net");
  // OccWorld's VAERes2D: its model dict (given, or built for the data) sets the net and the quantizer.
  if (cfg.model.arch === 'occworld') applyOccWorldModel(cfg, { ...(p.model ?? {}) }, { ...(p.quantizer ?? {}) }, base, seq);
  // VQ-VAE-2's two levels: stages 2, VQ codebooks, frames in multiples of 8.
  if (cfg.model.arch === 'hierarchical') applyHierarchicalModel(cfg, { stages: p.model?.stages }, seq);
  // The adversarial objective needs the decoder's last layer: OccWorld's class-similarity head has none.
  if (cfg.adversarial && cfg.model.arch === 'occworld') refuse("config.adversarial: OccWorld's decoder has no single last layer for the adaptive weight; train it without --gan");
  // Its position embeddings fix the frame size: whole frames only.
  if (cfg.model.arch === 'titok') cfg.crop = 0;
  const q = cfg.quantizer;
  const f = 2 ** cfg.model.stages;
  const assignment = assignmentProblems(q);
  if (assignment.length) refuse(`config.quantizer: ${assignment.join('; ')}`);
  if (q.kind === 'rfsq' || q.kind === 'rlfq' || q.kind === 'mhvq') {
    checkCompositeConfig(cfg, refuse);
  } else if (q.kind === 'fsq') {
    if (!q.levels) refuse('config.quantizer.levels: FSQ needs its levels, e.g. [8, 5, 5, 5]');
    // FSQ quantizes each latent dimension to its own level count: the latent width follows the levels.
    cfg.model.latentDim = q.levels.length;
  } else if (q.kind === 'lfq' || q.kind === 'bsq') {
    if (cfg.model.latentDim > 20) refuse(`config.model.latentDim: ${q.kind} has one bit per latent dimension, at most 20, got ${cfg.model.latentDim}`);
    delete q.codebookSize;
  } else {
    if (q.codebookSize === undefined) refuse(`config.quantizer.codebookSize: ${q.kind} needs a codebook size`);
    if (q.kind !== 'vq' && q.depth === undefined) refuse(`config.quantizer.depth: ${q.kind} needs a depth`);
    if (q.kind === 'gvq' && cfg.model.latentDim % (q.depth ?? 1) !== 0) {
      refuse(`config.model.latentDim ${cfg.model.latentDim} must split evenly into ${q.depth} groups`);
    }
  }
  const cropSide = cfg.crop > 0 ? Math.min(cfg.crop, seq.height, seq.width) : Math.min(seq.height, seq.width);
  if (cropSide < f) {
    refuse(`frames of ${seq.height}×${seq.width} (crop ${cfg.crop}) are smaller than the downsampling factor ${f}`);
  }
  if (cfg.crop === 0 && (seq.height % f !== 0 || seq.width % f !== 0)) {
    refuse(`whole frames of ${seq.height}×${seq.width} are not a multiple of the downsampling factor ${f}: set a crop`);
  }
  const objectivesIssue = objectivesConfigProblem(cfg.quantizer, cfg.model.arch);
  if (objectivesIssue) refuse(objectivesIssue);
  return cfg;
}
