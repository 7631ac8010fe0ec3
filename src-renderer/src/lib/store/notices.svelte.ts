/**
 * Toasts (one line each, errors stay longer), the message log kept for tests and bug reports, and
 * the background jobs the status bar lists (a finished or silent job leaves after a while).
 */
import type { JobProgress } from '../../../../src-main/contract/index';

export class NoticeStore {
  toasts = $state.raw<Array<{ id: number; text: string; kind: 'error' | 'info' }>>([]);
  jobs = $state.raw<Record<string, JobProgress>>({});
  readonly messageLog: string[] = [];
  private toastId = 0;
  private jobStamps: Record<string, number> = {};

  toast(text: string, kind: 'error' | 'info' = 'error'): void {
    const id = ++this.toastId;
    // Every message is also kept (newest last) for the tests and for a bug report.
    this.messageLog.push(`${kind}: ${text}`);
    if (this.messageLog.length > 200) this.messageLog.shift();
    this.toasts = [...this.toasts.slice(-3), { id, text, kind }];
    setTimeout(() => (this.toasts = this.toasts.filter((t) => t.id !== id)), kind === 'error' ? 9000 : 4000);
  }

  dismissToast(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  onJob(j: JobProgress): void {
    this.jobs = { ...this.jobs, [j.job]: j };
    // A finished job leaves the status bar shortly after; so does one that went quiet.
    const finished = j.total > 0 && j.done / j.total >= 0.999;
    const stamp = (this.jobStamps[j.job] = performance.now());
    setTimeout(() => {
      if (this.jobStamps[j.job] === stamp) this.clearJob(j.job);
    }, finished ? 1500 : 30_000);
  }

  private clearJob(job: string): void {
    const { [job]: _gone, ...rest } = this.jobs;
    this.jobs = rest;
  }
}
