import type { SceneEvaluation, VisibilityMask } from '../contract/index';

/**
 * The Occ3D per-class table of a scene's reconstruction (`tokenscope evaluate`): IoU per
 * semantic class under one visibility mask, then mIoU (free excluded) and the geometry IoU.
 */
export function occupancyTable(ev: SceneEvaluation, mask: VisibilityMask): string {
  const s = ev.scores.find((x) => x.mask === mask);
  if (!s) return `reconstruction: the frames have no ${mask} mask`;
  const pct = (v: number) => (Number.isFinite(v) ? (100 * v).toFixed(2) : '-');
  const width = Math.max(...ev.classNames.map((n) => n.length));
  const lines = [`reconstruction over ${ev.frames} frame(s), Occ3D metrics, mask: ${mask} (IoU %)`];
  ev.classNames.forEach((name, c) => {
    if (c < s.perClass.length - 1) lines.push(`${name.padEnd(width)}  ${pct(s.perClass[c]!)}`);
  });
  lines.push(`${'mIoU'.padEnd(width)}  ${pct(s.miou)}`, `${'IoU (geometry)'.padEnd(width)}  ${pct(s.iou)}`);
  return lines.join('\n');
}

/** The same as JSON: absent classes as null (JSON has no NaN). */
export function occupancyJson(ev: SceneEvaluation, mask: VisibilityMask): object | null {
  const s = ev.scores.find((x) => x.mask === mask);
  if (!s) return null;
  const num = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    mask,
    frames: ev.frames,
    perClass: Object.fromEntries(ev.classNames.slice(0, s.perClass.length - 1).map((n, c) => [n, num(s.perClass[c]!)])),
    miou: num(s.miou),
    iou: num(s.iou),
  };
}
