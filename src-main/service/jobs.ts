import type { JobProgress } from '../contract/index';
import { Throttle } from './throttle';

/**
 * Long work the service does for a caller (encoding a whole sequence, projecting a codebook…),
 * reported as `jobProgress` events: throttled to a few a second, the first and the last always
 * sent. Two requests for the same job key share one run instead of doing the work twice.
 */
export type ProgressFn = (done: number, total: number, message?: string) => void;

export class JobRunner {
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(private readonly emit: (progress: JobProgress) => void) {}

  run<T>(key: string, label: string, work: (progress: ProgressFn) => Promise<T>): Promise<T> {
    const existing = this.running.get(key);
    if (existing) return existing as Promise<T>;
    const throttle = new Throttle<JobProgress>(this.emit, 250);
    const progress: ProgressFn = (done, total, message) => {
      const p: JobProgress = { job: label, done, total };
      if (message) p.message = message;
      if (done >= total) throttle.flush(p);
      else throttle.push(p);
    };
    const job = (async () => {
      try {
        return await work(progress);
      } finally {
        throttle.cancel();
        this.running.delete(key);
      }
    })();
    this.running.set(key, job);
    return job;
  }

  isRunning(key: string): boolean {
    return this.running.has(key);
  }
}
