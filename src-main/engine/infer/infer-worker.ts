/**
 * The inference worker thread: holds one tokenizer (loaded from a state dict) and encodes or
 * decodes whole sequences on request, reporting progress at most a few times a second.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend';
import { Tokenizer } from '../tokenizer';
import { fromPlain } from '../train/snapshot';
import { openSource, type SourceSpec } from '../train/source-spec';
import type { FrameSequence } from '../../data/frame';
import { decodeTokens, encodeSequence } from './encode-sequence';
import type { FromInfer, ToInfer } from './protocol';
import { pickEncodeEngine } from '../onnx/encode-engine';
import type { OnnxEncoder } from '../onnx/onnx-encoder';

const port = parentPort;
if (!port) throw new Error('infer-worker: must run in a worker thread');

let tokenizer: Tokenizer | null = null;
/** The tokenizer's encoder on ONNX Runtime, when that engine encodes here (see encode-engine.ts). */
let onnx: OnnxEncoder | null = null;
// The source a 'count' opened (a path or the procedural scene), so that the 'encode' of it that
// follows opens it once; that encode takes it, and a later one opens the source afresh (the data
// may have changed, and its frame cache should not outlive the job).
let counted: { key: string; seq: FrameSequence } | null = null;

async function open(source: SourceSpec, keep: boolean): Promise<FrameSequence> {
  const key = source.kind === 'frames' ? '' : JSON.stringify(source);
  const seq = key && counted?.key === key ? counted.seq : await openSource(source);
  counted = keep && key ? { key, seq } : null;
  return seq;
}
// One request at a time, in arrival order.
let queue: Promise<void> = Promise.resolve();

function post(msg: FromInfer, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

function throttled(id: number): (done: number, total: number) => void {
  let last = -Infinity;
  return (done, total) => {
    const now = performance.now();
    if (done < total && now - last < 250) return;
    last = now;
    post({ type: 'progress', id, done, total });
  };
}

async function handle(msg: ToInfer): Promise<void> {
  switch (msg.type) {
    case 'load': {
      const backend = await initBackend({ allowNative: true, ...msg.backend });
      const next = new Tokenizer(msg.config, msg.encoding);
      const sd: Record<string, tf.Tensor> = {};
      try {
        for (const [k, p] of Object.entries(msg.weights)) sd[k] = fromPlain(p, k);
        next.loadStateDict(sd, 'weights');
      } catch (err) {
        next.dispose();
        throw err;
      } finally {
        tf.dispose(Object.values(sd));
      }
      const engine = await pickEncodeEngine({
        tokenizer: next,
        backend,
        ...(msg.encodeEngine ? { choice: msg.encodeEngine } : {}),
        ...(msg.backend?.prefer?.length ? { backendForced: true } : {}),
      }).catch((err: unknown) => {
        next.dispose();
        throw err;
      });
      await onnx?.dispose();
      onnx = engine.encoder;
      tokenizer?.dispose();
      tokenizer = next;
      post({ type: 'loaded', id: msg.id, backend, encodeEngine: engine.status });
      break;
    }
    case 'setWeights': {
      if (!tokenizer) throw new Error('infer-worker: no tokenizer loaded');
      const sd: Record<string, tf.Tensor> = {};
      try {
        for (const [k, p] of Object.entries(msg.weights)) sd[k] = fromPlain(p, k);
        tokenizer.loadStateDict(sd, 'weights');
      } finally {
        tf.dispose(Object.values(sd));
      }
      await onnx?.reload(tokenizer);
      post({ type: 'weightsSet', id: msg.id });
      break;
    }
    case 'count': {
      post({ type: 'counted', id: msg.id, frames: (await open(msg.source, true)).length });
      break;
    }
    case 'encode': {
      if (!tokenizer) throw new Error('infer-worker: no tokenizer loaded');
      const seq = await open(msg.source, false);
      const result = await encodeSequence(tokenizer, seq, { batchSize: msg.batchSize, range: msg.range, onProgress: throttled(msg.id) }, onnx?.encodeBatch);
      post({ type: 'encoded', id: msg.id, result }, [result.tokens.buffer as ArrayBuffer, result.quantError.buffer as ArrayBuffer]);
      break;
    }
    case 'decode': {
      if (!tokenizer) throw new Error('infer-worker: no tokenizer loaded');
      const frames = await decodeTokens(tokenizer, msg.tokens, { batchSize: msg.batchSize, onProgress: throttled(msg.id) });
      post({ type: 'decoded', id: msg.id, frames }, frames.map((f) => f.buffer as ArrayBuffer));
      break;
    }
  }
}

port.on('message', (msg: ToInfer) => {
  queue = queue.then(() =>
    handle(msg).catch((err: unknown) => post({ type: 'error', id: msg.id, message: err instanceof Error ? err.message : String(err) })),
  );
});
