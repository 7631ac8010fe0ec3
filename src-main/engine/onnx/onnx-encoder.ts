import type { Tokenizer } from '../tokenizer';
import { ONNX_ENCODER_ERROR, ONNX_ENCODER_IDS, ONNX_ENCODER_INPUT, onnxEncoderGraph, onnxEncoderUnsupported, onnxFrameSizeError } from './encoder-graph';
import { loadOnnxRuntime, type OrtModule, type OrtSession } from './onnx-runtime';
import type { BatchEncoder } from '../infer/encode-sequence';

export const PRODUCER = { name: 'tokenscope', version: '0.1.0' };

/**
 * The tokenizer's encoder on ONNX Runtime (CPU execution provider, one thread: the inference
 * pool runs one of these per worker, as it does the wasm backend). It encodes batches of
 * channel-first frames straight from the staging buffer, without the NCHW→NHWC transpose tfjs
 * needs. Rebuilt when the weights change (a session holds its weights).
 */
export class OnnxEncoder {
  private constructor(
    private session: OrtSession,
    private readonly ort: OrtModule,
    readonly version: string,
    /** The tokenizer's frame-size check (TiTok's fixed size), before ONNX Runtime sees the batch. */
    private readonly frameSizeError: (height: number, width: number) => string | null,
  ) {}

  /** An encoder for `tokenizer`, or the reason there is none (package absent, model not supported). */
  static async create(tokenizer: Tokenizer): Promise<OnnxEncoder | { refused: string }> {
    const why = onnxEncoderUnsupported(tokenizer);
    if (why) return { refused: why };
    const rt = loadOnnxRuntime();
    if ('error' in rt) return { refused: rt.error };
    const session = await OnnxEncoder.session(rt.ort, tokenizer);
    return new OnnxEncoder(session, rt.ort, rt.version, (height, width) => onnxFrameSizeError(tokenizer, height, width));
  }

  private static async session(ort: OrtModule, tokenizer: Tokenizer): Promise<OrtSession> {
    const model = await onnxEncoderGraph(tokenizer, PRODUCER);
    return ort.InferenceSession.create(model, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionProviders: ['cpu'],
    });
  }

  /** New weights (same architecture): a new session from them. */
  async reload(tokenizer: Tokenizer): Promise<void> {
    const next = await OnnxEncoder.session(this.ort, tokenizer);
    await this.session.release();
    this.session = next;
  }

  /** Encodes `n` frames `[n, C, H, W]` held in `frames`. */
  readonly encodeBatch: BatchEncoder = async (frames, shape) => {
    const why = this.frameSizeError(shape[2], shape[3]);
    if (why) throw new Error(why);
    const x = new this.ort.Tensor('float32', frames, shape);
    const out = await this.session.run({ [ONNX_ENCODER_INPUT]: x });
    const ids = out[ONNX_ENCODER_IDS]!;
    const err = out[ONNX_ENCODER_ERROR]!;
    return { ids: ids.data as Int32Array, error: err.data as Float32Array };
  };

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
