import type { BackendStatus, TrainConfig } from '../../contract';
import type { FrameEncoding } from '../../data/frame';
import type { InitBackendOptions } from '../backend/init-backend';
import type { PlainTensor } from '../train/snapshot';
import type { SourceSpec } from '../train/source-spec';
import type { TokenSet } from './encode-sequence';
import type { EncodeEngineChoice, EncodeEngineStatus } from '../onnx/encode-engine';

/** Messages between an InferenceWorker (calling side) and its worker thread. */
export type ToInfer =
  | { type: 'load'; id: number; config: TrainConfig; encoding: FrameEncoding; weights: Record<string, PlainTensor>; backend?: InitBackendOptions; encodeEngine?: EncodeEngineChoice }
  // New weights for the loaded tokenizer (same architecture), so that a long-lived pool serves the next job.
  | { type: 'setWeights'; id: number; weights: Record<string, PlainTensor> }
  | { type: 'count'; id: number; source: SourceSpec }
  | { type: 'encode'; id: number; source: SourceSpec; batchSize?: number; range?: [number, number] }
  | { type: 'decode'; id: number; tokens: Pick<TokenSet, 'tokens' | 'frames' | 'h' | 'w' | 'depth'>; batchSize?: number };

export type FromInfer =
  | { type: 'loaded'; id: number; backend: BackendStatus; encodeEngine: EncodeEngineStatus }
  | { type: 'weightsSet'; id: number }
  | { type: 'counted'; id: number; frames: number }
  | { type: 'progress'; id: number; done: number; total: number }
  | { type: 'encoded'; id: number; result: TokenSet }
  | { type: 'decoded'; id: number; frames: Float32Array[] }
  | { type: 'error'; id: number; message: string };
