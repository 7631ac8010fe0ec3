import type { CodebookView } from '../contract/index';
import type { Tokenizer } from '../engine/tokenizer';
import { codeUsage } from './sequence-tokens';
import type { SequenceTokens } from './sequence-tokens';
import { codesOf, readCodebook } from './tokenizer-ops';

/**
 * The codebook as the 3D view and the health panel see it: every code of an explicit codebook
 * (vq, and each level of rvq / gvq) with its usage over the whole encoded sequence and the
 * never-used ones as dead; for implicit codebooks (fsq, lfq, bsq: lattices of up to 2^D points)
 * only the codes actually used, with their ids.
 */
export async function codebookView(tokenizer: Tokenizer, tokens: SequenceTokens, level: number): Promise<CodebookView> {
  const usageAll = codeUsage(tokens, level);
  const explicit = await readCodebook(tokenizer, level);
  if (explicit) {
    const dead: number[] = [];
    for (let k = 0; k < explicit.size; k++) if (usageAll[k] === 0) dead.push(k);
    return { codes: explicit.codes, size: explicit.size, dim: explicit.dim, usage: usageAll, dead };
  }
  const used: number[] = [];
  for (let k = 0; k < usageAll.length; k++) if (usageAll[k]! > 0) used.push(k);
  const ids = Int32Array.from(used);
  const codes = await codesOf(tokenizer, ids, level);
  const usage = Float32Array.from(used, (k) => usageAll[k]!);
  return { codes, size: ids.length, dim: ids.length ? codes.length / ids.length : tokenizer.quantizer.dim, usage, dead: [], ids };
}
