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
      `${ours.poolEncodeFps.toFixed(1)} with ${ours.poolWorkers} worker threads (whole-sequence encoding, InferencePool)`,
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
    const r = spawnSync(PY, args, { encoding: 'utf8' });
    if (r.status !== 0) {
      console.log(`PyTorch: failed (${r.stderr.trim().split('\n').pop()})`);
    } else {
      const torch = JSON.parse(r.stdout.trim().split('\n').pop()!) as { step_ms: number; encode_fps: number; threads: number };
      console.log(`PyTorch (CPU, ${torch.threads} threads): ${torch.step_ms.toFixed(1)} ms per training step, ${torch.encode_fps.toFixed(1)} encoded frames/s`);
      console.log(`training-step time ratio (ours / PyTorch): ${(ours.stepMs / torch.step_ms).toFixed(3)}`);
      // The ratio is for tokenizer.encode on the active backend (one thread); the pool figure
      // (one worker per core, as PyTorch uses every core) follows for information: on a busy
      // machine extra workers only compete with other processes.
      console.log(`encode throughput ratio (ours / PyTorch): ${(ours.encodeFps / torch.encode_fps).toFixed(3)}`);
      console.log(`  (with ${ours.poolWorkers} worker threads: ${(ours.poolEncodeFps / torch.encode_fps).toFixed(3)})`);
      console.log(`load average after: ${load()}`);
    }
  }

  const dataBench = path.join(here, 'data-bench.ts');
  if (existsSync(dataBench)) {
    console.log('\ndata bench (bench/data-bench.ts):');
    const r = spawnSync(process.execPath, ['--import', 'tsx', dataBench], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = r.status ?? 1;
  }
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
