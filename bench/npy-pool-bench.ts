/**
 * Whole-sequence encoding by an InferencePool on ONNX Runtime, of the same frames from memory and
 * from a .npy file that each worker opens and reads itself (lines from bench/engine-bench.ts's
 * pool, without the training part). `npx tsx bench/npy-pool-bench.ts [reference|occ3d]`; the
 * tokenizer is untrained (random weights): the encode's cost does not depend on them.
 * Frames/s over `encodePasses` passes after a warm-up pass each way; the file's ratio to memory
 * is the figure to look at (npy-into: reading a lazily opened .npy should cost about nothing),
 * with the CPU time per frame of all the process's threads (steadier than wall time on a busy machine).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../src-main/engine/backend';
import { InferencePool } from '../src-main/engine/infer/inference-pool';
import { VectorQuantizer } from '../src-main/engine/quantizers/vq';
import { Tokenizer } from '../src-main/engine/tokenizer';
import { plainWeights } from '../src-main/engine/train/snapshot';
import { Rng } from '../src-main/util/rng';
import { benchConfig, benchFrameSources, OCC3D_SIZE, REFERENCE } from './engine-bench';

async function main(): Promise<void> {
  const o = process.argv[2] === 'occ3d' ? OCC3D_SIZE : REFERENCE;
  const passes = Number(process.env.PASSES) || Math.max(3, o.encodePasses);
  await initBackend({ prefer: ['wasm'] });
  const cfg = benchConfig(o);
  const tokenizer = new Tokenizer(cfg, { kind: 'continuous' }, new VectorQuantizer({ dim: o.latent, codebookSize: o.codebook, seed: 0 }));
  const weights = await plainWeights(tokenizer);
  tokenizer.dispose();
  const rng = new Rng(1);
  const frames = new Float32Array(o.encodeFrames * o.channels * o.size * o.size).map(() => rng.next());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'npy-pool-bench-'));
  try {
    const { source, file } = await benchFrameSources(o, frames, dir);
    const pool = await InferencePool.create({ config: cfg, encoding: { kind: 'continuous' }, weights, backend: { prefer: ['wasm'] }, encodeEngine: 'onnxruntime' });
    try {
      const fromFile = () => pool.encode({ kind: 'path', path: file }, undefined, { batchSize: o.encodeBatch });
      const fromMemory = () => pool.encode(source, o.encodeFrames, { batchSize: o.encodeBatch });
      // Same tokens both ways, or the figures mean nothing.
      const [a, b] = [await fromMemory(), await fromFile()];
      if (a.tokens.some((v, i) => v !== b.tokens[i])) throw new Error('the file and memory gave different tokens');
      // Wall time, and the process's CPU time (every thread: the workers, ONNX Runtime's, libuv's
      // reads), which a busy shared machine disturbs far less than wall time.
      const fps = async (run: () => Promise<unknown>) => {
        const t = performance.now();
        const cpu0 = process.cpuUsage();
        for (let p = 0; p < passes; p++) await run();
        const cpu = process.cpuUsage(cpu0);
        const frames = passes * o.encodeFrames;
        return { fps: frames / ((performance.now() - t) / 1000), cpuMs: (cpu.user + cpu.system) / 1000 / frames };
      };
      // Interleaved, so that a change in the machine's load hits both.
      const mem: Array<{ fps: number; cpuMs: number }> = [];
      const fil: Array<{ fps: number; cpuMs: number }> = [];
      for (let r = 0; r < 3; r++) {
        mem.push(await fps(fromMemory));
        fil.push(await fps(fromFile));
      }
      const m = Math.max(...mem.map((x) => x.fps));
      const f = Math.max(...fil.map((x) => x.fps));
      const mc = Math.min(...mem.map((x) => x.cpuMs));
      const fc = Math.min(...fil.map((x) => x.cpuMs));
      console.log(
        `${o === REFERENCE ? 'reference' : 'occ3d'} ${o.encodeFrames}×${o.channels}×${o.size}×${o.size}, batch ${o.encodeBatch}, ${pool.engineLabel}: ` +
          `memory ${m.toFixed(1)} frames/s, file ${f.toFixed(1)} frames/s (${(f / m).toFixed(2)}×), best of 3 × ${passes} passes ` +
          `[memory ${mem.map((x) => x.fps.toFixed(0)).join(', ')}; file ${fil.map((x) => x.fps.toFixed(0)).join(', ')}]; ` +
          `CPU ms per frame, all threads: memory ${mc.toFixed(2)}, file ${fc.toFixed(2)} (+${(fc - mc).toFixed(2)})`,
      );
    } finally {
      await pool.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`npy pool bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
