/**
 * Test-only setup: the wasm backend (the product's default) in plain Node, plus the pure-JS CPU
 * backend for cross-checks, and paths to the shared fixtures. The product picks its backend in
 * engine/backend.ts; only tests import this file.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy, type NpyArray } from '../../data/npy';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root, found from this file's location (src-main/engine/quantizers). */
export const repoRoot = path.resolve(here, '../../..');
/** `../shared/fixtures` relative to the repository root. */
export const fixturesDir = path.resolve(repoRoot, '../shared/fixtures');

let wasmPathsSet = false;

/** Switches tfjs to the wasm backend (SIMD, no threads in Node). */
export async function useWasmBackend(): Promise<void> {
  if (!wasmPathsSet) {
    // A file path with a trailing slash: the Node build reads the .wasm files from disk.
    setWasmPaths(path.join(repoRoot, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + path.sep);
    wasmPathsSet = true;
  }
  if (tf.getBackend() !== 'wasm') {
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('test-backend: the wasm backend failed to initialise');
  }
  await tf.ready();
}

/** Switches to the pure-JS CPU backend (reference kernels for cross-checks). */
export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Largest absolute elementwise difference of two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths differ (${a.length} vs ${b.length})`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A fixture array, e.g. `fixture('vq_ema/x')` reads `../shared/fixtures/vq_ema/x.npy`. */
export async function fixture(name: string): Promise<NpyArray> {
  return readNpy(path.join(fixturesDir, `${name}.npy`));
}

/** Whether the shared fixtures are present (tests skip with a reason when they are not). */
export function haveFixtures(): boolean {
  return existsSync(path.join(fixturesDir, 'manifest.json'));
}
