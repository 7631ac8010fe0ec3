import type { TrainConfig } from '../../contract';
import { TiTokNets } from './titok-nets';

/** What is wrong with a state dict's names and shapes for a titok config's nets (the quantizer checks its own). */
export function titokShapeProblems(config: TrainConfig, shapes: Record<string, readonly number[]>): string[] {
  if (!config.model.titok) return ['model.titok is missing'];
  const nets = new TiTokNets(config.model, config.model.titok, 0);
  try {
    const problems: string[] = [];
    const want = nets.torchShapes();
    for (const [k, s] of Object.entries(want)) {
      const got = shapes[k];
      if (!got) problems.push(`${k} is missing (expected [${s.join(', ')}])`);
      else if (got.length !== s.length || got.some((d, j) => d !== s[j])) problems.push(`${k} is [${got.join(', ')}] but the config needs [${s.join(', ')}]`);
    }
    for (const k of Object.keys(shapes)) if (!(k in want) && !k.startsWith('quantizer.')) problems.push(`${k} is not part of the titok model`);
    return problems;
  } finally {
    nets.dispose();
  }
}
