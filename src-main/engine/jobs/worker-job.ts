import { Worker } from 'node:worker_threads';
import { workerEntry } from '../train/worker-entry';
import type { JobCommand, JobReply } from './job-protocol';

/**
 * The calling side of a training job in a worker thread, shared by the tokenizer's TrainingJob
 * and the predictor's PredictorTrainingJob: starts the worker (through the tsx bootstrap when
 * running from sources), routes the shared replies (snapshots to the `onCheckpoint` hook in
 * order, answers to checkpoint requests, errors, the end), and sends the commands. The job's own
 * messages go to `onMessage`; `done` resolves only after the hook has handled the last snapshot.
 */
export interface WorkerJobSpec<TSnapshot, TMetrics, TOwn, TDone> {
  /** The worker module. */
  entry: URL;
  /** Names the worker in errors ("training worker exited unexpectedly"). */
  name: string;
  start: unknown;
  /** The job's own messages (all but checkpoint, error and done). */
  onMessage(msg: TOwn): void;
  /** Every snapshot, before the hook runs (the job emits its `checkpoint` event here). */
  onSnapshot(snapshot: TSnapshot, info: { final: boolean; id?: number }): void;
  onCheckpoint?: (snapshot: TSnapshot, info: { final: boolean; id?: number }) => Promise<void> | void;
  /** The result from the `done` message, once the hook has finished; throwing fails the job. */
  finish(msg: Extract<JobReply<TSnapshot, TMetrics>, { type: 'done' }>): TDone;
  /** Called once with the error that ends the job, before `done` rejects. */
  onError(err: Error): void;
}

export class WorkerJob<TSnapshot, TMetrics, TOwn extends { type: string }, TDone> {
  readonly done: Promise<TDone>;
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, (s: TSnapshot) => void>();
  private hookChain: Promise<void> = Promise.resolve();
  private finished = false;

  constructor(spec: WorkerJobSpec<TSnapshot, TMetrics, TOwn, TDone>) {
    const { url, execArgv } = workerEntry(spec.entry);
    this.worker = new Worker(url, { workerData: { entry: spec.entry.href }, execArgv });
    this.done = new Promise<TDone>((resolve, reject) => {
      const fail = (err: Error) => {
        if (this.finished) return;
        this.finished = true;
        spec.onError(err);
        void this.worker.terminate();
        reject(err);
      };
      this.worker.on('message', (msg: JobReply<TSnapshot, TMetrics> | TOwn) => {
        switch (msg.type) {
          case 'checkpoint': {
            const m = msg as Extract<JobReply<TSnapshot, TMetrics>, { type: 'checkpoint' }>;
            const info = { final: m.final, id: m.id };
            spec.onSnapshot(m.snapshot, info);
            if (m.id !== undefined) {
              this.pending.get(m.id)?.(m.snapshot);
              this.pending.delete(m.id);
            }
            const hook = spec.onCheckpoint;
            if (hook) this.hookChain = this.hookChain.then(() => hook(m.snapshot, info));
            this.hookChain.catch(fail);
            break;
          }
          case 'error':
            fail(new Error((msg as { message: string }).message));
            break;
          case 'done': {
            const m = msg as Extract<JobReply<TSnapshot, TMetrics>, { type: 'done' }>;
            this.hookChain.then(() => {
              if (this.finished) return;
              let d: TDone;
              try {
                d = spec.finish(m);
              } catch (err) {
                return fail(err as Error);
              }
              this.finished = true;
              void this.worker.terminate();
              resolve(d);
            }, fail);
            break;
          }
          default:
            spec.onMessage(msg as TOwn);
        }
      });
      this.worker.on('error', fail);
      this.worker.on('exit', (code) => {
        if (!this.finished) fail(new Error(`${spec.name} exited unexpectedly (code ${code})`));
      });
    });
    // An unobserved rejection must not crash the process: callers that care await `done`.
    this.done.catch(() => undefined);
    this.worker.postMessage(spec.start);
  }

  send(msg: JobCommand): void {
    if (!this.finished) this.worker.postMessage(msg);
  }

  /** A snapshot of the run as it is now (the hook sees it too). */
  requestCheckpoint(): Promise<TSnapshot> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.send({ type: 'checkpoint-requested', id });
    });
  }

  /** Ends the worker at once (no final checkpoint). */
  async terminate(): Promise<void> {
    if (!this.finished) {
      this.finished = true;
      await this.worker.terminate();
    }
  }
}
