/**
 * Codebook dynamics: the small, pure pieces of VQ training that decide *when* the codebook
 * changes outside the optimiser and *from what* — the commitment weight's schedule, the slots a
 * reservoir-sampled pool of recent latents overwrites, and the reseeding events the trainer
 * reports. The tensor work lives in vq.ts; these helpers are plain numbers so that they are easy
 * to test and to mirror in the PyTorch kit (resources/pytorch/kit_quantizer.py).
 */
import type { ReseedEvent } from '../../contract';
import type { Rng } from '../../util/rng';

/** β linearly from `start` to `end` over `steps` training steps, then `end`. */
export interface BetaSchedule {
  start: number;
  end: number;
  steps: number;
}

/**
 * The commitment weight for the step about to run (`step` = steps already done, 0-based):
 * start + (end − start) · min(step / steps, 1). Without a schedule, the constant β.
 */
export function commitmentWeight(beta: number, schedule: BetaSchedule | undefined, step: number): number {
  if (!schedule) return beta;
  if (!(schedule.steps >= 1)) throw new Error(`beta schedule: steps must be ≥ 1, got ${schedule.steps}`);
  const t = Math.min(Math.max(step, 0) / schedule.steps, 1);
  return schedule.start + (schedule.end - schedule.start) * t;
}

/**
 * How a pool of at most `capacity` latent rows takes in a batch of `batchRows` rows.
 * Returns, for each slot of the new pool, the row of concat([pool, batch]) it holds.
 * - 'fifo': the newest `capacity` rows (the oldest fall out).
 * - 'reservoir': Vitter's algorithm R — the pool stays a uniform sample of every row seen so far;
 *   row number i (0-based, over the whole run) replaces a random slot j < capacity when the
 *   draw j ∈ [0, i] lands inside the pool. `seen` = rows seen before this batch.
 * Only indices are computed here (no latents are read back), so the gather stays on the device.
 */
export function poolSlots(mode: 'fifo' | 'reservoir', capacity: number, poolRows: number, seen: number, batchRows: number, rng: Rng): Int32Array {
  if (mode === 'fifo') {
    const total = poolRows + batchRows;
    const n = Math.min(capacity, total);
    return Int32Array.from({ length: n }, (_, i) => total - n + i);
  }
  const slots: number[] = Array.from({ length: poolRows }, (_, i) => i);
  for (let r = 0; r < batchRows; r++) {
    const i = seen + r;
    if (slots.length < capacity) slots.push(poolRows + r);
    else {
      const j = rng.int(i + 1);
      if (j < capacity) slots[j] = poolRows + r;
    }
  }
  return Int32Array.from(slots);
}

/**
 * One reseeding of a codebook as read back from the device: `dead` (1 where a code was
 * replaced) and, for split-and-perturb, `from` (the popular code each replaced code split off).
 */
export function reseedEventOf(
  step: number,
  dead: Int32Array,
  from: Int32Array | null,
  source: ReseedEvent['source'],
  level?: number,
): ReseedEvent | null {
  const codes: number[] = [];
  const parents: number[] = [];
  for (let k = 0; k < dead.length; k++) {
    if (!dead[k]) continue;
    codes.push(k);
    if (from) parents.push(from[k]!);
  }
  if (!codes.length) return null;
  const e: ReseedEvent = { step, codes, source };
  if (from) e.from = parents;
  if (level !== undefined) e.level = level;
  return e;
}

/** Reseeding events kept for the Health timeline and progress events (the newest). */
export const RESEED_LOG_LIMIT = 500;

/** One line for the CLI: how many events, codes and from what. */
export function reseedSummary(events: readonly ReseedEvent[]): string {
  if (!events.length) return 'reseeding: no codes reseeded';
  const bySource = new Map<string, number>();
  let codes = 0;
  for (const e of events) {
    codes += e.codes.length;
    bySource.set(e.source, (bySource.get(e.source) ?? 0) + e.codes.length);
  }
  const parts = [...bySource].map(([s, n]) => `${n} from ${s === 'split' ? 'splits of popular codes' : s}`);
  const first = events[0]!.step;
  const last = events[events.length - 1]!.step;
  return `reseeding: ${codes} codes in ${events.length} events (steps ${first}–${last}): ${parts.join(', ')}`;
}
