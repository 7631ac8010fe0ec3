import type { TrainConfig } from '../../contract';
import { hierArchitecture, hierParamShapes } from './hier-architecture';

/**
 * What is wrong with a hierarchical (VQ-VAE-2) model's weights for its config, before anything
 * is built: every network parameter and both codebooks (`quantizer.top.embedding.weight`,
 * `quantizer.bottom.embedding.weight`, `[K, D]`). Empty when they fit.
 */
export function hierShapeProblems(config: TrainConfig, outChannels: number, shapes: Record<string, readonly number[]>): string[] {
  const problems: string[] = [];
  let want: Record<string, number[]>;
  try {
    want = hierParamShapes(hierArchitecture(config.model, outChannels));
  } catch (err) {
    return [(err as Error).message];
  }
  if (config.quantizer.kind !== 'vq') problems.push(`the hierarchical model's codebooks are VQ, the config says "${config.quantizer.kind}"`);
  const K = config.quantizer.codebookSize ?? 512;
  for (const level of ['top', 'bottom']) want[`quantizer.${level}.embedding.weight`] = [K, config.model.latentDim];
  for (const [name, shape] of Object.entries(want)) {
    const s = shapes[name];
    if (!s) problems.push(`${name} is missing (expected [${shape.join(', ')}])`);
    else if (s.length !== shape.length || s.some((d, i) => d !== shape[i])) problems.push(`${name} is [${s.join(', ')}] but the config needs [${shape.join(', ')}]`);
  }
  return problems;
}
