import type { BackendStatus, TrainConfig, TrainMetrics, TrainProgress } from '../../contract';
import type { InitBackendOptions } from '../backend/init-backend';
import type { TrainSnapshot } from './snapshot';
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
}

export type ToWorker =
  | StartMessage
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  /** Take a checkpoint now (answered by a `checkpoint` message with the same id). */
  | { type: 'checkpoint-requested'; id: number };

export type DoneReason = 'completed' | 'stopped';

export type FromWorker =
  | { type: 'started'; backend: BackendStatus; step: number; tokenGrid: [number, number] }
  | { type: 'progress'; progress: TrainProgress }
  /** A snapshot to save: every `checkpointEvery` steps, on request (id), and on stop/end (final). */
  | { type: 'checkpoint'; snapshot: TrainSnapshot; id?: number; final: boolean }
  /** The worker wrote its checkpoint file (when started with `checkpointPath`). */
  | { type: 'checkpoint-saved'; file: string; step: number; sizeBytes: number; final: boolean }
  | { type: 'error'; message: string }
  | { type: 'done'; reason: DoneReason; step: number; metrics?: TrainMetrics };
