import type { BackendStatus } from '../../contract';
import { forcedBackend } from '../backend/backend-order';
import type { Tokenizer } from '../tokenizer';
import { OnnxEncoder } from './onnx-encoder';
import { ENCODE_ENGINE_ENV, encodeEngineFromEnv, type EncodeEngineChoice, type EncodeEngineStatus } from './encode-engine-choice';

export { ENCODE_ENGINE_ENV, ENCODE_ENGINES, encodeEngineFromEnv, parseEncodeEngine, type EncodeEngineChoice, type EncodeEngineStatus } from './encode-engine-choice';

/**
 * Which engine encodes whole sequences in an inference worker. TensorFlow.js always can; ONNX
 * Runtime's CPU kernels (AVX2/AVX-512 GEMMs) encode every architecture's tokenizers (reference, OccWorld, hierarchical, TiTok) 3–6×
 * faster than tfjs-wasm, whose XNNPACK convolutions top out at 128-bit SIMD on one thread per
 * worker. Training, decoding and the views stay on TensorFlow.js.
 *
 * `auto` (the default) uses ONNX Runtime when the tfjs backend is a CPU one and was not asked
 * for by name: on a GPU the GPU encodes, and `--backend wasm` means wasm.
 */
const GPU_BACKENDS: ReadonlySet<string> = new Set(['webgpu', 'tensorflow-gpu']);

/**
 * The encoder for `tokenizer` in this worker: an OnnxEncoder, or null for TensorFlow.js, with
 * the reason. Asked for by name, ONNX Runtime that cannot encode this model is an error.
 */
export async function pickEncodeEngine(opts: {
  tokenizer: Tokenizer;
  backend: BackendStatus;
  choice?: EncodeEngineChoice;
  /** The tfjs backend was asked for by name (a `prefer` list, or TOKENSCOPE_BACKEND). */
  backendForced?: boolean;
}): Promise<{ encoder: OnnxEncoder | null; status: EncodeEngineStatus }> {
  const choice = opts.choice ?? encodeEngineFromEnv();
  const forced = opts.backendForced ?? forcedBackend() !== undefined;
  const tfjs = (detail: string) => ({ encoder: null, status: { name: 'tfjs' as const, detail } });
  if (choice === 'tfjs') return tfjs(`asked for (${ENCODE_ENGINE_ENV}=tfjs or --encode-engine tfjs)`);
  if (choice === 'auto') {
    if (forced) return tfjs(`the ${opts.backend.name} backend was asked for by name`);
    if (GPU_BACKENDS.has(opts.backend.name)) return tfjs(`the ${opts.backend.name} backend runs on a GPU`);
  }
  const made = await OnnxEncoder.create(opts.tokenizer);
  if ('refused' in made) {
    if (choice === 'onnxruntime') throw new Error(`ONNX Runtime cannot encode here: ${made.refused}`);
    return tfjs(`ONNX Runtime not used: ${made.refused}`);
  }
  return { encoder: made, status: { name: 'onnxruntime', detail: `ONNX Runtime ${made.version} (CPU)` } };
}
