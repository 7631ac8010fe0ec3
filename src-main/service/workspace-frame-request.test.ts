import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../contract/index';
import { createProceduralSequence } from '../data/procedural-scene';
import { topDownLabelsOf } from '../data/frame-utils';
import { openPath } from '../data/open-path';
import { Tokenizer } from '../engine/tokenizer';
import { saveCheckpoint } from '../engine/checkpoint/checkpoint';
import { createWorkspace } from './workspace';
import type { Workspace } from './workspace';
import { SMALL_CONFIG } from './test-config';

/**
 * getFrame / getDecoded send what a view draws: the class map of the real Occ3D frame instead of
 * its 46 MB tensor, one channel of a lidar frame, and the decoded frame's labels and error map.
 */
const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data');
const OCC3D = path.join(DATA, 'occ3d-nuscenes-sample', 'labels.npz');
const LIDAR = path.join(DATA, 'nuscenes-lidarseg-seq11');
const SIZE = 32;
const FRAMES = 3;
const CONFIG: TrainConfig = SMALL_CONFIG;

let ws: Workspace;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-fr-'));
  ws = await createWorkspace({ procedural: { frames: FRAMES, size: SIZE }, encodeIn: 'process', checkpointDir: dir });
});
afterAll(async () => {
  await ws?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!existsSync(OCC3D))('getFrame on the real Occ3D sample', () => {
  it("'labels' sends the top-down class map only; the default still sends every channel", async () => {
    const info = await ws.openPath(OCC3D);
    const frame = await (await openPath(OCC3D)).getFrame(0);
    const small = await ws.getFrame(0, { channels: 'labels' });
    expect(small.data.length).toBe(0);
    expect(small.dataChannels).toEqual([]);
    expect(small.channels).toBe(info.channels);
    expect(Array.from(small.labels!)).toEqual(Array.from(topDownLabelsOf(frame)));
    expect(small.groupLabels).toBeUndefined();
    const full = await ws.getFrame(0);
    expect(full.data.length).toBe(info.channels * 200 * 200);
    expect(full.labels).toEqual(small.labels);
  });

  it('sends the per-group class maps and picked channels when asked', async () => {
    const frame = await (await openPath(OCC3D)).getFrame(0);
    const enc = frame.encoding;
    if (enc.kind !== 'classes') throw new Error('Occ3D opens as class frames');
    const f = await ws.getFrame(0, { channels: [enc.numClasses + 11], groupLabels: true });
    const hw = 200 * 200;
    expect(f.groupLabels!.length).toBe(enc.groups * hw);
    // Group 1's map says "driveable surface" exactly where channel K + 11 of the one-hot frame is 1.
    let agree = 0;
    for (let i = 0; i < hw; i++) if ((f.groupLabels![hw + i] === 11) === (f.data[i] === 1)) agree++;
    expect(agree).toBe(hw);
    expect(Array.from(f.data)).toEqual(Array.from(frame.data.subarray((enc.numClasses + 11) * hw, (enc.numClasses + 12) * hw)));
  });
});

describe.skipIf(!existsSync(LIDAR))('getFrame on a continuous source', () => {
  it('sends only the picked channel and refuses labels', async () => {
    const info = await ws.openPath(LIDAR);
    const full = await ws.getFrame(2);
    const hw = info.height * info.width;
    const one = await ws.getFrame(2, { channels: [1] });
    expect(one.dataChannels).toEqual([1]);
    expect(Array.from(one.data)).toEqual(Array.from(full.data.subarray(hw, 2 * hw)));
    await expect(ws.getFrame(2, { channels: 'labels' })).rejects.toThrow(/^getFrame: channels: 'labels' needs a class frame/);
    await expect(ws.getFrame(2, { channels: [info.channels] })).rejects.toThrow(`getFrame: channel id ${info.channels} is out of range 0..${info.channels - 1}`);
  });
});

describe('getDecoded with a frame request', () => {
  it('sends labels, error and metrics without the reconstruction tensor, the same as the full answer', async () => {
    await ws.openProcedural({ frames: FRAMES, size: SIZE });
    const seq = createProceduralSequence({ seed: 7, frames: FRAMES, size: SIZE });
    const tok = new Tokenizer(CONFIG, seq.encoding);
    const weights = tok.stateDict();
    const ckpt = path.join(dir, 'random.ckpt');
    await saveCheckpoint(ckpt, { config: CONFIG, step: 1, weights, optimizer: null, metrics: [] });
    tf.dispose(Object.values(weights));
    tok.dispose();
    await ws.openCheckpoint(ckpt);

    const before = tf.memory().numTensors;
    const small = await ws.getDecoded(1, { channels: 'labels', groupLabels: true });
    const full = await ws.getDecoded(1);
    await ws.settled();
    expect(tf.memory().numTensors).toBe(before);
    expect(small.data.length).toBe(0);
    expect(full.data.length).toBe(18 * SIZE * SIZE);
    expect(small.labels).toEqual(full.labels);
    expect(small.groupLabels).toEqual(full.labels); // one group: its map is the top-down map
    expect(small.error).toEqual(full.error);
    expect(small.metrics).toEqual(full.metrics);
    // The labels are the argmax of the full one-hot reconstruction.
    const hw = SIZE * SIZE;
    for (let i = 0; i < hw; i += 37) expect(full.data[small.labels![i]! * hw + i]).toBe(1);
    const input = await ws.getFrame(1, { channels: 'labels' });
    for (let i = 0; i < hw; i++) expect(small.error[i]).toBe(small.labels![i] === input.labels![i] ? 0 : 1);
  });
});
