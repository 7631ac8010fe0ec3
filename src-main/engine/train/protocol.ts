import type { BackendStatus, TrainConfig, TrainMetrics, TrainProgress } from '../../contract';
import type { InitBackendOptions } from '../backend/init-backend';
import type { JobCommand, JobReply } from '../jobs/job-protocol';
import type { RunDoneReason } from '../jobs/run-control';
import type { PlainTensor, TrainSnapshot } from './snapshot';
import type { SourceSpec } from './source-spec';

/** Messages between a TrainingJob (calling side) and its training worker thread. */
export interface StartMessage {
  type: 'start';
  config: TrainConfig;
  source: SourceSpec;
  /** Continue this run instead of starting from the seed's initial weights. */
  resume?: TrainSnapshot;
  /** …or continue from a native checkpoint file (engine/checkpoint). */
  resumeFrom?: string;
  /**
   * Native checkpoint file the worker itself writes (atomically, through engine/checkpoint)
   * every `checkpointEvery` steps, on request and on stop/completion.
   */
  checkpointPath?: string;
  backend?: InitBackendOptions;
  /** Progress messages per second at most (default 4). */
  progressHz?: number;
  /**
   * Live weights: post the current weights (no optimiser state) every this many milliseconds
   * between steps, so the views follow the run without a checkpoint or a pause (0/absent: never).
   */
  weightsEveryMs?: number;
}

export type ToWorker = StartMessage | JobCommand;

export type DoneReason = RunDoneReason;

export type FromWorker =
  | { type: 'started'; backend: BackendStatus; step: number; tokenGrid: [number, number] }
  | { type: 'progress'; progress: TrainProgress }
  /** The current weights, every `weightsEveryMs` (live views while training). */
  | { type: 'weights'; step: number; weights: Record<string, PlainTensor> }
  /** The worker wrote its checkpoint file (when started with `checkpointPath`). */
  | { type: 'checkpoint-saved'; file: string; step: number; sizeBytes: number; final: boolean }
  | JobReply<TrainSnapshot, TrainMetrics>;
