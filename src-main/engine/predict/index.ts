export type { TokenVolume, PredictionVolume } from './token-volume';
export { frameView, frameSize, predictedFrame, stepsAhead, checkTokenVolume } from './token-volume';
export { copyLastBaseline } from './copy-last';
export { NextFramePredictor } from './next-frame-model';
export { resolvePredictorConfig, DEFAULT_PREDICTOR, type PredictorConfig } from './predictor-config';
export { rollout, predictNextFrames, type RolloutOptions } from './rollout';
export { sampleIds, type SamplingOptions } from './sampling';
export {
  tokenAccuracy,
  disagreementMap,
  accuracyPerFrame,
  accuracyPerHorizon,
  meanAccuracy,
  type FrameAccuracy,
  type HorizonAccuracy,
} from './prediction-metrics';
export { scoreDecodedFrame, type DecodedScores } from './decoded-metrics';
export {
  PredictorTrainingLoop,
  DEFAULT_PREDICTOR_TRAINING,
  type PredictorTrainOptions,
  type PredictorProgress,
  type PredictorDoneReason,
} from './predictor-training';
export { PredictorTrainingJob, type PredictorJobOptions, type PredictorJobDone } from './predictor-job';
export {
  takePredictorSnapshot,
  predictorFromSnapshot,
  writePredictorCheckpoint,
  readPredictorCheckpoint,
  loadPredictor,
  type PredictorSnapshot,
} from './predictor-snapshot';
export type { PredictorStepMetrics } from './predictor-trainer';
export { volumeFromPredictions, predictionsOfVolume } from './prediction-volume';
