/**
 * The contract between the renderer and the service: types only, shared by both sides and by
 * all three front doors (Electron IPC, HTTP + WebSocket, CLI). Every method returns a Promise;
 * events arrive through `on(name, listener)`. Typed arrays cross the boundary as typed arrays
 * (structured clone in Electron, a binary-aware codec over WebSocket).
 */
import type { OccWorldConfig } from './occworld';
export type { OccWorldConfig } from './occworld';
import type { FrameEncoding, SemanticMap } from '../data/frame';
import type { OpenPathOptions } from './open-options';
import type { DatasetSourceInfo } from '../data/dataset-index';

export type { FrameEncoding, ClassInfo } from '../data/frame';
export type { SemanticMap } from '../data/frame';
export type { LidarOpenOptions, OpenPathOptions } from './open-options';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

export interface BackendStatus {
  name: BackendName;
  /** Why this one: which ones were tried and why they were refused. */
  reason: string;
  /** The GPU behind the `webgpu` backend (absent for the others). */
  adapter?: GpuAdapterDescription;
}

/** A WebGPU adapter as Dawn describes it; `software` for SwiftShader, llvmpipe/lavapipe, WARP. */
export interface GpuAdapterDescription {
  vendor: string;
  architecture: string;
  description: string;
  device: string;
  software: boolean;
}

export interface SourceInfo {
  kind: 'procedural' | 'npy' | 'occ3d' | 'lidar' | 'folder';
  /** The file or folder, or `procedural:<seed>` for the embedded scene. */
  path: string;
  name: string;
  length: number;
  channels: number;
  height: number;
  width: number;
  channelNames: string[];
  encoding: FrameEncoding;
  timestampsUs?: number[];
  attribution?: string;
  /** What a user should know about the source (mixed sweep formats, …). */
  warnings?: string[];
  /** When the source is one scene of a dataset: which, its split, whether its time order is known. */
  dataset?: DatasetSourceInfo;
}

/** A dataset's scenes, for the scene picker (`listScenes`). */
export interface SceneListing {
  kind: DatasetSourceInfo['kind'];
  root: string;
  scenes: { name: string; split?: string; frames: number; ordered: boolean }[];
  warnings: string[];
}

/**
 * What of a frame to send (`getFrame`, `getDecoded`): a height-folded Occ3D frame is 288 × 200 ×
 * 200 float32 (46 MB), while a view draws a 40 kB class map or one channel.
 * - `channels`: `'all'` (the default) the whole `[C, H, W]` tensor; `'labels'` no channels, only
 *   the class maps (class frames only); a list of channel ids: those channels, in that order.
 * - `groupLabels`: class frames also carry the class map of every height group.
 */
export type ChannelSelection = 'all' | 'labels' | number[];

export interface FrameRequest {
  channels?: ChannelSelection;
  groupLabels?: boolean;
}

export interface FrameData {
  index: number;
  /** The frame's channel count (whatever was sent). */
  channels: number;
  height: number;
  width: number;
  /** `[C, H, W]` float32, or only the channels in `dataChannels`, or empty for `channels: 'labels'`. */
  data: Float32Array;
  /** The channels `data` holds, in order, when not all of them (absent: all `channels`). */
  dataChannels?: number[];
  /**
   * Top-down class map (classes encoding only), `[H, W]`: for height-folded frames the class of
   * the highest group that is not free (data/frame-utils `topDownLabelsOf`).
   */
  labels?: Uint8Array;
  /** The class map of each height group, `[groups, H, W]` (classes encoding, when asked for). */
  groupLabels?: Uint8Array;
  timestampUs?: number;
  meta: Record<string, unknown>;
  /** Lidar with labels: the most frequent class per cell (a view beside the channels). */
  semantic?: SemanticMap;
  /** `[H, W]` 1 where no point fell (lidar). */
  emptyCells?: Uint8Array;
  /** Occ3D frames: top-down visibility `[H, W]`, 1 where any voxel of the column is observed (overlay). */
  visibility?: { camera?: Uint8Array; lidar?: Uint8Array };
}

/** Which voxels the Occ3D metrics count: those seen by the cameras, by the lidar, or all. */
export type VisibilityMask = 'camera' | 'lidar' | 'none';

/** Occ3D benchmark scores under one mask: per-class IoU (18, free last; NaN when a class is absent), mIoU, geometry IoU. */
export interface OccupancyScores {
  mask: VisibilityMask;
  iou: number;
  miou: number;
  perClass: number[];
}

/** The scores of a whole scene: confusion matrices summed over its frames, then IoU per class. */
export interface SceneEvaluation {
  frames: number;
  classNames: string[];
  scores: OccupancyScores[];
}

export interface DatasetExportOptions {
  /** Only the scenes of this split ('train', 'val', …). */
  split?: string;
  /** Bound on the frames in flight (MiB, default 2048). */
  maxMemoryMiB?: number;
  workers?: number;
}

export interface DatasetExportSummary {
  dir: string;
  index: string;
  /** Scenes listed in the index now. */
  scenes: number;
  encoded: string[];
  /** Finished by an earlier run (resumed). */
  skipped: string[];
}

export type QuantizerKind = 'vq' | 'fsq' | 'lfq' | 'bsq' | 'rvq' | 'gvq';

export interface QuantizerConfig {
  kind: QuantizerKind;
  /** Codebook size K (vq, rvq, gvq per group); implied by levels for fsq and by dim for lfq/bsq. */
  codebookSize?: number;
  /** FSQ levels, e.g. [8, 5, 5, 5]. */
  levels?: number[];
  /** Residual depth (rvq) or number of groups (gvq). */
  depth?: number;
  beta?: number;
  ema?: boolean;
  emaDecay?: number;
  kmeansInit?: boolean;
  deadCodeThreshold?: number;
  reseed?: 'random' | 'largest-error' | 'off';
  entropyWeight?: number;
  cosine?: boolean;
}

export interface ModelConfig {
  inChannels: number;
  hidden: number;
  latentDim: number;
  /** Down/up-sampling stages: 2 → 4×, 3 → 8×. */
  stages: number;
  /**
   * The network: the reference conv net (absent or 'reference') or OccWorld's VAERes2D, whose
   * settings are `occworld` (then inChannels = the frames' channels, hidden = ch, latentDim =
   * e_dim, stages = len(ch_mult) − 1).
   */
  arch?: 'reference' | 'occworld';
  occworld?: OccWorldConfig;
  /** OccWorld's training loss weights: ce × cross-entropy + lovasz × Lovász-softmax (OccWorld: 10 and 1; 0 turns Lovász off). */
  occworldLoss?: { ce: number; lovasz: number };
}

/**
 * Per-channel statistics of the training frames: the tokenizer's input is (x − mean) / std and
 * its decoded output is mapped back (x · std + mean). Channels left as they are have 0 / 1.
 */
export interface ChannelNormalization {
  mean: number[];
  std: number[];
}

export interface TrainConfig {
  model: ModelConfig;
  quantizer: QuantizerConfig;
  /**
   * Computed once per data source when training starts (continuous frames only) and kept with
   * the checkpoint and the export; absent: frames go in as they are.
   */
  normalization?: ChannelNormalization;
  learningRate: number;
  steps: number;
  batchSize: number;
  /** Random crop size for training, or 0 for whole frames. */
  crop: number;
  seed: number;
  checkpointEvery: number;
}

export interface TrainMetrics {
  step: number;
  totalSteps: number;
  loss: number;
  reconLoss: number;
  /** Quantizer loss parts: codebook, commitment, entropy… */
  quantLoss: Record<string, number>;
  perplexity: number;
  utilization: number;
  deadCodes: number;
  bitsPerToken: number;
  compressionRatio: number;
  miou?: number;
  iou?: number;
  msPerStep: number;
  etaSeconds: number;
}

export type TrainState = 'idle' | 'running' | 'paused' | 'stopping' | 'done' | 'error';

export interface TrainProgress {
  state: TrainState;
  metrics?: TrainMetrics;
  /** Usage count per code over the sliding window, for the live histogram. */
  usage?: Float32Array;
  message?: string;
}

/** openCheckpoint's options: the config.json describing a PyTorch checkpoint's architecture. */
export interface OpenCheckpointOptions {
  config?: string;
}

export interface CheckpointInfo {
  path: string;
  step: number;
  config: TrainConfig;
  sizeBytes: number;
  codebookSize: number;
  depth: number;
  tokenGrid: [number, number];
}

export interface TrainKitInfo {
  dir: string;
  files: string[];
  /** The ready command line (torchrun … train.py …). */
  command: string;
}

/** A checkpoint of a followed run folder (training kit: RUN/checkpoints/step-NNNNNN/). */
export interface RunCheckpoint {
  step: number;
  /** The checkpoint folder (config.json + model.safetensors). */
  path: string;
  mtimeMs: number;
  sizeBytes: number;
}

/** A run folder being followed (`followRun`, `tokenscope serve --follow`). */
export interface RunInfo {
  dir: string;
  checkpoints: RunCheckpoint[];
  /** True: the views move to each new checkpoint as it lands; false: they stay on `pinned`. */
  follow: boolean;
  pinned: number | null;
  /** The step of the run's checkpoint the views show, or null while none is loaded. */
  shownStep: number | null;
  /** Steps of metrics.jsonl read so far. */
  metricsCount: number;
}

/** What changed in a followed run: its state and the metrics appended since the last event. */
export interface RunEvent {
  info: RunInfo;
  newMetrics: TrainMetrics[];
  /** metrics.jsonl was rewritten (a resumed run): drop the curves drawn so far. */
  reset: boolean;
}

/** A second checkpoint's view of a frame beside the current one's (`openComparison`). */
export interface ComparisonFrame {
  index: number;
  /** The second checkpoint (B). */
  checkpoint: CheckpointInfo;
  /** B's tokens and reconstruction (with its metrics against the input). */
  tokens: TokenFrame;
  decoded: DecodedFrame;
  /** `[h, w]` 1 where the current tokenizer's ids and B's differ; null when the grids differ in shape. */
  tokenDiff: Uint8Array | null;
  tokenAgreement: number | null;
  /** `[H, W]`: 1 where the decoded classes differ (class frames), else the mean absolute difference. */
  decodedDiff: Float32Array;
  /** The current tokenizer's metrics on this frame, beside B's in `decoded.metrics`. */
  metricsA: DecodedFrame['metrics'];
}

export interface TokenFrame {
  index: number;
  /** `[h, w, depth]` int32 code ids. */
  indices: Int32Array;
  h: number;
  w: number;
  depth: number;
  /** Squared quantization error per latent cell, `[h, w]`. */
  quantError: Float32Array;
  /**
   * Sources with ego poses: the previous frame's ids moved into this frame's ego frame (cells it
   * did not cover hold this frame's ids), for a token-change view without the car's own motion.
   */
  previousAligned?: Int32Array;
}

export interface DecodedFrame {
  index: number;
  /**
   * Reconstruction `[C, H, W]` (class probabilities folded to one-hot argmax for class frames), or
   * only the channels in `dataChannels`, or empty for `channels: 'labels'` (see FrameRequest).
   */
  data: Float32Array;
  /** The channels `data` holds, in order, when not all of them. */
  dataChannels?: number[];
  /** Predicted top-down class map `[H, W]` (class frames), as FrameData.labels. */
  labels?: Uint8Array;
  /** Predicted class map of each height group `[groups, H, W]` (class frames, when asked for). */
  groupLabels?: Uint8Array;
  /** Per-cell error: wrong class (0/1) or squared error, `[H, W]`. */
  error: Float32Array;
  metrics: { mse?: number; psnr?: number; iou?: number; miou?: number };
  /** Occ3D height-folded frames: the benchmark's scores under each mask the frame has. */
  occupancy?: OccupancyScores[];
}

export interface CodebookView {
  /** `[K, D]` (for residual/grouped: the selected level's codebook). */
  codes: Float32Array;
  size: number;
  dim: number;
  /** Occurrences of each code over the whole encoded sequence. */
  usage: Float32Array;
  dead: number[];
  /** For implicit codebooks (fsq/lfq/bsq): only the codes actually used are listed, with their ids. */
  ids?: Int32Array;
}

export interface Projection {
  method: 'pca' | 'umap';
  /** `[K, 3]` coordinates, same order as CodebookView.codes. */
  points: Float32Array;
}

export interface CodeOccurrence {
  frame: number;
  row: number;
  col: number;
}

export interface PredictionInfo {
  source: string;
  rollouts: number;
  frames: number;
  horizon: number;
}

export interface PredictionFrame {
  index: number;
  rollout: number;
  tokens: TokenFrame;
  decoded: DecodedFrame;
  /** `[h, w]` 1 where the predicted code differs from the truth's. */
  disagreement: Uint8Array;
  tokenAccuracy: number;
}

export interface JobProgress {
  job: string;
  done: number;
  total: number;
  message?: string;
}

export interface ServiceEvents {
  status: AppStatus;
  trainProgress: TrainProgress;
  jobProgress: JobProgress;
  error: { message: string };
  run: RunEvent;
}

export interface AppStatus {
  backend: BackendStatus | null;
  /** The backend the training worker runs on (it may load GPU addons this thread may not). */
  trainingBackend?: BackendStatus | null;
  source: SourceInfo | null;
  checkpoint: CheckpointInfo | null;
  step: number;
}

/** The whole surface. Electron's preload, the WebSocket client and the CLI all speak exactly this. */
export interface TokenScopeService {
  getStatus(): Promise<AppStatus>;
  openProcedural(opts?: { seed?: number; frames?: number; size?: number }): Promise<SourceInfo>;
  /**
   * `opts.scene`: for a dataset (Occ3D root, gts/, scene folder, nuScenes root), which scene
   * (default: the first); `split`: every scene of that split one after another; `alignTo`: every
   * frame in the ego frame of this frame; `lidar` / `sweeps`: what lidar data cannot say itself.
   */
  openPath(path: string, opts?: OpenPathOptions): Promise<SourceInfo>;
  /** The scenes of the open dataset; null when the open source is not a dataset. */
  listScenes(): Promise<SceneListing | null>;
  /** Opens another scene of the open dataset. */
  openScene(name: string): Promise<SourceInfo>;
  /** The input frame; `opts` picks what to send (default: every channel, as before). */
  getFrame(index: number, opts?: FrameRequest): Promise<FrameData>;

  startTraining(config: Partial<TrainConfig>): Promise<void>;
  pauseTraining(): Promise<void>;
  resumeTraining(): Promise<void>;
  stopTraining(): Promise<void>;
  defaultTrainConfig(): Promise<TrainConfig>;

  saveCheckpoint(path?: string): Promise<CheckpointInfo>;
  /** A TokenScope checkpoint, an export folder, or a PyTorch .pth/.pt/.ckpt (its config.json beside it or as `opts.config`). */
  openCheckpoint(path: string, opts?: OpenCheckpointOptions): Promise<CheckpointInfo>;
  /** safetensors + config.json (+ codebook.npy, tokens.npy) into a folder. */
  exportCheckpoint(dir: string): Promise<string[]>;
  /**
   * A self-contained PyTorch DDP training kit for the current tokenizer and source: train.py and
   * the twin module, config.json + model.safetensors, data.json, README.md with the torchrun line.
   */
  exportTrainKit(dir: string, opts?: { steps?: number; processes?: number; split?: string }): Promise<TrainKitInfo>;

  /**
   * Follows a training kit's run folder: its checkpoints as they land (the views load the newest,
   * or a pinned one) and its metrics.jsonl; changes arrive as `run` events. Returns the run and
   * every metric so far.
   */
  followRun(dir: string): Promise<{ info: RunInfo; metrics: TrainMetrics[] }>;
  /** Follow the newest checkpoint (`follow: true`), or pin the views to the checkpoint of `step`. */
  setRunFollow(opts: { follow: boolean; step?: number }): Promise<RunInfo>;
  getRun(): Promise<RunInfo | null>;
  stopFollowingRun(): Promise<void>;

  /** Opens a second checkpoint (file or export / run checkpoint folder) to compare with the current one. */
  openComparison(path: string): Promise<CheckpointInfo>;
  /** The two checkpoints on one frame: B's tokens and reconstruction, and where they differ from the current ones. */
  getComparison(index: number, opts?: FrameRequest): Promise<ComparisonFrame>;
  closeComparison(): Promise<void>;

  /**
   * Every scene of a dataset (or a split) to token files `<scene>.npy` + `index.json` in `dir`,
   * with the shown tokenizer: a job with progress; resumes a run interrupted in the same folder.
   */
  exportDatasetTokens(dataset: string, dir: string, opts?: DatasetExportOptions): Promise<DatasetExportSummary>;
  /** Cancels a running dataset export (finished scenes stay); false when none runs. */
  cancelDatasetExport(): Promise<boolean>;

  getTokens(index: number): Promise<TokenFrame>;
  /** The decoded frame with its error map and metrics (computed by the service); `opts` as getFrame's. */
  getDecoded(index: number, opts?: FrameRequest): Promise<DecodedFrame>;
  /** Occ3D benchmark scores of the reconstruction over every frame of the open scene (a job with progress). */
  evaluateScene(): Promise<SceneEvaluation>;
  getCodebook(level?: number): Promise<CodebookView>;
  projectCodebook(method: 'pca' | 'umap', level?: number): Promise<Projection>;
  codeOccurrences(code: number, level?: number): Promise<CodeOccurrence[]>;
  /** Decoder output for a small grid filled with one code. */
  codePrototype(code: number): Promise<DecodedFrame>;

  /** Predicted frame j stands for sequence frame `offset + j` (default 0), or the one nearest `startTimestampUs`. */
  importPredictions(path: string, opts?: { offset?: number; startTimestampUs?: number }): Promise<PredictionInfo>;
  /**
   * Trains the built-in next-frame predictor on the open sequence's tokens and rolls it out from
   * frame `context` (`kind: 'copy'`: the copy-last-frame baseline instead).
   */
  trainBaselinePredictor(opts?: {
    steps?: number;
    context?: number;
    kind?: 'transformer' | 'copy';
    horizon?: number;
    rollouts?: number;
    temperature?: number;
    topK?: number;
    seed?: number;
  }): Promise<PredictionInfo>;
  getPrediction(index: number, rollout?: number): Promise<PredictionFrame>;
  /** Token accuracy per steps-ahead, per rollout and their mean. */
  predictionHorizonAccuracy(): Promise<{ horizon: number[]; perRollout: number[][]; mean: number[] }>;
}

export type ServiceMethod = keyof TokenScopeService;

/** The whitelist: every method a front door may forward. Kept in sync with the interface by a type check. */
export const SERVICE_METHODS = [
  'getStatus',
  'openProcedural',
  'openPath',
  'listScenes',
  'openScene',
  'getFrame',
  'startTraining',
  'pauseTraining',
  'resumeTraining',
  'stopTraining',
  'defaultTrainConfig',
  'saveCheckpoint',
  'openCheckpoint',
  'exportCheckpoint',
  'exportTrainKit',
  'followRun',
  'setRunFollow',
  'getRun',
  'stopFollowingRun',
  'openComparison',
  'getComparison',
  'closeComparison',
  'exportDatasetTokens',
  'cancelDatasetExport',
  'getTokens',
  'getDecoded',
  'evaluateScene',
  'getCodebook',
  'projectCodebook',
  'codeOccurrences',
  'codePrototype',
  'importPredictions',
  'trainBaselinePredictor',
  'getPrediction',
  'predictionHorizonAccuracy',
] as const satisfies readonly ServiceMethod[];

type Missing = Exclude<ServiceMethod, (typeof SERVICE_METHODS)[number]>;
// Fails to compile when a method is added to the interface but not to the whitelist.
export const _allMethodsListed: Missing extends never ? true : Missing = true;

export const SERVICE_EVENTS = ['status', 'trainProgress', 'jobProgress', 'error', 'run'] as const satisfies readonly (keyof ServiceEvents)[];

export type ServiceListener<K extends keyof ServiceEvents> = (payload: ServiceEvents[K]) => void;

/** How every front door delivers events: `on` returns the function that unsubscribes. */
export interface ServiceEventSource {
  on<K extends keyof ServiceEvents>(event: K, listener: ServiceListener<K>): () => void;
}

/** What the renderer holds, whatever the transport (Electron IPC or WebSocket). */
export type TokenScopeClient = TokenScopeService & ServiceEventSource & { close(): void };
