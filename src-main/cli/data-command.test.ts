import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOcc3dTree, type TreeScene } from '../data/occ3d-test-tree';
import { OCC3D_SAMPLE } from '../data/test-paths';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tokenscope.mjs');

function tokenscope(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 90_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let tmp: string;
let root: string;
let tree: TreeScene[];

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tokenscope-data-'));
  root = path.join(tmp, 'occ3d');
  tree = await buildOcc3dTree(root, OCC3D_SAMPLE, [
    { name: 'scene-0102', split: 'val', frames: 3 },
    { name: 'scene-0007', split: 'train', frames: 4 },
  ]);
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('tokenscope data', () => {
  it('lists scenes with split and frame count, then a scene’s frames in time order', async () => {
    const r = await tokenscope(['data', root, '--scene', 'scene-0102']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2 scene\(s\) \(1 train, 1 val\)/);
    expect(r.stdout).toMatch(/scene-0007\s+train\s+4\s+time/);
    expect(r.stdout).toMatch(/scene-0102\s+val\s+3\s+time/);
    expect(r.stdout.indexOf('scene-0007')).toBeLessThan(r.stdout.indexOf('scene-0102'));
    const frames = tree.find((s) => s.name === 'scene-0102')!.frames;
    frames.forEach((f, i) => expect(r.stdout).toMatch(new RegExp(`\\n${i}\\s+${f.token}\\s+${f.timestampUs}\\s+gts/scene-0102/${f.token}/labels.npz`)));
  });

  it('--json prints one object with scenes and frames arrays', async () => {
    const r = await tokenscope(['data', path.join(root, 'gts'), '--scene', 'scene-0007', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.scenes).toEqual([
      { name: 'scene-0007', split: 'train', frames: 4, ordered: true },
      { name: 'scene-0102', split: 'val', frames: 3, ordered: true },
    ]);
    const want = tree.find((s) => s.name === 'scene-0007')!.frames;
    expect(j.frames).toEqual(want.map((f, index) => ({ index, token: f.token, timestampUs: f.timestampUs, path: f.file })));
  });

  it('a scene folder without annotations: frames listed, the unknown order said on stderr and in the table', async () => {
    const lone = path.join(tmp, 'lone', 'scene-0007');
    await fs.cp(path.join(root, 'gts', 'scene-0007'), lone, { recursive: true });
    const r = await tokenscope(['data', lone]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: no annotations\.json found: the frames’ time order is unknown/);
    expect(r.stdout).toMatch(/scene-0007\s+-\s+4\s+unknown \(name order\)/);
    expect(r.stdout).toMatch(/time order UNKNOWN/);
    const j = JSON.parse((await tokenscope(['data', lone, '--json'])).stdout);
    expect(j.scenes[0].ordered).toBe(false);
    expect(j.frames.map((f: { token: string }) => f.token)).toEqual(tree.find((s) => s.name === 'scene-0007')!.frames.map((f) => f.token).sort());
    expect(j.frames.every((f: { timestampUs: unknown }) => f.timestampUs === null)).toBe(true);
  });

  it('fails with one line for a missing scene and for a folder that is no dataset', async () => {
    const missing = await tokenscope(['data', root, '--scene', 'scene-9']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/^tokenscope data: occ3d: no scene named "scene-9"/);
    const none = await tokenscope(['data', tmp + '/nowhere']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/not a dataset/);
  });
});
