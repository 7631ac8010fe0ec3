export { Trainer, HEALTH_WINDOW_BATCHES, type TrainerState } from './trainer';
export { Adam, type AdamOptions, type AdamState } from './adam';
export { BatchSampler, type Batch } from './batch-sampler';
export { TrainingJob, type TrainingJobOptions, type TrainingDone, type TrainingJobEvents } from './training-job';
export { takeSnapshot, restoreSnapshot, toPlain, fromPlain, snapshotTransfer, type TrainSnapshot, type PlainTensor } from './snapshot';
export { openSource, type SourceSpec } from './source-spec';
export type { ToWorker, FromWorker, StartMessage, DoneReason } from './protocol';
