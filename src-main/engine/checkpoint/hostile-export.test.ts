/**
 * Export folders and checkpoints written by someone else (issue 12, findings 2 and 5): what a
 * config.json names and every number it holds are checked before anything is read or built.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainMetrics } from '../../contract';
import { checkpointDigest, checkpointInfo, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { disposeStateDict, exportForPyTorch, importFromPyTorch } from './export';
import { MEMORY_BUDGET_ENV, setMemoryBudget } from '../../data/memory-budget';
import { encodeSafetensors, parseSafetensorsHeader, readSafetensors } from './safetensors';
import { randomStateDict, smallConfig } from './test-fixtures';

const FAST_MS = 15_000;
let dir: string;
let good: string;
const vq = smallConfig({ kind: 'vq', codebookSize: 16 });

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-hostile-export-'));
  good = path.join(dir, 'good');
  const sd = randomStateDict(vq);
  await exportForPyTorch({ stateDict: () => Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.clone()])) }, vq, good);
  disposeStateDict(sd);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A copy of the good export whose config.json is edited by `edit`. */
async function variant(name: string, edit: (cfg: Record<string, any>) => void, extra?: (d: string) => Promise<void> | void): Promise<string> {
  const d = path.join(dir, name);
  await fs.mkdir(d);
  for (const f of await fs.readdir(good)) await fs.copyFile(path.join(good, f), path.join(d, f));
  const cfg = JSON.parse(await fs.readFile(path.join(good, 'config.json'), 'utf8')) as Record<string, any>;
  edit(cfg);
  await fs.writeFile(path.join(d, 'config.json'), JSON.stringify(cfg));
  await extra?.(d);
  return d;
}

async function refused(d: string, message: RegExp): Promise<string> {
  const tensors = tf.memory().numTensors;
  const t0 = Date.now();
  const err = (await importFromPyTorch(d).then(
    () => null,
    (e: Error) => e,
  )) as Error | null;
  expect(err, 'import should have failed').not.toBeNull();
  expect(err!.message).toMatch(message);
  expect(Date.now() - t0).toBeLessThan(FAST_MS);
  // Refused before any tensor was made: nothing to leak.
  expect(tf.memory().numTensors).toBe(tensors);
  return err!.message;
}

describe('an export folder config.json is not trusted', () => {
  it('the untouched export still imports', async () => {
    const imp = await importFromPyTorch(good);
    expect(imp.config.quantizer.codebookSize).toBe(16);
    disposeStateDict(imp.stateDict);
  });

  it('"weights" naming a path outside the folder is refused, and nothing of the target leaks', async () => {
    const d = await variant('passwd', (c) => (c.weights = '../../../../etc/passwd'));
    const m = await refused(d, /config\.json: "weights" must be a file name inside the export folder, not a path \(got "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd"\)/);
    expect(m).not.toMatch(/root:/);
    await refused(await variant('devzero', (c) => (c.weights = '../../dev/zero')), /"weights" must be a file name inside the export folder/);
    await refused(await variant('absolute', (c) => (c.weights = '/etc/hostname')), /"weights" must be a file name inside the export folder/);
  });

  it('a link inside the folder that leads outside it is refused before it is read', async () => {
    const secret = path.join(dir, 'secret.txt');
    await fs.writeFile(secret, 'SECRET-CONTENT');
    const d = await variant('link-out', (c) => (c.weights = 'w.safetensors'), (x) => fs.symlink(secret, path.join(x, 'w.safetensors')));
    const m = await refused(d, /"weights" "w\.safetensors" is a link to a file outside the export folder: refused/);
    expect(m).not.toMatch(/SECRET/);
  });

  it.runIf(existsSync('/dev/zero'))('a link to /dev/zero is refused at once', async () => {
    const d = await variant('link-zero', (c) => (c.weights = 'z.safetensors'), (x) => fs.symlink('/dev/zero', path.join(x, 'z.safetensors')));
    await refused(d, /link to a file outside the export folder/);
  });

  it.runIf(existsSync('/usr/bin/mkfifo'))('a FIFO as the weights is refused without blocking', async () => {
    const d = await variant('fifo', (c) => (c.weights = 'pipe.safetensors'), (x) => void execFileSync('/usr/bin/mkfifo', [path.join(x, 'pipe.safetensors')]));
    await refused(d, /pipe\.safetensors: is a named pipe \(FIFO\)/);
  });

  it('an RVQ depth of 1e7 is refused at once instead of building ten million codebooks', async () => {
    const d = await variant('depth', (c) => Object.assign(c.quantizer, { kind: 'rvq', depth: 1e7 }));
    await refused(d, /quantizer\.depth must be an integer in 1\.\.64 \(got 10000000\)/);
  });

  it('a codebook size of 1e9 is refused by bounds, not by "Invalid typed array length"', async () => {
    const d = await variant('huge-k', (c) => (c.quantizer.codebook_size = 1e9));
    await refused(d, /quantizer\.codebookSize must be an integer in 2\.\.1048576 \(got 1000000000\)/);
  });

  it('a plausible number that disagrees with the weights is caught from the header, before the weights are read', async () => {
    const d = await variant('k-mismatch', (c) => (c.quantizer.codebook_size = 32));
    await refused(d, /model\.safetensors: does not match .*quantizer\.embedding\.weight is \[16, 4\] but the config needs \[32, 4\]/);
  });

  it('huge channel counts, a 1e6-wide frame and 2^4096 implicit codes are bounded too', async () => {
    await refused(await variant('chans', (c) => (c.model.in_channels = 1_180_000)), /model\.inChannels must be an integer in 1\.\.4096/);
    await refused(await variant('lfq', (c) => Object.assign(c.quantizer, { kind: 'lfq', dim: undefined }) && (c.model.latent_dim = 4096)), /implies 2\^4096 codes/);
  });
});

describe('a crafted checkpoint', () => {
  it('whose metrics are strings is a clear error naming the file and field, not a TypeError', async () => {
    const sd = randomStateDict(vq);
    const metrics = [{ step: 1, loss: 'x', reconLoss: 0.5 }] as unknown as TrainMetrics[];
    const file = path.join(dir, 'crafted.ckpt');
    await saveCheckpoint(file, { config: vq, step: 1, weights: sd, optimizer: null, metrics });
    disposeStateDict(sd);
    await expect(loadCheckpoint(file)).rejects.toThrow(/crafted\.ckpt: corrupt or crafted checkpoint: metrics\[0\]\.totalSteps is not a number \(got undefined\); metrics\[0\]\.loss is not a number \(got "x"\)/);
    await expect(checkpointInfo(file)).rejects.toThrow(/crafted\.ckpt: corrupt or crafted checkpoint/);
  });

  it('whose config asks for 1e7 residual levels is refused before the codebook check loops over them', async () => {
    const sd = randomStateDict(vq);
    const file = path.join(dir, 'deep.ckpt');
    await saveCheckpoint(file, { config: vq, step: 1, weights: sd, optimizer: null, metrics: [] });
    disposeStateDict(sd);
    // Re-sign the state with a hostile config: the checksum is not a secret, anyone can recompute it.
    const f = await readSafetensors(file);
    const state = JSON.parse(f.metadata.state!) as { config: { quantizer: Record<string, unknown> } };
    state.config.quantizer = { kind: 'rvq', codebookSize: 16, depth: 1e7 };
    const stateText = JSON.stringify(state);
    const tensors = Object.fromEntries(Object.entries(f.tensors).map(([k, t]) => [k, { dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array }]));
    const draft = encodeSafetensors(tensors, { format: 'tokenscope-checkpoint', version: '1', state: stateText });
    const header = parseSafetensorsHeader(draft, draft.byteLength, file);
    const sha256 = checkpointDigest(header.entries, stateText, draft.subarray(header.dataStart));
    await fs.writeFile(file, encodeSafetensors(tensors, { format: 'tokenscope-checkpoint', version: '1', state: stateText, sha256 }));
    const t0 = Date.now();
    await expect(loadCheckpoint(file)).rejects.toThrow(/deep\.ckpt: corrupt or crafted checkpoint: quantizer\.depth must be an integer in 1\.\.64/);
    expect(Date.now() - t0).toBeLessThan(FAST_MS);
  });
});

describe('weights files and the memory budget', () => {
  it('a safetensors file whose decoded copy would pass the budget is refused before decoding', async () => {
    const saved = process.env[MEMORY_BUDGET_ENV];
    const file = path.join(dir, 'big.safetensors');
    await fs.writeFile(file, encodeSafetensors({ w: { dtype: 'F32', shape: [200_000], data: new Float32Array(200_000) } }));
    try {
      setMemoryBudget('1MB');
      await expect(readSafetensors(file)).rejects.toThrow(/big\.safetensors: the file and its decoded tensors would need 1\.5 MiB, over the memory budget of 1\.0 MiB/);
    } finally {
      if (saved === undefined) delete process.env[MEMORY_BUDGET_ENV];
      else process.env[MEMORY_BUDGET_ENV] = saved;
    }
  });
});
