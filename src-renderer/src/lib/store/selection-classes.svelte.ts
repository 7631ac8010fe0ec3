/**
 * Codes coloured by meaning: the class each code mostly covers in the current frame (class
 * sources only), as a colour per codebook row that the token grid, the BEV overlay and the 3D
 * view can use instead of the projection's colours. Kept apart from app.svelte.ts (which only
 * holds the data it reads).
 */
import { app } from './app.svelte';
import { dominantClasses } from '../logic/code-occurrences';

/** Codes absent from the frame: a neutral grey, so the classes stand out. */
export const ABSENT_RGB: [number, number, number] = [70, 72, 78];

class CodeClassStore {
  /** Token grid and overlay coloured by each code's dominant class instead of its position in the codebook. */
  byClass = $state(false);

  /** code → dominant class and its share of the code's pixels in this frame; null for continuous sources. */
  readonly map = $derived.by(() => {
    const t = app.tokens;
    const f = app.frame;
    const enc = app.source?.encoding;
    if (!t || !f?.labels || enc?.kind !== 'classes' || f.labels.length !== f.width * f.height) return null;
    return dominantClasses(t, app.sel.level, f.labels, f.height, f.width, enc.numClasses);
  });

  /** `[rows, 3]` sRGB per codebook row: the palette colour of its dominant class, grey where absent. */
  readonly rowColors = $derived.by((): Uint8Array | null => {
    const m = this.map;
    const cb = app.codebook;
    const enc = app.source?.encoding;
    if (!m || !cb || enc?.kind !== 'classes') return null;
    const rows = cb.ids ? cb.ids.length : cb.size;
    const out = new Uint8Array(rows * 3);
    for (let r = 0; r < rows; r++) out.set(ABSENT_RGB, r * 3);
    for (const [code, { classId }] of m) {
      const r = app.rowOf(code);
      const rgb = enc.palette.find((c) => c.id === classId)?.rgb;
      if (r >= 0 && r < rows && rgb) out.set(rgb, r * 3);
    }
    return out;
  });

  /** The classes that are some code's dominant one, with how many codes, for the legend. */
  readonly legend = $derived.by(() => {
    const m = this.map;
    const enc = app.source?.encoding;
    if (!m || enc?.kind !== 'classes') return [];
    const counts = new Map<number, number>();
    for (const { classId } of m.values()) counts.set(classId, (counts.get(classId) ?? 0) + 1);
    return [...counts]
      .sort((a, b) => b[1] - a[1])
      .map(([id, codes]) => {
        const info = enc.palette.find((c) => c.id === id);
        return { id, codes, name: (info?.name ?? `class ${id}`).replace(/_/g, ' '), rgb: info?.rgb ?? [255, 0, 255] };
      });
  });
}

export const codeClasses = new CodeClassStore();
