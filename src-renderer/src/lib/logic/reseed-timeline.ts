/**
 * The Health tab's reseed timeline: where each reseeding event sits on the run's step axis, its
 * colour by source, and a one-line description (which codes, from what). Plain numbers; the
 * component draws them.
 */
import type { ReseedEvent } from '../../../../src-main/contract/index';

export const RESEED_COLORS: Record<ReseedEvent['source'], string> = {
  batch: '#f28e2b',
  reservoir: '#4e9bf5',
  split: '#b07aa1',
};

export interface TimelineMark {
  /** x in [0, 1] along the run's steps. */
  x: number;
  /** Bar height in [0, 1]: the codes reseeded, relative to the largest event. */
  h: number;
  color: string;
  event: ReseedEvent;
}

/** One mark per event; `totalSteps` fixes the axis (at least the last event's step). */
export function timelineMarks(events: readonly ReseedEvent[], totalSteps: number): TimelineMark[] {
  if (!events.length) return [];
  const last = Math.max(totalSteps, ...events.map((e) => e.step), 1);
  const most = Math.max(...events.map((e) => e.codes.length), 1);
  return events.map((e) => ({ x: e.step / last, h: Math.max(0.15, e.codes.length / most), color: RESEED_COLORS[e.source], event: e }));
}

/** "step 120 · split of popular codes · 3 codes: 17←4, 21←4, 30←9" (level / group first when given). */
export function describeReseed(e: ReseedEvent, maxCodes = 12): string {
  const shown = e.codes.slice(0, maxCodes).map((c, i) => (e.from ? `${c}←${e.from[i]}` : String(c)));
  const more = e.codes.length > maxCodes ? ` +${e.codes.length - maxCodes} more` : '';
  return `${reseedHeadline(e)}: ${shown.join(', ')}${more}`;
}

/** "step 50 · split of popular codes · 4 codes" (the list's label; the codes follow as buttons). */
export function reseedHeadline(e: ReseedEvent): string {
  const what = e.source === 'split' ? 'split of popular codes' : e.source === 'reservoir' ? 'from the reservoir of recent latents' : "from the batch's worst-fit latents";
  const level = e.level !== undefined ? `level ${e.level} · ` : '';
  return `step ${e.step} · ${level}${what} · ${e.codes.length} code${e.codes.length === 1 ? '' : 's'}`;
}

/** Totals per source for the legend. */
export function reseedTotals(events: readonly ReseedEvent[]): Record<ReseedEvent['source'], number> {
  const t = { batch: 0, reservoir: 0, split: 0 };
  for (const e of events) t[e.source] += e.codes.length;
  return t;
}
