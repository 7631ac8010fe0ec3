import type { TrainConfig } from '../../contract';
import type { FrameEncoding } from '../../data/frame';
import type { Tokenizer } from '../tokenizer';
import type { ExportConfigJson, InputDescription } from './export-config';
import type { StateDict } from './tensor-io';
import { referenceArchitecture } from './reference-architecture';
import { occworldArchitecture } from '../occworld/occworld-architecture';
import { hierarchicalArchitecture } from '../hierarchical/hier-registry';
import { titokArchitecture } from '../titok/titok-export';

/**
 * Which model a config.json describes, and how to build it: one entry per architecture, keyed
 * by the config's `architecture` (or `type`, as OccWorld's model dicts say, or `format`, as
 * TokenScope's own exports say). Every way of opening weights (an export folder's safetensors,
 * a PyTorch `.pth`) goes through here, so a new architecture plugs in with one entry below.
 */

/** What a config.json says about the model, before any weight is read. */
export interface ParsedModelConfig {
  /** The registry key that read it. */
  architecture: string;
  /** Settings to build the Tokenizer with (training fields from the export, or defaults). */
  config: TrainConfig;
  /** Decoder output channels. */
  outChannels: number;
  /** The frames the model was made for, when the config says. */
  input: InputDescription | null;
  json: ExportConfigJson;
  /** The weights file the config names beside it (safetensors exports), if any. */
  weights: string | null;
}

export interface TokenizerArchitecture {
  /** The registry key: config.json's `architecture`, `type` or `format`. */
  id: string;
  /** Recognises a config.json by its content, before the key is looked at (OccWorld's model dict has no key of ours). */
  matches?(raw: Record<string, unknown>): boolean;
  /** Validates config.json (errors name `source`). */
  parseConfig(raw: unknown, source: string): ParsedModelConfig;
  /** What is wrong with a state dict's names and shapes for this config; empty when it fits. */
  checkWeights(parsed: ParsedModelConfig, shapes: Record<string, readonly number[]>): string[];
  /** A tokenizer of this architecture with fresh weights (the caller loads the state dict). */
  build(parsed: Omit<ParsedModelConfig, 'weights'>, encoding: FrameEncoding): Tokenizer;
}

const ARCHITECTURES: readonly TokenizerArchitecture[] = [occworldArchitecture, hierarchicalArchitecture, titokArchitecture, referenceArchitecture];

/** The key a config.json names its architecture by. */
export function architectureKey(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  for (const k of ['architecture', 'type', 'format']) if (typeof r[k] === 'string') return r[k] as string;
  return null;
}

export function architectureFor(raw: unknown, source: string): TokenizerArchitecture {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${source}: not a JSON object`);
  const key = architectureKey(raw);
  const found = ARCHITECTURES.find((a) => a.matches?.(raw as Record<string, unknown>)) ?? ARCHITECTURES.find((a) => a.id === key);
  if (!found) {
    throw new Error(
      `${source}: not a TokenScope export nor a model TokenScope builds (${key === null ? 'it names no "architecture", "type" or "format"' : `${JSON.stringify(key)} is unknown`}; known: ${ARCHITECTURES.map((a) => a.id).join(', ')})`,
    );
  }
  return found;
}

/** Builds the tokenizer an import describes and loads its state dict (the caller still disposes that). */
export function buildImportedTokenizer(imported: Omit<ParsedModelConfig, 'weights'> & { stateDict: StateDict }, encoding: FrameEncoding, source: string): Tokenizer {
  const arch = ARCHITECTURES.find((a) => a.id === imported.architecture);
  if (!arch) throw new Error(`${source}: architecture ${JSON.stringify(imported.architecture)} is not one TokenScope builds`);
  const tokenizer = arch.build(imported, encoding);
  try {
    tokenizer.loadStateDict(imported.stateDict, source);
  } catch (err) {
    tokenizer.dispose();
    throw err;
  }
  return tokenizer;
}
