/** Runs codebook projections in a Web Worker, one at a time; a new request supersedes the previous. */
import type { ProjectionReply, ProjectionRequest } from './projection-protocol';

export class ProjectionClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private current: { id: number; resolve: (p: Float32Array) => void; reject: (e: Error) => void; onProgress?: (f: number) => void } | null = null;

  private ensure(): Worker {
    if (!this.worker) {
      this.worker = new Worker(new URL('./projection.worker.ts', import.meta.url), { type: 'module' });
      this.worker.onmessage = (ev: MessageEvent<ProjectionReply>) => this.onReply(ev.data);
      this.worker.onerror = (ev) => {
        this.current?.reject(new Error(`projection worker failed: ${ev.message}`));
        this.current = null;
        this.worker?.terminate();
        this.worker = null;
      };
    }
    return this.worker;
  }

  private onReply(msg: ProjectionReply): void {
    const cur = this.current;
    if (!cur || msg.id !== cur.id) return;
    if ('progress' in msg) cur.onProgress?.(msg.progress);
    else {
      this.current = null;
      if ('points' in msg) cur.resolve(msg.points);
      else cur.reject(new Error(msg.error));
    }
  }

  project(method: 'pca' | 'umap', codes: Float32Array, n: number, d: number, onProgress?: (f: number) => void): Promise<Float32Array> {
    if (this.current) {
      // A superseded UMAP may still be running: restart the worker so it does not hold the CPU.
      this.current.reject(new Error('superseded'));
      this.current = null;
      this.worker?.terminate();
      this.worker = null;
    }
    const worker = this.ensure();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.current = { id, resolve, reject, onProgress };
      const req: ProjectionRequest = { id, method, codes: codes.slice(), n, d };
      worker.postMessage(req, [req.codes.buffer]);
    });
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
    this.current = null;
  }
}
