import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Variable } from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../../contract';
import { encodeNpy } from '../../data/npy';
import { writeFileAtomic } from '../../util/atomic-write';
import { fileInFolder } from './folder-file';
import { buildExportConfig, type ExportConfigJson, type InputDescription } from './export-config';
import { architectureFor, type ParsedModelConfig, type TokenizerArchitecture } from './architecture-registry';
import { readConfigJson } from './config-json';
import { disposeSnapshot, loadCheckpoint } from './checkpoint';
import { checkNetParams, referenceLayers, shapesOf } from './layers';
import { readSafetensors, readSafetensorsHeader, encodeSafetensors } from './safetensors';
import { exportOccWorld } from '../occworld/occworld-export';
import { exportHierarchical } from '../hierarchical/hier-export';
import { exportTiTok } from '../titok/titok-export';
import { disposeStateDict, safeFileToStateDict, stateDictToSafe, type StateDict } from './tensor-io';

/**
 * Export for PyTorch and import back: `model.safetensors` (PyTorch names and layouts),
 * `config.json` (how to rebuild it) and `codebook.npy`, in a folder. Every byte is computed
 * before the first file is written and each file is written atomically, so a failed export
 * leaves whatever the folder held before intact.
 */

/** What export needs from a tokenizer (engine/tokenizer.ts's Tokenizer satisfies it). */
export interface ExportableTokenizer {
  /**
   * Every parameter and buffer under PyTorch's names and layouts. The tensors returned are
   * read, not kept: the ones that are not the tokenizer's own variables are disposed after.
   */
  stateDict(): StateDict;
  /** Decoder output channels when they differ from the input's. */
  readonly outChannels?: number;
}

export interface ExportResult {
  dir: string;
  /** Absolute paths of the files written. */
  files: string[];
  config: ExportConfigJson;
}

/**
 * The explicit codebook as an array: [K, D] for vq; [depth, K, D] for rvq (levels) and gvq
 * (groups), stacked from their per-level state entries. null for implicit codebooks.
 */
async function codebookArray(train: TrainConfig, sd: StateDict): Promise<{ data: Float32Array; shape: number[] } | null> {
  const kind = train.quantizer.kind;
  const read = async (name: string) => {
    const t = sd[name];
    if (!t) throw new Error(`export: state dict lacks ${name}, the ${kind} codebook`);
    return { data: (await t.data()) as Float32Array, shape: t.shape.slice() };
  };
  if (kind === 'vq') return read('quantizer.embedding.weight');
  if (kind === 'rvq' || kind === 'gvq' || kind === 'mhvq') {
    const depth = train.quantizer.depth ?? 1;
    const prefix = kind === 'rvq' ? 'quantizer.layers' : kind === 'gvq' ? 'quantizer.groups' : 'quantizer.heads';
    const parts = [];
    for (let i = 0; i < depth; i++) parts.push(await read(`${prefix}.${i}.embedding.weight`));
    const [k, d] = parts[0]!.shape as [number, number];
    const data = new Float32Array(depth * k * d);
    parts.forEach((p, i) => data.set(p.data, i * k * d));
    return { data, shape: [depth, k, d] };
  }
  return null;
}

function disposeUnowned(sd: StateDict): void {
  // Variables are the tokenizer's own; anything else was made for us (transposed layouts).
  for (const t of Object.values(sd)) if (!(t instanceof Variable) && !t.isDisposed) t.dispose();
}

export async function exportForPyTorch(
  tokenizer: ExportableTokenizer,
  config: TrainConfig,
  dir: string,
  input?: InputDescription,
): Promise<ExportResult> {
  if (config.model.arch === 'occworld') return exportOccWorld(tokenizer, config, dir, input);
  if (config.model.arch === 'hierarchical') return exportHierarchical(tokenizer, config, dir, input);
  if (config.model.arch === 'titok') return exportTiTok(tokenizer, config, dir, input);
  const sd = tokenizer.stateDict();
  let weights: Uint8Array;
  let codebook: Uint8Array | null = null;
  let cfg: ExportConfigJson;
  try {
    const outChannels = tokenizer.outChannels ?? config.model.inChannels;
    const problems = checkNetParams(shapesOf(sd), referenceLayers(config.model, outChannels));
    if (problems.length) throw new Error(`export: the tokenizer does not match its config: ${problems.join('; ')}`);
    const cb = await codebookArray(config, sd);
    if (cb) codebook = encodeNpy(cb.data, cb.shape);
    cfg = buildExportConfig(config, input, { outChannels, codebookFile: cb ? 'codebook.npy' : null });
    weights = encodeSafetensors(await stateDictToSafe(sd), { format: 'pt', producer: 'tokenscope' });
  } finally {
    disposeUnowned(sd);
  }
  const files: string[] = [];
  const put = async (name: string, bytes: Uint8Array | string) => {
    const file = path.join(dir, name);
    await writeFileAtomic(file, bytes);
    files.push(file);
  };
  await fs.mkdir(dir, { recursive: true });
  await put('model.safetensors', weights);
  if (codebook) await put('codebook.npy', codebook);
  // config.json last: a folder with a config.json describes weights that are already whole.
  await put('config.json', JSON.stringify(cfg, null, 2) + '\n');
  return { dir, files, config: cfg };
}

/** Exports a native checkpoint file (the CLI's `export`): no Tokenizer needed, only its weights. */
export async function exportCheckpointFile(checkpoint: string, dir: string, input?: InputDescription): Promise<ExportResult> {
  const snap = await loadCheckpoint(checkpoint);
  try {
    const weights = snap.weights;
    const holder: ExportableTokenizer = { stateDict: () => weights, ...(snap.outChannels ? { outChannels: snap.outChannels } : {}) };
    return await exportForPyTorch(holder, snap.config, dir, input ?? snap.input);
  } finally {
    disposeSnapshot(snap);
  }
}

/**
 * A token dataset for a world model's training: int32 `.npy` of shape `[T, h, w]`, or
 * `[T, h, w, depth]` for residual / grouped quantizers.
 */
export async function writeTokenDataset(file: string, tokens: Int32Array, shape: readonly number[]): Promise<void> {
  // [T, N] and [T, N, depth] are a 1D (titok) tokenizer's.
  if (shape.length < 2 || shape.length > 4) {
    throw new Error(`${file}: token dataset shape must be [T, h, w], [T, h, w, depth] or a 1D tokenizer's [T, N], got [${shape.join(', ')}]`);
  }
  if (!shape.every((d) => Number.isSafeInteger(d) && d > 0)) throw new Error(`${file}: token dataset shape [${shape.join(', ')}] has a non-positive size`);
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== tokens.length) throw new Error(`${file}: token dataset shape [${shape.join(', ')}] holds ${n} ids but ${tokens.length} were given`);
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]! < 0) throw new Error(`${file}: token id ${tokens[i]} at position ${i} is negative`);
  }
  await writeFileAtomic(file, encodeNpy(tokens, [...shape]));
}

export interface ImportResult extends Omit<ParsedModelConfig, 'weights'> {
  /** PyTorch names and layouts, for Tokenizer.loadStateDict; the caller disposes it. */
  stateDict: StateDict;
}

/** Reads an export folder written by TokenScope or by `save_tokenscope` in PyTorch. */
export async function importFromPyTorch(dir: string): Promise<ImportResult> {
  const cfgFile = path.join(dir, 'config.json');
  const { arch, parsed } = await readModelConfig(cfgFile);
  // The config may name its weights file, but only a plain file inside its folder: a file never picks where we read.
  const weightsFile = await fileInFolder(dir, parsed.weights ?? 'model.safetensors', 'weights', cfgFile);
  const codebook = parsed.json.codebook;
  if (codebook !== null && codebook !== undefined) await fileInFolder(dir, codebook, 'codebook', cfgFile);
  // The header alone (a few KB) must match the config before the weights are read or anything is built.
  const header = await readSafetensorsHeader(weightsFile);
  const headerShapes: Record<string, number[]> = {};
  for (const [k, e] of Object.entries(header.entries)) headerShapes[k] = e.shape;
  const headerProblems = arch.checkWeights(parsed, headerShapes);
  if (headerProblems.length) throw new Error(`${weightsFile}: does not match ${cfgFile}: ${headerProblems.join('; ')}`);
  const file = await readSafetensors(weightsFile);
  const shapes: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(file.tensors)) shapes[k] = t.shape;
  return importWeights(arch, parsed, { cfgFile, weightsFile, shapes, load: async () => safeFileToStateDict(file, weightsFile) });
}

/** config.json read, its architecture found and its settings validated. */
export async function readModelConfig(cfgFile: string): Promise<{ arch: TokenizerArchitecture; parsed: ParsedModelConfig }> {
  const raw = await readConfigJson(cfgFile);
  const arch = architectureFor(raw, cfgFile);
  return { arch, parsed: arch.parseConfig(raw, cfgFile) };
}

/**
 * The one import path every weights format ends in: names and shapes checked against
 * config.json before a single tensor is made, then the state dict.
 */
export async function importWeights(
  arch: TokenizerArchitecture,
  parsed: ParsedModelConfig,
  src: { cfgFile: string; weightsFile: string; shapes: Record<string, readonly number[]>; load: () => Promise<StateDict> },
): Promise<ImportResult> {
  const problems = arch.checkWeights(parsed, src.shapes);
  if (problems.length) throw new Error(`${src.weightsFile}: does not match ${src.cfgFile}: ${problems.join('; ')}`);
  const { weights: _weights, ...rest } = parsed;
  return { ...rest, stateDict: await src.load() };
}

export { disposeStateDict };
