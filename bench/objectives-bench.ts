/**
 * What each codebook objective costs: one quantizer training step (forward + gradients to the
 * latents and the codebook) of VQ at K 512, D 32, N 2048 latents (a batch of 8 64×64 frames at
 * 4× down), without objectives and with each one alone, then all together. Median of 10 steps
 * after 3 warm-up steps, on the wasm backend (BENCH_BACKEND to change it).
 * Run: npx tsx bench/objectives-bench.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src-main/engine/backend/init-backend';
import type { BackendName, CodebookObjectives } from '../src-main/contract';
import { VectorQuantizer } from '../src-main/engine/quantizers/vq';
import { Rng } from '../src-main/util/rng';

const K = Number(process.env.BENCH_K ?? 512);
const D = 32;
const N = 2048;

const CASES: Array<[string, CodebookObjectives]> = [
  ['none', {}],
  ['orthogonal (used codes)', { orthogonal: 1 }],
  ['orthogonal (max 128 codes)', { orthogonal: 1, orthogonalMaxCodes: 128 }],
  ['norm', { norm: 1 }],
  ['repulsion', { repulsion: 1 }],
  ['variance hinge', { varianceHinge: 1 }],
  ['InfoNCE', { infonce: 1 }],
  ['VICReg variance', { vicregVariance: 1 }],
  ['VICReg covariance', { vicregCovariance: 1 }],
  ['all', { orthogonal: 1, norm: 1, repulsion: 1, varianceHinge: 1, infonce: 1, vicregVariance: 1, vicregCovariance: 1 }],
];

async function time(objectives: CodebookObjectives): Promise<number> {
  const vq = new VectorQuantizer({ dim: D, codebookSize: K, seed: 1, objectives });
  const rng = new Rng(2);
  const z = tf.variable(tf.tensor2d(Float32Array.from({ length: N * D }, () => rng.normal()), [N, D]));
  const vars = [z, ...vq.trainableVariables()];
  const times: number[] = [];
  for (let i = 0; i < 13; i++) {
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => vq.quantize(z as unknown as tf.Tensor2D, { training: true }).loss, vars);
    await Promise.all(Object.values(grads).map((g) => g.data()));
    if (i >= 3) times.push(performance.now() - t0);
    tf.dispose([value, ...Object.values(grads)]);
  }
  z.dispose();
  vq.dispose();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const backend = (process.env.BENCH_BACKEND ?? 'wasm') as BackendName;
await initBackend({ prefer: [backend] });
console.log(`codebook objectives, VQ K ${K}, D ${D}, N ${N}, backend ${tf.getBackend()}: median ms per quantizer step (forward + gradients)`);
const base = await time({});
for (const [name, o] of CASES) {
  const ms = name === 'none' ? base : await time(o);
  console.log(`${name.padEnd(28)} ${ms.toFixed(1).padStart(8)} ms   ${name === 'none' ? '' : `+${(ms - base).toFixed(1)} ms`}`);
}
