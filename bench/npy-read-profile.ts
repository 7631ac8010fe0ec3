/**
 * Where a lazily read .npy frame's time goes before the encoder sees it
 * (`npx tsx bench/npy-read-profile.ts`; writes ~360 MB of temp files, reads them from the page cache).
 * Per frame, for the reference size (128 × 16×64×64 float32) and an Occ3D-size one (16 × 128×200×200):
 * - read, fresh: `readRange` into a freshly allocated array (what `openNpySequence` does per frame);
 * - read, reused: the same positioned read into memory that was touched before (no first-touch faults);
 * - conversion: `decodeNpyValues` + `toFloat32` (a view for float32 little-endian);
 * - finite check: `checkFinite` on the frame;
 * - copy into staging: `encodeSequence`'s `staging.set(frame.data)`;
 * - whole `getFrame` of the lazy sequence (uncached), for comparison with the sum.
 * Median of all frames over a few passes, in ms per frame and MB/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkFinite } from '../src-main/data/array-sequence';
import { decodeNpyValues, shapeSize, toFloat32, writeNpy } from '../src-main/data/npy';
import { openNpySequence, readNpyHeader } from '../src-main/data/npy-lazy-sequence';
import { openRegularFile, readRange } from '../src-main/data/read-bytes';

const PASSES = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'npy-read-profile-'));
  try {
    console.log(`ms per frame (MB/s), median over ${PASSES} passes of every frame, float32 from the page cache`);
    for (const shape of [
      [128, 16, 64, 64],
      [16, 128, 200, 200],
    ]) {
      const [T, ...rest] = shape as [number, ...number[]];
      const per = shapeSize(rest);
      const data = new Float32Array(T * per);
      for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.001);
      const file = path.join(dir, `${shape.join('x')}.npy`);
      await writeNpy(file, data, shape);
      const header = await readNpyHeader(file);
      const frameBytes = per * 4;
      const { handle } = await openRegularFile(file);
      const staging = new Float32Array(per);
      staging.fill(1); // touched: as encodeSequence's buffer is after its first batch
      const reused = new Uint8Array(frameBytes);
      reused.fill(1);
      const t: Record<string, number[]> = { 'read, fresh': [], 'read, reused': [], conversion: [], 'finite check': [], 'copy into staging': [], 'getFrame (all)': [] };
      try {
        for (let pass = 0; pass < PASSES + 1; pass++) {
          const keep = pass > 0; // pass 0 warms the JIT and the page cache
          for (let f = 0; f < T; f++) {
            const at = header.dataStart + f * frameBytes;
            let t0 = performance.now();
            const raw = await readRange(handle, file, at, frameBytes);
            const tRead = performance.now() - t0;
            t0 = performance.now();
            await handle.read(reused, 0, frameBytes, at);
            const tReused = performance.now() - t0;
            t0 = performance.now();
            const values = toFloat32({ dtype: header.dtype, shape: rest, data: decodeNpyValues(raw, header, per) });
            const tConv = performance.now() - t0;
            t0 = performance.now();
            checkFinite(values, rest, `${file}[${f}]`);
            const tFinite = performance.now() - t0;
            t0 = performance.now();
            staging.set(values);
            const tCopy = performance.now() - t0;
            if (keep) {
              t['read, fresh']!.push(tRead);
              t['read, reused']!.push(tReused);
              t.conversion!.push(tConv);
              t['finite check']!.push(tFinite);
              t['copy into staging']!.push(tCopy);
            }
          }
          const seq = await openNpySequence(file, { cacheFrames: 0, header });
          const t0 = performance.now();
          for (let f = 0; f < T; f++) await seq.getFrame(f);
          if (keep) t['getFrame (all)']!.push((performance.now() - t0) / T);
        }
      } finally {
        await handle.close();
      }
      console.log(`\n${shape.join('×')} (${(frameBytes / 1e6).toFixed(2)} MB a frame)`);
      for (const [k, v] of Object.entries(t)) {
        const ms = median(v);
        console.log(`  ${k.padEnd(20)} ${ms.toFixed(3).padStart(8)} ms  (${(frameBytes / 1e6 / (ms / 1000)).toFixed(0).padStart(6)} MB/s)`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`npy read profile failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
