/**
 * Checkpoints and exchange formats: safetensors by hand, the native checkpoint (one file),
 * export/import of the PyTorch layout (resources/pytorch/tokenscope_tokenizer.py reads it),
 * token datasets as .npy, and the bridge that saves and resumes a training run.
 */
export {
  encodeSafetensors,
  decodeSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
  SafetensorsError,
  type SafeDType,
  type SafeTensor,
  type SafetensorsFile,
  type TensorToWrite,
} from './safetensors';
export { stateDictToSafe, safeFileToStateDict, disposeStateDict, type StateDict } from './tensor-io';
export {
  saveCheckpoint,
  loadCheckpoint,
  checkpointInfo,
  encodeCheckpoint,
  disposeSnapshot,
  sameArchitecture,
  CheckpointError,
  CHECKPOINT_FORMAT,
  type CheckpointSnapshot,
  type CheckpointDetails,
  type CodebookHealth,
  type OptimizerSnapshot,
  type NamedArray,
  type LoadCheckpointOptions,
} from './checkpoint';
export {
  exportForPyTorch,
  exportCheckpointFile,
  importFromPyTorch,
  writeTokenDataset,
  type ExportableTokenizer,
  type ExportResult,
  type ImportResult,
} from './export';
export { buildExportConfig, parseExportConfig, quantizerShape, EXPORT_FORMAT, type ExportConfigJson, type InputDescription } from './export-config';
export { referenceLayers, type LayerSpec } from './layers';
export { saveTrainingCheckpoint, resumeTraining, type SaveTrainingOptions, type ResumeState } from './training-checkpoint';
