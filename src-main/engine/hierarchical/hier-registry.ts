import type { TokenizerArchitecture } from '../checkpoint/architecture-registry';
import type { ExportConfigJson } from '../checkpoint/export-config';
import { Tokenizer } from '../tokenizer';
import { isHierExportJson, parseHierExportConfig } from './hier-export';
import { hierShapeProblems } from './hier-shape-check';

/** The hierarchical (VQ-VAE-2) tokenizer in the checkpoint registry: its export folder, or a `.pth` beside that config.json. */
export const hierarchicalArchitecture: TokenizerArchitecture = {
  id: 'hierarchical',
  matches: (raw) => isHierExportJson(raw),
  parseConfig(raw, source) {
    const { train, outChannels, input } = parseHierExportConfig(raw, source);
    const r = raw as Record<string, unknown>;
    const weights = typeof r.weights === 'string' ? r.weights : 'model.safetensors';
    return { architecture: 'hierarchical', config: train, outChannels, input, json: raw as ExportConfigJson, weights };
  },
  checkWeights(parsed, shapes) {
    return hierShapeProblems(parsed.config, parsed.outChannels, shapes);
  },
  build(parsed, encoding) {
    return new Tokenizer(parsed.config, encoding);
  },
};
