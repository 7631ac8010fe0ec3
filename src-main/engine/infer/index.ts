export { encodeSequence, decodeTokens, type TokenSet, type BatchOptions } from './encode-sequence';
export { InferenceWorker, inferenceWorkersStarted, type InferenceWorkerOptions } from './inference-worker';
export { InferencePool } from './inference-pool';
