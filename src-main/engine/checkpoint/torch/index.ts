/**
 * Reading PyTorch checkpoints (torch.save's zip format) without Python and without running
 * anything the file names: a restricted unpickler, lazy tensor reads, and state-dict checks.
 */
export { readTorchCheckpoint, type TorchCheckpoint, type TorchTensorRef, type ReadTorchOptions } from './read-torch-checkpoint';
export { checkStateDict, isKnownBuffer, StateDictMismatchError, type CheckStateDictOptions } from './check-state-dict';
export { TorchCheckpointError } from './errors';
export type { TorchDType } from './pickle-values';
export { looksLikeTorchCheckpoint } from './file-signature';
