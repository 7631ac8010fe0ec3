/**
 * `npm run bench:kit`: the training kit's steps per second under torchrun at 1 and 2 processes
 * (gloo on CPU here; NCCL where a GPU machine runs it), same global batch, on the default
 * procedural scene with the app's default tokenizer. Not a test: figures depend on the machine
 * and its load; on a 2-core machine 2 processes mostly split the same cores.
 *
 *   npx tsx bench/train-kit-bench.ts [steps=20] [batch=8]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createWorkspace } from '../src-main/service/workspace';

const PY = '/usr/bin/python3';
const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`${name}=`))?.split('=')[1] ?? dflt);

async function main(): Promise<void> {
  const steps = arg('steps', 20);
  const batch = arg('batch', 8);
  if (!existsSync(PY) || spawnSync(PY, ['-c', 'import torch.distributed']).status !== 0) {
    console.log(`training kit bench: skipped (${PY} cannot import torch.distributed)`);
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tokenscope-kit-bench-'));
  try {
    const ws = await createWorkspace({ procedural: {}, encodeIn: 'process' });
    const cfg = await ws.defaultTrainConfig();
    // One step in TokenScope only to have a session with the default design to export.
    await ws.startTraining({ ...cfg, steps: 1, checkpointEvery: 0 });
    await new Promise<void>((resolve) => ws.on('trainProgress', (p) => (p.state === 'done' || p.state === 'error') && resolve()));
    const kit = await ws.exportTrainKit(path.join(dir, 'kit'));
    await ws.dispose();
    console.log(`kit: default tokenizer (${cfg.model.hidden} hidden, K = ${cfg.quantizer.codebookSize}, crop ${cfg.crop}), global batch ${batch}, ${steps} steps`);
    console.log(`load average before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (${os.availableParallelism?.() ?? os.cpus().length} cores)`);
    const rates: number[] = [];
    for (const n of [1, 2]) {
      const out = path.join(dir, `run${n}`);
      const t0 = performance.now();
      const r = spawnSync(
        PY,
        ['-m', 'torch.distributed.run', '--redirects', '1', '--tee', '1', '--standalone', '--nproc_per_node', String(n), path.join(kit.dir, 'train.py'), '--steps', String(steps), '--batch-size', String(batch), '--checkpoint-every', String(steps), '--out', out],
        { encoding: 'utf8', env: { ...process.env } },
      );
      const wall = (performance.now() - t0) / 1000;
      if (r.status !== 0) {
        console.log(`${n} process(es): failed: ${r.stderr.trim().split('\n').pop()}`);
        continue;
      }
      const ms = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { msPerStep: number }).msPerStep);
      const steady = ms.slice(2).sort((a, b) => a - b);
      const median = steady[Math.floor(steady.length / 2)] ?? ms[ms.length - 1]!;
      rates.push(1000 / median);
      console.log(`${n} process(es): ${(1000 / median).toFixed(2)} steps/s (median ${median.toFixed(0)} ms/step after 2 warm-up steps; ${wall.toFixed(1)} s wall with start-up)`);
    }
    if (rates.length === 2) console.log(`speed-up 2 vs 1 process: ${(rates[1]! / rates[0]!).toFixed(2)}×`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
