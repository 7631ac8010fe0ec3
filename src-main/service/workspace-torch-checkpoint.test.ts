import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNpy, toInt32 } from '../data/npy';
import { probePython } from '../engine/checkpoint/python-check';
import { makeTwinCheckpoints } from '../engine/checkpoint/torch-twin-fixtures';
import { createWorkspace, type Workspace } from './workspace';

/**
 * A tokenizer trained in PyTorch and saved as a .pth opens in the workspace like any checkpoint
 * (config.json beside it, or given), and its token ids are PyTorch's.
 */

const py = probePython(['torch', 'numpy']);
let dir = '';
let ws: Workspace;
let want: number[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-ws-pth-'));
  if (!py.ok) return;
  makeTwinCheckpoints(dir);
  want = Array.from(toInt32(await readNpy(path.join(dir, 'idx_torch.npy'))));
  ws = await createWorkspace({ openDefault: false, encodeIn: 'process' });
  await ws.openPath(path.join(dir, 'x.npy'));
});
afterAll(async () => {
  await ws?.dispose();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe.skipIf(!py.ok)(`Workspace.openCheckpoint on PyTorch .pth files${py.ok ? '' : ` (skipped: ${py.reason})`}`, () => {
  it("gives PyTorch's token ids for a state dict saved with its config.json beside it", async () => {
    const info = await ws.openCheckpoint(path.join(dir, 'plain/model.pth'));
    expect(info.codebookSize).toBe(16);
    expect(info.tokenGrid).toEqual([4, 4]);
    const tokens = await ws.encodeAll();
    expect([tokens.frames, tokens.h, tokens.w]).toEqual([3, 4, 4]);
    expect(Array.from(tokens.indices)).toEqual(want);
    expect(new Set(want).size).toBeGreaterThan(2);
  });

  it("reads OccWorld's {'state_dict', 'optimizer', 'epoch'} layout with a DataParallel prefix and a config given apart, holding no extra tensors", async () => {
    const file = path.join(dir, 'trained/epoch_3.pth');
    await ws.openCheckpoint(file, { config: path.join(dir, 'configs/tokenizer.json') });
    const before = tf.memory().numTensors;
    await ws.openCheckpoint(file, { config: path.join(dir, 'configs/tokenizer.json') });
    // The second open replaced the first session's tokenizer: the imported state dict is not kept.
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from((await ws.encodeAll()).indices)).toEqual(want);
  });

  it('says what is missing or wrong, naming the files, and keeps the open tokenizer', async () => {
    const file = path.join(dir, 'trained/epoch_3.pth');
    await expect(ws.openCheckpoint(file)).rejects.toThrow(/trained\/config\.json: cannot read \(no such file\).*put the config\.json describing its model beside it, or name it with --config/);
    await expect(ws.openCheckpoint(file, { config: path.join(dir, 'configs/wrong.json') })).rejects.toThrow(
      /epoch_3\.pth: does not match .*wrong\.json: encoder\.net\.0\.weight is \[8, 3, 4, 4\] but the config needs \[16, 3, 4, 4\]/,
    );
    await expect(ws.openCheckpoint(file, { config: 7 } as never)).rejects.toThrow(/openCheckpoint/);
    // Still the tokenizer opened before.
    expect(Array.from((await ws.encodeAll()).indices)).toEqual(want);
  });

  it('refuses a .pth whose pickle would run a command, and runs nothing', async () => {
    const evil = path.join(dir, 'plain/evil.pth');
    const marker = path.join(dir, 'PWNED');
    // A zip-format checkpoint whose data.pkl calls os.system, written without python's help.
    const { makeHostilePth } = await import('../engine/checkpoint/torch/hostile-pth');
    await fs.writeFile(evil, makeHostilePth(`touch ${marker}`));
    await expect(ws.openCheckpoint(evil)).rejects.toThrow(/evil\.pth: .*refused to load: the pickle names the global posix\.system/);
    expect(existsSync(marker)).toBe(false);
  });
});
