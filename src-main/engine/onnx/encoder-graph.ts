import { ReferenceNets } from '../model/reference-nets';
import { OccWorldNets } from '../occworld/occworld-nets';
import type { Tokenizer } from '../tokenizer';
import { OnnxGraph } from './onnx-graph';
import { quantizerGraphUnsupported, writeQuantizer } from './quantizer-graph';
import { writeReferenceEncoder } from './reference-net-graph';
import { occworldGraphUnsupported, writeOccWorldEncoder } from './occworld-graph';
import { HierarchicalNets } from '../hierarchical/hier-nets';
import { hierGraphUnsupported, writeHierarchicalEncoder } from './hier-graph';
import { TiTokNets } from '../titok/titok-nets';
import { titokInputSize, writeTiTokEncoder } from './titok-graph';

/**
 * The tokenizer's inference encoder as an ONNX graph: frames `x [N, C, H, W]` (frame units,
 * channel-first as they are stored) → token ids `ids [N, h, w]` (int32; `[N, h, w, depth]` for
 * several codebooks) and the squared quantization error `err [N, h, w]`, the two arrays
 * `Tokenizer.encode` gives.
 *
 * Each part is the tfjs path op for op: the input normalisation (x − mean) / std, the
 * architecture's encoder (one writer per architecture), the quantizer's inference (one per
 * quantizer family). Only summation order differs, so ids agree except where two codes are
 * within float rounding of each other.
 */
export const ONNX_ENCODER_INPUT = 'x';
export const ONNX_ENCODER_IDS = 'ids';
export const ONNX_ENCODER_ERROR = 'err';

/**
 * Why frames of `height × width` cannot go through this tokenizer's graph, in the words the tfjs
 * path uses, or null: TiTok's graph takes one frame size (ONNX Runtime's own error would only
 * name the input's dimension indices).
 */
export function onnxFrameSizeError(t: Tokenizer, height: number, width: number): string | null {
  return t.nets instanceof TiTokNets ? t.nets.frameSizeError(height, width) : null;
}

/** Why this tokenizer's encoder cannot be written as an ONNX graph here, or null when it can. */
export function onnxEncoderUnsupported(t: Tokenizer): string | null {
  // The hierarchical graph writes its own two-level quantizer (hier-graph.ts).
  if (t.nets instanceof HierarchicalNets) return hierGraphUnsupported(t.quantizer);
  if (t.nets instanceof OccWorldNets) {
    const why = occworldGraphUnsupported(t.nets.net.cfg);
    if (why) return why;
  } else if (!(t.nets instanceof ReferenceNets) && !(t.nets instanceof TiTokNets)) return `the ${t.nets.kind} architecture is encoded with TensorFlow.js only`;
  return quantizerGraphUnsupported(t.quantizer);
}

export async function onnxEncoderGraph(t: Tokenizer, producer: { name: string; version: string }): Promise<Uint8Array> {
  const why = onnxEncoderUnsupported(t);
  if (why) throw new Error(`ONNX encoder: ${why}`);
  const C = t.cfg.model.inChannels;
  const g = new OnnxGraph('tokenscope_encoder');
  // TiTok's position embeddings fix the frame size: its graph declares it.
  const [H, W]: [number | string, number | string] = t.nets instanceof TiTokNets ? titokInputSize(t.nets) : ['H', 'W'];
  let x = g.input(ONNX_ENCODER_INPUT, 'float', ['N', C, H, W]);
  const norm = t.cfg.normalization;
  if (norm) {
    x = g.op('Sub', [x, g.constant('norm_mean', Float32Array.from(norm.mean), [1, C, 1, 1])]);
    x = g.op('Div', [x, g.constant('norm_std', Float32Array.from(norm.std), [1, C, 1, 1])]);
  }
  const out = { ids: ONNX_ENCODER_IDS, error: ONNX_ENCODER_ERROR };
  let depth: number;
  if (t.nets instanceof HierarchicalNets) {
    // The top level is quantized inside the encoder (its codes feed dec_t): one writer for both.
    depth = await writeHierarchicalEncoder(g, t.nets, t.quantizer, x, out);
  } else {
    // Latents [N, D, h, w] (TiTok: [N, D, 1, Ntok], its 1 × N token grid).
    const z =
      t.nets instanceof OccWorldNets
        ? await writeOccWorldEncoder(g, t.nets, x)
        : t.nets instanceof TiTokNets
          ? await writeTiTokEncoder(g, t.nets, x)
          : await writeReferenceEncoder(g, t.nets as ReferenceNets, x);
    depth = await writeQuantizer(g, t.quantizer, z, out);
  }
  g.output(ONNX_ENCODER_IDS, 'int32', depth === 1 ? ['N', 'h', 'w'] : ['N', 'h', 'w', depth]);
  g.output(ONNX_ENCODER_ERROR, 'float', ['N', 'h', 'w']);
  return g.serialize(producer);
}
