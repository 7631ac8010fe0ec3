import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Variable } from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../../contract';
import { TrainConfigSchema } from '../../contract/schemas';
import { checkValue } from '../../contract/schema-errors';
import { encodeNpy } from '../../data/npy';
import { writeFileAtomic } from '../../util/atomic-write';
import type { ExportableTokenizer, ExportResult } from '../checkpoint/export';
import type { ExportConfigJson, InputDescription } from '../checkpoint/export-config';
import { encodeSafetensors } from '../checkpoint/safetensors';
import { stateDictToSafe } from '../checkpoint/tensor-io';
import { validateNormalization } from '../model/normalization';
import { HIER_BOTTOM_FACTOR, HIER_TOP_FACTOR } from './hier-architecture';
import { hierShapeProblems } from './hier-shape-check';

/**
 * Export of a hierarchical (VQ-VAE-2) tokenizer: `model.safetensors` under rosinality's module
 * names (`enc_b`, `enc_t`, `quantize_conv_t`, `dec_t`, `quantize_conv_b`, `upsample_t`, `dec`,
 * each an nn.Sequential) and `quantizer.top.*` / `quantizer.bottom.*` (vector-quantize-pytorch's
 * buffers), the two codebooks as `codebook_top.npy` and `codebook_bottom.npy` `[K, D]`, and
 * `config.json`. resources/pytorch/tokenscope_hierarchical.py builds the module from it and
 * gives both grids' ids; the service adds `tokens_top.npy` `[T, H/8, W/8]` and
 * `tokens_bottom.npy` `[T, H/4, W/4]`.
 */
export const HIER_EXPORT_FILES = ['codebook_top.npy', 'codebook_bottom.npy', 'tokens_top.npy', 'tokens_bottom.npy'] as const;

export interface HierExportJson {
  format: 'tokenscope-tokenizer';
  version: 1;
  arch: 'hierarchical';
  weights: string;
  /** No single codebook: see `codebooks`. */
  codebook: null;
  codebooks: { top: string; bottom: string };
  layout: 'NCHW';
  model: { in_channels: number; out_channels: number; channel: number; embed_dim: number; top_factor: number; bottom_factor: number; output: 'continuous' | 'class_logits' };
  quantizer: { kind: 'vq'; dim: number; codebook_size: number; beta: number | null; ema: boolean; cosine: boolean };
  input: {
    height: number;
    width: number;
    channels: number;
    channel_names: string[];
    encoding: InputDescription['encoding'];
    normalization: { mean: number[]; std: number[] } | null;
  } | null;
  /** `{ top: [h, w], bottom: [h, w] }` per frame, when the frame size is known. */
  token_grids: { top: [number, number]; bottom: [number, number] } | null;
  bits_per_token: { top: number; bottom: number };
  train: TrainConfig;
}

export function isHierExportJson(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && (raw as Record<string, unknown>).arch === 'hierarchical';
}

export async function exportHierarchical(tokenizer: ExportableTokenizer, config: TrainConfig, dir: string, input?: InputDescription): Promise<ExportResult> {
  if (input && input.channelNames.length !== config.model.inChannels) {
    throw new Error(`export: the input has ${input.channelNames.length} channel names but the model takes ${config.model.inChannels} channels`);
  }
  const outChannels = tokenizer.outChannels ?? config.model.inChannels;
  const sd = tokenizer.stateDict();
  let weights: Uint8Array;
  const codebooks: Record<'top' | 'bottom', Uint8Array> = { top: new Uint8Array(), bottom: new Uint8Array() };
  try {
    const problems = hierShapeProblems(config, outChannels, Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.shape])));
    if (problems.length) throw new Error(`export: the tokenizer does not match its hierarchical config: ${problems.join('; ')}`);
    for (const level of ['top', 'bottom'] as const) {
      const t = sd[`quantizer.${level}.embedding.weight`]!;
      codebooks[level] = encodeNpy((await t.data()) as Float32Array, t.shape.slice());
    }
    weights = encodeSafetensors(await stateDictToSafe(sd), { format: 'pt', producer: 'tokenscope' });
  } finally {
    for (const t of Object.values(sd)) if (!(t instanceof Variable) && !t.isDisposed) t.dispose();
  }
  const q = config.quantizer;
  const K = q.codebookSize ?? 512;
  const normalization = config.normalization ?? input?.normalization ?? null;
  const json: HierExportJson = {
    format: 'tokenscope-tokenizer',
    version: 1,
    arch: 'hierarchical',
    weights: 'model.safetensors',
    codebook: null,
    codebooks: { top: 'codebook_top.npy', bottom: 'codebook_bottom.npy' },
    layout: 'NCHW',
    model: {
      in_channels: config.model.inChannels,
      out_channels: outChannels,
      channel: config.model.hidden,
      embed_dim: config.model.latentDim,
      top_factor: HIER_TOP_FACTOR,
      bottom_factor: HIER_BOTTOM_FACTOR,
      output: input?.encoding.kind === 'classes' ? 'class_logits' : 'continuous',
    },
    quantizer: { kind: 'vq', dim: config.model.latentDim, codebook_size: K, beta: q.beta ?? null, ema: !!q.ema, cosine: !!q.cosine },
    input: input
      ? {
          height: input.height,
          width: input.width,
          channels: input.channelNames.length,
          channel_names: [...input.channelNames],
          encoding: input.encoding,
          normalization: normalization ? { mean: [...normalization.mean], std: [...normalization.std] } : null,
        }
      : null,
    token_grids: input
      ? { top: [input.height / HIER_TOP_FACTOR, input.width / HIER_TOP_FACTOR], bottom: [input.height / HIER_BOTTOM_FACTOR, input.width / HIER_BOTTOM_FACTOR] }
      : null,
    bits_per_token: { top: Math.log2(K), bottom: Math.log2(K) },
    train: config,
  };
  const files: string[] = [];
  await fs.mkdir(dir, { recursive: true });
  for (const [name, bytes] of [
    ['model.safetensors', weights],
    ['codebook_top.npy', codebooks.top],
    ['codebook_bottom.npy', codebooks.bottom],
    // config.json last: a folder with a config.json describes weights that are already whole.
    ['config.json', JSON.stringify(json, null, 2) + '\n'],
  ] as const) {
    const file = path.join(dir, name);
    await writeFileAtomic(file, bytes);
    files.push(file);
  }
  return { dir, files, config: json as unknown as ExportConfigJson };
}

/** A hierarchical export's config.json → the TrainConfig to build it with, its output channels and input; errors name `source`. */
export function parseHierExportConfig(raw: unknown, source: string): { train: TrainConfig; outChannels: number; input: InputDescription | null } {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('not a JSON object');
  const c = raw as Partial<HierExportJson>;
  if (c.format !== 'tokenscope-tokenizer' || c.arch !== 'hierarchical') fail('not a hierarchical TokenScope export');
  const checked = checkValue('train', TrainConfigSchema, c.train);
  if (!checked.ok) return fail(`train: ${checked.problem}`);
  const train = checked.value as TrainConfig;
  if (train.model.arch !== 'hierarchical') fail(`train.model.arch must be "hierarchical", got ${JSON.stringify(train.model.arch)}`);
  const m = c.model;
  if (!m || m.in_channels !== train.model.inChannels || m.channel !== train.model.hidden || m.embed_dim !== train.model.latentDim) {
    fail('model (in_channels, channel, embed_dim) disagrees with train.model');
  }
  const outChannels = m!.out_channels;
  if (!Number.isInteger(outChannels) || outChannels < 1 || outChannels > 4096) fail(`model.out_channels must be a positive integer, got ${JSON.stringify(outChannels)}`);
  const i = c.input;
  let input: InputDescription | null = null;
  if (i) {
    if (!Number.isInteger(i.height) || !Number.isInteger(i.width) || i.height < 8 || i.width < 8 || i.height > 65_536 || i.width > 65_536) fail('input.height/width must be integers in 8..65536');
    if (!Array.isArray(i.channel_names) || i.channel_names.length !== train.model.inChannels || i.channel_names.some((n) => typeof n !== 'string')) {
      fail(`input.channel_names must be ${train.model.inChannels} strings`);
    }
    const e = i.encoding as { kind?: unknown } | undefined;
    if (!e || (e.kind !== 'classes' && e.kind !== 'continuous')) fail('input.encoding.kind must be "classes" or "continuous"');
    if (i.normalization) validateNormalization(i.normalization, train.model.inChannels, `${source}: input`);
    input = {
      height: i.height,
      width: i.width,
      channelNames: [...i.channel_names],
      encoding: i.encoding,
      ...(i.normalization ? { normalization: { mean: [...i.normalization.mean], std: [...i.normalization.std] } } : {}),
    };
  }
  return { train, outChannels, input };
}
