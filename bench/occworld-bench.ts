/**
 * `tsx bench/occworld-bench.ts` (also run by `npm run bench`): OccWorld's own tokenizer size
 * (ch 64, ch_mult [1, 2, 4], 2 res blocks, attention at 50, z 128, n_e 512, e_dim 128: ~14 M
 * parameters, 200×200×16 voxels → 50×50 tokens) on the real Occ3D-nuScenes frame: encoded frames
 * per second, one fine-tuning step (10·CE + Lovász + VQ, Adam, batch 1, a 96×96 crop), peak memory;
 * the same model in PyTorch on the CPU in the same run (resources/pytorch/occworld_vae.py), and
 * the ratios. Not a test: figures depend on the machine and its load.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src-main/engine/backend';
import { occworldPaperConfig } from '../src-main/engine/occworld/occworld-config';
import { occworldModelConfig } from '../src-main/engine/occworld/occworld-model-config';
import { Tokenizer } from '../src-main/engine/tokenizer';
import { Trainer } from '../src-main/engine/train/trainer';
import { openPath } from '../src-main/data/open-path';
import { benchOnnxEncode, type OnnxEncodeFigures } from './occworld-onnx-bench';

const here = path.dirname(fileURLToPath(import.meta.url));
const PY = '/usr/bin/python3';
const SAMPLE = path.resolve(here, '../../shared/data/occ3d-nuscenes-sample/labels.npz');
const ENCODES = Number(process.env.OCCWORLD_BENCH_ENCODES ?? 3);
/**
 * Side of the fine-tuning step's square crop (0 = the whole 200×200 frame), and whether Lovász is
 * on. 96 by default: the whole frame's training step outgrows the wasm backend's heap (it aborts);
 * PyTorch's whole-frame step is printed beside.
 */
const STEP_CROP = Number(process.env.OCCWORLD_BENCH_CROP ?? 96);
const LOVASZ = process.env.OCCWORLD_BENCH_LOVASZ !== '0';

const TORCH = String.raw`
import json, sys, time, resource, numpy as np, torch
sys.path.insert(0, sys.argv[1])
from occworld_vae import VAERes2D, occworld_loss
torch.set_num_threads(int(sys.argv[4]))
torch.manual_seed(0)
model = VAERes2D(**json.loads(sys.argv[3]))
vox = torch.from_numpy(np.load(sys.argv[2])['semantics'].astype(np.int64))[None]
n = int(sys.argv[5])
model.eval(); model.encode_ids(vox)
t0 = time.perf_counter()
for _ in range(n): model.encode_ids(vox)
enc = n / (time.perf_counter() - t0)
model.train()
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
crop = int(sys.argv[6])
def step(v):
    opt.zero_grad(); logits, vq, _ = model(v); occworld_loss(logits, v, vq).backward(); opt.step()
def timed(v):
    step(v)
    t0 = time.perf_counter(); step(v); return (time.perf_counter() - t0) * 1000
ms = timed(vox[:, :crop, :crop] if crop > 0 else vox)
whole = timed(vox) if crop > 0 else ms
print(json.dumps({'encode_fps': enc, 'step_ms': ms, 'whole_step_ms': whole, 'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'threads': torch.get_num_threads()}))
`;

const mb = (b: number) => (b / 2 ** 20).toFixed(0);
/** How the fine-tuning step was run, for both sides' lines. */
let what = '';

async function main(): Promise<void> {
  const status = await initBackend({ allowNative: true });
  const occ = occworldPaperConfig();
  const seq = await openPath(SAMPLE);
  const cfg = {
    model: { ...occworldModelConfig(occ), occworldLoss: { ce: 10, lovasz: LOVASZ ? 1 : 0 } },
    quantizer: { kind: 'vq' as const, codebookSize: occ.vqvae_cfg.n_e, beta: occ.vqvae_cfg.beta },
    learningRate: 1e-4,
    steps: 2,
    batchSize: 1,
    crop: 0,
    seed: 0,
    checkpointEvery: 0,
  };
  const tok = new Tokenizer(cfg, seq.encoding);
  const params = Object.values(tok.nets.params()).reduce((s, v) => s + v.size, 0) + occ.vqvae_cfg.n_e * occ.vqvae_cfg.e_dim;
  console.log(`OccWorld tokenizer (${status.name}): ${(params / 1e6).toFixed(2)} M parameters, ${seq.height}×${seq.width}×16 Occ3D frame → 50×50 tokens`);
  const frame = await seq.getFrame(0);
  const x = tf.tensor4d(frame.data, [1, frame.channels, frame.height, frame.width]);
  let peakRss = process.memoryUsage().rss;
  const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
  const encodeOnce = async () => {
    const r = tok.encode(x);
    await r.indices.data();
    tf.dispose([r.indices, r.quantError]);
    sample();
  };
  await encodeOnce();
  const t0 = performance.now();
  for (let i = 0; i < ENCODES; i++) await encodeOnce();
  const encodeFps = ENCODES / ((performance.now() - t0) / 1000);
  console.log(`ours: ${encodeFps.toFixed(3)} encoded frames/s (one thread), peak RSS so far ${mb(peakRss)} MiB; now ONNX Runtime…`);
  const onnx: OnnxEncodeFigures | { skipped: string } = await benchOnnxEncode(tok, seq, frame.data, ENCODES);
  if ('skipped' in onnx) console.log(`ONNX Runtime: skipped (${onnx.skipped})`);
  else console.log(`ONNX Runtime ${onnx.version}: ${onnx.oneThreadFps.toFixed(3)} encoded frames/s (one thread)${onnx.poolFps === null ? '' : `, ${onnx.poolFps.toFixed(3)} with a pool of ${onnx.poolWorkers} workers`}; now one fine-tuning step…`);
  const trainer = new Trainer(tok);
  const xs = STEP_CROP > 0 ? tf.slice(x, [0, 0, 0, 0], [1, -1, STEP_CROP, STEP_CROP]) : x;
  await trainer.trainStep(xs);
  sample();
  const t1 = performance.now();
  await trainer.trainStep(xs);
  const stepMs = performance.now() - t1;
  sample();
  what = `batch 1, ${STEP_CROP > 0 ? `${STEP_CROP}×${STEP_CROP} crop` : 'whole frame'}${LOVASZ ? '' : ', no Lovász'}`;
  console.log(`ours: ${encodeFps.toFixed(3)} encoded frames/s (one thread), ${stepMs.toFixed(0)} ms per fine-tuning step (${what}), peak RSS ${mb(peakRss)} MiB`);
  trainer.dispose();
  tok.dispose();
  if (xs !== x) xs.dispose();
  x.dispose();

  const hasTorch = existsSync(PY) && spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  if (!hasTorch) {
    console.log(`PyTorch: skipped (${PY} cannot import torch)`);
    return;
  }
  const threads = os.availableParallelism?.() ?? os.cpus().length;
  const r = spawnSync(PY, ['-c', TORCH, path.resolve(here, '../resources/pytorch'), SAMPLE, JSON.stringify(occ), String(threads), String(ENCODES), String(STEP_CROP)], {
    encoding: 'utf8',
    maxBuffer: 16 * 2 ** 20,
  });
  if (r.status !== 0) {
    console.log(`PyTorch: failed (${r.stderr.trim().split('\n').pop()})`);
    return;
  }
  const t = JSON.parse(r.stdout.trim().split('\n').pop()!) as { encode_fps: number; step_ms: number; whole_step_ms: number; peak_mb: number; threads: number };
  console.log(
    `PyTorch (CPU, ${t.threads} threads): ${t.encode_fps.toFixed(3)} encoded frames/s, ${t.step_ms.toFixed(0)} ms per fine-tuning step (${what})` +
      `${STEP_CROP > 0 ? `, ${t.whole_step_ms.toFixed(0)} ms on the whole frame` : ''}, peak RSS ${t.peak_mb.toFixed(0)} MiB`,
  );
  console.log(`OccWorld encode throughput ratio (ours / PyTorch): ${(encodeFps / t.encode_fps).toFixed(3)}; step time ratio (ours / PyTorch): ${(stepMs / t.step_ms).toFixed(3)}`);
  if (!('skipped' in onnx)) {
    const pool = onnx.poolFps === null ? '' : `, pool of ${onnx.poolWorkers} ${(onnx.poolFps / t.encode_fps).toFixed(3)}`;
    console.log(`OccWorld encode throughput ratio (ONNX Runtime / PyTorch ${t.threads} threads): one thread ${(onnx.oneThreadFps / t.encode_fps).toFixed(3)}${pool}`);
  }
}

main().catch((err: unknown) => {
  console.error(`occworld bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
