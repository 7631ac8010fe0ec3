/**
 * The training form's fields for the composite quantizers (residual FSQ, residual LFQ, multi-head
 * VQ): which controls a kind shows and the quantizer config they make, kept out of the Svelte
 * component so that it is tested here.
 */
import type { QuantizerConfig, QuantizerKind } from '../../../../src-main/contract/index';
import { parseLevels } from './format';

export const COMPOSITE_KINDS: Array<{ kind: QuantizerKind; label: string }> = [
  { kind: 'mhvq', label: 'Multi-head VQ' },
  { kind: 'rfsq', label: 'Residual FSQ' },
  { kind: 'rlfq', label: 'Residual LFQ' },
];

export interface CompositeFormValues {
  levels: string;
  depth: number;
  codebookSize: number;
  entropyWeight: number;
  compose: 'concat' | 'sum';
  projection: 'identity' | 'learned';
  disentangleWeight: number;
}

export function isComposite(kind: QuantizerKind): boolean {
  return kind === 'mhvq' || kind === 'rfsq' || kind === 'rlfq';
}

/** What the depth field is called for a kind (null: no depth field). */
export function depthLabel(kind: QuantizerKind): string | null {
  if (kind === 'rvq' || kind === 'rfsq' || kind === 'rlfq') return 'depth';
  if (kind === 'gvq') return 'groups';
  if (kind === 'mhvq') return 'heads';
  return null;
}

/** The composite kind's own quantizer fields (merged over the shared β / EMA / reseed ones). */
export function compositeQuantizerFields(kind: QuantizerKind, v: CompositeFormValues): Partial<QuantizerConfig> {
  if (!Number.isInteger(v.depth) || v.depth < 1) throw new Error(`${depthLabel(kind) ?? 'depth'} must be a positive integer, got ${v.depth}`);
  switch (kind) {
    case 'rfsq':
      return { levels: parseLevels(v.levels), depth: v.depth };
    case 'rlfq':
      return { depth: v.depth, entropyWeight: v.entropyWeight };
    case 'mhvq':
      return { codebookSize: v.codebookSize, depth: v.depth, compose: v.compose, projection: v.projection, disentangleWeight: v.disentangleWeight };
    default:
      return {};
  }
}
