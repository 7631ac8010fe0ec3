import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../contract/index';
import { createProceduralSequence } from '../data/procedural-scene';
import { LeaseRegistry } from './session-lease';
import { SMALL_CONFIG, saveFreshCheckpoint } from './test-config';
import { createWorkspace } from './workspace';
import type { Workspace } from './workspace';

// Encoding runs in the inference worker, as in the app: the requests wait on it while the switch lands.
const FRAMES = 8;
const SIZE = 32;
const seq = createProceduralSequence({ seed: 7, frames: FRAMES, size: SIZE });
let dir: string;
let ws: Workspace;

function checkpoint(name: string, cfg: TrainConfig): Promise<string> {
  return saveFreshCheckpoint(path.join(dir, `${name}.ckpt`), cfg, seq.encoding);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-lease-'));
  ws = await createWorkspace({ procedural: { frames: FRAMES, size: SIZE }, encodeIn: 'worker' });
});

afterAll(async () => {
  await ws?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('LeaseRegistry', () => {
  it('disposes a retired key only when its last lease is released, and refuses new leases after', () => {
    const reg = new LeaseRegistry<object>();
    const key = {};
    let disposed = 0;
    const a = reg.hold(key);
    const b = reg.hold(key);
    reg.retire(key, () => disposed++);
    expect(disposed).toBe(0);
    a();
    a(); // releasing twice counts once
    expect(disposed).toBe(0);
    b();
    expect(disposed).toBe(1);
    expect(() => reg.hold(key)).toThrow(/was replaced and released/);
    const idle = {};
    reg.retire(idle, () => disposed++);
    expect(disposed).toBe(2);
  });
});

describe('opening a checkpoint while requests are in flight (issue 12, finding 8)', () => {
  it('answers every in-flight request from the tokenizer it started with; the old one is freed after', async () => {
    const first = await checkpoint('first', { ...SMALL_CONFIG });
    const second = await checkpoint('second', { ...SMALL_CONFIG, seed: 9, quantizer: { kind: 'vq', codebookSize: 8 } });
    await ws.openCheckpoint(first);
    const baseline = tf.memory().numTensors;

    const inFlight: Promise<unknown>[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < FRAMES; i++) {
        inFlight.push(ws.getDecoded(i, { channels: 'labels' }), ws.getTokens(i));
      }
      inFlight.push(ws.getCodebook(), ws.codePrototype(round), ws.projectCodebook('pca'));
    }
    // The switch lands while the first tokenizer is still encoding the sequence for them.
    const switched = ws.openCheckpoint(second);
    for (let i = 0; i < FRAMES; i++) inFlight.push(ws.getDecoded(i), ws.getTokens(i));
    const results = await Promise.allSettled([switched, ...inFlight]);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => String(r.reason?.message ?? r.reason));
    expect(failures).toEqual([]);
    await ws.settled();

    // The first tokenizer's answers carry its codebook (16 codes), the second's 8.
    const codebooks = (await Promise.all(inFlight)).filter((v): v is { size: number; codes: Float32Array } => !!v && typeof v === 'object' && 'codes' in v && 'size' in v);
    expect(codebooks.every((c) => c.size === 16)).toBe(true);
    expect((await ws.getCodebook()).size).toBe(8);
    expect((await ws.getTokens(0)).indices.every((id) => id < 8)).toBe(true);
    // The two tokenizers have the same layers (only K differs): once the old one is released,
    // as many tensors are alive as with one tokenizer open.
    expect(tf.memory().numTensors).toBe(baseline);
  }, 120_000);
});
