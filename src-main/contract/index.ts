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
import type { z } from 'zod';
import type * as schemas from './schemas';

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

// Types of what crosses a boundary are inferred from their schemas (schemas.ts), so that the
// checks and the types are one thing; the documentation lives with the schemas.
export type ChannelSelection = z.infer<typeof schemas.ChannelSelectionSchema>;
export type FrameRequest = z.infer<typeof schemas.FrameRequestSchema>;

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

/** `split`: only the scenes of this split; `maxMemoryMiB`: bound on the frames in flight (default 2048); `workers`. */
export type DatasetExportOptions = z.infer<typeof schemas.DatasetExportOptionsSchema>;

export interface DatasetExportSummary {
  dir: string;
  index: string;
  /** Scenes listed in the index now. */
  scenes: number;
  encoded: string[];
  /** Finished by an earlier run (resumed). */
  skipped: string[];
  /** What encoded this run's scenes (e.g. "ONNX Runtime 1.30.0 (CPU), 2 workers"); absent when none was encoded. */
  engine?: string;
}

export type QuantizerKind = z.infer<typeof schemas.QuantizerKindSchema>;
export type QuantizerConfig = z.infer<typeof schemas.QuantizerConfigSchema>;
export type CodebookObjectives = z.infer<typeof schemas.CodebookObjectivesSchema>;
export type ModelConfig = z.infer<typeof schemas.ModelConfigSchema>;
export type ChannelNormalization = z.infer<typeof schemas.ChannelNormalizationSchema>;
export type TrainConfig = z.infer<typeof schemas.TrainConfigSchema>;
export type AdversarialConfig = z.infer<typeof schemas.AdversarialConfigSchema>;
export type TiTokConfig = z.infer<typeof schemas.TiTokConfigSchema>;
/** What `startTraining` takes: any part of a TrainConfig (the service fills in the rest). */
export type TrainConfigPatch = z.infer<typeof schemas.TrainConfigPatchSchema>;
export type ProceduralOptions = z.infer<typeof schemas.ProceduralOptionsSchema>;
export type ExportOptions = z.infer<typeof schemas.ExportOptionsSchema>;
export type ImportPredictionsOptions = z.infer<typeof schemas.ImportPredictionsOptionsSchema>;
export type BaselinePredictorOptions = z.infer<typeof schemas.BaselinePredictorOptionsSchema>;

export interface TrainMetrics {
  step: number;
  totalSteps: number;
  loss: number;
  reconLoss: number;
  /** Quantizer loss parts: codebook, commitment, entropy… */
  quantLoss: Record<string, number>;
  /** perplexity, utilization, deadCodes: over the last `healthBatches` training batches (contract/metric-windows.ts). */
  perplexity: number;
  utilization: number;
  deadCodes: number;
  /** Batches in the codebook-health window at this step (it fills up to `healthWindow`). */
  healthBatches?: number;
  healthWindow?: number;
  bitsPerToken: number;
  compressionRatio: number;
  miou?: number;
  iou?: number;
  /**
   * Reconstruction loss on the held-out whole frames (not trained on, engine/train/held-out.ts):
   * the latest evaluation (every `heldOutEvery` steps and at the end), carried on every later step.
   */
  heldOutRecon?: number;
  /** Class frames: mIoU on the held-out frames, same evaluation. */
  heldOutMiou?: number;
  /** The step `heldOutRecon` / `heldOutMiou` were evaluated at. */
  heldOutStep?: number;
  /** soft / gumbel assignment: the temperature τ of this step. */
  temperature?: number;
  /**
   * soft / gumbel assignment: reconstruction loss with the hard assignment minus with the
   * training-time (soft) one, on a training batch; the latest measurement (every `gapEvery` steps).
   */
  softHardGap?: number;
  /** The step `softHardGap` was measured at. */
  softHardGapStep?: number;
  /** The adversarial objective's terms (from its start step on): G and D losses, λ, mean logits, feature matching. */
  adversarial?: AdversarialMetrics;
  msPerStep: number;
  etaSeconds: number;
}

/**
 * One reseeding of dead codes at a training step: which codes, and from what — the batch's
 * worst-quantized latents, the pool of recent latents, or a split of a popular code (`from[i]`
 * is the code `codes[i]` split off). `level`: the residual level / group (rvq, gvq).
 */
export interface ReseedEvent {
  step: number;
  codes: number[];
  source: 'batch' | 'reservoir' | 'split';
  from?: number[];
  level?: number;
}

export interface AdversarialMetrics {
  gLoss: number;
  dLoss: number;
  /** The adaptive weight λ (times the configured weight) the generator loss was scaled by. */
  lambda: number;
  logitsReal: number;
  logitsFake: number;
  featureMatching: number;
}

export type TrainState = 'idle' | 'running' | 'paused' | 'stopping' | 'done' | 'error';

export interface TrainProgress {
  state: TrainState;
  metrics?: TrainMetrics;
  /** Usage count per code over the sliding window, for the live histogram. */
  usage?: Float32Array;
  message?: string;
  /** The run's reseeding events so far (the newest few hundred), oldest first. */
  reseeds?: ReseedEvent[];
}

/** openCheckpoint's options: the config.json describing a PyTorch checkpoint's architecture. */
export type OpenCheckpointOptions = z.infer<typeof schemas.OpenCheckpointOptionsSchema>;
export type TrainKitOptions = z.infer<typeof schemas.TrainKitOptionsSchema>;
export type RunFollowOptions = z.infer<typeof schemas.RunFollowOptionsSchema>;

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
  /** A's tokens (the difference map is between these and `tokens`). */
  tokensA?: TokenFrame;
  /** Cells set in `tokenDiff` (0 when the grids differ in shape). */
  differingCells?: number;
  /** Per-class IoU of A's and B's decoded class maps against the input (class frames); null otherwise. */
  classIou?: { id: number; name: string; a: number | null; b: number | null }[] | null;
  /** Distinct codes each side uses on this frame, of its codebook. */
  usageA?: { used: number; codebookSize: number };
  usageB?: { used: number; codebookSize: number };
}

/** A checkpoint the comparison can be opened on: recently opened or written, or a followed run's. */
export interface RecentCheckpoint {
  path: string;
  origin: 'opened' | 'written' | 'run' | 'settings';
  /** Training step, when known (run checkpoints, checkpoints of this session). */
  step?: number;
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
  /** Training step of the weights that computed it (the views label what they show with it). */
  step?: number;
  /**
   * What each level is called, when the levels are grids of their own: a hierarchical (VQ-VAE-2)
   * model's `['top', 'bottom']` (level 0 the top id of the cell's 2×2 block). `getTokenLevel`
   * gives a level at its own resolution.
   */
  levelNames?: string[];
}

/** One level of a frame's tokens at its own resolution (`getTokenLevel`). */
export interface TokenLevelGrid {
  index: number;
  level: number;
  /** `top` / `bottom` for a hierarchical model, `level N` otherwise. */
  name: string;
  h: number;
  w: number;
  /** Frame pixels per token along each side (8 for the hierarchical top grid, 4 for its bottom). */
  factor: number;
  /** `[h, w]` int32 code ids. */
  indices: Int32Array;
}

/** Where each token of a 1D tokenizer attends on a frame: `[N, h, w]` weights over the latent grid, each token's summing to 1. */
export interface TokenAttention {
  index: number;
  tokens: number;
  /** The latent grid (frame size / the downsampling factor). */
  h: number;
  w: number;
  attention: Float32Array;
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
  /** Training step of the weights that computed it. */
  step?: number;
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
  /** Training step of the weights it shows. */
  step?: number;
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
  /**
   * What the predictions are: 'rollout' (one rollout from a start frame; `rollouts` samples of it),
   * 'one-step' (every frame predicted from the true frames before it, as OccWorld reports) or
   * 'windows' (`rollouts` sliding windows of `frames` frames, one from every start frame).
   */
  mode?: 'rollout' | 'one-step' | 'windows';
  /** Sequence frame (0-based) of the first predicted frame. */
  startFrame?: number;
  /** How the start frame was found; 'assumed' = nothing said where the predictions start, 0 was taken. */
  alignedBy?: 'offset' | 'timestamp' | 'side file' | 'assumed' | 'baseline';
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
  /** The baseline predictor's training run (in its worker): state, step, loss and accuracy, ETA. */
  predictorProgress: PredictorProgressEvent;
}

/** One report of the baseline predictor's training (a few a second at most). */
export interface PredictorProgressEvent {
  state: TrainState;
  step: number;
  totalSteps: number;
  /** Cross-entropy of the next-frame ids on the training batch. */
  loss?: number;
  /** Fraction of the batch's next-frame ids the model's argmax got right (0–1). */
  tokenAccuracy?: number;
  etaSeconds?: number;
  message?: string;
}

export interface AppStatus {
  backend: BackendStatus | null;
  /** The backend the training worker runs on (it may load GPU addons this thread may not). */
  trainingBackend?: BackendStatus | null;
  /** What encoded the last whole sequence (e.g. "ONNX Runtime 1.30.0 (CPU), 2 workers"); absent before one. */
  encodeEngine?: string;
  source: SourceInfo | null;
  checkpoint: CheckpointInfo | null;
  step: number;
  /** The current or last training run: who started it, when, on what (absent before the first). */
  training?: TrainingOwnership | null;
  /** `getStatus` only: the caller's own client id, to tell its runs from other clients'. */
  client?: string;
  /**
   * The weights the views are computed from: `version` changes whenever they change (a training
   * run hands over its current weights every few seconds), `step` is the training step they hold.
   */
  model?: ModelVersion;
}

/** Which weights answer getTokens / getDecoded / getCodebook now (AppStatus.model). */
export interface ModelVersion {
  version: number;
  step: number;
}

/** Clients share one workspace: every client sees who started the run and who last controlled it. */
export interface TrainingOwnership {
  /** The client id that started it (`local` for the CLI; `ws-N` per browser connection; `window` for Electron). */
  owner: string;
  /** ISO 8601. */
  startedAt: string;
  /** The data it trains on (SourceInfo.path). */
  source: string;
  state: TrainState;
  lastControl?: { action: 'pause' | 'resume' | 'stop'; by: string; at: string };
}

/** The whole surface. Electron's preload, the WebSocket client and the CLI all speak exactly this. */
export interface TokenScopeService {
  getStatus(): Promise<AppStatus>;
  openProcedural(opts?: ProceduralOptions): Promise<SourceInfo>;
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

  startTraining(config: TrainConfigPatch): Promise<void>;
  pauseTraining(): Promise<void>;
  resumeTraining(): Promise<void>;
  stopTraining(): Promise<void>;
  defaultTrainConfig(): Promise<TrainConfig>;

  saveCheckpoint(path?: string): Promise<CheckpointInfo>;
  /** A TokenScope checkpoint, an export folder, or a PyTorch .pth/.pt/.ckpt (its config.json beside it or as `opts.config`). */
  openCheckpoint(path: string, opts?: OpenCheckpointOptions): Promise<CheckpointInfo>;
  /**
   * safetensors + config.json (+ codebook.npy, tokens.npy) into a folder, written whole or not at
   * all; `tokens: false` leaves tokens.npy out (otherwise data the tokenizer can't read is an error).
   */
  exportCheckpoint(dir: string, opts?: ExportOptions): Promise<string[]>;
  /**
   * A self-contained PyTorch DDP training kit for the current tokenizer and source: train.py and
   * the twin module, config.json + model.safetensors, data.json, README.md with the torchrun line.
   */
  exportTrainKit(dir: string, opts?: TrainKitOptions): Promise<TrainKitInfo>;

  /**
   * Follows a training kit's run folder: its checkpoints as they land (the views load the newest,
   * or a pinned one) and its metrics.jsonl; changes arrive as `run` events. Returns the run and
   * every metric so far.
   */
  followRun(dir: string): Promise<{ info: RunInfo; metrics: TrainMetrics[] }>;
  /** Follow the newest checkpoint (`follow: true`), or pin the views to the checkpoint of `step`. */
  setRunFollow(opts: RunFollowOptions): Promise<RunInfo>;
  getRun(): Promise<RunInfo | null>;
  stopFollowingRun(): Promise<void>;

  /** Opens a second checkpoint (file or export / run checkpoint folder) to compare with the current one. */
  openComparison(path: string): Promise<CheckpointInfo>;
  /** The two checkpoints on one frame: B's tokens and reconstruction, and where they differ from the current ones. */
  getComparison(index: number, opts?: FrameRequest): Promise<ComparisonFrame>;
  closeComparison(): Promise<void>;
  /** Checkpoints to compare with: recently opened or written (and the app's remembered ones), then the followed run's, newest first; the shown one left out. */
  recentCheckpoints(): Promise<RecentCheckpoint[]>;
  /** An earlier run's training metrics (run folder, metrics.jsonl or checkpoint), to overlay its curves. */
  readTrainingHistory(path: string): Promise<TrainMetrics[]>;

  /**
   * Every scene of a dataset (or a split) to token files `<scene>.npy` + `index.json` in `dir`,
   * with the shown tokenizer: a job with progress; resumes a run interrupted in the same folder.
   */
  exportDatasetTokens(dataset: string, dir: string, opts?: DatasetExportOptions): Promise<DatasetExportSummary>;
  /** Cancels a running dataset export (finished scenes stay); false when none runs. */
  cancelDatasetExport(): Promise<boolean>;

  getTokens(index: number): Promise<TokenFrame>;
  /** One level of frame `index`'s tokens at its own grid size (a hierarchical model's top grid is half the bottom's). */
  getTokenLevel(index: number, level: number): Promise<TokenLevelGrid>;
  /** A 1D (TiTok) tokenizer: where each of its N tokens looks on frame `index` (the encoder's last cross-attention). */
  getTokenAttention(index: number): Promise<TokenAttention>;
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
  importPredictions(path: string, opts?: ImportPredictionsOptions): Promise<PredictionInfo>;
  /**
   * Trains the built-in next-frame predictor on the open sequence's tokens and rolls it out from
   * frame `context` (`kind: 'copy'`: the copy-last-frame baseline instead).
   */
  trainBaselinePredictor(opts?: BaselinePredictorOptions): Promise<PredictionInfo>;
  getPrediction(index: number, rollout?: number): Promise<PredictionFrame>;
  /** Token accuracy per steps-ahead, per rollout and their mean. */
  /** Token accuracy per steps ahead (every mode), with copy-last-frame's over the same target frames. */
  predictionHorizonAccuracy(): Promise<{ horizon: number[]; perRollout: number[][]; mean: number[]; copyLast?: (number | null)[] }>;
  /** Pause, resume or stop the baseline predictor's training run (`predictorProgress` events say its state). */
  pausePredictor(): Promise<void>;
  resumePredictor(): Promise<void>;
  stopPredictor(): Promise<void>;
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
  'recentCheckpoints',
  'readTrainingHistory',
  'exportDatasetTokens',
  'cancelDatasetExport',
  'getTokens',
  'getTokenLevel',
  'getTokenAttention',
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
  'pausePredictor',
  'resumePredictor',
  'stopPredictor',
] as const satisfies readonly ServiceMethod[];

type Missing = Exclude<ServiceMethod, (typeof SERVICE_METHODS)[number]>;
// Fails to compile when a method is added to the interface but not to the whitelist.
export const _allMethodsListed: Missing extends never ? true : Missing = true;

export const SERVICE_EVENTS = ['status', 'trainProgress', 'jobProgress', 'error', 'run', 'predictorProgress'] as const satisfies readonly (keyof ServiceEvents)[];

export type ServiceListener<K extends keyof ServiceEvents> = (payload: ServiceEvents[K]) => void;

/** How every front door delivers events: `on` returns the function that unsubscribes. */
export interface ServiceEventSource {
  on<K extends keyof ServiceEvents>(event: K, listener: ServiceListener<K>): () => void;
}

/** What the renderer holds, whatever the transport (Electron IPC or WebSocket). */
export type TokenScopeClient = TokenScopeService & ServiceEventSource & { close(): void };
