import path from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write';
import type { Tokenizer } from '../tokenizer';
import { onnxEncoderGraph } from './encoder-graph';
import { PRODUCER } from './onnx-encoder';

/**
 * The export's `encoder.onnx`: the graph the inference workers run (encoder-graph.ts), for
 * deploying the tokenizer where PyTorch is not (ONNX Runtime, TensorRT, OpenVINO…). Input `x`
 * float32 `[N, C, H, W]` in frame units (the normalisation is inside); outputs `ids` int32
 * `[N, h, w]` and `err` float32 `[N, h, w]`.
 */
export const ONNX_ENCODER_FILE = 'encoder.onnx';

export async function writeOnnxEncoder(tokenizer: Tokenizer, dir: string): Promise<string> {
  const file = path.join(dir, ONNX_ENCODER_FILE);
  await writeFileAtomic(file, await onnxEncoderGraph(tokenizer, PRODUCER));
  return file;
}
