/**
 * Whole-file vs frame-by-frame reading of `[T, …]` float32 .npy sequences
 * (`npx tsx bench/npy-lazy-bench.ts`; not part of `npm run bench`, it writes ~360 MB of temp files).
 * For each shape: frames/s delivered when a reader takes every frame, and when it takes one
 * quarter of them (what one of four inference workers does: the whole-file path still reads
 * all of it). Then the cost the lazy reader pays per frame for opening and closing the file
 * (FrameSequence has no close hook, so each read opens its own handle) beside a held handle.
 * The files were just written, so reads come from the page cache: this times the code, not the
 * disk. Median (best) of a few runs; the figures depend on the machine and its load.
 * Then what whole-sequence encoding gets, batches of 8 into a staging buffer that stays: before,
 * `getFrame` per frame + the copy into the buffer; now, `readFramesInto` (one positioned read
 * per batch straight into the buffer, npy-read-into.ts).
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

const BATCH = 8;

/** What encodeSequence did before readFramesInto: getFrame per frame, copied into its staging buffer. */
async function framesCopied(seq: FrameSequence, from: number, to: number, staging: Float32Array): Promise<void> {
  const per = seq.channels * seq.height * seq.width;
  for (let s = from; s < to; s += BATCH) {
    for (let t = s; t < Math.min(to, s + BATCH); t++) staging.set((await seq.getFrame(t)).data, (t - s) * per);
  }
}

/** What it does now: one readFramesInto per batch, straight into the staging buffer. */
async function framesInto(seq: FrameSequence, from: number, to: number, staging: Float32Array): Promise<void> {
  const per = seq.channels * seq.height * seq.width;
  for (let s = from; s < to; s += BATCH) {
    const n = Math.min(BATCH, to - s);
    await seq.readFramesInto!(s, n, staging.subarray(0, n * per));
  }
}

const rate = (frames: number, ms: number) => (frames / (ms / 1000)).toFixed(1).padStart(8);

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'npy-lazy-bench-'));
  try {
    const intoRows: Array<{ shape: number[]; file: string }> = [];
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
      if (shape[0] === 128 || shape[1] === 128) intoRows.push({ shape, file });
    }

    // Into a staging buffer, batches of 8, as encodeSequence reads (reference and Occ3D sizes).
    console.log(`\nbatches of ${BATCH} into a staging buffer that stays, frames/s, median (best) of ${RUNS}`);
    console.log('shape                  all frames: getFrame+copy   readFramesInto    a quarter: getFrame+copy   readFramesInto');
    for (const { shape, file } of intoRows) {
      const T = shape[0]!;
      const q = T / 4;
      const per = shapeSize(shape.slice(1));
      const staging = new Float32Array(Math.min(BATCH, T) * per).fill(1);
      const cell = (n: number, t: { median: number; best: number }) => `${rate(n, t.median)} (${rate(n, t.best).trim()})`;
      const copied = (n: number) => time(async () => framesCopied(await openNpySequence(file, { cacheFrames: 0 }), 0, n, staging));
      const into = (n: number) => time(async () => framesInto(await openNpySequence(file, { cacheFrames: 0 }), 0, n, staging));
      const cAll = await copied(T);
      const iAll = await into(T);
      const cQ = await copied(q);
      const iQ = await into(q);
      console.log(`${shape.join('×').padEnd(20)}   ${cell(T, cAll)}   ${cell(T, iAll)}    ${cell(q, cQ)}   ${cell(q, iQ)}`);
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
