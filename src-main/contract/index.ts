/**
 * The contract between the renderer and the service: types only, shared by both sides and by
 * all three front doors (Electron IPC, HTTP + WebSocket, CLI). Every method returns a Promise;
 * events arrive through `on(name, listener)`. Typed arrays cross the boundary as typed arrays
 * (structured clone in Electron, a binary-aware codec over WebSocket).
 */
import type { z } from 'zod';
import type { FrameEncoding } from '../data/frame';
import type * as schemas from './schemas';

export type { FrameEncoding, ClassInfo } from '../data/frame';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

export interface BackendStatus {
  name: BackendName;
  /** Why this one: which ones were tried and why they were refused. */
  reason: string;
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
}

export type QuantizerKind = z.infer<typeof schemas.QuantizerKindSchema>;
export type QuantizerConfig = z.infer<typeof schemas.QuantizerConfigSchema>;
export type ModelConfig = z.infer<typeof schemas.ModelConfigSchema>;
export type ChannelNormalization = z.infer<typeof schemas.ChannelNormalizationSchema>;
export type TrainConfig = z.infer<typeof schemas.TrainConfigSchema>;
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

export interface CheckpointInfo {
  path: string;
  step: number;
  config: TrainConfig;
  sizeBytes: number;
  codebookSize: number;
  depth: number;
  tokenGrid: [number, number];
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
}

export interface AppStatus {
  backend: BackendStatus | null;
  source: SourceInfo | null;
  checkpoint: CheckpointInfo | null;
  step: number;
  /** The current or last training run: who started it, when, on what (absent before the first). */
  training?: TrainingOwnership | null;
  /** `getStatus` only: the caller's own client id, to tell its runs from other clients'. */
  client?: string;
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
  openPath(path: string): Promise<SourceInfo>;
  /** The input frame; `opts` picks what to send (default: every channel, as before). */
  getFrame(index: number, opts?: FrameRequest): Promise<FrameData>;

  startTraining(config: TrainConfigPatch): Promise<void>;
  pauseTraining(): Promise<void>;
  resumeTraining(): Promise<void>;
  stopTraining(): Promise<void>;
  defaultTrainConfig(): Promise<TrainConfig>;

  saveCheckpoint(path?: string): Promise<CheckpointInfo>;
  openCheckpoint(path: string): Promise<CheckpointInfo>;
  /**
   * safetensors + config.json (+ codebook.npy, tokens.npy) into a folder, written whole or not at
   * all; `tokens: false` leaves tokens.npy out (otherwise data the tokenizer can't read is an error).
   */
  exportCheckpoint(dir: string, opts?: ExportOptions): Promise<string[]>;

  getTokens(index: number): Promise<TokenFrame>;
  /** The decoded frame with its error map and metrics (computed by the service); `opts` as getFrame's. */
  getDecoded(index: number, opts?: FrameRequest): Promise<DecodedFrame>;
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
  predictionHorizonAccuracy(): Promise<{ horizon: number[]; perRollout: number[][]; mean: number[] }>;
}

export type ServiceMethod = keyof TokenScopeService;

/** The whitelist: every method a front door may forward. Kept in sync with the interface by a type check. */
export const SERVICE_METHODS = [
  'getStatus',
  'openProcedural',
  'openPath',
  'getFrame',
  'startTraining',
  'pauseTraining',
  'resumeTraining',
  'stopTraining',
  'defaultTrainConfig',
  'saveCheckpoint',
  'openCheckpoint',
  'exportCheckpoint',
  'getTokens',
  'getDecoded',
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

export const SERVICE_EVENTS = ['status', 'trainProgress', 'jobProgress', 'error'] as const satisfies readonly (keyof ServiceEvents)[];

export type ServiceListener<K extends keyof ServiceEvents> = (payload: ServiceEvents[K]) => void;

/** How every front door delivers events: `on` returns the function that unsubscribes. */
export interface ServiceEventSource {
  on<K extends keyof ServiceEvents>(event: K, listener: ServiceListener<K>): () => void;
}

/** What the renderer holds, whatever the transport (Electron IPC or WebSocket). */
export type TokenScopeClient = TokenScopeService & ServiceEventSource & { close(): void };
