import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createProceduralSequence } from '../data/procedural-scene';
import { encodeNpy, readNpy } from '../data/npy';
import { probePython, runPython } from '../engine/checkpoint/python-check';
import { repoRoot } from '../engine/quantizers/test-backend';
import { createWorkspace, type Workspace } from './workspace';
import type { TrainConfig } from '../contract';

/**
 * The hierarchical (VQ-VAE-2) tokenizer end to end through the service: trained on the
 * procedural scene, exported (model.safetensors + config.json + both codebooks + tokens_top.npy
 * and tokens_bottom.npy), then loaded by the PyTorch twin (resources/pytorch/
 * tokenscope_hierarchical.py, strict load_state_dict) which encodes the same frames: both
 * grids' ids must be TokenScope's.
 */
const torch = probePython(['torch', 'numpy']);
const FRAMES = 4;
const SIZE = 64;

let dir: string;
let ws: Workspace;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-hier-'));
  ws = await createWorkspace({ procedural: { frames: FRAMES, size: SIZE }, encodeIn: 'process' });
});
afterAll(async () => {
  await ws?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const TWIN = String.raw`
import json, sys, numpy as np, torch
sys.path.insert(0, sys.argv[1])
from tokenscope_hierarchical import load_hierarchical
d = sys.argv[2]
m = load_hierarchical(d)
x = torch.from_numpy(np.load(sys.argv[3]))
with torch.no_grad():
    id_t, id_b = m.encode(x)
    recon, _, _ = m(x)
top, bottom = np.load(d + '/tokens_top.npy'), np.load(d + '/tokens_bottom.npy')
print(json.dumps({
    'top_shape': list(id_t.shape), 'bottom_shape': list(id_b.shape),
    'top_equal': int((id_t.numpy() == top).sum()), 'top_total': int(top.size),
    'bottom_equal': int((id_b.numpy() == bottom).sum()), 'bottom_total': int(bottom.size),
    'decoded_shape': list(recon.shape),
}))
`;

describe.skipIf(!torch.ok)(`hierarchical export vs the PyTorch twin${torch.ok ? '' : ` (skipped: ${torch.reason})`}`, () => {
  it('the twin loads the export strictly and reproduces the top [T, H/8, W/8] and bottom [T, H/4, W/4] ids', async () => {
    await ws.startTraining({
      // A patch: the service fills in the rest (inChannels from the data, stages 2 for hierarchical).
      model: { arch: 'hierarchical', hidden: 16, latentDim: 8 } as TrainConfig['model'],
      quantizer: { kind: 'vq', codebookSize: 16 },
      steps: 30,
      batchSize: 2,
      crop: 0,
    });
    await ws.waitForTraining();
    const out = path.join(dir, 'export');
    const files = (await ws.exportCheckpoint(out)).map((f) => path.basename(f)).sort();
    expect(files).toEqual(['codebook_bottom.npy', 'codebook_top.npy', 'config.json', 'model.safetensors', 'tokens_bottom.npy', 'tokens_top.npy']);
    const top = await readNpy(path.join(out, 'tokens_top.npy'));
    const bottom = await readNpy(path.join(out, 'tokens_bottom.npy'));
    expect(top.shape).toEqual([FRAMES, SIZE / 8, SIZE / 8]);
    expect(bottom.shape).toEqual([FRAMES, SIZE / 4, SIZE / 4]);
    const cbTop = await readNpy(path.join(out, 'codebook_top.npy'));
    expect(cbTop.shape).toEqual([16, 8]);

    // The very frames the workspace encoded (same procedural options), as one [T, C, H, W] array.
    const seq = createProceduralSequence({ frames: FRAMES, size: SIZE });
    const frames = await Promise.all(Array.from({ length: FRAMES }, (_, i) => seq.getFrame(i)));
    const x = new Float32Array(FRAMES * seq.channels * SIZE * SIZE);
    frames.forEach((f, i) => x.set(f.data, i * f.data.length));
    const xFile = path.join(dir, 'frames.npy');
    await writeFile(xFile, encodeNpy(x, [FRAMES, seq.channels, SIZE, SIZE]));

    const r = JSON.parse(runPython(TWIN, [path.join(repoRoot, 'resources/pytorch'), out, xFile])) as Record<string, number | number[]>;
    console.log(`hierarchical twin: top ${r.top_equal}/${r.top_total} ids equal, bottom ${r.bottom_equal}/${r.bottom_total}`);
    expect(r.top_shape).toEqual([FRAMES, SIZE / 8, SIZE / 8]);
    expect(r.bottom_shape).toEqual([FRAMES, SIZE / 4, SIZE / 4]);
    expect(r.decoded_shape).toEqual([FRAMES, seq.channels, SIZE, SIZE]);
    expect(r.top_equal).toBe(r.top_total);
    expect(r.bottom_equal).toBe(r.bottom_total);
    // The export folder opens again as a hierarchical tokenizer (the checkpoint registry's entry).
    const info = await ws.openCheckpoint(out);
    expect(info.config.model.arch).toBe('hierarchical');
    // The service carries the level: the top grid at its own size, the bottom at the frame's token grid.
    const frame = await ws.getTokens(1);
    expect(frame.levelNames).toEqual(['top', 'bottom']);
    const topLevel = await ws.getTokenLevel(1, 0);
    const bottomLevel = await ws.getTokenLevel(1, 1);
    expect([topLevel.name, topLevel.h, topLevel.w, topLevel.factor]).toEqual(['top', SIZE / 8, SIZE / 8, 8]);
    expect([bottomLevel.name, bottomLevel.h, bottomLevel.w, bottomLevel.factor]).toEqual(['bottom', SIZE / 4, SIZE / 4, 4]);
    const cells = (SIZE / 8) * (SIZE / 8);
    expect(Array.from(topLevel.indices)).toEqual(Array.from((top.data as Int32Array).subarray(cells, 2 * cells)));
    await expect(ws.getTokenLevel(1, 2)).rejects.toThrow(/level/);
    const cb = await ws.getCodebook(0);
    expect(cb.size).toBe(16);
    // Top usage counts top tokens (FRAMES · 8 · 8 of them), bottom usage bottom tokens.
    const sum = (u: Float32Array) => u.reduce((a, b) => a + b, 0);
    expect(sum(cb.usage)).toBe(FRAMES * (SIZE / 8) ** 2);
    expect(sum((await ws.getCodebook(1)).usage)).toBe(FRAMES * (SIZE / 4) ** 2);
    const code = topLevel.indices[0]!;
    const occ = await ws.codeOccurrences(code, 0);
    expect(occ.length).toBe(Array.from(top.data as Int32Array).filter((v) => v === code).length);
  }, 300_000);
});
