import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Variable } from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../../contract';
import { TrainConfigSchema } from '../../contract/schemas';
import { checkValue } from '../../contract/schema-errors';
import { encodeNpy } from '../../data/npy';
import { writeFileAtomic } from '../../util/atomic-write';
import type { TokenizerArchitecture } from '../checkpoint/architecture-registry';
import type { ExportableTokenizer, ExportResult } from '../checkpoint/export';
import { buildExportConfig, type ExportConfigJson, type InputDescription } from '../checkpoint/export-config';
import { encodeSafetensors } from '../checkpoint/safetensors';
import { stateDictToSafe } from '../checkpoint/tensor-io';
import { Tokenizer } from '../tokenizer';
import { titokShapeProblems } from './titok-shapes';

/**
 * Export of a TiTok 1D tokenizer: `model.safetensors` under the twin's names
 * (resources/pytorch/titok_tokenizer.py loads it with `load_state_dict(strict=True)`),
 * `config.json` = TokenScope's export config (its quantizer, input and training sections) with
 * `arch: 'titok'`, the 1D model under `model` and tokens `[T, N]`, and `codebook.npy`.
 */
export const TITOK_TOKENS_LAYOUT = '[T, N]: N tokens per frame, in the order of the learned queries (no spatial layout)';

export async function exportTiTok(tokenizer: ExportableTokenizer, config: TrainConfig, dir: string, input?: InputDescription): Promise<ExportResult> {
  const t = config.model.titok;
  if (!t) throw new Error('export: a titok model needs model.titok');
  const sd = tokenizer.stateDict();
  let weights: Uint8Array;
  let codebook: Uint8Array | null = null;
  try {
    const cb = sd['quantizer.embedding.weight'];
    if (cb) codebook = encodeNpy((await cb.data()) as Float32Array, cb.shape.slice());
    weights = encodeSafetensors(await stateDictToSafe(sd), { format: 'pt', producer: 'tokenscope' });
  } finally {
    for (const x of Object.values(sd)) if (!(x instanceof Variable) && !x.isDisposed) x.dispose();
  }
  const base = buildExportConfig(config, input, { codebookFile: codebook ? 'codebook.npy' : null });
  const f = 2 ** config.model.stages;
  const json = {
    ...base,
    arch: 'titok',
    model: {
      in_channels: config.model.inChannels,
      out_channels: config.model.inChannels,
      hidden: config.model.hidden,
      latent_dim: config.model.latentDim,
      stages: config.model.stages,
      tokens: t.tokens,
      grid: [t.gridHeight, t.gridWidth],
      frame: [t.gridHeight * f, t.gridWidth * f],
      layers: t.layers,
      heads: t.heads,
      mlp_ratio: 4,
      gelu: 'tanh',
    },
    token_grid: [t.tokens],
    tokens_layout: TITOK_TOKENS_LAYOUT,
    train: config,
  };
  const files: string[] = [];
  const put = async (name: string, bytes: Uint8Array | string) => {
    const file = path.join(dir, name);
    await writeFileAtomic(file, bytes);
    files.push(file);
  };
  await fs.mkdir(dir, { recursive: true });
  await put('model.safetensors', weights);
  if (codebook) await put('codebook.npy', codebook);
  await put('config.json', JSON.stringify(json, null, 2) + '\n');
  return { dir, files, config: json as unknown as ExportConfigJson };
}

/** A TiTok export in the checkpoint registry: its `train` section is the whole TrainConfig. */
export const titokArchitecture: TokenizerArchitecture = {
  id: 'titok',
  matches: (raw) => raw.arch === 'titok',
  parseConfig(raw, source) {
    const r = raw as Record<string, unknown>;
    const parsed = checkValue('train', TrainConfigSchema, r.train);
    if (!parsed.ok) throw new Error(`${source}: ${parsed.problem}`);
    const config = parsed.value;
    if (config.model.arch !== 'titok' || !config.model.titok) throw new Error(`${source}: train.model is not a titok model`);
    const i = r.input as { height: number; width: number; channel_names: string[]; encoding: InputDescription['encoding'] } | null | undefined;
    const input = i ? { height: i.height, width: i.width, channelNames: i.channel_names, encoding: i.encoding } : null;
    return { architecture: 'titok', config, outChannels: config.model.inChannels, input, json: raw as unknown as ExportConfigJson, weights: typeof r.weights === 'string' ? r.weights : 'model.safetensors' };
  },
  checkWeights(parsed, shapes) {
    return titokShapeProblems(parsed.config, shapes);
  },
  build(parsed, encoding) {
    return new Tokenizer(parsed.config, encoding);
  },
};
