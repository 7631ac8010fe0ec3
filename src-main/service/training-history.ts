import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { TrainMetrics } from '../contract/index';
import { disposeSnapshot, loadCheckpoint } from '../engine/checkpoint/checkpoint';
import { parseMetricLine } from './run-follower';

/**
 * An earlier run's training curves, to overlay on the current run's: a run folder (its
 * metrics.jsonl, as the training kit writes it), a metrics.jsonl itself, or a TokenScope
 * checkpoint (the history saved in it). Lines that are not metrics are skipped, as when following.
 */
export const MAX_METRICS_BYTES = 256 * 1024 * 1024;

export async function readTrainingHistory(p: string): Promise<TrainMetrics[]> {
  const st = await fsp.stat(p);
  const jsonl = st.isDirectory() ? path.join(p, 'metrics.jsonl') : p.endsWith('.jsonl') ? p : null;
  if (jsonl) {
    const js = await fsp.stat(jsonl).catch(() => null);
    if (!js?.isFile()) throw new Error(`${p}: no metrics.jsonl (a run folder written by the training kit holds one)`);
    if (js.size > MAX_METRICS_BYTES) throw new Error(`${jsonl}: ${js.size} bytes is over the ${MAX_METRICS_BYTES >> 20} MiB read for curves`);
    const out: TrainMetrics[] = [];
    for (const line of (await fsp.readFile(jsonl, 'utf8')).split('\n')) {
      const m = line.trim() ? parseMetricLine(line) : null;
      if (m) out.push(m);
    }
    return out;
  }
  const snapshot = await loadCheckpoint(p);
  try {
    return snapshot.metrics;
  } finally {
    disposeSnapshot(snapshot);
  }
}
