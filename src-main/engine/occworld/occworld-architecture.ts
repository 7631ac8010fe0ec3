import type { TokenizerArchitecture } from '../checkpoint/architecture-registry';
import type { ExportConfigJson } from '../checkpoint/export-config';
import { Tokenizer } from '../tokenizer';
import { isOccWorldExportJson, occworldImportSettings } from './occworld-export';
import { occworldOf } from './occworld-model-config';
import { occworldShapeProblems } from './occworld-state-dict';

/**
 * OccWorld's VAERes2D in the checkpoint registry: an OccWorld export of ours, or OccWorld's own
 * model dict (`config/train_vqvae.py`'s `model = dict(...)` as JSON) beside its weights — a
 * safetensors file or the `.pth` OccWorld saves.
 */
export const occworldArchitecture: TokenizerArchitecture = {
  id: 'occworld',
  matches: (raw) => isOccWorldExportJson(raw),
  parseConfig(raw, source) {
    const { train, input } = occworldImportSettings(raw, source);
    const r = raw as Record<string, unknown>;
    const weights = typeof r.weights === 'string' ? r.weights : 'model.safetensors';
    return { architecture: 'occworld', config: train, outChannels: train.model.inChannels, input, json: raw as ExportConfigJson, weights };
  },
  checkWeights(parsed, shapes) {
    return occworldShapeProblems(occworldOf(parsed.config.model, 'import'), shapes);
  },
  build(parsed, encoding) {
    return new Tokenizer(parsed.config, encoding);
  },
};
