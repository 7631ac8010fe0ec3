import type { BackendStatus } from '../../contract';
import type { InitBackendOptions } from '../backend/init-backend';
import type { JobCommand, JobReply } from '../jobs/job-protocol';
import type { PredictorConfig } from './predictor-config';
import type { PredictorSnapshot } from './predictor-snapshot';
import type { PredictorStepMetrics } from './predictor-trainer';
import type { PredictorProgress, PredictorTrainOptions } from './predictor-training';
import type { TokenVolume } from './token-volume';

/** Messages between a PredictorTrainingJob and its worker thread (the tokenizer job's protocol, for the predictor). */
export interface PredictorStartMessage {
  type: 'start';
  /** Tokenized sequences to train on (their buffers are copied into the worker). */
  volumes: TokenVolume[];
  model: Partial<PredictorConfig>;
  options: Partial<PredictorTrainOptions>;
  resume?: PredictorSnapshot;
  backend?: InitBackendOptions;
}

export type ToPredictorWorker = PredictorStartMessage | JobCommand;

export type FromPredictorWorker =
  | { type: 'started'; backend: BackendStatus; step: number; config: PredictorConfig; parameters: number }
  | { type: 'progress'; progress: PredictorProgress }
  | JobReply<PredictorSnapshot, PredictorStepMetrics>;
