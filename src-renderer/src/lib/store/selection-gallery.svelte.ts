/**
 * The selected code's occurrences as a gallery: for each (GALLERY_SIZE of them, spread over the list), the patch of the
 * BEV input its token sees — the cell's footprint grown to the reference encoder's receptive field,
 * cropped from that occurrence's frame, the cell outlined — so one sees what a code stands for.
 * The frames are fetched as the views fetch them (a class frame's 40 kB class map, or the picked
 * channel) and their pictures kept in a small LRU; kept apart from app.svelte.ts.
 */
import type { CodeOccurrence, FrameData, FrameRequest } from '../../../../src-main/contract/index';
import { app } from './app.svelte';
import type { RgbaImage } from '../logic/colormap';
import { frameImage } from '../logic/frame-image';
import { cropImage, outlineRect, patchRect, referenceReceptiveField, spreadSample } from '../logic/code-occurrences';

export const GALLERY_SIZE = 24;

export interface GalleryPatch {
  occurrence: CodeOccurrence;
  image: RgbaImage;
}

class GalleryStore {
  patches = $state.raw<GalleryPatch[]>([]);
  loading = $state(false);
  /** The patch size said in the panel: receptive field and stride in input pixels. */
  field = $state.raw<{ stride: number; field: number } | null>(null);
  private seq = 0;
  private pictures = new Map<string, Promise<RgbaImage>>();
  private sourceKey = '';

  /** Rebuilds the gallery for these occurrences (call when the occurrences or the source change). */
  async load(occ: CodeOccurrence[] | null): Promise<void> {
    const seq = ++this.seq;
    const src = app.source;
    const t = app.tokens;
    const c = app.client;
    if (!occ || !occ.length || !src || !t || !c) {
      this.patches = [];
      this.field = null;
      return;
    }
    const key = `${src.path}:${src.dataset?.scene ?? ''}:${app.channel}`;
    if (key !== this.sourceKey) {
      this.sourceKey = key;
      this.pictures.clear();
    }
    const rf = referenceReceptiveField(src.height, t.h);
    this.field = rf;
    const margin = Math.max(0, Math.ceil((rf.field - rf.stride) / 2));
    const req: FrameRequest = src.encoding.kind === 'classes' ? { channels: 'labels' } : { channels: [app.channel] };
    this.loading = true;
    const out: GalleryPatch[] = [];
    try {
      // Spread over the sequence (occurrences come frame by frame), not the first frame's cells only.
      for (const o of spreadSample(occ, GALLERY_SIZE)) {
        const pic = await this.picture(o.frame, req);
        if (seq !== this.seq) return;
        const rect = patchRect(o, src.height, src.width, t.h, t.w, margin);
        const cell = patchRect(o, src.height, src.width, t.h, t.w, 0);
        const crop = cropImage(pic, rect);
        out.push({ occurrence: o, image: outlineRect(crop, { x0: cell.x0 - rect.x0, y0: cell.y0 - rect.y0, x1: cell.x1 - rect.x0, y1: cell.y1 - rect.y0 }) });
      }
      this.patches = out;
    } catch (e) {
      if (seq === this.seq) app.selection.healthNote = `gallery: ${(e as Error).message}`;
    } finally {
      if (seq === this.seq) this.loading = false;
    }
  }

  private picture(frame: number, req: FrameRequest): Promise<RgbaImage> {
    const k = String(frame);
    let p = this.pictures.get(k);
    if (!p) {
      const enc = app.source!.encoding;
      const channel = app.channel;
      p = app.client!.getFrame(frame, req).then((f: FrameData) => frameImage(f, enc, channel, 'viridis'));
      p.catch(() => this.pictures.delete(k));
      this.pictures.set(k, p);
      // A small LRU: the newest 32 frames' pictures.
      if (this.pictures.size > 32) this.pictures.delete(this.pictures.keys().next().value!);
    }
    return p;
  }
}

export const gallery = new GalleryStore();
