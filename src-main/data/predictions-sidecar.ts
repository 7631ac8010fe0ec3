/**
 * The side file `predict` writes next to a predictions `.npy` (`<file>.json`): what the array is
 * (its prediction mode) and which sequence frame its first predicted frame stands for. `evaluate`
 * and the app read it back so the frames are scored against the right truth without an
 * `--offset`. Plain JSON, checked field by field; nothing in it is executed.
 */
import { promises as fsp } from 'node:fs';
import { DataError } from './errors';
import { writeFileAtomic } from '../util/atomic-write';

export type PredictionMode = 'rollout' | 'one-step' | 'windows';
export const PREDICTION_MODES: readonly PredictionMode[] = ['rollout', 'one-step', 'windows'];

export interface PredictionsSidecar {
  /** Sequence frame of predicted frame 0 (of window 0 for sliding windows). */
  offset: number;
  mode: PredictionMode;
}

export function sidecarPath(npyPath: string): string {
  return `${npyPath}.json`;
}

/** The side file's alignment, or null when there is none. A side file that is there but wrong is an error. */
export async function readPredictionsSidecar(npyPath: string): Promise<PredictionsSidecar | null> {
  const file = sidecarPath(npyPath);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  if (text.length > 64 * 1024) throw new DataError(file, 'is over 64 KiB; a predictions side file holds two fields');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new DataError(file, `is not JSON (${(e as Error).message}); delete it or give --offset and --mode`);
  }
  const o = v as Record<string, unknown>;
  if (typeof v !== 'object' || v === null) throw new DataError(file, 'must hold a JSON object { "offset": n, "mode": "rollout" | "one-step" | "windows" }');
  if (!Number.isInteger(o.offset) || (o.offset as number) < 0) throw new DataError(file, `"offset" must be a frame index ≥ 0, got ${JSON.stringify(o.offset)}`);
  if (!PREDICTION_MODES.includes(o.mode as PredictionMode)) {
    throw new DataError(file, `"mode" must be one of ${PREDICTION_MODES.join(', ')}, got ${JSON.stringify(o.mode)}`);
  }
  return { offset: o.offset as number, mode: o.mode as PredictionMode };
}

export async function writePredictionsSidecar(npyPath: string, s: PredictionsSidecar): Promise<void> {
  await writeFileAtomic(sidecarPath(npyPath), JSON.stringify({ offset: s.offset, mode: s.mode }, null, 2) + '\n');
}
