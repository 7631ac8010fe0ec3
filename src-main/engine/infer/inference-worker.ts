import { Worker } from 'node:worker_threads';
import type { BackendStatus, TrainConfig } from '../../contract';
import type { FrameEncoding } from '../../data/frame';
import type { InitBackendOptions } from '../backend/init-backend';
import type { PlainTensor } from '../train/snapshot';
import type { SourceSpec } from '../train/source-spec';
import { workerEntry } from '../train/worker-entry';
import type { TokenSet } from './encode-sequence';
import type { FromInfer, ToInfer } from './protocol';
import type { EncodeEngineChoice, EncodeEngineStatus } from '../onnx/encode-engine';

/**
 * The calling side of the inference worker: load a tokenizer once, then encode sequences and
 * decode token grids off the main thread, with progress callbacks.
 */
export interface InferenceWorkerOptions {
  config: TrainConfig;
  encoding: FrameEncoding;
  /** State dict in the tokenizer's names and PyTorch layouts (a snapshot's `weights`). */
  weights: Record<string, PlainTensor>;
  backend?: InitBackendOptions;
  /** Which engine encodes (default: TOKENSCOPE_ENCODE_ENGINE, else auto; see onnx/encode-engine.ts). */
  encodeEngine?: EncodeEngineChoice;
  entry?: URL;
}

type Pending = {
  resolve: (msg: FromInfer) => void;
  reject: (err: Error) => void;
  onProgress?: (done: number, total: number) => void;
};

/** Worker threads started so far in this process (tests check that a long-lived pool starts none). */
let started = 0;
export function inferenceWorkersStarted(): number {
  return started;
}

export class InferenceWorker {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  backend: BackendStatus | null = null;
  /** The engine that encodes whole sequences in this worker, and why. */
  encodeEngine: EncodeEngineStatus | null = null;

  private constructor(entry: URL) {
    const { url, execArgv } = workerEntry(entry);
    this.worker = new Worker(url, { workerData: { entry: entry.href }, execArgv });
    started++;
    this.worker.on('message', (msg: FromInfer) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      if (msg.type === 'progress') return p.onProgress?.(msg.done, msg.total);
      this.pending.delete(msg.id);
      if (msg.type === 'error') p.reject(new Error(msg.message));
      else p.resolve(msg);
    });
    const failAll = (err: Error) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', failAll);
    this.worker.on('exit', (code) => {
      this.closed = true;
      failAll(new Error(`inference worker exited (code ${code})`));
    });
  }

  /** Starts the worker and loads the tokenizer; rejects with the worker's error (bad weights…). */
  static async create(opts: InferenceWorkerOptions): Promise<InferenceWorker> {
    const w = new InferenceWorker(opts.entry ?? new URL('./infer-worker.ts', import.meta.url));
    try {
      const msg = await w.request({ type: 'load', id: 0, config: opts.config, encoding: opts.encoding, weights: opts.weights, backend: opts.backend, encodeEngine: opts.encodeEngine });
      if (msg.type === 'loaded') {
        w.backend = msg.backend;
        w.encodeEngine = msg.encodeEngine;
      }
      return w;
    } catch (err) {
      await w.dispose();
      throw err;
    }
  }

  /** Replaces the loaded tokenizer's weights (same architecture; the worker checks the shapes). */
  async setWeights(weights: Record<string, PlainTensor>): Promise<void> {
    const msg = await this.request({ type: 'setWeights', id: 0, weights });
    if (msg.type !== 'weightsSet') throw new Error(`inference worker: unexpected reply ${msg.type}`);
  }

  /** The number of frames in the source, as the worker opens it (kept open for an encode of it). */
  async count(source: SourceSpec): Promise<number> {
    const msg = await this.request({ type: 'count', id: 0, source });
    if (msg.type !== 'counted') throw new Error(`inference worker: unexpected reply ${msg.type}`);
    return msg.frames;
  }

  async encode(
    source: SourceSpec,
    opts: { batchSize?: number; range?: [number, number]; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<TokenSet> {
    const msg = await this.request({ type: 'encode', id: 0, source, batchSize: opts.batchSize, range: opts.range }, opts.onProgress);
    if (msg.type !== 'encoded') throw new Error(`inference worker: unexpected reply ${msg.type}`);
    return msg.result;
  }

  async decode(
    tokens: Pick<TokenSet, 'tokens' | 'frames' | 'h' | 'w' | 'depth'>,
    opts: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<Float32Array[]> {
    const msg = await this.request({ type: 'decode', id: 0, tokens, batchSize: opts.batchSize }, opts.onProgress);
    if (msg.type !== 'decoded') throw new Error(`inference worker: unexpected reply ${msg.type}`);
    return msg.frames;
  }

  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }

  private request(msg: ToInfer, onProgress?: (done: number, total: number) => void): Promise<FromInfer> {
    if (this.closed) return Promise.reject(new Error('inference worker is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ ...msg, id });
    });
  }
}
