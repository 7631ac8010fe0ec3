/**
 * The codebook objectives in an export's config.json: `quantizer.codebook_objectives`, the
 * contract's CodebookObjectives with snake_case keys (`vicreg_covariance`, `infonce_temperature`…)
 * for the PyTorch training kit (resources/pytorch/kit_objectives.py). Read back, the keys are
 * turned into camelCase and the whole config is checked against the contract's schema, so an
 * unknown key or a bad value is refused by name.
 */
import type { CodebookObjectives } from '../../contract';

export type ExportedObjectives = Record<string, number | boolean>;

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

export function objectivesToExport(o: CodebookObjectives): ExportedObjectives {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => [snake(k), v as number | boolean]));
}

/** config.json's value back to the contract's field names; not an object: an error naming it. */
export function objectivesFromExport(v: unknown, source: string): CodebookObjectives {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new Error(`${source}: quantizer.codebook_objectives must be an object of weights, got ${JSON.stringify(v)}`);
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), x])) as CodebookObjectives;
}
