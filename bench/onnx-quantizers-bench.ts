/**
 * `tsx bench/onnx-quantizers-bench.ts`: encode frames/s per quantizer family, ONNX Runtime
 * (`OnnxEncoder`, one intra-op thread) against TensorFlow.js on wasm (`Tokenizer.encode`, one
 * thread), in this process, on the reference model (64×64×16 continuous frames, hidden 64,
 * 2 stages → 16×16 tokens; K 512 and D 32 for the codebook families), batches of 16, random
 * weights (the quantizer's share of the time does not depend on them). The token ids of the two
 * engines are compared on the way (cells that differ are printed). `vq-vae-2` is the
 * hierarchical architecture (its own network, two codebooks; a cell differs if either level
 * does). `titok` is the TiTok 1D tokenizer (conv stem, 32 queries through 2 cross-attention
 * blocks of 4 heads over the 16×16 grid, K 512 VQ; its latents standardised on the frames first,
 * since a random TiTok gives every token nearly one latent). Not a test: figures depend on the machine and its load. `ONNX_QBENCH_FRAMES` (64)
 * frames per pass, `ONNX_QBENCH_PASSES` (2), `ONNX_QBENCH_ONLY` a comma-separated list of family
 * names.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../src-main/contract';
import { initBackend } from '../src-main/engine/backend';
import { OnnxEncoder } from '../src-main/engine/onnx/onnx-encoder';
import { standardiseTiTokLatents } from '../src-main/engine/onnx/titok-test-latents';
import { Tokenizer } from '../src-main/engine/tokenizer';
import { Rng } from '../src-main/util/rng';

const SIZE = 64;
const CHANNELS = 16;
const BATCH = 16;
const FRAMES = Number(process.env.ONNX_QBENCH_FRAMES ?? 64);
const PASSES = Number(process.env.ONNX_QBENCH_PASSES ?? 2);
const ONLY = (process.env.ONNX_QBENCH_ONLY ?? '').split(',').filter(Boolean);

type Arch = 'hierarchical' | 'titok';

const FAMILIES: Array<{ name: string; quantizer: TrainConfig['quantizer']; latent: number; arch?: Arch }> = [
  { name: 'vq', quantizer: { kind: 'vq', codebookSize: 512 }, latent: 32 },
  { name: 'vq-cosine', quantizer: { kind: 'vq', codebookSize: 512, cosine: true }, latent: 32 },
  { name: 'vq-gumbel', quantizer: { kind: 'vq', codebookSize: 512, assignment: 'gumbel' }, latent: 32 },
  { name: 'rvq×4', quantizer: { kind: 'rvq', codebookSize: 512, depth: 4 }, latent: 32 },
  { name: 'gvq×2', quantizer: { kind: 'gvq', codebookSize: 512, depth: 2 }, latent: 32 },
  { name: 'mhvq×4', quantizer: { kind: 'mhvq', codebookSize: 512, depth: 4, projection: 'learned' }, latent: 32 },
  { name: 'fsq', quantizer: { kind: 'fsq', levels: [8, 8, 8, 5, 5, 5] }, latent: 6 },
  { name: 'rfsq×3', quantizer: { kind: 'rfsq', levels: [8, 5, 5, 5], depth: 3 }, latent: 4 },
  { name: 'lfq', quantizer: { kind: 'lfq' }, latent: 16 },
  { name: 'bsq', quantizer: { kind: 'bsq' }, latent: 16 },
  { name: 'rlfq×3', quantizer: { kind: 'rlfq', depth: 3 }, latent: 12 },
  // VQ-VAE-2 (hier-graph.ts): its own network (hidden 64: enc_b, enc_t, dec_t…), two codebooks of 512 × 32; 16×16 bottom, 8×8 top.
  { name: 'vq-vae-2', quantizer: { kind: 'vq', codebookSize: 512 }, latent: 32, arch: 'hierarchical' },
  // TiTok (titok-graph.ts): the conv stem, then 32 queries cross-attend to the 16×16 grid (2 blocks, 4 heads); 32 tokens of K 512 × 32.
  { name: 'titok', quantizer: { kind: 'vq', codebookSize: 512 }, latent: 32, arch: 'titok' },
];

/** TiTok's settings in the bench: TiTok's 32 tokens, the 16×16 grid of 64×64 frames at 4×. */
const TITOK = { tokens: 32, gridHeight: SIZE / 4, gridWidth: SIZE / 4, layers: 2, heads: 4 };

function cfg(quantizer: TrainConfig['quantizer'], latent: number, arch?: Arch): TrainConfig {
  return {
    model: { inChannels: CHANNELS, hidden: 64, latentDim: latent, stages: 2, ...(arch ? { arch } : {}), ...(arch === 'titok' ? { titok: TITOK } : {}) },
    quantizer,
    learningRate: 1e-3,
    steps: 1,
    batchSize: BATCH,
    crop: 0,
    seed: 1,
    checkpointEvery: 0,
  };
}

async function main(): Promise<void> {
  await initBackend({ prefer: ['wasm'] });
  const per = CHANNELS * SIZE * SIZE;
  const rng = new Rng(7);
  const frames = Float32Array.from({ length: FRAMES * per }, () => rng.range(-1, 1));
  const shape = (n: number): [number, number, number, number] => [n, CHANNELS, SIZE, SIZE];
  console.log(`ONNX quantizer bench: ${FRAMES} frames ${SIZE}×${SIZE}×${CHANNELS} × ${PASSES} passes, batch ${BATCH}, one thread each (tfjs ${tf.getBackend()})`);
  console.log('family      ids/cell  tfjs fps  onnx fps  ratio  differing cells');
  for (const f of FAMILIES) {
    if (ONLY.length && !ONLY.includes(f.name)) continue;
    const tok = new Tokenizer(cfg(f.quantizer, f.latent, f.arch), { kind: 'continuous' });
    if (f.arch === 'titok') {
      const x = tf.tensor4d(frames.subarray(0, BATCH * per), shape(BATCH));
      standardiseTiTokLatents(tok, x);
      x.dispose();
    }
    const enc = await OnnxEncoder.create(tok);
    if ('refused' in enc) {
      console.log(`${f.name.padEnd(11)} refused: ${enc.refused}`);
      tok.dispose();
      continue;
    }
    const batches: Array<[number, number]> = [];
    for (let s = 0; s < FRAMES; s += BATCH) batches.push([s, Math.min(BATCH, FRAMES - s)]);
    const tfjsIds: Int32Array[] = [];
    const tfjsPass = async (keep: boolean) => {
      for (const [s, n] of batches) {
        const x = tf.tensor4d(frames.subarray(s * per, (s + n) * per), shape(n));
        const r = tok.encode(x);
        const ids = (await r.indices.data()) as Int32Array;
        await r.quantError.data();
        if (keep) tfjsIds.push(ids);
        tf.dispose([x, r.indices, r.quantError]);
      }
    };
    const onnxIds: Int32Array[] = [];
    const onnxPass = async (keep: boolean) => {
      for (const [s, n] of batches) {
        const r = await enc.encodeBatch(frames.subarray(s * per, (s + n) * per), shape(n));
        if (keep) onnxIds.push(r.ids);
      }
    };
    const time = async (pass: (keep: boolean) => Promise<void>) => {
      await pass(true); // warm-up, and the ids to compare
      const t = performance.now();
      for (let p = 0; p < PASSES; p++) await pass(false);
      return (PASSES * FRAMES) / ((performance.now() - t) / 1000);
    };
    const tfjsFps = await time(tfjsPass);
    const onnxFps = await time(onnxPass);
    const depth = tok.quantizer.depth;
    let differ = 0;
    let cells = 0;
    for (let b = 0; b < tfjsIds.length; b++) {
      const a = tfjsIds[b]!;
      const o = onnxIds[b]!;
      for (let c = 0; c < a.length / depth; c++) {
        cells++;
        for (let l = 0; l < depth; l++) {
          if (a[c * depth + l] !== o[c * depth + l]) {
            differ++;
            break;
          }
        }
      }
    }
    console.log(
      `${f.name.padEnd(11)} ${String(depth).padStart(8)}  ${tfjsFps.toFixed(0).padStart(8)}  ${onnxFps.toFixed(0).padStart(8)}  ${(onnxFps / tfjsFps).toFixed(2).padStart(5)}  ${differ} of ${cells}`,
    );
    await enc.dispose();
    tok.dispose();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
