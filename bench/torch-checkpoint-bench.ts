/**
 * PyTorch checkpoint bench: an OccWorld-size state dict (14.2 M float32 parameters) saved the
 * way OccWorld saves it, `{'state_dict', 'optimizer' (AdamW, two more tensors per parameter),
 * 'epoch'}`, then: TokenScope opening it (pickle + checks, no tensor read) and reading every
 * state-dict tensor, with the process's peak memory; torch.load of the same file for scale.
 * Run: `npx tsx bench/torch-checkpoint-bench.ts` (needs Debian's python3 with torch). Not a
 * test: the figures depend on the machine and its load.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readTorchCheckpoint } from '../src-main/engine/checkpoint/torch/index';

const PY = '/usr/bin/python3';

const MAKE = String.raw`
import sys, time, torch
torch.manual_seed(0)
m = torch.nn.Sequential(*[torch.nn.Conv2d(256, 256, 3, bias=False) for _ in range(24)])
opt = torch.optim.AdamW(m.parameters())
for p in m.parameters(): p.grad = torch.randn_like(p)
opt.step()
torch.save({'state_dict': m.state_dict(), 'optimizer': opt.state_dict(), 'epoch': 3}, sys.argv[1])
t = time.perf_counter(); ck = torch.load(sys.argv[1]); dt = time.perf_counter() - t
print(f'{dt * 1000:.0f}')
`;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ts-pth-bench-'));
  try {
    const file = path.join(dir, 'epoch_3.pth');
    const r = spawnSync(PY, ['-c', MAKE, file], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
    const torchLoadMs = Number(r.stdout.trim());
    const base = process.memoryUsage();
    let peakRss = base.rss;
    let peakBuffers = base.arrayBuffers;
    const sample = () => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
    };
    const timer = setInterval(sample, 5);
    const t0 = performance.now();
    const ck = await readTorchCheckpoint(file);
    const t1 = performance.now();
    // Kept, as an import keeps them: the peak should be the state dict plus one tensor's bytes.
    const kept: Float32Array[] = [];
    for (const t of ck.stateDict.values()) kept.push(await t.read());
    const values = kept.reduce((n, a) => n + a.length, 0);
    const t2 = performance.now();
    sample();
    clearInterval(timer);
    await ck.close();
    const mb = (n: number) => `${(n / 1024 ** 2).toFixed(0)} MiB`;
    console.log(`file: ${mb(statSync(file).size)} (${ck.stateDict.size} state-dict tensors, ${(values / 1e6).toFixed(1)} M values; optimizer state beside them)`);
    console.log(`TokenScope open (pickle, checks, no tensor read): ${(t1 - t0).toFixed(0)} ms`);
    console.log(`TokenScope read every state-dict tensor as float32: ${(t2 - t1).toFixed(0)} ms`);
    console.log(`peak RSS +${mb(peakRss - base.rss)}, peak ArrayBuffers +${mb(peakBuffers - base.arrayBuffers)} (the state dict kept as float32: ${mb(values * 4)}; optimizer storages never read)`);
    console.log(`torch.load of the whole file (optimizer included): ${torchLoadMs} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
