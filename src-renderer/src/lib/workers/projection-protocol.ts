/** Messages between the UI thread and projection.worker.ts. */
export interface ProjectionRequest {
  id: number;
  method: 'pca' | 'umap';
  /** `[n, d]` codes. */
  codes: Float32Array;
  n: number;
  d: number;
}

export type ProjectionReply =
  | { id: number; progress: number }
  | { id: number; points: Float32Array }
  | { id: number; error: string };
