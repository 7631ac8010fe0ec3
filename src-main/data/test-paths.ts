/**
 * Where tests find the shared real data and Debian's numpy (tests only; the product never
 * reads ../shared). Paths resolve from this file, so tests run from any working directory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHARED_DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data');
export const OCC3D_SAMPLE = path.join(SHARED_DATA, 'occ3d-nuscenes-sample/labels.npz');
export const LIDAR_SAMPLE = path.join(SHARED_DATA, 'nuscenes-lidarseg-seq11');

/** Debian's python has numpy; the python first on PATH may not. */
export const PYTHON = '/usr/bin/python3';
export const HAS_NUMPY = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

/** Runs a python snippet with argv and returns its stdout parsed as JSON. */
export function pythonJson<T>(code: string, ...args: string[]): T {
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
