/**
 * Bytes per message for getFrame / getDecoded on the real Occ3D sample, as the WebSocket codec
 * encodes them, for the old request (every channel) and the one the views send now (labels only).
 * The decoded frame comes from a tokenizer with random weights (the size does not depend on them).
 * Run: `npx tsx bench/frame-bytes.ts`. Not a test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { encodeMessage } from '../src-main/contract/codec';
import type { FrameRequest, TrainConfig } from '../src-main/contract/index';
import { openPath } from '../src-main/data/open-path';
import { Tokenizer } from '../src-main/engine/tokenizer';
import { saveCheckpoint } from '../src-main/engine/checkpoint/checkpoint';
import { createWorkspace } from '../src-main/service/workspace';

const FILE = path.resolve(fileURLToPath(new URL('..', import.meta.url)), '../shared/data/occ3d-nuscenes-sample/labels.npz');

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-bytes-'));
  const ws = await createWorkspace({ openDefault: false, encodeIn: 'process' });
  try {
    const info = await ws.openPath(FILE);
    const seq = await openPath(FILE);
    const cfg: TrainConfig = {
      model: { inChannels: info.channels, hidden: 8, latentDim: 4, stages: 2 },
      quantizer: { kind: 'vq', codebookSize: 16 },
      learningRate: 1e-3,
      steps: 1,
      batchSize: 1,
      crop: 0,
      seed: 1,
      checkpointEvery: 0,
    };
    const tok = new Tokenizer(cfg, seq.encoding);
    const weights = tok.stateDict();
    const ckpt = path.join(dir, 'random.ckpt');
    await saveCheckpoint(ckpt, { config: cfg, step: 0, weights, optimizer: null, metrics: [] });
    tf.dispose(Object.values(weights));
    tok.dispose();
    await ws.openCheckpoint(ckpt);
    await ws.getDecoded(0); // encode + decode once, so the timings below are the cached path
    const requests: Array<FrameRequest | undefined> = [undefined, { channels: 'labels' }, { channels: 'labels', groupLabels: true }];
    for (const method of ['getFrame', 'getDecoded'] as const) {
      for (const req of requests) {
        const t0 = performance.now();
        const result = await ws[method](0, req);
        const bytes = encodeMessage({ id: 1, result }).byteLength;
        const ms = performance.now() - t0;
        console.log(`${method}(0${req ? `, ${JSON.stringify(req)}` : ''}): ${(bytes / 1e6).toFixed(3)} MB encoded, ${ms.toFixed(0)} ms in the service + codec`);
      }
    }
  } finally {
    await ws.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`frame-bytes: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
