import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Variable } from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../../contract';
import { encodeNpy } from '../../data/npy';
import { classChannelNames, classEncoding, NUM_CLASSES } from '../../data/palette';
import { writeFileAtomic } from '../../util/atomic-write';
import type { ExportableTokenizer, ExportResult, ImportResult } from '../checkpoint/export';
import type { ExportConfigJson, InputDescription } from '../checkpoint/export-config';
import { encodeSafetensors, readSafetensors } from '../checkpoint/safetensors';
import { safeFileToStateDict, stateDictToSafe, type StateDict } from '../checkpoint/tensor-io';
import { occworldFactor, occworldHead, occworldHeights, parseOccWorldConfig, type OccWorldConfig } from './occworld-config';
import { occworldModelConfig, occworldOf } from './occworld-model-config';
import { OCCWORLD_CODEBOOK, occworldShapeProblems } from './occworld-state-dict';

/**
 * Export of an OccWorld tokenizer, and import of one: `model.safetensors` under OccWorld's own
 * names (what `VAERes2D.load_state_dict(strict=True)` takes), `config.json` holding OccWorld's
 * model dict under `model` (so OccWorld's `MODELS.build(cfg['model'])` and the twin
 * resources/pytorch/occworld_vae.py build it), and `codebook.npy`. Import also takes a bare
 * OccWorld model dict as config.json, beside a state dict saved as safetensors.
 */

export interface OccWorldExportJson {
  format: 'tokenscope-tokenizer';
  version: 1;
  arch: 'occworld';
  weights: string;
  codebook: string;
  /** OccWorld's tensors: voxels [X, Y, Z] as NCHW with H = x, W = y; tokens [X/f, Y/f]. */
  layout: string;
  model: OccWorldConfig;
  quantizer: { kind: 'vq'; dim: number; codebook_size: number; beta: number; legacy: boolean };
  input: { height: number; width: number; channels: number; channel_names: string[]; encoding: InputDescription['encoding'] } | null;
  downsample: number;
  bits_per_token: number;
  train: TrainConfig;
}

const LAYOUT = 'OccWorld: voxel class ids [X, Y, Z], the network NCHW with H = x, W = y; tokens [X/f, Y/f] (TokenScope shows them in the BEV image layout: row = Y-1-y, column = x)';

export function isOccWorldExportJson(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return false;
  const o = raw as Record<string, unknown>;
  return o.arch === 'occworld' || 'encoder_cfg' in o || (typeof o.model === 'object' && o.model !== null && 'encoder_cfg' in o.model);
}

export async function exportOccWorld(tokenizer: ExportableTokenizer, config: TrainConfig, dir: string, input?: InputDescription): Promise<ExportResult> {
  const occ = occworldOf(config.model, 'export');
  if (input && input.channelNames.length !== config.model.inChannels) {
    throw new Error(`export: the input has ${input.channelNames.length} channel names but the model takes ${config.model.inChannels} channels`);
  }
  const sd = tokenizer.stateDict();
  let weights: Uint8Array;
  let codebook: Uint8Array;
  try {
    const shapes = Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.shape]));
    const problems = occworldShapeProblems(occ, shapes);
    if (problems.length) throw new Error(`export: the tokenizer does not match its OccWorld config: ${problems.join('; ')}`);
    const cb = sd[OCCWORLD_CODEBOOK]!;
    codebook = encodeNpy((await cb.data()) as Float32Array, cb.shape.slice());
    weights = encodeSafetensors(await stateDictToSafe(sd), { format: 'pt', producer: 'tokenscope' });
  } finally {
    // Variables are the tokenizer's own; anything else was made for us (transposed layouts).
    for (const t of Object.values(sd)) if (!(t instanceof Variable) && !t.isDisposed) t.dispose();
  }
  const json: OccWorldExportJson = {
    format: 'tokenscope-tokenizer',
    version: 1,
    arch: 'occworld',
    weights: 'model.safetensors',
    codebook: 'codebook.npy',
    layout: LAYOUT,
    model: occ,
    quantizer: { kind: 'vq', dim: occ.vqvae_cfg.e_dim, codebook_size: occ.vqvae_cfg.n_e, beta: occ.vqvae_cfg.beta, legacy: occ.vqvae_cfg.legacy },
    input: input
      ? { height: input.height, width: input.width, channels: input.channelNames.length, channel_names: [...input.channelNames], encoding: input.encoding }
      : null,
    downsample: occworldFactor(occ),
    bits_per_token: Math.log2(occ.vqvae_cfg.n_e),
    train: config,
  };
  const files: string[] = [];
  await fs.mkdir(dir, { recursive: true });
  for (const [name, bytes] of [
    ['model.safetensors', weights],
    ['codebook.npy', codebook],
    // config.json last: a folder with a config.json describes weights that are already whole.
    ['config.json', JSON.stringify(json, null, 2) + '\n'],
  ] as const) {
    const file = path.join(dir, name);
    await writeFileAtomic(file, bytes);
    files.push(file);
  }
  return { dir, files, config: json as unknown as ExportConfigJson };
}

/** The Occ3D frames an OccWorld class head takes, when its config does not say (18 nuScenes classes). */
function defaultInput(occ: OccWorldConfig): InputDescription | null {
  if (occworldHead(occ) !== 'classes' || occ.num_classes !== NUM_CLASSES) return null;
  const z = occworldHeights(occ);
  const side = occ.encoder_cfg.resolution;
  return { height: side, width: side, channelNames: classChannelNames(z), encoding: classEncoding(z) };
}

/**
 * What an OccWorld config.json says besides the weights: the model dict (checked), TokenScope's
 * training settings (an export's own when sane, OccWorld-like defaults otherwise) and the input
 * frames (the export's description, or Occ3D's for an 18-class head).
 */
export function occworldImportSettings(raw: unknown, cfgFile: string): { occ: OccWorldConfig; train: TrainConfig; input: InputDescription | null } {
  const o = raw as Record<string, unknown>;
  const occ = parseOccWorldConfig(o, cfgFile);
  const model = occworldModelConfig(occ);
  // The training settings of an export made here, when present and sane; OccWorld's otherwise.
  const prior = (typeof o.train === 'object' && o.train !== null ? o.train : {}) as Record<string, unknown>;
  const pick = (k: string, dflt: number, ok: (v: number) => boolean) => (typeof prior[k] === 'number' && ok(prior[k] as number) ? (prior[k] as number) : dflt);
  const train: TrainConfig = {
    learningRate: pick('learningRate', 1e-3, (v) => v > 0 && v < 1),
    steps: pick('steps', 1000, (v) => Number.isInteger(v) && v > 0),
    batchSize: pick('batchSize', 1, (v) => Number.isInteger(v) && v > 0 && v <= 256),
    crop: pick('crop', 0, (v) => Number.isInteger(v) && v >= 0),
    seed: pick('seed', 0, (v) => Number.isInteger(v)),
    checkpointEvery: pick('checkpointEvery', 0, (v) => Number.isInteger(v) && v >= 0),
    model,
    quantizer: { kind: 'vq', codebookSize: occ.vqvae_cfg.n_e, beta: occ.vqvae_cfg.beta },
  };
  const rawInput = o.input as OccWorldExportJson['input'] | undefined;
  const input: InputDescription | null = rawInput ? checkInput(rawInput, model.inChannels, cfgFile) : defaultInput(occ);
  return { occ, train, input };
}

/** Reads an OccWorld export (or a bare OccWorld model dict + model.safetensors); `raw` is config.json's JSON. */
export async function importOccWorld(dir: string, raw: unknown, cfgFile: string): Promise<ImportResult> {
  const { occ, train, input } = occworldImportSettings(raw, cfgFile);
  const weightsFile = path.join(dir, 'model.safetensors');
  const file = await readSafetensors(weightsFile);
  const problems = occworldShapeProblems(occ, Object.fromEntries(Object.entries(file.tensors).map(([k, t]) => [k, t.shape])));
  if (problems.length) throw new Error(`${weightsFile}: does not match ${cfgFile}: ${problems.join('; ')}`);
  const stateDict: StateDict = safeFileToStateDict(file, weightsFile);
  return { architecture: 'occworld', config: train, outChannels: train.model.inChannels, input, json: raw as ExportConfigJson, stateDict };
}

/** config.json's `input`, checked: sizes, one name per channel, an encoding of the right kind. */
function checkInput(i: NonNullable<OccWorldExportJson['input']>, channels: number, source: string): InputDescription {
  const bad = (what: string) => new Error(`${source}: input.${what}`);
  if (!Number.isInteger(i.height) || i.height < 1 || !Number.isInteger(i.width) || i.width < 1) throw bad(`height/width must be positive integers, got ${i.height}×${i.width}`);
  if (!Array.isArray(i.channel_names) || i.channel_names.length !== channels || i.channel_names.some((n) => typeof n !== 'string')) {
    throw bad(`channel_names must be ${channels} strings`);
  }
  const e = i.encoding as Partial<Extract<InputDescription['encoding'], { kind: 'classes' }>> | undefined;
  if (!e || (e.kind !== 'classes' && e.kind !== 'continuous')) throw bad('encoding.kind must be "classes" or "continuous"');
  if (e.kind === 'classes' && (!Number.isInteger(e.numClasses) || !Number.isInteger(e.groups) || !Array.isArray(e.palette) || e.numClasses! * e.groups! !== channels)) {
    throw bad(`encoding must be ${channels} one-hot channels (numClasses × groups) with a palette`);
  }
  return { height: i.height, width: i.width, channelNames: [...i.channel_names], encoding: i.encoding };
}
