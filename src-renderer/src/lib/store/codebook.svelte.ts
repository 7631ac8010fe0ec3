/**
 * The codebook of the shown tokenizer (the selected level's) and its 3D projection, from the
 * service's `projectCodebook` (one implementation for the app, the CLI and the API; UMAP runs there
 * as a job whose progress arrives as jobProgress). A refresh that brings the same codes keeps the
 * projection. Token colours always come from the PCA layout, so switching to UMAP moves the points
 * without recolouring every token.
 */
import type { CodebookView } from '../../../../src-main/contract/index';
import { normalizePoints } from '../logic/projection';
import { codeColorsFromProjection, codeRowLookup } from '../logic/token-colors';
import { messageOf, type StoreHost } from './host';

export interface ProjectionState {
  method: 'pca' | 'umap';
  /** `[rows, 3]` in the unit ball, same order as codebook.codes. */
  points: Float32Array;
  colors: Uint8Array;
  /** Codebook identity the projection belongs to. */
  key: string;
}

export interface CodebookHost extends StoreHost {
  /** The quantizer level the views show (residual / grouped). */
  readonly level: number;
  /** Identity of the shown weights (the projection key carries it). */
  readonly modelKey: string;
}

export class CodebookStore {
  codebook = $state.raw<CodebookView | null>(null);
  codebookNote = $state<string | null>(null);
  projection = $state.raw<ProjectionState | null>(null);
  projectionMethod = $state<'pca' | 'umap'>('pca');
  projecting = $state.raw<{ method: 'pca' | 'umap'; progress: number } | null>(null);
  /** The row of the codebook view a code id sits at (identity for explicit codebooks). */
  rowOf = $derived(codeRowLookup(this.codebook?.ids));

  private projectSeq = 0;
  /** The codes the token colours (from their PCA layout) were made for. */
  private colorsFor: Float32Array | null = null;

  constructor(private readonly host: CodebookHost) {}

  async load(): Promise<void> {
    const c = this.host.client;
    if (!c) return;
    try {
      const cb = await c.getCodebook(this.host.level);
      const old = this.codebook;
      this.codebook = cb;
      this.codebookNote = null;
      // The same codes (a refresh after a status event): keep the projection, only usage changed.
      if (old && this.projection && sameCodes(old, cb)) return;
      await this.project(this.projectionMethod);
    } catch (e) {
      this.codebook = null;
      this.projection = null;
      this.codebookNote = messageOf(e);
    }
  }

  /** The 3D layout from the service; a newer request supersedes an older one. */
  async project(method: 'pca' | 'umap'): Promise<void> {
    const cb = this.codebook;
    const c = this.host.client;
    if (!cb || !c) return;
    const rows = cb.ids ? cb.ids.length : cb.size;
    const level = this.host.level;
    const key = `${this.host.modelKey}:${level}:${rows}`;
    const seq = ++this.projectSeq;
    this.projectionMethod = method;
    this.projecting = { method, progress: 0 };
    try {
      const raw = (await c.projectCodebook(method, level)).points;
      // The model may change under the same key (training without a checkpoint): compare the codes.
      const keep = method !== 'pca' && this.projection && this.colorsFor && sameArray(this.colorsFor, cb.codes);
      const pca = method === 'pca' ? raw : keep ? null : (await c.projectCodebook('pca', level)).points;
      // A refresh may have replaced the codebook object with the same codes, which this
      // projection still fits.
      if (seq !== this.projectSeq) return;
      this.projecting = null;
      const now = this.codebook;
      if (!now || raw.length !== rows * 3 || !(now === cb || sameCodes(now, cb))) return;
      this.projection = {
        method,
        points: normalizePoints(raw, rows),
        colors: pca ? codeColorsFromProjection(pca, rows) : this.projection!.colors,
        key,
      };
      if (pca) this.colorsFor = cb.codes;
    } catch (e) {
      if (seq === this.projectSeq) {
        this.projecting = null;
        this.host.toast(`projection: ${messageOf(e)}`);
      }
    }
  }

  /** UMAP's progress, from the service's job events. */
  onJob(j: { job: string; done: number; total: number }): void {
    if (j.job.startsWith('UMAP') && this.projecting?.method === 'umap' && j.total > 0) this.projecting = { method: 'umap', progress: j.done / j.total };
  }

  dispose(): void {
    this.projectSeq++;
  }
}

function sameCodes(a: CodebookView, b: CodebookView): boolean {
  return sameArray(a.codes, b.codes) && sameIds(a.ids, b.ids);
}

function sameArray(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameIds(a: Int32Array | undefined, b: Int32Array | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
