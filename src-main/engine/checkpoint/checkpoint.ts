import { createHash } from 'node:crypto';
import { hierShapeProblems } from '../hierarchical/hier-shape-check';
import { titokShapeProblems } from '../titok/titok-shapes';
import type * as tf from '@tensorflow/tfjs-core';
import type { CheckpointInfo, TrainConfig, TrainMetrics } from '../../contract';
import { DataError } from '../../data/errors';
import { checkMemory } from '../../data/memory-budget';
import { readBytes, statPath } from '../../data/read-bytes';
import { writeFileAtomic } from '../../util/atomic-write';
import { TrainConfigSchema } from '../../contract/schemas';
import { checkValue } from '../../contract/schema-errors';
import { validateNormalization } from '../model/normalization';
import { multiHeadShapeProblems } from './multihead-shapes';
import { quantizerShape, type InputDescription } from './export-config';
import { parseWithNonFinite, stringifyWithNonFinite } from './json-numbers';
import { stateProblems } from './state-check';
import { checkNetParams, referenceLayers } from './layers';
import { occworldOf } from '../occworld/occworld-model-config';
import { occworldShapeProblems } from '../occworld/occworld-state-dict';
import { decodeSafetensors, encodeSafetensors, parseSafetensorsHeader, type SafeTensor, type SafetensorsHeader } from './safetensors';
import { disposeStateDict, safeToTensor, stateDictToSafe, type StateDict } from './tensor-io';

/**
 * TokenScope's native checkpoint: ONE safetensors file, so that it is written atomically by a
 * single temp-file + rename and any safetensors tool can open it.
 *   tensors   `model.<name>`  the tokenizer's state dict (PyTorch names/layouts, quantizer + EMA buffers)
 *             `optim.<i>`     the optimiser's weights in their order (tfjs `getWeights()` order matters)
 *             `array.<name>`  other numeric state (the metrics' code-usage window)
 *   metadata  `format` = "tokenscope-checkpoint", `version`,
 *             `state`  JSON: step, config, metric history, optimiser slot names, input, extra
 *             `sha256` over the tensor table, `state` and the data bytes: any flipped byte is caught.
 * Loading validates everything (checksum, layout, weights against the config, the caller's
 * expected config) before it creates a single tensor, and never writes.
 */

export const CHECKPOINT_FORMAT = 'tokenscope-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface OptimizerSnapshot {
  /** e.g. "adam"; checked on resume by the trainer. */
  name: string;
  /** tfjs `optimizer.getWeights()` output, order preserved (setWeights depends on it). */
  weights: Array<{ name: string; tensor: tf.Tensor }>;
  /** The optimiser's own settings (`getConfig()`), JSON. */
  config?: Record<string, unknown>;
}

export interface CheckpointSnapshot {
  config: TrainConfig;
  step: number;
  /** Tokenizer.stateDict(): PyTorch names and layouts, quantizer state included. */
  weights: StateDict;
  optimizer: OptimizerSnapshot | null;
  /** Metric history, one entry per recorded step. */
  metrics: TrainMetrics[];
  /** Decoder output channels when they differ from the input channels. */
  outChannels?: number;
  /** The frames it was trained on: sizes, channel names, encoding. */
  input?: InputDescription;
  /** Anything else JSON the trainer needs to continue exactly (rng states, data cursor…). */
  extra?: Record<string, unknown>;
  /** Larger numeric state (e.g. the code-usage window), stored as tensors `array.<name>`. */
  arrays?: Record<string, NamedArray>;
}

export interface NamedArray {
  data: Float32Array | Int32Array;
  shape: number[];
}

interface StateJson {
  step: number;
  config: TrainConfig;
  metrics: TrainMetrics[];
  outChannels: number;
  input: InputDescription | null;
  extra: Record<string, unknown>;
  optimizer: { name: string; slots: string[]; config: Record<string, unknown> } | null;
  savedAt: string;
}

export class CheckpointError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'CheckpointError';
  }
}

/** The checksum stored in the file: the tensor table (name, dtype, shape, offsets), the state JSON, the data. */
export function checkpointDigest(entries: SafetensorsHeader['entries'], state: string, data: Uint8Array): string {
  const table = Object.keys(entries)
    .sort()
    .map((k) => {
      const e = entries[k]!;
      return `${k}\t${e.dtype}\t${e.shape.join(',')}\t${e.begin}\t${e.end}`;
    })
    .join('\n');
  return createHash('sha256').update(table).update('\n\0').update(state).update('\n\0').update(data).digest('hex');
}

/** The weights' problems against the config (reference encoder/decoder, codebook shapes). */
export function configProblems(config: TrainConfig, outChannels: number, shapes: Record<string, readonly number[]>): string[] {
  if (config.model.arch === 'occworld') return occworldShapeProblems(occworldOf(config.model, 'config'), shapes);
  if (config.model.arch === 'hierarchical') return hierShapeProblems(config, outChannels, shapes);
  if (config.model.arch === 'titok') return titokShapeProblems(config, shapes);
  const problems = checkNetParams(shapes, referenceLayers(config.model, outChannels));
  const q = config.quantizer;
  if (q.kind === 'vq' || q.kind === 'rvq' || q.kind === 'gvq') {
    const { codebookSize: K, depth } = quantizerShape(q, config.model.latentDim);
    const D = q.kind === 'gvq' ? config.model.latentDim / depth : config.model.latentDim;
    const names =
      q.kind === 'vq'
        ? ['quantizer.embedding.weight']
        : Array.from({ length: depth }, (_, i) => `quantizer.${q.kind === 'rvq' ? 'layers' : 'groups'}.${i}.embedding.weight`);
    for (const name of names) {
      const s = shapes[name];
      if (!s) problems.push(`${name} is missing (the ${q.kind} codebook)`);
      else if (s.length !== 2 || s[0] !== K || s[1] !== D) problems.push(`${name} is [${s.join(', ')}] but the config needs [${K}, ${D}]`);
    }
    if (q.kind === 'vq' && q.assignment === 'gumbel') problems.push(...gumbelProjProblems(shapes, K, D));
  }
  if (q.kind === 'mhvq') problems.push(...multiHeadShapeProblems(q, config.model.latentDim, shapes));
  return problems;
}

/** The Gumbel quantizer's 1×1 projection to logits: `quantizer.proj.weight` [K, D, 1, 1], `quantizer.proj.bias` [K]. */
function gumbelProjProblems(shapes: Record<string, readonly number[]>, K: number, D: number): string[] {
  const p: string[] = [];
  for (const [name, want] of [['quantizer.proj.weight', [K, D, 1, 1]], ['quantizer.proj.bias', [K]]] as const) {
    const s = shapes[name];
    if (!s) p.push(`${name} is missing (the gumbel projection to logits)`);
    else if (s.length !== want.length || s.some((d, i) => d !== want[i])) p.push(`${name} is [${s.join(', ')}] but the config needs [${want.join(', ')}]`);
  }
  return p;
}

function describeModel(c: TrainConfig): string {
  const q = c.quantizer;
  const qs =
    q.kind === 'fsq' || q.kind === 'rfsq'
      ? `${q.kind}[${q.levels?.join(',')}]${q.depth ? ` × ${q.depth} levels` : ''}`
      : `${q.kind}(K=${q.codebookSize ?? '-'}${q.depth ? `, depth ${q.depth}` : ''}${q.assignment && q.assignment !== 'hard' ? `, ${q.assignment}` : ''})`;
  if (c.model.arch === 'hierarchical') return `VQ-VAE-2 (hierarchical), in ${c.model.inChannels}, channel ${c.model.hidden}, embed ${c.model.latentDim}, top 8× + bottom 4×, ${qs}`;
  if (c.model.arch === 'occworld') return `OccWorld VAERes2D, in ${c.model.inChannels}, ch ${c.model.hidden}, e_dim ${c.model.latentDim}, ${c.model.stages} downsamplings, ${qs}`;
  return `in ${c.model.inChannels}, hidden ${c.model.hidden}, latent ${c.model.latentDim}, ${c.model.stages} stages, ${qs}`;
}

/** Whether two configs build the same network and quantizer (training settings may differ). */
export function sameArchitecture(a: TrainConfig, b: TrainConfig): boolean {
  const q = (c: TrainConfig) => {
    const s = quantizerShape(c.quantizer, c.model.latentDim);
    // A Gumbel quantizer has a projection to logits besides its codebook; soft and hard VQ share one state.
    return [c.quantizer.kind, s.codebookSize, s.depth, (c.quantizer.levels ?? []).join(','), !!c.quantizer.cosine, !!c.quantizer.ema, c.quantizer.assignment === 'gumbel'].join('|');
  };
  const m = (c: TrainConfig) => [c.model.inChannels, c.model.hidden, c.model.latentDim, c.model.stages, c.model.arch ?? 'reference', JSON.stringify(c.model.occworld ?? null), JSON.stringify(c.model.titok ?? null)].join('|');
  return m(a) === m(b) && q(a) === q(b);
}

/** Serialises a snapshot to the checkpoint bytes (validating it first; throws before anything is written). */
export async function encodeCheckpoint(snapshot: CheckpointSnapshot, target = '<checkpoint>'): Promise<Uint8Array> {
  const { config, step } = snapshot;
  if (!Number.isSafeInteger(step) || step < 0) throw new CheckpointError(target, `step must be a non-negative integer, got ${step}`);
  // Nothing the contract's schema refuses is ever written into a checkpoint.
  const checked = checkValue('config', TrainConfigSchema, config);
  if (!checked.ok) throw new CheckpointError(target, `invalid config: ${checked.problem}`);
  const outChannels = snapshot.outChannels ?? config.model.inChannels;
  const shapes: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(snapshot.weights)) shapes[k] = t.shape.slice();
  const problems = configProblems(config, outChannels, shapes);
  if (problems.length) throw new CheckpointError(target, `weights do not match the config (${describeModel(config)}): ${problems.join('; ')}`);

  const tensors: StateDict = {};
  for (const [k, t] of Object.entries(snapshot.weights)) tensors[`model.${k}`] = t;
  const slots = snapshot.optimizer?.weights ?? [];
  slots.forEach((w, i) => (tensors[`optim.${i}`] = w.tensor));
  const safe = await stateDictToSafe(tensors);
  for (const [k, a] of Object.entries(snapshot.arrays ?? {})) {
    safe[`array.${k}`] = a.data instanceof Float32Array ? { dtype: 'F32', shape: a.shape, data: a.data } : { dtype: 'I32', shape: a.shape, data: a.data };
  }

  const state: StateJson = {
    step,
    config,
    metrics: snapshot.metrics,
    outChannels,
    input: snapshot.input ?? null,
    extra: snapshot.extra ?? {},
    optimizer: snapshot.optimizer
      ? { name: snapshot.optimizer.name, slots: slots.map((w) => w.name), config: snapshot.optimizer.config ?? {} }
      : null,
    savedAt: new Date().toISOString(),
  };
  const stateText = stringifyWithNonFinite(state);
  const meta: Record<string, string> = { format: CHECKPOINT_FORMAT, version: String(CHECKPOINT_VERSION), state: stateText };
  // The data layout does not depend on the metadata, so a first pass yields the bytes to hash.
  const draft = encodeSafetensors(safe, meta);
  const header = parseSafetensorsHeader(draft, draft.byteLength, target);
  const sha256 = checkpointDigest(header.entries, stateText, draft.subarray(header.dataStart));
  return encodeSafetensors(safe, { ...meta, sha256 });
}

/**
 * Writes the checkpoint atomically: the bytes go to a temporary file beside `file` and are
 * renamed over it, so the previous checkpoint stays whole until the new one is complete.
 */
export async function saveCheckpoint(file: string, snapshot: CheckpointSnapshot): Promise<{ file: string; sizeBytes: number }> {
  const bytes = await encodeCheckpoint(snapshot, file);
  await writeFileAtomic(file, bytes);
  return { file, sizeBytes: bytes.byteLength };
}

interface ParsedCheckpoint {
  state: StateJson;
  tensors: Record<string, SafeTensor>;
  sizeBytes: number;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads, checksums and validates; creates no tfjs tensors. */
async function parseCheckpointFile(file: string): Promise<ParsedCheckpoint> {
  let bytes: Uint8Array;
  try {
    const st = await statPath(file);
    if (st.isDirectory()) throw new CheckpointError(file, 'is a folder, not a checkpoint file (an export folder opens with import, not as a checkpoint)');
    bytes = await readBytes(file);
    // The file, then a decoded copy of every tensor in it.
    checkMemory(file, 2 * bytes.byteLength, 'the file and its decoded tensors');
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    throw new CheckpointError(file, err instanceof DataError ? err.problem : `cannot read (${(err as Error).message})`);
  }
  let header: SafetensorsHeader;
  try {
    header = parseSafetensorsHeader(bytes, bytes.byteLength, file);
  } catch (err) {
    throw new CheckpointError(file, `corrupt or truncated checkpoint: ${(err as Error).message.replace(`${file}: `, '')}`);
  }
  const m = header.metadata;
  if (m.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(file, `not a TokenScope checkpoint (metadata format ${JSON.stringify(m.format ?? null)}); a PyTorch export opens with import`);
  }
  if (!(Number(m.version) >= 1 && Number(m.version) <= CHECKPOINT_VERSION)) {
    throw new CheckpointError(file, `checkpoint version ${m.version} is not one this TokenScope reads (1..${CHECKPOINT_VERSION})`);
  }
  if (typeof m.state !== 'string' || typeof m.sha256 !== 'string') throw new CheckpointError(file, 'corrupt checkpoint: state or checksum missing from the header');
  const digest = checkpointDigest(header.entries, m.state, bytes.subarray(header.dataStart));
  if (digest !== m.sha256) throw new CheckpointError(file, 'corrupt checkpoint: checksum mismatch (the file changed after it was written)');

  let state: StateJson;
  try {
    state = parseWithNonFinite(m.state) as StateJson;
  } catch (err) {
    throw new CheckpointError(file, `corrupt checkpoint: state is not JSON (${(err as Error).message})`);
  }
  if (!isObj(state) || !isObj(state.config) || !isObj(state.config.model) || !isObj(state.config.quantizer) || !Number.isSafeInteger(state.step)) {
    throw new CheckpointError(file, 'corrupt checkpoint: state lacks step or config');
  }
  const stateIssues = stateProblems(state);
  if (stateIssues.length) throw new CheckpointError(file, `corrupt or crafted checkpoint: ${stateIssues.join('; ')}`);
  if (!Array.isArray(state.metrics)) throw new CheckpointError(file, 'corrupt checkpoint: metric history is not a list');
  const config = checkValue('config', TrainConfigSchema, state.config);
  if (!config.ok) throw new CheckpointError(file, `invalid config in the checkpoint: ${config.problem}`);
  state.config = config.value;
  if (state.config.normalization !== undefined) {
    try {
      validateNormalization(state.config.normalization, state.config.model.inChannels, 'config');
    } catch (err) {
      throw new CheckpointError(file, `corrupt checkpoint: ${(err as Error).message}`);
    }
  }
  const tensors = decodeSafetensors(bytes, file).tensors;
  const shapes: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(tensors)) if (k.startsWith('model.')) shapes[k.slice(6)] = t.shape;
  let problems: string[];
  try {
    problems = configProblems(state.config, state.outChannels ?? state.config.model.inChannels, shapes);
  } catch (err) {
    problems = [(err as Error).message];
  }
  if (problems.length) {
    throw new CheckpointError(file, `weights do not match the checkpoint's config (${describeModel(state.config)}): ${problems.join('; ')}`);
  }
  const slots = state.optimizer?.slots ?? [];
  for (let i = 0; i < slots.length; i++) {
    if (!tensors[`optim.${i}`]) throw new CheckpointError(file, `optimizer slot ${i} ("${slots[i]}") is missing`);
  }
  return { state, tensors, sizeBytes: bytes.byteLength };
}

export interface LoadCheckpointOptions {
  /** The run this checkpoint must belong to: a different network or quantizer is refused. */
  expect?: TrainConfig;
}

/** Loads a checkpoint: validated in full before the first tensor is made; the caller disposes the tensors. */
export async function loadCheckpoint(file: string, opts: LoadCheckpointOptions = {}): Promise<CheckpointSnapshot> {
  const { state, tensors } = await parseCheckpointFile(file);
  if (opts.expect && !sameArchitecture(opts.expect, state.config)) {
    throw new CheckpointError(file, `checkpoint is for a different model (${describeModel(state.config)}) than expected (${describeModel(opts.expect)})`);
  }
  // Plain arrays first: a bad one is refused before any tensor exists.
  const arrays: Record<string, NamedArray> = {};
  for (const [k, t] of Object.entries(tensors)) {
    if (!k.startsWith('array.')) continue;
    if (!(t.data instanceof Float32Array || t.data instanceof Int32Array)) throw new CheckpointError(file, `${k} has dtype ${t.dtype}, expected F32 or I32`);
    arrays[k.slice(6)] = { data: t.data, shape: t.shape };
  }
  const weights: StateDict = {};
  const optimizer: OptimizerSnapshot | null = state.optimizer
    ? { name: state.optimizer.name, weights: [], config: state.optimizer.config }
    : null;
  try {
    for (const [k, t] of Object.entries(tensors)) {
      if (k.startsWith('model.')) weights[k.slice(6)] = safeToTensor(k, t, file);
    }
    state.optimizer?.slots.forEach((name, i) => {
      optimizer!.weights.push({ name, tensor: safeToTensor(`optim.${i}`, tensors[`optim.${i}`]!, file) });
    });
  } catch (err) {
    disposeStateDict(weights);
    for (const w of optimizer?.weights ?? []) w.tensor.dispose();
    throw err;
  }
  const snap: CheckpointSnapshot = {
    config: state.config,
    step: state.step,
    weights,
    optimizer,
    metrics: state.metrics,
    outChannels: state.outChannels,
    extra: state.extra ?? {},
  };
  if (state.input) snap.input = state.input;
  if (Object.keys(arrays).length) snap.arrays = arrays;
  return snap;
}

/** Disposes every tensor a loaded snapshot holds. */
export function disposeSnapshot(s: CheckpointSnapshot): void {
  disposeStateDict(s.weights);
  for (const w of s.optimizer?.weights ?? []) if (!w.tensor.isDisposed) w.tensor.dispose();
}

export interface CodebookHealth {
  /** Residual level or group (0 for plain VQ). */
  level: number;
  size: number;
  used: number;
  dead: number;
  /** EMA count below which a code counts as dead. */
  threshold: number;
}

export interface CheckpointDetails extends CheckpointInfo {
  /** Per codebook, from the EMA cluster sizes; null when the quantizer has none (fsq, lfq, bsq). */
  health: CodebookHealth[] | null;
  metricsRecorded: number;
  optimizer: string | null;
  savedAt: string;
  lastMetrics: TrainMetrics | null;
}

/** A code whose EMA count is below this (or the run's dead-code threshold, if set) counts as dead. */
export const DEFAULT_DEAD_THRESHOLD = 1e-3;

/** A checkpoint's config, size and codebook health, without creating tensors. */
export async function checkpointInfo(file: string): Promise<CheckpointDetails> {
  const { state, tensors, sizeBytes } = await parseCheckpointFile(file);
  const c = state.config;
  const shape = quantizerShape(c.quantizer, c.model.latentDim);
  const threshold = c.quantizer.deadCodeThreshold && c.quantizer.deadCodeThreshold > 0 ? c.quantizer.deadCodeThreshold : DEFAULT_DEAD_THRESHOLD;
  const hier = c.model.arch === 'hierarchical';
  const names = hier
    ? ['model.quantizer.top.cluster_size', 'model.quantizer.bottom.cluster_size']
    : c.quantizer.kind === 'vq'
      ? ['model.quantizer.cluster_size']
      : c.quantizer.kind === 'rvq' || c.quantizer.kind === 'gvq'
        ? Array.from({ length: shape.depth }, (_, i) => `model.quantizer.${c.quantizer.kind === 'rvq' ? 'layers' : 'groups'}.${i}.cluster_size`)
        : c.quantizer.kind === 'mhvq'
          ? Array.from({ length: shape.depth }, (_, i) => `model.quantizer.heads.${i}.cluster_size`)
          : [];
  const health: CodebookHealth[] = [];
  names.forEach((name, level) => {
    const t = tensors[name];
    if (!t) return;
    const d = t.data as ArrayLike<number>;
    let dead = 0;
    for (let i = 0; i < d.length; i++) if (!(Number(d[i]) >= threshold)) dead++;
    health.push({ level, size: d.length, used: d.length - dead, dead, threshold });
  });
  const f = 2 ** c.model.stages;
  const side = state.input ? [state.input.height, state.input.width] : [c.crop, c.crop];
  return {
    path: file,
    step: state.step,
    config: c,
    sizeBytes,
    codebookSize: shape.codebookSize,
    depth: hier ? 2 : shape.depth,
    tokenGrid: [Math.floor(side[0]! / f), Math.floor(side[1]! / f)],
    health: health.length ? health : null,
    metricsRecorded: state.metrics.length,
    optimizer: state.optimizer?.name ?? null,
    savedAt: state.savedAt,
    lastMetrics: state.metrics.at(-1) ?? null,
  };
}
