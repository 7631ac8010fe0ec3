import { Tokenizer } from '../tokenizer';
import { EXPORT_FORMAT, parseExportConfig } from './export-config';
import { configProblems } from './checkpoint';
import type { TokenizerArchitecture } from './architecture-registry';

/** TokenScope's reference conv encoder/decoder, as its exports' config.json describes it. */
export const referenceArchitecture: TokenizerArchitecture = {
  id: EXPORT_FORMAT,
  parseConfig(raw, source) {
    const { json, train, outChannels } = parseExportConfig(raw, source);
    const i = json.input;
    const input = i
      ? {
          height: i.height,
          width: i.width,
          channelNames: i.channel_names,
          encoding: i.encoding,
          ...(i.normalization ? { normalization: i.normalization } : {}),
        }
      : null;
    return { architecture: EXPORT_FORMAT, config: train, outChannels, input, json, weights: typeof json.weights === 'string' ? json.weights : null };
  },
  checkWeights(parsed, shapes) {
    // The nets and the quantizer's codebooks, so a plausible config that disagrees with the weights is caught from the header.
    return configProblems(parsed.config, parsed.outChannels, shapes);
  },
  build(parsed, encoding) {
    return new Tokenizer(parsed.config, encoding);
  },
};
