/**
 * What the Decoded view leads with for class frames. A share of ALL cells wrong says little on
 * Occ3D (most voxels are free: an all-wrong reconstruction of the objects still reads "2 %"),
 * so the wrong share is over the cells that are occupied in the input or in the reconstruction,
 * and the geometry IoU is shown only where it can mean something.
 */

export interface ClassEncodingLike {
  numClasses: number;
  groups: number;
  freeClass?: number;
}

/**
 * Cells whose top-down class differs, among those occupied (not free) in the truth or the
 * prediction. Without a free class every cell counts. `share` is NaN when no cell counts.
 */
export function occupiedWrong(truth: Uint8Array, pred: Uint8Array, freeClass: number | undefined): { wrong: number; counted: number; share: number } {
  if (truth.length !== pred.length) throw new Error(`occupiedWrong: truth has ${truth.length} cells, the reconstruction ${pred.length}`);
  let wrong = 0;
  let counted = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const p = pred[i]!;
    if (freeClass !== undefined && t === freeClass && p === freeClass) continue;
    counted++;
    if (t !== p) wrong++;
  }
  return { wrong, counted, share: counted ? wrong / counted : Number.NaN };
}

/**
 * Whether the geometry (occupied vs free) IoU means anything for this frame, and why not:
 * with no free class, or a single-layer map whose input has no free cell at all (the procedural
 * scene paints every cell: road, sidewalk, vegetation), every cell is "occupied" on both sides
 * and the IoU is 1 whatever the tokenizer does.
 */
export function geometryIouNote(truth: Uint8Array | null | undefined, enc: ClassEncodingLike): string | null {
  if (enc.freeClass === undefined) return 'n/a: this source has no free (empty) class, so occupied-vs-free IoU is undefined';
  if (enc.groups > 1 || !truth) return null;
  for (let i = 0; i < truth.length; i++) if (truth[i] === enc.freeClass) return null;
  return 'n/a: every cell of the input is occupied (no free cell), so occupied-vs-free IoU is 1 whatever is reconstructed';
}

/** Per-class IoUs with their names, worst first, skipping classes absent from both sides (NaN) and the free class. */
export function rankedClassIou(perClass: number[], names: string[], freeClass: number | undefined): Array<{ id: number; name: string; iou: number }> {
  const out: Array<{ id: number; name: string; iou: number }> = [];
  perClass.forEach((v, id) => {
    if (id !== freeClass && Number.isFinite(v)) out.push({ id, name: names[id] ?? `class ${id}`, iou: v });
  });
  return out.sort((a, b) => a.iou - b.iou || a.id - b.id);
}
