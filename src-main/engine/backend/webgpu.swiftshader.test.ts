/**
 * The webgpu backend (Dawn + tfjs-backend-webgpu) on SwiftShader, Chromium's CPU implementation
 * of Vulkan, so that it is tested on machines without a GPU. SwiftShader compiles every shader
 * on the CPU (seconds each), so the models are tiny and everything runs once, at collection
 * time, with the measured differences in the test names.
 *
 * Checked: the backend is chosen only when asked for (a software adapter), the quantizer
 * fixtures of vector-quantize-pytorch match with the wasm tests' tolerances, a tiny tokenizer's
 * training losses match wasm's within 1e-4 relative with no tensor or GPU-memory growth across
 * steps, encoding gives wasm's ids (a differing id only where its two nearest codes are equally
 * near: a near-tie), and the CLI trains, encodes and lists the adapter with `--backend webgpu`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BackendStatus, TrainConfig } from '../../contract';
import { readNpy } from '../../data/npy';
import { createProceduralSequence } from '../../data/procedural-scene';
import { encodeSequence } from '../infer/encode-sequence';
import { runFsqFixture } from '../quantizers/fsq-fixture-run';
import { runRvqLfqFixture } from '../quantizers/rvq-lfq-fixture-run';
import { haveFixtures, repoRoot } from '../quantizers/test-backend';
import { runVqEmaFixture } from '../quantizers/vq-ema-fixture-run';
import { Tokenizer } from '../tokenizer';
import { BatchSampler } from '../train/batch-sampler';
import { Trainer } from '../train/trainer';
import { initBackend } from './init-backend';
import { setupSwiftShader } from './test-swiftshader';

const sw = setupSwiftShader();
const fixtures = haveFixtures();
const seq = createProceduralSequence({ seed: 3, frames: 4, size: 16 });
const STEPS = 3;
const cfg: TrainConfig = {
  model: { inChannels: seq.channels, hidden: 8, latentDim: 4, stages: 2 },
  quantizer: { kind: 'vq', codebookSize: 16 },
  learningRate: 3e-3,
  steps: STEPS,
  batchSize: 2,
  crop: 0,
  seed: 1,
  checkpointEvery: 0,
};

interface Trained {
  losses: number[];
  tensorsAfterStep: number[];
  gpuBytesAfterStep: number[];
  /** Weights after training, as plain arrays (to encode with the same weights on the other backend). */
  weights: Record<string, { data: Float32Array; shape: number[] }>;
}

async function train(): Promise<Trained> {
  const tok = new Tokenizer(cfg, seq.encoding);
  const trainer = new Trainer(tok, cfg);
  const sampler = new BatchSampler(seq, cfg.batchSize, cfg.crop, cfg.seed, tok.arch.factor);
  const out: Trained = { losses: [], tensorsAfterStep: [], gpuBytesAfterStep: [], weights: {} };
  for (let i = 0; i < STEPS; i++) {
    out.losses.push((await trainer.trainStep(await sampler.next())).loss);
    const mem = tf.memory() as tf.MemoryInfo & { numBytesInGPUAllocated?: number; numBytesInGPU?: number };
    out.tensorsAfterStep.push(mem.numTensors);
    out.gpuBytesAfterStep.push(mem.numBytesInGPU ?? 0);
  }
  const sd = tok.stateDict();
  for (const [k, t] of Object.entries(sd)) out.weights[k] = { data: (await t.data()) as Float32Array, shape: [...t.shape] };
  tf.dispose(Object.values(sd));
  trainer.dispose();
  tok.dispose();
  return out;
}

/** Token ids and quantization errors of the whole sequence with the given weights. */
async function encodeWith(weights: Trained['weights']) {
  const tok = new Tokenizer(cfg, seq.encoding);
  const sd: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(weights)) sd[k] = tf.tensor(v.data, v.shape);
  tok.loadStateDict(sd, 'wasm-trained weights');
  tf.dispose(Object.values(sd));
  const r = await encodeSequence(tok, seq, { batchSize: 2 });
  tok.dispose();
  return r;
}

const relDiff = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-12);

async function runAll() {
  // Nothing forced: the software adapter must be passed over.
  delete process.env.TOKENSCOPE_BACKEND;
  const auto = await initBackend({ allowNative: true });
  const before = tf.memory().numTensors;

  const wasm = await train();
  const wasmIds = await encodeWith(wasm.weights);

  const forced: BackendStatus = await initBackend({ allowNative: true, prefer: ['webgpu'] });
  const gpu = await train();
  const gpuIds = await encodeWith(wasm.weights);
  const fixtureRuns = fixtures ? { vq: await runVqEmaFixture(), rvqLfq: await runRvqLfqFixture(), fsq: await runFsqFixture() } : null;
  const leaked = tf.memory().numTensors - before;
  await initBackend({ prefer: ['wasm'] });

  const differing: number[] = [];
  let worstTie = 0;
  for (let i = 0; i < wasmIds.tokens.length; i++) {
    if (wasmIds.tokens[i] === gpuIds.tokens[i]) continue;
    differing.push(i);
    worstTie = Math.max(worstTie, relDiff(wasmIds.quantError[i]!, gpuIds.quantError[i]!));
  }
  return {
    auto,
    forced,
    wasm,
    gpu,
    lossRel: Math.max(...wasm.losses.map((l, i) => relDiff(l, gpu.losses[i]!))),
    ids: wasmIds.tokens.length,
    differing,
    worstTie,
    errRel: Math.max(...Array.from(wasmIds.quantError, (e, i) => Math.abs(e - gpuIds.quantError[i]!) / Math.max(e, 1e-3))),
    fixtureRuns,
    leaked,
  };
}

const res = sw.ok ? await runAll() : null;
const e = (v: number | undefined) => (v === undefined ? 'n/a' : v.toExponential(2));
const skip = sw.ok ? '' : ` (skipped: ${sw.reason})`;

describe.skipIf(!sw.ok)(`webgpu backend on SwiftShader${skip}`, () => {
  it('a software adapter is never chosen on its own: the default order passes over it and says why', () => {
    expect(res!.auto.name).not.toBe('webgpu');
    expect(res!.auto.reason).toMatch(/webgpu: the only adapter is a software one \(google swiftshader/);
  });

  it('asked for by name, webgpu runs on SwiftShader and the status names the adapter as software', () => {
    expect(res!.forced.name).toBe('webgpu');
    expect(res!.forced.adapter).toMatchObject({ architecture: 'swiftshader', software: true });
    expect(res!.forced.reason).toContain('SwiftShader');
  });

  it(`a tiny tokenizer's ${STEPS} training losses match wasm within 1e-4 relative (max ${e(res?.lossRel)})`, () => {
    expect(res!.gpu.losses.every(Number.isFinite)).toBe(true);
    expect(res!.lossRel).toBeLessThanOrEqual(1e-4);
  });

  it(`no growth across steps: tensors [${res?.gpu.tensorsAfterStep.join(', ')}], GPU bytes [${res?.gpu.gpuBytesAfterStep.join(', ')}]; none left after all runs`, () => {
    const t = res!.gpu.tensorsAfterStep;
    expect(t.every((n) => n === t[0])).toBe(true);
    const g = res!.gpu.gpuBytesAfterStep;
    expect(g[0]).toBeGreaterThan(0);
    expect(g.every((n) => n === g[0])).toBe(true);
    expect(res!.leaked).toBe(0);
  });

  it(`encoding with the same weights gives wasm's ids on ${res?.ids} cells; differing [${res?.differing.join(', ')}] only at near-ties (max rel. Δ of their errors ${e(res?.worstTie)}); quantization errors within ${e(res?.errRel)}`, () => {
    expect(res!.ids).toBe(4 * 4 * 4);
    // A differing id is acceptable only where both backends' chosen codes are equally near.
    expect(res!.worstTie).toBeLessThanOrEqual(1e-4);
    expect(res!.differing.length).toBeLessThanOrEqual(2);
    expect(res!.errRel).toBeLessThanOrEqual(1e-3);
  });
});

describe.skipIf(!sw.ok || !fixtures)(`vector-quantize-pytorch fixtures on webgpu, wasm's tolerances${skip || (fixtures ? '' : ' (skipped: ../shared/fixtures absent)')}`, () => {
  const f = res?.fixtureRuns;
  it(`VQ-EMA step: outputs, loss, EMA codebook and eval within 1e-5 (train ${e(f?.vq.trainOut)}, codebook ${e(f?.vq.codebook)}, eval ${e(f?.vq.evalOut)}), indices identical, no leaks`, () => {
    const v = f!.vq;
    for (const d of [v.trainOut, v.commit, v.commitPart, v.codebook, v.clusterSize, v.embedAvg, v.evalOut]) expect(d).toBeLessThanOrEqual(1e-5);
    expect(v.trainIdx).toEqual(v.expectTrainIdx);
    expect(v.evalIdx).toEqual(v.expectEvalIdx);
    expect(v.leaked).toBe(0);
  });
  it(`residual VQ and LFQ: indices identical, outputs within 1e-6 (rvq ${e(f?.rvqLfq.rvq.out)}) and exact (lfq ${e(f?.rvqLfq.lfq.out)})`, () => {
    const r = f!.rvqLfq;
    expect(r.rvq.indices).toEqual(r.rvq.expectIndices);
    expect(r.rvq.out).toBeLessThanOrEqual(1e-6);
    expect(r.rvq.back).toBeLessThanOrEqual(1e-6);
    expect(r.lfq.indices).toEqual(r.lfq.expectIndices);
    expect(r.lfq.out).toBe(0);
    expect(r.lfq.back).toBe(0);
    expect(r.leaked).toBe(0);
  });
  it(`FSQ [8,5,5,5]: exact on z_lin, z_rand, z_img; z_edge differs only on its .5-tie rows 1–7 (differing: [${f?.fsq.results.z_edge?.badRows.join(', ')}])`, () => {
    const r = f!.fsq.results;
    for (const name of ['z_lin', 'z_rand', 'z_img']) {
      expect(r[name]!.badRows).toEqual([]);
      expect(r[name]!.roundTripMaxDiff).toBe(0);
    }
    expect(r.z_edge!.badRows.every((row) => row >= 1 && row <= 7)).toBe(true);
    expect(f!.fsq.implicit.codebook).toBe(0);
    expect(f!.fsq.implicit.levels).toBe(0);
    expect(f!.fsq.leaked).toBe(0);
  });
});

/** The CLI as a user runs it, with the test's Vulkan driver in its environment. */
function tokenscope(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...sw.env, NO_COLOR: '1' };
    delete env.TOKENSCOPE_BACKEND;
    execFile(process.execPath, [path.join(repoRoot, 'bin/tokenscope.mjs'), ...args], { cwd, env, timeout: 400_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe.skipIf(!sw.ok)(`tokenscope CLI with --backend webgpu on SwiftShader${skip}`, () => {
  it('`backends` lists every backend and reports the adapter as software, usable only when asked for', async () => {
    const r = await tokenscope(['backends', '--json'], repoRoot);
    expect(r.code).toBe(0);
    const all = JSON.parse(r.stdout) as Array<{ name: string; role: string; usable: boolean; automatic: boolean; adapter?: { software: boolean; architecture: string } }>;
    const list = all.filter((b) => b.role === 'compute');
    expect(list.map((b) => b.name)).toEqual(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
    // ONNX Runtime is listed as what it is: an encoder, not a compute backend.
    expect(all.filter((b) => b.role === 'encode').map((b) => b.name)).toEqual(['onnxruntime']);
    const gpu = list.find((b) => b.name === 'webgpu')!;
    expect(gpu).toMatchObject({ usable: true, automatic: false, adapter: { software: true, architecture: 'swiftshader' } });
    expect(list.find((b) => b.name === 'wasm')).toMatchObject({ usable: true, automatic: true });
  }, 300_000);

  it('trains and encodes end to end; the banner names the software adapter', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-webgpu-'));
    try {
      const scene = ['--frames', '4', '--size', '16'];
      const ckpt = path.join(dir, 'tok.ckpt');
      const t = await tokenscope(['train', '--backend', 'webgpu', '--steps', '2', ...scene, '--batch', '2', '--hidden', '8', '--latent', '4', '-K', '16', '-o', ckpt, '--json'], dir);
      expect(t.stderr).toMatch(/^tokenscope \S+ · backend: webgpu \(WebGPU \(Dawn\) on google swiftshader .*, software\)/);
      expect(t.code, t.stderr).toBe(0);
      // The training worker thread inherited the choice (TOKENSCOPE_BACKEND), not only the CLI's thread.
      expect(JSON.parse(t.stdout.trim().split('\n').pop()!)).toMatchObject({ step: 2, backend: 'webgpu' });
      expect((await stat(ckpt)).size).toBeGreaterThan(1000);
      const ids = path.join(dir, 'ids.npy');
      const enc = await tokenscope(['encode', ckpt, '--backend', 'webgpu', ...scene, '-o', ids], dir);
      expect(enc.stderr).toMatch(/backend: webgpu/);
      expect(enc.code, enc.stderr).toBe(0);
      const arr = await readNpy(ids);
      expect(arr.shape).toEqual([4, 4, 4]);
      expect(Array.from(arr.data as Int32Array).every((v) => v >= 0 && v < 16)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
