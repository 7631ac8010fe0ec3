import { mkdtempSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequenceFromArray } from './array-sequence';
import { alignFrame, alignSequence } from './bev-align';
import type { BevFrame } from './frame';
import { labelsOf } from './frame-utils';
import { openLidarSample } from './lidar-sequence';
import { LruCache } from './lru-cache';
import { encodeNpy } from './npy';
import { openPath } from './open-path';
import { createProceduralSequence } from './procedural-scene';
import { lazySequence, naturalCompare } from './sequence';
import { LIDAR_SAMPLE, OCC3D_SAMPLE } from './test-paths';

describe('LRU cache and lazy sequences', () => {
  it('evicts the least recently used entry, by count and by bytes', () => {
    const c = new LruCache<number, Float32Array>(3, 100, (v) => v.byteLength);
    c.set(1, new Float32Array(5));
    c.set(2, new Float32Array(5));
    c.set(3, new Float32Array(5));
    c.get(1);
    c.set(4, new Float32Array(5));
    expect([c.has(1), c.has(2), c.has(3), c.has(4)]).toEqual([true, false, true, true]);
    c.set(5, new Float32Array(20)); // 80 bytes: only it and one 20-byte entry fit
    expect(c.totalBytes).toBeLessThanOrEqual(100);
    expect(c.has(5)).toBe(true);
    c.set(6, new Float32Array(40)); // bigger than the budget alone: kept, everything else goes
    expect(c.size).toBe(1);
  });

  it('loads each frame once while cached, never holds more than the bound, and checks shapes', async () => {
    const loads: number[] = [];
    const frameOf = (i: number, size = 4): BevFrame => ({
      data: new Float32Array(size * size).fill(i),
      channels: 1,
      height: size,
      width: size,
      channelNames: ['v'],
      encoding: { kind: 'continuous' },
      index: -1,
      meta: {},
    });
    const seq = lazySequence({
      name: 'toy',
      length: 1000,
      channels: 1,
      height: 4,
      width: 4,
      channelNames: ['v'],
      encoding: { kind: 'continuous' },
      cacheFrames: 8,
      describe: (i) => `/data/frame${i}.npy`,
      async load(i) {
        loads.push(i);
        return frameOf(i, i === 999 ? 5 : 4);
      },
    });
    const [a, b] = await Promise.all([seq.getFrame(3), seq.getFrame(3)]);
    expect(a).toBe(b);
    expect(a.index).toBe(3);
    for (let i = 0; i < 100; i++) await seq.getFrame(i);
    expect(seq.cache.size).toBe(8);
    await seq.getFrame(99);
    expect(loads.filter((i) => i === 99).length).toBe(1);
    await seq.getFrame(3);
    expect(loads.filter((i) => i === 3).length).toBe(2); // evicted and reloaded
    await expect(seq.getFrame(999)).rejects.toThrow('frame999.npy: frame is 1×5×5 but the sequence is 1×4×4 (from its first frame)');
    await expect(seq.getFrame(1000)).rejects.toThrow(/out of 0..999/);
  });

  it('sorts names numerically', () => {
    expect(['pc10.npy', 'pc9.npy', 'pc1.npy', 'pc0.npy'].sort(naturalCompare)).toEqual(['pc0.npy', 'pc1.npy', 'pc9.npy', 'pc10.npy']);
  });
});

describe('sequences from files', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'seq-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('opens a folder of .npy frames in numeric order', async () => {
    const frames = path.join(dir, 'frames');
    mkdirSync(frames);
    for (let i = 0; i < 12; i++) {
      writeFileSync(path.join(frames, `f${i}.npy`), encodeNpy(new Float32Array(2 * 3 * 4).fill(i), [2, 3, 4]));
    }
    writeFileSync(path.join(frames, 'notes.txt'), 'ignored');
    const seq = await openPath(frames);
    expect(seq.kind).toBe('folder');
    expect([seq.length, seq.channels, seq.height, seq.width]).toEqual([12, 2, 3, 4]);
    for (const i of [0, 2, 9, 10, 11]) expect((await seq.getFrame(i)).data[0]).toBe(i);
    expect((await seq.getFrame(10)).meta.source).toBe(path.join(frames, 'f10.npy'));
  });

  it('opens one [T, C, H, W] float array and one [T, H, W] class-map array', async () => {
    const T = 5;
    const data = new Float32Array(T * 3 * 4 * 4).map((_, i) => i);
    const file = path.join(dir, 'seq.npy');
    writeFileSync(file, encodeNpy(data, [T, 3, 4, 4]));
    const seq = await openPath(file);
    expect([seq.kind, seq.length, seq.channels, seq.height]).toEqual(['npy', 5, 3, 4]);
    const f3 = await seq.getFrame(3);
    expect(f3.data[0]).toBe(3 * 48);
    const labels = new Uint8Array(4 * 6 * 6).map((_, i) => i % 18);
    const lf = path.join(dir, 'labels.npy');
    writeFileSync(lf, encodeNpy(labels, [4, 6, 6]));
    const ls = await openPath(lf);
    expect([ls.length, ls.channels, ls.encoding.kind]).toEqual([4, 18, 'classes']);
    expect(Array.from(labelsOf(await ls.getFrame(2)))).toEqual(Array.from(labels.subarray(72, 108)));
    const direct = sequenceFromArray({ dtype: 'float32', shape: [T, 3, 4, 4], data }, 'mem.npy');
    expect((await direct.getFrame(4)).data[47]).toBe(4 * 48 + 47);
  });

  it('opens the Occ3D sample as a file, as a frame folder and as a scene of frame folders', async () => {
    const scene = path.join(dir, 'scene-0001');
    for (const token of ['b', 'a']) {
      mkdirSync(path.join(scene, token), { recursive: true });
      copyFileSync(OCC3D_SAMPLE, path.join(scene, token, 'labels.npz'));
    }
    const one = await openPath(OCC3D_SAMPLE, { occupancy: { mode: 'top-down' } });
    expect([one.kind, one.length, one.channels, one.height]).toEqual(['occ3d', 1, 18, 200]);
    expect(one.attribution).toMatch(/nuScenes/);
    const folder = await openPath(path.dirname(OCC3D_SAMPLE));
    expect([folder.kind, folder.channels]).toEqual(['occ3d', 288]);
    const s = await openPath(scene, { occupancy: { mode: 'top-down' } });
    expect([s.kind, s.length, s.name]).toEqual(['occ3d', 2, 'scene-0001']);
    expect((await s.getFrame(1)).meta.source).toBe(path.join(scene, 'b', 'labels.npz'));
  });

  it('opens the 11-frame lidar sample with timestamps, poses and labels, frame by frame', async () => {
    const seq = await openPath(LIDAR_SAMPLE);
    expect([seq.kind, seq.length, seq.channels, seq.height, seq.width]).toEqual(['lidar', 11, 20, 200, 200]);
    expect(seq.timestampsUs).toHaveLength(11);
    expect(seq.timestampsUs![10]! - seq.timestampsUs![0]!).toBeGreaterThan(4_000_000);
    expect(seq.attribution).toMatch(/CC BY-NC-SA/);
    const f10 = await seq.getFrame(10);
    expect(f10.meta.source).toBe(path.join(LIDAR_SAMPLE, 'pc', 'pc10.npy'));
    expect(f10.meta.transform).toMatch(/lidar → ego/);
    expect(f10.egoPose?.translation).toEqual(seq.egoPoses![10]!.translation);
    expect((f10.meta.pointsInGrid as number) + (f10.meta.pointsOutOfRange as number) + (f10.meta.pointsOutOfHeight as number)).toBe(f10.meta.points);
  });

  it('aligns lidar frames to a reference frame so the static world overlaps', async () => {
    const staticIoU = (a: BevFrame, b: BevFrame) => {
      const hw = a.height * a.width;
      let inter = 0;
      let union = 0;
      for (let i = 0; i < hw; i++) {
        // manmade (15) and vegetation (16) class channels start after the 3 continuous ones
        const x = a.data[(3 + 15) * hw + i]! + a.data[(3 + 16) * hw + i]! > 0;
        const y = b.data[(3 + 15) * hw + i]! + b.data[(3 + 16) * hw + i]! > 0;
        if (x && y) inter++;
        if (x || y) union++;
      }
      return inter / union;
    };
    const raw = await openLidarSample(LIDAR_SAMPLE);
    const aligned = await openLidarSample(LIDAR_SAMPLE, { alignTo: 0 });
    expect(Array.from((await aligned.getFrame(0)).data)).toEqual(Array.from((await raw.getFrame(0)).data));
    const before = staticIoU(await raw.getFrame(0), await raw.getFrame(4));
    const after = staticIoU(await aligned.getFrame(0), await aligned.getFrame(4));
    expect(after).toBeGreaterThan(before * 1.6);
    expect((await aligned.getFrame(4)).meta.alignedTo).toMatchObject({ index: 0 });
  });

  it('aligns finished BEV frames with their poses: the moving procedural world becomes static', async () => {
    const seq = createProceduralSequence({ size: 64, frames: 4, egoMotion: true, seed: 3 });
    const aligned = alignSequence(seq, 0);
    const a = labelsOf(await aligned.getFrame(0));
    const b = labelsOf(await aligned.getFrame(2));
    const raw0 = labelsOf(await seq.getFrame(0));
    expect(Array.from(a)).toEqual(Array.from(raw0));
    const moving = new Set([3, 4, 7, 10]);
    let same = 0;
    let total = 0;
    const f2 = await aligned.getFrame(2);
    for (let i = 0; i < a.length; i++) {
      if (moving.has(a[i]!) || moving.has(b[i]!)) continue;
      // Cells the shifted frame never saw become free.
      if (b[i] === 17) continue;
      total++;
      if (a[i] === b[i]) same++;
    }
    expect(total).toBeGreaterThan(2000);
    expect(same).toBe(total);
    expect(f2.meta.cellsOutsideSource).toBeGreaterThan(0);
    await expect(openPath(path.join(dir, 'seq.npy'), { alignTo: 0 }).then((s) => s.getFrame(1))).rejects.toThrow(/no ego poses/);
    expect(() => alignFrame({ ...raw0Frame(), egoPose: undefined }, { translation: [0, 0, 0], rotationWxyz: [1, 0, 0, 0] })).toThrow(/no ego pose/);
  });
});

function raw0Frame(): BevFrame {
  return { data: new Float32Array(1), channels: 1, height: 1, width: 1, channelNames: ['v'], encoding: { kind: 'continuous' }, index: 0, meta: {} };
}
