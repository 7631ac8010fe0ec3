/**
 * `npm run bench`: the engine's reference step and an Occ3D-size model on every usable backend
 * (labelled with the GPU adapter for webgpu; BENCH_BACKENDS=webgpu,wasm picks them,
 * BENCH_PRESETS=reference runs one preset; BENCH_ENGINE_ONLY=1 skips the OccWorld, data and dataset benches), the same models timed in PyTorch on the CPU and on
 * CUDA where Debian's (or the PY variable's) python3 has it, with ratios, then the data bench if
 * bench/data-bench.ts exists. Not a test: figures depend on the machine and its load.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src-main/engine/backend';
import { OCC3D_SIZE, REFERENCE, runEngineBench } from './engine-bench';
import type { EngineBenchOptions, EngineBenchResult } from './engine-bench';
import { benchBackends } from './bench-backends';

const here = path.dirname(fileURLToPath(import.meta.url));
const PY = process.env.PY ?? '/usr/bin/python3';

type TorchFigures = { step_ms: number; encode_fps: number; threads: number; device: string };

/** PyTorch's figures for a preset on a device, or why not. */
function runTorch(o: EngineBenchOptions, device: 'cpu' | 'cuda', env: NodeJS.ProcessEnv = process.env): TorchFigures | string {
  const threads = os.availableParallelism?.() ?? os.cpus().length;
  const args = [
    path.join(here, 'torch_ref.py'),
    `batch=${o.batch}`,
    `size=${o.size}`,
    `channels=${o.channels}`,
    `hidden=${o.hidden}`,
    `latent=${o.latent}`,
    `codebook=${o.codebook}`,
    `stages=${o.stages}`,
    `steps=${o.steps}`,
    `warmup=${o.warmup}`,
    `encode_frames=${o.encodeFrames}`,
    `encode_batch=${o.encodeBatch}`,
    `threads=${threads}`,
    `device=${device}`,
  ];
  const r = spawnSync(PY, args, { encoding: 'utf8', env });
  if (r.status !== 0) return r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`;
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchFigures;
}

function torchDevices(): Array<'cpu' | 'cuda'> {
  if (!existsSync(PY) || spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) return [];
  const cuda = spawnSync(PY, ['-c', 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)'], { encoding: 'utf8' }).status === 0;
  return cuda ? ['cpu', 'cuda'] : ['cpu'];
}

const PRESETS: Array<{ name: string; o: EngineBenchOptions }> = [
  { name: 'reference step', o: REFERENCE },
  { name: 'Occ3D-size model', o: OCC3D_SIZE },
];

async function main(): Promise<void> {
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  // Other processes on the machine move these figures (PyTorch's threads more than our single wasm thread).
  console.log(`load average before: ${load()} (${os.availableParallelism?.() ?? os.cpus().length} cores)`);
  const backends = await benchBackends();
  console.log(`backends: ${backends.map((b) => b.label).join(', ') || 'none usable'} (BENCH_BACKENDS=a,b picks others)`);
  const devices = torchDevices();
  if (!devices.length) console.log(`PyTorch: skipped (${PY} cannot import torch)`);
  const presets = process.env.BENCH_PRESETS ? PRESETS.filter((p) => process.env.BENCH_PRESETS!.split(',').some((n) => p.name.startsWith(n))) : PRESETS;
  for (const { name, o } of presets) {
    console.log(
      `\n${name}: batch ${o.batch}, ${o.size}×${o.size}×${o.channels} input, hidden ${o.hidden}, ` +
        `K = ${o.codebook}, D = ${o.latent}, ${o.stages} stages; encode batches of ${o.encodeBatch}`,
    );
    const ours: Array<{ label: string; r: EngineBenchResult }> = [];
    for (const b of backends) {
      const status = await initBackend({ prefer: [b.name], allowNative: true });
      if (status.name !== b.name) {
        console.log(`ours (${b.label}): skipped (${status.reason})`);
        continue;
      }
      const r = await runEngineBench(o);
      ours.push({ label: b.label, r });
      console.log(
        `ours (${b.label}): ${r.stepMs.toFixed(1)} ms per training step, ${r.encodeFps.toFixed(1)} encoded frames/s on one thread, ` +
          `${r.poolEncodeFps.toFixed(1)} with ${r.poolWorkers} worker threads (whole-sequence encoding of in-memory frames, InferencePool)`,
      );
      console.log(
        `  pool start ${r.poolStartMs.toFixed(0)} ms (once per encode job in the service); from a .npy file each worker opens ` +
          `(the service's path, file reading and checks included): ${r.poolFileEncodeFps.toFixed(1)} frames/s`,
      );
      if (typeof r.onnx === 'string') console.log(`  ONNX Runtime pool: skipped (${r.onnx})`);
      else {
        console.log(
          `ours (${r.onnx.engine}, the default encoder on a CPU): ${r.onnx.fps.toFixed(1)} encoded frames/s with ${r.onnx.workers} worker threads, ` +
            `${r.onnx.fileFps.toFixed(1)} from the .npy file; pool start ${r.onnx.startMs.toFixed(0)} ms`,
        );
      }
    }
    const wasm = ours.find((x) => x.label === 'wasm');
    for (const x of ours) {
      if (wasm && x !== wasm) console.log(`training-step speed-up over wasm (${x.label}): ${(wasm.r.stepMs / x.r.stepMs).toFixed(2)}×`);
    }
    for (const device of devices) {
      const torch = runTorch(o, device);
      if (typeof torch === 'string') {
        console.log(`PyTorch (${device}): failed (${torch})`);
        continue;
      }
      const where = device === 'cuda' ? 'CUDA' : `CPU, ${torch.threads} threads`;
      console.log(`PyTorch (${where}): ${torch.step_ms.toFixed(1)} ms per training step, ${torch.encode_fps.toFixed(1)} encoded frames/s`);
      for (const x of ours) {
        // The headline is whole-sequence encoding as a user runs it: the pool (one worker per
        // core, as PyTorch uses every core), frames crossing to the workers included.
        console.log(
          `  ${x.label} / PyTorch ${device}: training-step time ratio ${(x.r.stepMs / torch.step_ms).toFixed(3)}, ` +
            `encode throughput ratio ${(x.r.poolEncodeFps / torch.encode_fps).toFixed(3)} (${x.r.poolWorkers} worker threads; one thread: ${(x.r.encodeFps / torch.encode_fps).toFixed(3)})`,
        );
        if (typeof x.r.onnx !== 'string') {
          console.log(`  ${x.r.onnx.engine} / PyTorch ${device}: encode throughput ratio ${(x.r.onnx.fps / torch.encode_fps).toFixed(3)} (from the .npy file: ${(x.r.onnx.fileFps / torch.encode_fps).toFixed(3)})`);
        }
      }
      if (device === 'cpu') {
        // PyTorch's default glibc malloc returns big blocks to the OS and pays for fresh pages on
        // every batch; on VMs where first-touch memory is slow that halves its encode rate. Print
        // the figure with the thresholds raised too, so the ratio is read against a tuned PyTorch.
        const tuned = runTorch(o, 'cpu', { ...process.env, MALLOC_MMAP_THRESHOLD_: '4294967296', MALLOC_TRIM_THRESHOLD_: '4294967296' });
        if (typeof tuned !== 'string') {
          console.log(`  PyTorch with malloc thresholds raised: ${tuned.step_ms.toFixed(1)} ms per step, ${tuned.encode_fps.toFixed(1)} frames/s`);
          for (const x of ours) {
            console.log(`    ${x.label}: step ratio ${(x.r.stepMs / tuned.step_ms).toFixed(3)}, encode ratio ${(x.r.poolEncodeFps / tuned.encode_fps).toFixed(3)}`);
            if (typeof x.r.onnx !== 'string') console.log(`    ${x.r.onnx.engine}: encode ratio ${(x.r.onnx.fps / tuned.encode_fps).toFixed(3)}`);
          }
        }
      }
    }
    console.log(`load average: ${load()}`);
  }
  // The engine's figures alone (the encode ratio of issue 8, say), without the minutes of the rest.
  if (process.env.BENCH_ENGINE_ONLY) return;

  console.log('\nOccWorld tokenizer bench (bench/occworld-bench.ts):');
  const ow = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'occworld-bench.ts')], { stdio: 'inherit' });
  if (ow.status !== 0) process.exitCode = ow.status ?? 1;

  const dataBench = path.join(here, 'data-bench.ts');
  if (existsSync(dataBench)) {
    console.log('\ndata bench (bench/data-bench.ts):');
    const r = spawnSync(process.execPath, ['--import', 'tsx', dataBench], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = r.status ?? 1;
  }
  console.log('\ndataset bench (bench/dataset-bench.ts):');
  const ds = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'dataset-bench.ts')], { stdio: 'inherit' });
  if (ds.status !== 0) process.exitCode = ds.status ?? 1;
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
