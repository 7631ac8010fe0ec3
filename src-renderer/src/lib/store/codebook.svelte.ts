/**
 * The codebook of the shown tokenizer (the selected level's) and its 3D projection, computed in a
 * worker (PCA, or UMAP with progress). A refresh that brings the same codes keeps the projection.
 */
import type { CodebookView } from '../../../../src-main/contract/index';
import { normalizePoints } from '../logic/projection';
import { codeColorsFromProjection, codeRowLookup } from '../logic/token-colors';
import { ProjectionClient } from '../workers/projection-client';
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

/** What projects codes to 3D (the worker; a test hands in its own). */
export interface Projector {
  project(method: 'pca' | 'umap', codes: Float32Array, n: number, d: number, onProgress?: (f: number) => void): Promise<Float32Array>;
  dispose(): void;
}

export class CodebookStore {
  codebook = $state.raw<CodebookView | null>(null);
  codebookNote = $state<string | null>(null);
  projection = $state.raw<ProjectionState | null>(null);
  projectionMethod = $state<'pca' | 'umap'>('pca');
  projecting = $state.raw<{ method: 'pca' | 'umap'; progress: number } | null>(null);
  /** The row of the codebook view a code id sits at (identity for explicit codebooks). */
  rowOf = $derived(codeRowLookup(this.codebook?.ids));

  constructor(
    private readonly host: CodebookHost,
    private readonly projector: Projector = new ProjectionClient(),
  ) {}

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

  /** (Re)computes the 3D projection in the worker; UMAP reports progress as it goes. */
  async project(method: 'pca' | 'umap'): Promise<void> {
    const cb = this.codebook;
    if (!cb) return;
    const rows = cb.ids ? cb.ids.length : cb.size;
    const key = `${this.host.modelKey}:${this.host.level}:${rows}`;
    this.projectionMethod = method;
    this.projecting = { method, progress: 0 };
    try {
      const raw = await this.projector.project(method, cb.codes, rows, cb.dim, (f) => (this.projecting = { method, progress: f }));
      // A newer request would have superseded this one; a refresh may have replaced the
      // codebook object with the same codes, which this projection still fits.
      this.projecting = null;
      const now = this.codebook;
      if (!now || !(now === cb || sameCodes(now, cb))) return;
      this.projection = {
        method,
        points: normalizePoints(raw, rows),
        colors: codeColorsFromProjection(raw, rows),
        key,
      };
    } catch (e) {
      if (messageOf(e) !== 'superseded') {
        this.projecting = null;
        this.host.toast(`projection: ${messageOf(e)}`);
      }
    }
  }

  dispose(): void {
    this.projector.dispose();
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
