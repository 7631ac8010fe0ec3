/**
 * Whole-file vs frame-by-frame reading of `[T, …]` float32 .npy sequences
 * (`npx tsx bench/npy-lazy-bench.ts`; not part of `npm run bench`, it writes ~360 MB of temp files).
 * For each shape: frames/s delivered when a reader takes every frame, and when it takes one
 * quarter of them (what one of four inference workers does: the whole-file path still reads
 * all of it). Then the cost the lazy reader pays per frame for opening and closing the file
 * (FrameSequence has no close hook, so each read opens its own handle) beside a held handle.
 * The files were just written, so reads come from the page cache: this times the code, not the
 * disk. Median (best) of a few runs; the figures depend on the machine and its load.
 */
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sequenceFromArray } from '../src-main/data/array-sequence';
import { readNpy, shapeSize, writeNpy } from '../src-main/data/npy';
import { openNpySequence, readNpyHeader } from '../src-main/data/npy-lazy-sequence';
import { openRegularFile, readRange } from '../src-main/data/read-bytes';
import type { FrameSequence } from '../src-main/data/frame';

const RUNS = 3;

async function time(fn: () => Promise<unknown>, runs = RUNS): Promise<{ median: number; best: number }> {
  await fn(); // warm-up: JIT and page cache
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, best: times[0]! };
}

async function readFrames(seq: FrameSequence, from: number, to: number): Promise<void> {
  for (let t = from; t < to; t++) await seq.getFrame(t);
}

const rate = (frames: number, ms: number) => (frames / (ms / 1000)).toFixed(1).padStart(8);

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'npy-lazy-bench-'));
  try {
    console.log(`frames/s, median (best) of ${RUNS}, float32 from the page cache`);
    console.log('shape                file MB   all frames: whole     lazy        a quarter: whole     lazy');
    for (const shape of [
      [64, 1, 32, 32],
      [16, 16, 64, 64],
      [128, 16, 64, 64],
      [16, 128, 200, 200],
    ]) {
      const T = shape[0]!;
      const data = new Float32Array(shapeSize(shape));
      for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.001);
      const file = path.join(dir, `${shape.join('x')}.npy`);
      await writeNpy(file, data, shape);
      const mb = (data.byteLength / 1e6).toFixed(data.byteLength < 1e7 ? 2 : 0);
      const q = T / 4;
      const whole = (n: number) => time(async () => readFrames(sequenceFromArray(await readNpy(file), file, { cacheFrames: 0 }), 0, n));
      const lazy = (n: number) => time(async () => readFrames(await openNpySequence(file, { cacheFrames: 0 }), 0, n));
      const wAll = await whole(T);
      const lAll = await lazy(T);
      const wQ = await whole(q);
      const lQ = await lazy(q);
      const cell = (n: number, t: { median: number; best: number }) => `${rate(n, t.median)} (${rate(n, t.best).trim()})`;
      console.log(`${shape.join('×').padEnd(20)} ${mb.padStart(7)}   ${cell(T, wAll)} ${cell(T, lAll)}   ${cell(q, wQ)} ${cell(q, lQ)}`);
    }

    // Handle per read vs one held handle: the price of having no close hook.
    const file = path.join(dir, '128x16x64x64.npy');
    const h = await readNpyHeader(file);
    const frameBytes = 16 * 64 * 64 * 4;
    const N = 500;
    const perRead = await time(async () => {
      for (let i = 0; i < N; i++) {
        const { handle } = await openRegularFile(file);
        try {
          await readRange(handle, file, h.dataStart + (i % 128) * frameBytes, frameBytes);
        } finally {
          await handle.close();
        }
      }
    });
    const held = await time(async () => {
      const { handle } = await openRegularFile(file);
      try {
        for (let i = 0; i < N; i++) await readRange(handle, file, h.dataStart + (i % 128) * frameBytes, frameBytes);
      } finally {
        await handle.close();
      }
    });
    const us = (t: { median: number }) => ((t.median * 1000) / N).toFixed(0);
    console.log(`\n256 KiB frame read, µs each (median of ${RUNS} × ${N}): open + read + close ${us(perRead)}, read on a held handle ${us(held)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`npy lazy bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
