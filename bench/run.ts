/**
 * `npm run bench`: the engine's reference step on the active backend, the same model timed in
 * PyTorch when Debian's python3 has torch (ratios printed on their own lines), then the data
 * bench if bench/data-bench.ts exists. Not a test: figures depend on the machine and its load.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src-main/engine/backend';
import { REFERENCE, runEngineBench } from './engine-bench';

const here = path.dirname(fileURLToPath(import.meta.url));
const PY = '/usr/bin/python3';

async function main(): Promise<void> {
  const status = await initBackend({ allowNative: true });
  console.log(`backend: ${status.name} — ${status.reason}`);
  const o = REFERENCE;
  console.log(
    `reference step: batch ${o.batch}, ${o.size}×${o.size}×${o.channels} input, hidden ${o.hidden}, ` +
      `K = ${o.codebook}, D = ${o.latent}, ${o.stages} stages; encode batches of ${o.encodeBatch}`,
  );
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  // Other processes on the machine move these figures (PyTorch's threads more than our single wasm thread).
  console.log(`load average before: ${load()} (${os.availableParallelism?.() ?? os.cpus().length} cores)`);
  const ours = await runEngineBench(o);
  console.log(
    `ours (${ours.backend}): ${ours.stepMs.toFixed(1)} ms per training step, ${ours.encodeFps.toFixed(1)} encoded frames/s on one thread, ` +
      `${ours.poolEncodeFps.toFixed(1)} with ${ours.poolWorkers} worker threads (whole-sequence encoding of in-memory frames, InferencePool)`,
  );
  console.log(
    `  pool start ${ours.poolStartMs.toFixed(0)} ms (once per encode job in the service); from a .npy file each worker opens ` +
      `(the service's path, file reading and checks included): ${ours.poolFileEncodeFps.toFixed(1)} frames/s`,
  );

  const threads = os.availableParallelism?.() ?? os.cpus().length;
  const hasTorch = existsSync(PY) && spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  if (!hasTorch) {
    console.log(`PyTorch: skipped (${PY} cannot import torch)`);
  } else {
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
    ];
    type TorchFigures = { step_ms: number; encode_fps: number; threads: number };
    const runTorch = (env: NodeJS.ProcessEnv): TorchFigures | string => {
      const r = spawnSync(PY, args, { encoding: 'utf8', env });
      if (r.status !== 0) return r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`;
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchFigures;
    };
    const torch = runTorch(process.env);
    if (typeof torch === 'string') {
      console.log(`PyTorch: failed (${torch})`);
    } else {
      console.log(`PyTorch (CPU, ${torch.threads} threads): ${torch.step_ms.toFixed(1)} ms per training step, ${torch.encode_fps.toFixed(1)} encoded frames/s`);
      console.log(`training-step time ratio (ours / PyTorch): ${(ours.stepMs / torch.step_ms).toFixed(3)}`);
      // The headline is whole-sequence encoding as a user runs it: the pool (one worker per
      // core, as PyTorch uses every core), frames crossing to the workers included. The single
      // thread's ratio follows; on a busy machine extra workers only compete with other processes.
      console.log(
        `encode throughput ratio (ours / PyTorch; whole-sequence encoding, ${ours.poolWorkers} worker threads, in-memory frames): ` +
          `${(ours.poolEncodeFps / torch.encode_fps).toFixed(3)}`,
      );
      console.log(`  (one thread, tokenizer.encode: ${(ours.encodeFps / torch.encode_fps).toFixed(3)})`);
      // PyTorch's default glibc malloc returns big blocks to the OS and pays for fresh pages on
      // every batch; on VMs where first-touch memory is slow that halves its encode rate. Print
      // the figure with the thresholds raised too, so the ratio is read against a tuned PyTorch.
      const tuned = runTorch({ ...process.env, MALLOC_MMAP_THRESHOLD_: '4294967296', MALLOC_TRIM_THRESHOLD_: '4294967296' });
      if (typeof tuned !== 'string') {
        console.log(
          `  PyTorch with malloc thresholds raised: ${tuned.step_ms.toFixed(1)} ms per step, ${tuned.encode_fps.toFixed(1)} frames/s → ` +
            `step ratio ${(ours.stepMs / tuned.step_ms).toFixed(3)}, encode ratio ${(ours.poolEncodeFps / tuned.encode_fps).toFixed(3)}`,
        );
      }
      console.log(`load average after: ${load()}`);
    }
  }

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
