/**
 * The encode-engine choice (see encode-engine.ts) without the engines: what the CLI's options
 * and the contract need, importable where loading TensorFlow.js would be wasted.
 */
export const ENCODE_ENGINES = ['auto', 'tfjs', 'onnxruntime'] as const;
export type EncodeEngineChoice = (typeof ENCODE_ENGINES)[number];

/** The environment variable that picks the encode engine in this process and its workers. */
export const ENCODE_ENGINE_ENV = 'TOKENSCOPE_ENCODE_ENGINE';

export interface EncodeEngineStatus {
  name: 'tfjs' | 'onnxruntime';
  /** For ONNX Runtime its version; for tfjs why ONNX Runtime is not used. */
  detail: string;
}

export function parseEncodeEngine(value: string, where: string): EncodeEngineChoice {
  const v = value.trim() || 'auto';
  if ((ENCODE_ENGINES as readonly string[]).includes(v)) return v as EncodeEngineChoice;
  throw new Error(`${where}: unknown encode engine "${value}" (expected one of ${ENCODE_ENGINES.join(', ')})`);
}

export function encodeEngineFromEnv(env: NodeJS.ProcessEnv = process.env): EncodeEngineChoice {
  return parseEncodeEngine(env[ENCODE_ENGINE_ENV] ?? 'auto', ENCODE_ENGINE_ENV);
}
