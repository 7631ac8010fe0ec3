import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createProceduralSequence } from '../data/procedural-scene';
import { writeFolderAtomic } from '../util/atomic-folder';
import { SMALL_CONFIG, saveFreshCheckpoint } from './test-config';
import { createWorkspace } from './workspace';
import type { Workspace } from './workspace';

/** Export folders are written whole or not at all (issue 12, finding 10). */
const seq = createProceduralSequence({ seed: 7, frames: 3, size: 32 });
let dir: string;
let ws: Workspace;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-exportdir-'));
  ws = await createWorkspace({ procedural: { frames: 3, size: 32 }, encodeIn: 'process' });
});

afterAll(async () => {
  await ws?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('export folders', () => {
  it('never leaves another model\'s tokens.npy: a mismatch is an error, and leaving tokens out replaces the folder whole', async () => {
    const out = path.join(dir, 'exported');
    await ws.openCheckpoint(await saveFreshCheckpoint(path.join(dir, 'a.ckpt'), SMALL_CONFIG, seq.encoding));
    const first = await ws.exportCheckpoint(out);
    expect(first.map((f) => path.basename(f)).sort()).toEqual(['codebook.npy', 'config.json', 'model.safetensors', 'tokens.npy']);
    const before = await readFile(path.join(out, 'model.safetensors'));

    // A tokenizer of 3 input channels cannot read the 18-channel scene.
    const other = await saveFreshCheckpoint(path.join(dir, 'b.ckpt'), { ...SMALL_CONFIG, model: { ...SMALL_CONFIG.model, inChannels: 3 } }, { kind: 'continuous' });
    await ws.openCheckpoint(other);
    await expect(ws.exportCheckpoint(out)).rejects.toThrow(/exportCheckpoint: cannot write tokens\.npy: the tokenizer takes 3 channels .* export without tokens/);
    // Refused before anything was written: the first export is intact, no temporary is left.
    expect(await readFile(path.join(out, 'model.safetensors'))).toEqual(before);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);

    const second = await ws.exportCheckpoint(out, { tokens: false });
    expect(second.map((f) => path.basename(f)).sort()).toEqual(['codebook.npy', 'config.json', 'model.safetensors']);
    expect((await readdir(out)).sort()).toEqual(['codebook.npy', 'config.json', 'model.safetensors']);
    const config = JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8')) as { model: { in_channels: number } };
    expect(config.model.in_channels).toBe(3);
    expect(await readFile(path.join(out, 'model.safetensors'))).not.toEqual(before);
  }, 120_000);

  it('refuses a folder holding files that are not an export, before any work', async () => {
    const mine = path.join(dir, 'my-notes');
    await mkdir(mine);
    await writeFile(path.join(mine, 'thesis.tex'), 'precious');
    await expect(ws.exportCheckpoint(mine, { tokens: false })).rejects.toThrow(/my-notes: holds files that are not ours to replace \(thesis\.tex\)/);
    expect(await readdir(mine)).toEqual(['thesis.tex']);
  });

  it('a write that fails half-way leaves the old folder as it was and no temporary', async () => {
    const target = path.join(dir, 'half');
    await mkdir(target);
    await writeFile(path.join(target, 'config.json'), 'old');
    await expect(
      writeFolderAtomic(target, ['config.json'], async (tmp) => {
        await writeFile(path.join(tmp, 'config.json'), 'new');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await readFile(path.join(target, 'config.json'), 'utf8')).toBe('old');
    expect((await readdir(dir)).filter((n) => n.startsWith('.half.'))).toEqual([]);
  });
});
