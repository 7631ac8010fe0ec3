import { createRequire } from 'node:module';
import { summarizeError } from '../backend/error-summary';

/**
 * ONNX Runtime's Node binding (`onnxruntime-node`, an optional dependency whose CPU binaries for
 * Linux, macOS and Windows ship inside the npm package). A native addon: loaded lazily and only
 * where native addons may be (worker threads, the CLI), like tfjs-node and Dawn.
 *
 * Only the slice of its API this project calls is typed here, so that the code compiles where
 * the package is absent.
 */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
export interface OrtModule {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: {
    create(
      model: Uint8Array,
      options: { intraOpNumThreads: number; interOpNumThreads: number; graphOptimizationLevel: 'all'; executionProviders: string[] },
    ): Promise<OrtSession>;
  };
  env: { versions?: { common?: string }; logLevel?: string };
}

export type OrtLoad = { ort: OrtModule; version: string } | { error: string };

let loaded: OrtLoad | null = null;

/** Loads onnxruntime-node once per thread; says why not where it cannot. */
export function loadOnnxRuntime(): OrtLoad {
  if (loaded) return loaded;
  try {
    const require = createRequire(import.meta.url);
    // A variable specifier keeps bundlers from resolving the optional package.
    const pkg = 'onnxruntime-node';
    const ort = require(pkg) as OrtModule;
    const version = (require(`${pkg}/package.json`) as { version: string }).version;
    ort.env.logLevel = 'error';
    loaded = { ort, version };
  } catch (err) {
    loaded = { error: `onnxruntime-node is not installed or failed to load (${summarizeError(err)})` };
  }
  return loaded;
}
