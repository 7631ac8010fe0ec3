import type { RunControl, RunDoneReason } from './run-control';

/**
 * The part of the worker protocol every training job shares (the tokenizer's and the
 * predictor's): the commands the calling side sends after `start`, and the messages it gets back
 * besides the job's own (`started`, `progress`, …). Each job's protocol file adds its own.
 */
export type JobCommand =
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  /** Take a checkpoint now (answered by a `checkpoint` message with the same id). */
  | { type: 'checkpoint-requested'; id: number };

export type JobReply<TSnapshot, TMetrics> =
  /** A snapshot: every `checkpointEvery` steps, on request (id), and on stop/end (final). */
  | { type: 'checkpoint'; snapshot: TSnapshot; id?: number; final: boolean }
  | { type: 'error'; message: string }
  | { type: 'done'; reason: RunDoneReason; step: number; metrics?: TMetrics };

/** Applies a command on the worker side. */
export function applyCommand(control: Pick<RunControl, 'pause' | 'resume' | 'stop' | 'requestCheckpoint'>, msg: JobCommand): void {
  switch (msg.type) {
    case 'pause':
      return control.pause();
    case 'resume':
      return control.resume();
    case 'stop':
      return control.stop();
    case 'checkpoint-requested':
      return control.requestCheckpoint(msg.id);
  }
}
