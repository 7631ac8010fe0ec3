/**
 * The weights a multi-head VQ's config implies, checked against a checkpoint's or an export's
 * shapes before anything is built: per head `quantizer.heads.{h}.embedding.weight` `[K, d]` and
 * `quantizer.heads.{h}.project_in.weight` `[d, D]` (d = D / heads for concat, D for sum).
 */
import type { QuantizerConfig } from '../../contract';

export function multiHeadShapeProblems(q: QuantizerConfig, latentDim: number, shapes: Record<string, readonly number[]>): string[] {
  const problems: string[] = [];
  const heads = q.depth ?? 1;
  const K = q.codebookSize ?? 0;
  const d = (q.compose ?? 'concat') === 'concat' ? latentDim / heads : latentDim;
  for (let h = 0; h < heads; h++) {
    const want: [string, number[]][] = [
      [`quantizer.heads.${h}.embedding.weight`, [K, d]],
      [`quantizer.heads.${h}.project_in.weight`, [d, latentDim]],
    ];
    for (const [name, shape] of want) {
      const s = shapes[name];
      if (!s) problems.push(`${name} is missing (the mhvq head ${h})`);
      else if (s.length !== 2 || s[0] !== shape[0] || s[1] !== shape[1]) problems.push(`${name} is [${s.join(', ')}] but the config needs [${shape.join(', ')}]`);
    }
  }
  return problems;
}
