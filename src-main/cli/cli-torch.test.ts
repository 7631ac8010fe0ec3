import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy, toInt32 } from '../data/npy';
import { probePython } from '../engine/checkpoint/python-check';
import { makeTwinCheckpoints } from '../engine/checkpoint/torch-twin-fixtures';

/** `tokenscope info|encode|export model.pth`: a PyTorch checkpoint through the CLI, ids equal to PyTorch's. */

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tokenscope.mjs');
const py = probePython(['torch', 'numpy']);

function tokenscope(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir = '';
let want: number[] = [];
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-cli-pth-'));
  if (!py.ok) return;
  makeTwinCheckpoints(dir);
  want = Array.from(toInt32(await readNpy(path.join(dir, 'idx_torch.npy'))));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!py.ok)(`tokenscope CLI with PyTorch .pth checkpoints${py.ok ? '' : ` (skipped: ${py.reason})`}`, () => {
  it('info describes a .pth, checks it against its config, and says when the config is missing', async () => {
    const plain = await tokenscope(['info', 'plain/model.pth'], dir);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/\(PyTorch\)/);
    expect(plain.stdout).toMatch(/model\.pth/);
    expect(plain.stdout).toMatch(/weights\s+match the config/);
    expect(plain.stdout).toMatch(/quantizer\s+vq, codebook 16/);
    const bare = await tokenscope(['info', 'trained/epoch_3.pth', '--json'], dir);
    expect(bare.code, bare.stderr).toBe(0);
    const j = JSON.parse(bare.stdout) as { extra: { epoch: number }; config: unknown; tensors: Record<string, { shape: number[] }> };
    expect(j.extra.epoch).toBe(3);
    expect(j.config).toBeNull();
    expect(j.tensors['encoder.net.0.weight']!.shape).toEqual([8, 3, 4, 4]);
    const wrong = await tokenscope(['info', 'trained/epoch_3.pth', '--config', 'configs/wrong.json'], dir);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout).toMatch(/do NOT match the config:\n\s+encoder\.net\.0\.weight is \[8, 3, 4, 4\] but the config needs \[16, 3, 4, 4\]/);
  });

  it("encode gives PyTorch's ids, for a .pth with its config beside it and for OccWorld's layout with --config", async () => {
    const a = await tokenscope(['encode', 'plain/model.pth', 'x.npy', '-o', 'a.npy'], dir);
    expect(a.code, a.stderr).toBe(0);
    expect(Array.from(toInt32(await readNpy(path.join(dir, 'a.npy'))))).toEqual(want);
    const b = await tokenscope(['encode', 'trained/epoch_3.pth', 'x.npy', '--config', 'configs/tokenizer.json', '-o', 'b.npy'], dir);
    expect(b.code, b.stderr).toBe(0);
    expect(Array.from(toInt32(await readNpy(path.join(dir, 'b.npy'))))).toEqual(want);
    const none = await tokenscope(['encode', 'trained/epoch_3.pth', 'x.npy', '-o', 'c.npy'], dir);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/config\.json: cannot read \(no such file\).*--config/);
  });

  it('export turns a .pth into a safetensors export folder that encodes to the same ids', async () => {
    const e = await tokenscope(['export', 'plain/model.pth', 'exported', '--data', 'x.npy'], dir);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/model\.safetensors/);
    const t = await tokenscope(['encode', 'exported', 'x.npy', '-o', 'd.npy'], dir);
    expect(t.code, t.stderr).toBe(0);
    expect(Array.from(toInt32(await readNpy(path.join(dir, 'd.npy'))))).toEqual(want);
  });
});
