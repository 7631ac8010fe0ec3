import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readNpy } from '../data/npy';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../engine/backend';
import { Tokenizer } from '../engine/tokenizer';
import { disposeSnapshot, loadCheckpoint, saveCheckpoint } from '../engine/checkpoint/checkpoint';
import { loadOnnxRuntime } from '../engine/onnx/onnx-runtime';
import { standardiseTiTokLatents } from '../engine/onnx/titok-test-latents';
import { runTokenscope as run } from './test-cli-runner';
import { encodeOnBothEngines, proceduralBatch, runExportedEncoder } from './test-onnx-cli';

/**
 * A TiTok checkpoint from the terminal: `encode` runs on ONNX Runtime by default now
 * (titok-graph.ts) and gives TensorFlow.js's tokens `[T, N]`, and `export --onnx` writes an
 * encoder.onnx (fixed frame size) whose ids are the exported tokens. FSQ as the quantizer
 * (titok-graph.test.ts checks VQ too). A briefly trained TiTok gives every token one code, so
 * the checkpoint's latents are standardised on the scene first (titok-test-latents.ts): the
 * comparisons then cover many codes.
 */
const ort = loadOnnxRuntime();
const why = 'error' in ort ? ort.error : '';
if (why) console.warn(`[skip] titok encode-engine CLI: ONNX Runtime absent: ${why}`);

describe.skipIf(Boolean(why))(`tokenscope encode / export --onnx, titok${why ? ` (skipped: ${why})` : ''}`, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-titok-onnx-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('encodes with ONNX Runtime and says so, the tokens of --encode-engine tfjs; the exported encoder.onnx gives the exported tokens', async () => {
    const scene = ['--frames', '6', '--size', '32'];
    const ckpt = path.join(dir, 't.ckpt');
    const N = 16;
    const t = await run(
      ['train', '--arch', 'titok', '--tokens', String(N), '--titok-layers', '2', '--titok-heads', '2', '--steps', '3', ...scene, '--batch', '2', '--crop', '0', '--hidden', '8', '--latent', '4', '-q', 'fsq', '--levels', '8,5,5,5', '-o', ckpt],
      dir,
    );
    expect(t.code, t.stderr).toBe(0);
    const { x, shape, encoding } = await proceduralBatch(6, 32);
    await initBackend({ prefer: ['wasm'] });
    const snap = await loadCheckpoint(ckpt);
    const tok = new Tokenizer(snap.config, encoding);
    tok.loadStateDict(snap.weights);
    const xt = tf.tensor4d(x, shape);
    standardiseTiTokLatents(tok, xt);
    const weights = tok.stateDict();
    await saveCheckpoint(ckpt, { ...snap, weights });
    tf.dispose([xt, ...Object.values(weights)]);
    disposeSnapshot(snap);
    tok.dispose();

    const both = await encodeOnBothEngines(ckpt, scene, 6, dir);
    const differ = both.differ;
    expect(both.onnx.shape).toEqual([6, N]);
    // Near-ties only (summation order): at most 0.2 %, i.e. none of 96.
    expect(differ).toBeLessThanOrEqual(Math.floor(both.onnx.data.length * 0.002));

    // Another frame size is refused before ONNX Runtime runs, in the tfjs path's words.
    const wrong = await run(['encode', ckpt, '--frames', '2', '--size', '48', '-o', 'wrong.npy'], dir);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('titok: the model takes 32×32 frames (a 8×8 grid), got 48×48; crop to 32×32');

    const ex = await run(['export', ckpt, 'exp', ...scene, '--onnx'], dir);
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout).toContain('encoder.onnx');
    const out = await runExportedEncoder(path.join(dir, 'exp', 'encoder.onnx'), x, shape);
    expect(out.ids.dims).toEqual([6, 1, N]);
    expect(out.err.dims).toEqual([6, 1, N]);
    const exported = await readNpy(path.join(dir, 'exp', 'tokens.npy'));
    expect(exported.shape).toEqual([6, N]);
    expect(Array.from(out.ids.data)).toEqual(Array.from(exported.data as Int32Array));
    // The comparisons cover many codes (standardised latents through FSQ's levels).
    const distinct = new Set(exported.data as Int32Array).size;
    expect(distinct).toBeGreaterThan(5);
    console.log(`titok encode CLI: ${differ} of ${both.onnx.data.length} tokens differ between engines; ${distinct} codes used`);
  }, 600_000);
});
