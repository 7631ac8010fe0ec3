import * as path from 'node:path';
import { isCoarseLevel, levelNamesOf, levelOccurrences, levelUsage, tokenLevelGrid } from './token-level';
import { HIER_EXPORT_FILES } from '../engine/hierarchical/hier-export';
import { writeHierTokenDatasets } from '../engine/hierarchical/hier-tokens';
import { tokenAttention } from './token-attention';
import type { TokenAttention } from '../contract/index';
import { tokenFileShape } from '../engine/titok/token-file-shape';
import { discriminatorCheckpointParts, discriminatorFromCheckpoint } from '../engine/adversarial/adversarial-checkpoint';
import { promises as fs } from 'node:fs';
import type {
  ChannelNormalization,
  AppStatus,
  BackendStatus,
  CheckpointInfo,
  OpenCheckpointOptions,
  CodebookView,
  CodeOccurrence,
  DatasetExportOptions,
  DatasetExportSummary,
  DecodedFrame,
  FrameData,
  FrameRequest,
  PredictionFrame,
  PredictionInfo,
  Projection,
  ServiceEvents,
  ServiceEventSource,
  SceneEvaluation,
  SceneListing,
  ServiceListener,
  SourceInfo,
  TokenFrame,
  TokenLevelGrid,
  TokenScopeService,
  TrainConfig,
  TrainKitInfo,
  ComparisonFrame,
  RecentCheckpoint,
  RunInfo,
  TrainMetrics,
  ReseedEvent,
  TrainProgress,
  TrainState,
  BaselinePredictorOptions,
  ExportOptions,
  ImportPredictionsOptions,
  ProceduralOptions,
} from '../contract/index';
import type { BevFrame, FrameEncoding, FrameSequence } from '../data/frame';
import { createProceduralSequence } from '../data/procedural-scene';
import { openPath as openDataPath } from '../data/open-path';
import { statPath } from '../data/read-bytes';
import { initBackend } from '../engine/backend/index';
import { Tokenizer } from '../engine/tokenizer';
import { sourceNormalization } from '../engine/model/normalization';
import { checkpointInfo, disposeSnapshot, loadCheckpoint, saveCheckpoint as writeCheckpoint } from '../engine/checkpoint/checkpoint';
import { disposeStateDict, exportForPyTorch, importFromPyTorch, writeTokenDataset } from '../engine/checkpoint/export';
import type { ImportResult } from '../engine/checkpoint/export';
import { buildImportedTokenizer } from '../engine/checkpoint/architecture-registry';
import { importTorchCheckpoint } from '../engine/checkpoint/torch-import';
import { checkpointOpenOptions, isTorchCheckpointFile } from './torch-checkpoint-open';
import { sameArchitecture } from '../engine/checkpoint/checkpoint';
import { frameHasPrediction, predictionCoverage, stepsAheadAccuracy, type StepsAheadAccuracy } from '../engine/predict/steps-ahead';
import { readPredictionsSidecar } from '../data/predictions-sidecar';
import type { PredictionAlignment } from '../data/predictions';
import { stepsAhead } from '../engine/predict/token-volume';
import type { PredictionVolume } from '../engine/predict/token-volume';
import { BASELINE_DEFAULTS, predictionFrame, readPredictionVolume, runBaseline, volumeOf } from './predictions';
import type { BaselineOptions } from './predictions';
import { EventHub } from './event-hub';
import { Throttle } from './throttle';
import { defaultTrainConfigFor, resolveTrainConfig } from './train-config';
import { DEFAULT_LIVE_WEIGHTS_MS } from '../engine/train/live-weights';
import { BaselineRun } from './baseline-run';
import { InProcessTraining, resumeSnapshot, snapshotToAdam, WorkerTraining } from './training-run';
import type { ResumeState, TrainingListener, TrainingRun } from './training-run';
import type { SourceSpec } from '../engine/train/source-spec';
import { ArgumentError, NotAvailableError, ServiceStateError } from './errors';
import { compareFrames, compareToInput } from './frame-compare';
import { checkFrameRequest, decodedView, frameView } from './frame-view';
import type { DecodedPayload, FramePayload } from './frame-view';
import { JobRunner } from './jobs';
import { PromiseLru, typedArrayBytes } from './lru';
import type { ProgressFn } from './jobs';
import { pcaProjection, umapProjection } from './projection';
import { frameIds, occurrencesOf, tokenFrame } from './sequence-tokens';
import type { SequenceTokens } from './sequence-tokens';
import { describeSource, sourceKindOf, toFramePayload } from './source-info';
import { decodeIds, encodeSequenceInProcess } from './tokenizer-ops';
import { codebookView } from './codebook-view';
import { exportTrainKitFor } from './train-kit-export';
import { FollowedRun } from './followed-run';
import { CheckpointComparison } from './checkpoint-comparison';
import { RecentCheckpoints } from './recent-checkpoints';
import { readTrainingHistory } from './training-history';
import { decodeTokenArray } from './token-array-decode';
import { engineErrorIn } from './engine-error-context';
import { WorkerEncoder } from './encode-in-worker';
import { onnxEncoderUnsupported } from '../engine/onnx/encoder-graph';
import { ONNX_ENCODER_FILE, writeOnnxEncoder } from '../engine/onnx/onnx-export';
import { describeCheckpoint, disposeSession, incompatibility, inputDescription, requireCompatible, weightsStepOf } from './tokenizer-session';
import type { TokenizerSession } from './tokenizer-session';
import { checkOpenOptions } from './open-options';
import type { OpenPathOptions } from '../contract/open-options';
import { sceneListing } from './dataset-source';
import { evaluateFrames, frameOccupancyScores } from './occupancy-metrics';
import { DatasetExportJob } from './dataset-export-job';
import { previousAligned } from './ego-token-change';
import { gridOfFrame } from '../data/bev-align';
import { checkIndex, checkOptionalInt } from './validate';
import { checkPath, parseValue } from './validate-arguments';
import {
  BaselinePredictorOptionsSchema,
  ExportOptionsSchema,
  ImportPredictionsOptionsSchema,
  OpenPathOptionsSchema,
  PathSchema,
  ProceduralOptionsSchema,
} from '../contract/schemas';
import { TemporarySweeper } from '../util/stale-temporaries';
import { LeaseRegistry } from './session-lease';
import { TrainingOwner } from './training-ownership';
import { currentClient } from './client-context';
import { checkReplaceableFolder, writeFolderAtomic } from '../util/atomic-folder';

/**
 * The workspace: the one implementation of the contract, shared by the Electron window, the
 * browser mode and the CLI. It holds the open sequence, the tokenizer (trained here or loaded
 * from a checkpoint), the tokens of the sequence under that tokenizer (encoded once, then
 * cached), the training job and the predictions, and reports every change as an event.
 * Pure Node: no Electron.
 */
export interface WorkspaceOptions {
  /** Checkpoints the app remembered from earlier sessions (its settings), offered for comparison. */
  recentCheckpoints?: readonly string[];
  /** May native tfjs addons be loaded in this thread (false in Electron's main process). */
  allowNative?: boolean;
  /** Open the embedded procedural scene at start (default true), with these options. */
  openDefault?: boolean;
  procedural?: { seed?: number; frames?: number; size?: number };
  /** Where `saveCheckpoint()` without a path writes (default `./tokenscope-checkpoints`). */
  checkpointDir?: string;
  /** Where whole-sequence encoding runs: the engine's inference worker (default) or this thread. */
  encodeIn?: 'worker' | 'process';
  /** Where training runs: a worker thread (default) or this thread (where workers cannot start). */
  trainIn?: 'worker' | 'process';
  /** Live views while training: the run hands its current weights over every this many ms (default 3000; 0: only on pause, stop and checkpoints). */
  liveWeightsMs?: number;
  /**
   * The worker modules, where they are not next to the engine's sources (a bundled Electron
   * main process points these at its built `train-worker.js` / `infer-worker.js`).
   */
  workerEntries?: { train?: URL; infer?: URL; predict?: URL };
}

interface OpenSource {
  id: number;
  seq: FrameSequence;
  info: SourceInfo;
  /** How a worker thread opens the same data. */
  spec: SourceSpec;
  /** Input normalisation for tokenizers trained on it, computed on first use, once per source. */
  normalization?: Promise<ChannelNormalization | undefined>;
}

export const DEFAULT_PROCEDURAL = { seed: 7, frames: 32, size: 128 } as const;
/** What an export folder consists of: an existing folder of only these is replaced whole. */
const EXPORT_FILES = ['model.safetensors', 'codebook.npy', 'config.json', 'tokens.npy', ONNX_ENCODER_FILE, ...HIER_EXPORT_FILES];
/** Latent cells per side of a code's prototype. */
const PROTOTYPE_CELLS = 4;
/** Token caches kept (one per sequence × tokenizer version). */
const MAX_CACHED_SEQUENCES = 4;
/** Frames and decoded frames kept: enough for a timeline's neighbourhood, a few MB each at 200×200. */
const FRAME_CACHE = 16;
/** Per cache: 16 lidar or procedural frames fit easily; height-folded Occ3D frames (46 MB) keep ~5. */
const FRAME_CACHE_BYTES = 256 * 1024 * 1024;

export class Workspace implements TokenScopeService, ServiceEventSource {
  private readonly hub = new EventHub();
  private readonly jobs = new JobRunner((p) => this.hub.emit('jobProgress', p));
  private readonly datasetExport: DatasetExportJob;
  private backend: BackendStatus | null = null;
  private trainingBackend: BackendStatus | null = null;
  private source: OpenSource | null = null;
  private nextSourceId = 1;
  private session: TokenizerSession | null = null;
  private run: FollowedRun | null = null;
  private comparison: CheckpointComparison | null = null;
  /** Checkpoints opened or written, offered as the comparison's second side. */
  private readonly recent: RecentCheckpoints;
  /** Requests in flight keep the tokenizer they started with alive (session-lease.ts). */
  private readonly leases = new LeaseRegistry<Tokenizer>();
  private nextVersion = 1;
  private readonly tokenCache = new Map<string, Promise<SequenceTokens>>();
  private readonly projections = new Map<string, Promise<Projection>>();
  // Whole frames with their class maps; each request takes what it asks for (frame-view.ts).
  private readonly frames = new PromiseLru<FramePayload>(FRAME_CACHE, { maxBytes: FRAME_CACHE_BYTES, sizeOf: typedArrayBytes });
  private readonly decoded = new PromiseLru<DecodedPayload>(FRAME_CACHE, { maxBytes: FRAME_CACHE_BYTES, sizeOf: typedArrayBytes });
  private readonly background = new Set<Promise<void>>();
  /** Removes what a killed process left half-written in the folders this one writes to. */
  private readonly temporaries = new TemporarySweeper();
  /** The inference workers that encode whole sequences, kept between jobs (started on first use). */
  private workerEncoder: WorkerEncoder | null = null;
  /** What encoded the last whole sequence in the workers (status bar: which engine the views' tokens came from). */
  private encodeEngine: string | null = null;
  private training: TrainingRun | null = null;
  /** The baseline predictor's training run in its worker, while it runs. */
  private baseline: BaselineRun | null = null;
  /** Who started the run and who controlled it, for every client to see. */
  private readonly trainingOwner = new TrainingOwner();
  /** Predicted tokens of the open sequence (imported or from a baseline), for the shown tokenizer's codebook. */
  private predictions: { volume: PredictionVolume; source: string; sourceId: number; tokenizer: Tokenizer } | null = null;
  private lastMetrics: TrainMetrics | undefined;
  /** The run's reseeding events as the last progress event carried them (kept for state events). */
  private lastReseeds: ReseedEvent[] | undefined;
  /** Settles once a finished run's state has been kept with its tokenizer. */
  private trainingSettled: Promise<void> = Promise.resolve();
  // The status bar's step moves with training: a status event rides along with each (throttled) progress event.
  private readonly trainEvents = new Throttle<TrainProgress>((p) => {
    this.hub.emit('trainProgress', p);
    if (p.state === 'running') this.emitStatus();
  }, 250);

  constructor(private readonly opts: WorkspaceOptions = {}) {
    this.recent = new RecentCheckpoints(opts.recentCheckpoints ?? []);
    this.datasetExport = new DatasetExportJob(this.jobs, opts.workerEntries?.infer);
  }

  on<K extends keyof ServiceEvents>(event: K, listener: ServiceListener<K>): () => void {
    return this.hub.on(event, listener);
  }

  /** Picks the compute backend (once) and opens the default scene unless told not to. */
  async init(): Promise<void> {
    this.backend = await initBackend({ allowNative: this.opts.allowNative ?? false });
    await this.temporaries.sweep(this.defaultCheckpointDir());
    if (this.opts.openDefault ?? true) await this.openProcedural(this.opts.procedural);
    this.emitStatus();
  }

  async dispose(): Promise<void> {
    await this.stopFollowingRun();
    await this.closeComparison();
    this.datasetExport.cancel();
    await this.settled();
    this.baseline?.stop();
    await this.training?.stop();
    this.training?.dispose();
    this.training = null;
    this.trainEvents.cancel();
    disposeSession(this.session);
    this.session = null;
    this.source = null;
    this.tokenCache.clear();
    this.projections.clear();
    this.frames.clear();
    this.decoded.clear();
    await this.workerEncoder?.dispose();
    this.workerEncoder = null;
  }

  // ---- status -------------------------------------------------------------------------------

  async getStatus(): Promise<AppStatus> {
    return { ...this.status(), client: currentClient() };
  }

  private status(): AppStatus {
    return {
      backend: this.backend,
      trainingBackend: this.trainingBackend,
      ...(this.encodeEngine ? { encodeEngine: this.encodeEngine } : {}),
      source: this.source?.info ?? null,
      checkpoint: this.session?.info ?? null,
      step: this.session?.step ?? 0,
      training: this.training ? this.trainingOwner.describe(this.training.state) : null,
      ...(this.session ? { model: { version: this.session.version, step: weightsStepOf(this.session) } } : {}),
    };
  }

  private emitStatus(): void {
    this.hub.emit('status', this.status());
  }

  // ---- data ---------------------------------------------------------------------------------

  async openProcedural(opts?: ProceduralOptions): Promise<SourceInfo> {
    if (this.trainingActive()) throw this.trainingOwner.refuse('openProcedural');
    // Checked here too (not only at the front doors' dispatch): the CLI and tests call in directly.
    const o = parseValue('openProcedural', 'options', ProceduralOptionsSchema, opts ?? {});
    const seed = o.seed ?? DEFAULT_PROCEDURAL.seed;
    const frames = o.frames ?? DEFAULT_PROCEDURAL.frames;
    const size = o.size ?? DEFAULT_PROCEDURAL.size;
    const seq = createProceduralSequence({ seed, frames, size });
    return this.setSource(seq, describeSource(seq, 'procedural', `procedural:${seed}`), { kind: 'procedural', options: { seed, frames, size } });
  }

  async openPath(p: string, opts?: OpenPathOptions): Promise<SourceInfo> {
    const file = path.resolve(parseValue('openPath', 'path', PathSchema, p));
    const o = checkOpenOptions('openPath', parseValue('openPath', 'options', OpenPathOptionsSchema, opts ?? {}));
    if (this.trainingActive()) throw this.trainingOwner.refuse('openPath');
    // A symlink loop, a dangling link, a FIFO: each is named for what it is, not "no such file".
    const stat = await statPath(file, 'no such file or folder');
    const seq = await openDataPath(file, o);
    if (seq.length < 1) throw new ServiceStateError(`${path.basename(file)}: holds no frames`);
    const spec: SourceSpec = Object.keys(o).length === 0 ? { kind: 'path', path: file } : { kind: 'path', path: file, options: o };
    return this.setSource(seq, describeSource(seq, sourceKindOf(file, stat.isDirectory(), seq), file), spec);
  }

  async listScenes(): Promise<SceneListing | null> {
    const src = this.requireSource('listScenes');
    return src.spec.kind === 'path' && src.info.dataset ? sceneListing(src.spec.path) : null;
  }

  async openScene(name: string): Promise<SourceInfo> {
    const src = this.requireSource('openScene');
    if (src.spec.kind !== 'path' || !src.info.dataset) throw new ServiceStateError('openScene: the open source is not a dataset with scenes');
    // An aligned source stays aligned, to the new scene's first frame (the old reference may not exist there).
    const aligned = src.spec.options?.alignTo !== undefined;
    const sweeps = src.spec.options?.sweeps === true;
    return this.openPath(src.spec.path, { scene: checkOpenOptions('openScene', { scene: name }).scene!, ...(aligned ? { alignTo: 0 } : {}), ...(sweeps ? { sweeps } : {}) });
  }

  private setSource(seq: FrameSequence, info: SourceInfo, spec: SourceSpec): SourceInfo {
    // The run reads this source in its worker and its checkpoint records it: it may not change under it.
    if (this.trainingActive()) throw this.trainingOwner.refuse(info.kind === 'procedural' ? 'openProcedural' : 'openPath');
    this.source = { id: this.nextSourceId++, seq, info, spec };
    this.predictions = null;
    // A comparison is of the frames it was opened on.
    void this.closeComparison();
    this.frames.clear();
    this.decoded.clear();
    this.emitStatus();
    return info;
  }

  private requireSource(method: string): OpenSource {
    if (!this.source) throw new ServiceStateError(`${method}: no data is open (open a file, a folder or the procedural scene)`);
    return this.source;
  }

  async getFrame(index: number, opts?: FrameRequest): Promise<FrameData> {
    const src = this.requireSource('getFrame');
    const i = checkIndex('getFrame', index, src.seq.length);
    const req = checkFrameRequest('getFrame', opts, src.seq.channels, src.seq.encoding);
    const frame = frameView(await this.frameData(src, i), req);
    this.prefetch(() => [i + 1, i - 1].filter((j) => j >= 0 && j < src.seq.length && this.source === src).map((j) => this.frameData(src, j)));
    return frame;
  }

  private frameData(src: OpenSource, i: number): Promise<FramePayload> {
    return this.frames.get(`${src.id}:${i}`, async () => toFramePayload(await src.seq.getFrame(i)));
  }

  /** Runs `start` after the current request has been answered, tracked so that `settled()` can wait for it. */
  private prefetch(start: () => Promise<unknown>[]): void {
    const p = new Promise<void>((resolve) =>
      setImmediate(() => {
        void Promise.all(start().map((w) => w.catch(() => undefined))).then(() => resolve());
      }),
    );
    this.background.add(p);
    void p.then(() => this.background.delete(p));
  }

  // ---- training -----------------------------------------------------------------------------

  async defaultTrainConfig(): Promise<TrainConfig> {
    return defaultTrainConfigFor(this.source?.seq ?? null);
  }

  private trainingActive(): boolean {
    const st = this.training?.state;
    return st === 'idle' || st === 'running' || st === 'paused' || st === 'stopping';
  }

  /**
   * Starts training a new tokenizer on the open data; it becomes the shown tokenizer at once.
   * `resume` (not in the contract's form; the CLI uses it) continues the shown tokenizer's run
   * from its checkpoint instead: same weights, optimiser state and step.
   */
  async startTraining(config: Partial<TrainConfig>, opts?: { resume?: boolean }): Promise<void> {
    if (this.trainingActive()) throw this.trainingOwner.busy('startTraining');
    const src = this.requireSource('startTraining');
    const resume = opts?.resume === true;
    const prev = this.session;
    const base = resume && prev ? prev.config : defaultTrainConfigFor(src.seq);
    const cfg = resolveTrainConfig(config, base, src.seq);
    if (!resume && cfg.normalization === undefined) {
      // Continuous channels (lidar height, density, intensity…) differ in scale by orders of
      // magnitude: without this the loss is dominated by one channel and training can diverge.
      src.normalization ??= sourceNormalization(src.seq);
      const norm = await src.normalization.catch((err: unknown) => {
        src.normalization = undefined;
        throw err;
      });
      if (norm) cfg.normalization = norm;
      if (this.trainingActive()) throw this.trainingOwner.busy('startTraining');
    }
    let tokenizer: Tokenizer;
    let resumeState: ResumeState | undefined;
    if (resume) {
      if (!prev?.optimizer) throw new ServiceStateError('startTraining: nothing to resume (open a checkpoint saved during training)');
      if (!sameArchitecture(prev.config, cfg)) throw new ServiceStateError('startTraining: cannot resume with a different model or quantizer');
      if (cfg.steps <= prev.step) throw new ServiceStateError(`startTraining: the checkpoint is at step ${prev.step}; ask for more steps than that`);
      requireCompatible('startTraining', prev, src.seq);
      tokenizer = prev.tokenizer;
      resumeState = { optimizer: snapshotToAdam(prev.optimizer), step: prev.step, history: prev.metrics, ...(prev.discriminator ? { discriminator: prev.discriminator } : {}) };
    } else {
      // Same config and seed as the worker's: the same initial weights, before the first sync.
      tokenizer = new Tokenizer(cfg, src.seq.encoding);
    }
    this.training?.dispose();
    this.lastMetrics = undefined;
    this.lastReseeds = undefined;
    this.trainingOwner.start(src.info.path);
    const session = this.setSession({
      tokenizer,
      config: cfg,
      encoding: src.seq.encoding,
      step: resume && prev ? prev.step : 0,
      // The views show these weights until the run hands over newer ones (progress runs ahead).
      weightsStep: resume && prev ? prev.step : 0,
      metrics: resume && prev ? prev.metrics : [],
      info: null,
      optimizer: resume && prev ? prev.optimizer : null,
      input: inputDescription(src.seq),
      ...(resume && prev?.discriminator ? { discriminator: prev.discriminator } : {}),
    });
    let run: TrainingRun | null = null;
    const listener: TrainingListener = {
      progress: (p) => {
        if (run !== this.training) return;
        if (p.metrics) {
          session.step = p.metrics.step;
          this.lastMetrics = p.metrics;
        }
        if (p.reseeds) this.lastReseeds = p.reseeds;
        if (p.state === 'running') this.trainEvents.push(p);
        else this.trainEvents.flush(p);
      },
      state: (state, message) => {
        if (run) this.onTrainingState(run, state, message);
      },
      weightsChanged: (step) => {
        if (this.session !== session) return;
        session.step = Math.max(session.step, step);
        session.weightsStep = step;
        this.bumpVersion();
        // Every client's views refresh on the new version (AppStatus.model), labelled with its step.
        this.emitStatus();
      },
      checkpoint: async () => {
        // The weights of the step the schedule named, not of a later one (a worker runs ahead).
        await this.saveCheckpoint(undefined, { latest: true }).catch((err) => this.hub.emit('error', { message: `autosave failed: ${(err as Error).message}` }));
      },
      backend: (b) => {
        this.trainingBackend = b;
        this.emitStatus();
      },
    };
    if ((this.opts.trainIn ?? 'worker') === 'worker') {
      const snap = resumeState ? await resumeSnapshot(tokenizer, cfg, resumeState) : undefined;
      run = new WorkerTraining(tokenizer, cfg, src.spec, listener, snap, this.opts.workerEntries?.train, this.liveWeights());
    } else {
      run = new InProcessTraining(tokenizer, cfg, src.seq, listener, resumeState, this.liveWeights());
    }
    this.training = run;
  }

  private onTrainingState(run: TrainingRun, state: TrainState, message?: string): void {
    if (run !== this.training) return;
    const s = this.session;
    const p: TrainProgress = { state };
    if (this.lastMetrics) p.metrics = this.lastMetrics;
    if (this.lastReseeds) p.reseeds = this.lastReseeds;
    if (message) p.message = message;
    if (state === 'done' && s && s.tokenizer === run.tokenizer) {
      // Keep the run's optimiser state and history with the tokenizer, so that saving it later can resume.
      this.trainingSettled = run.sync().then(
        (synced) => {
          for (const w of s.optimizer?.weights ?? []) if (!w.tensor.isDisposed) w.tensor.dispose();
          // The tokenizer already holds the final weights (the run's last snapshot was loaded into it).
          if (synced.weights) disposeStateDict(synced.weights);
          s.optimizer = synced.optimizer;
          if (synced.discriminator) s.discriminator = synced.discriminator;
          s.metrics = synced.history;
          s.step = synced.step;
          this.trainEvents.flush(p);
          this.emitStatus();
        },
        (err) => {
          this.hub.emit('error', { message: `training finished but its state could not be kept: ${(err as Error).message}` });
          this.trainEvents.flush(p);
        },
      );
      return;
    }
    this.trainEvents.flush(p);
    if (state === 'error') this.hub.emit('error', { message: `training failed: ${message ?? 'unknown error'}` });
    this.emitStatus();
  }

  private liveWeights(): { everyMs: number } {
    return { everyMs: this.opts.liveWeightsMs ?? DEFAULT_LIVE_WEIGHTS_MS };
  }

  /** New weights under the same tokenizer: caches of its tokens are stale. */
  private bumpVersion(): void {
    if (!this.session) return;
    this.session.version = this.nextVersion++;
    this.tokenCache.clear();
    this.projections.clear();
    this.decoded.clear();
  }

  private requireRun(method: string): TrainingRun {
    if (!this.training || !this.trainingActive()) throw new ServiceStateError(`${method}: no training is running`);
    return this.training;
  }

  async pauseTraining(): Promise<void> {
    this.requireRun('pauseTraining').pause();
    this.trainingOwner.control('pause');
  }

  async resumeTraining(): Promise<void> {
    this.requireRun('resumeTraining').resume();
    this.trainingOwner.control('resume');
  }

  async stopTraining(): Promise<void> {
    const run = this.requireRun('stopTraining');
    this.trainingOwner.control('stop');
    await run.stop();
  }

  /** Resolves when the current training run ends (for the CLI); rejects if it failed. */
  async waitForTraining(): Promise<void> {
    const run = this.training;
    if (!run) return;
    await run.finished;
    // The 'done' handler keeps the run's optimiser state asynchronously: wait for it.
    await this.trainingSettled;
  }

  // ---- tokenizer sessions -------------------------------------------------------------------

  private requireSession(method: string): TokenizerSession {
    if (!this.session) throw new ServiceStateError(`${method}: no tokenizer yet (train one or open a checkpoint)`);
    return this.session;
  }

  /** Runs `fn` with the shown tokenizer, kept alive until it settles even if another one is opened meanwhile. */
  private withSession<R>(method: string, fn: (s: TokenizerSession) => Promise<R>): Promise<R> {
    const s = this.requireSession(method);
    return this.leases.with(s.tokenizer, () => fn(s));
  }

  /** Makes `next` the shown tokenizer, dropping the old one and every cache of its tokens. */
  private setSession(next: Omit<TokenizerSession, 'version'>): TokenizerSession {
    const old = this.session;
    this.session = { ...next, version: this.nextVersion++ };
    if (next.info?.path) this.recent.add(next.info.path, 'opened', next.info.step);
    if (old && old.tokenizer !== next.tokenizer) {
      this.leases.retire(old.tokenizer, () => disposeSession(old));
      this.predictions = null; // their ids index the old codebook
      // Workers built for another architecture would only hold memory until the next encode.
      this.workerEncoder?.releaseUnless(next.tokenizer);
    }
    this.tokenCache.clear();
    this.projections.clear();
    this.decoded.clear();
    this.emitStatus();
    return this.session;
  }

  /** The encoding a loaded tokenizer decodes to: its own record, else the open data's when the channels match. */
  private encodingFor(recorded: FrameEncoding | undefined, inChannels: number): FrameEncoding {
    if (recorded) return recorded;
    const seq = this.source?.seq;
    if (seq && seq.channels === inChannels) return seq.encoding;
    return { kind: 'continuous' };
  }

  // ---- checkpoints --------------------------------------------------------------------------

  private defaultCheckpointDir(): string {
    return path.resolve(this.opts.checkpointDir ?? 'tokenscope-checkpoints');
  }

  /** `latest` (not in the contract; periodic saves): the run's last snapshot rather than a fresh one. */
  async saveCheckpoint(target?: string, opts?: { latest?: boolean }): Promise<CheckpointInfo> {
    return this.withSession('saveCheckpoint', (s) => this.saveSession(s, target, opts));
  }

  private async saveSession(s: TokenizerSession, target?: string, opts?: { latest?: boolean }): Promise<CheckpointInfo> {
    const named = target !== undefined && target !== null ? path.resolve(parseValue('saveCheckpoint', 'path', PathSchema, target)) : null;
    // While a run is going, bring the weights up to it; its optimiser holds the state a resume needs.
    const running = this.training && this.trainingActive() && this.training.tokenizer === s.tokenizer ? this.training : null;
    const synced = running ? await running.sync({ latest: opts?.latest === true }) : null;
    // Named after the step the file holds: `--resume` from `tokenizer-stepN.ckpt` continues at N.
    const file = named ?? path.join(this.defaultCheckpointDir(), `tokenizer-step${synced ? synced.step : s.step}.ckpt`);
    await this.temporaries.sweep(path.dirname(file));
    const optimizer = synced ? synced.optimizer : s.optimizer;
    // The weights of the step the file is named after, not whatever the tokenizer holds by now.
    const weights = synced?.weights ?? s.tokenizer.stateDict();
    try {
      const snapshot = {
        config: s.config,
        step: synced ? synced.step : s.step,
        weights,
        optimizer,
        metrics: synced ? synced.history : s.metrics,
        // The adversarial objective's discriminator, so that a resumed run continues the same game.
        ...discriminatorCheckpointParts(synced?.discriminator ?? s.discriminator),
        // What it was trained on or loaded with; the open data only for a tokenizer that never recorded it.
        ...(s.input ? { input: s.input } : this.source && !incompatibility(s, this.source.seq) ? { input: inputDescription(this.source.seq) } : {}),
      };
      const { sizeBytes } = await writeCheckpoint(file, snapshot);
      const grid = this.tokenGridFor(s);
      s.info = describeCheckpoint(file, { ...s, step: snapshot.step }, sizeBytes, grid);
      this.recent.add(file, 'written', snapshot.step);
    } finally {
      disposeStateDict(weights);
      if (synced) for (const w of synced.optimizer.weights) w.tensor.dispose();
    }
    this.emitStatus();
    return s.info;
  }

  private tokenGridFor(s: TokenizerSession): [number, number] {
    const seq = this.source?.seq;
    if (seq && !incompatibility(s, seq)) return s.tokenizer.tokenGrid(seq.height, seq.width);
    return s.info?.tokenGrid ?? [0, 0];
  }

  async openCheckpoint(p: string, opts?: OpenCheckpointOptions): Promise<CheckpointInfo> {
    const file = path.resolve(parseValue('openCheckpoint', 'path', PathSchema, p));
    const torchOpts = checkpointOpenOptions('openCheckpoint', opts);
    if (this.trainingActive()) throw new ServiceStateError('openCheckpoint: training is running (stop it first)');
    const stat = await statPath(file, 'no such checkpoint file or export folder');
    if (stat.isDirectory()) return this.openExport(file);
    if (await isTorchCheckpointFile(file)) return this.openImported(await importTorchCheckpoint(file, torchOpts), file, stat.size);

    const snapshot = await loadCheckpoint(file);
    let tokenizer: Tokenizer | null = null;
    try {
      const encoding = this.encodingFor(snapshot.input?.encoding, snapshot.config.model.inChannels);
      tokenizer = new Tokenizer(snapshot.config, encoding);
      tokenizer.loadStateDict(snapshot.weights, path.basename(file));
      const details = await checkpointInfo(file);
      const info: CheckpointInfo = {
        path: file,
        step: details.step,
        config: details.config,
        sizeBytes: details.sizeBytes,
        codebookSize: details.codebookSize,
        depth: details.depth,
        tokenGrid: details.tokenGrid,
      };
      const optimizer = snapshot.optimizer;
      snapshot.optimizer = null; // now owned by the session
      const discriminator = discriminatorFromCheckpoint(snapshot);
      this.setSession({ tokenizer, config: snapshot.config, encoding, step: snapshot.step, metrics: snapshot.metrics, info, optimizer, ...(snapshot.input ? { input: snapshot.input } : {}), ...(discriminator ? { discriminator } : {}) });
      tokenizer = null;
      return info;
    } finally {
      tokenizer?.dispose();
      disposeSnapshot(snapshot);
    }
  }

  /** An export folder (config.json + model.safetensors), from TokenScope or from PyTorch. */
  private async openExport(dir: string): Promise<CheckpointInfo> {
    const imported = await importFromPyTorch(dir);
    let sizeBytes = 0;
    try {
      for (const name of await fs.readdir(dir)) sizeBytes += (await fs.stat(path.join(dir, name))).size;
    } catch (err) {
      disposeStateDict(imported.stateDict);
      throw err;
    }
    return this.openImported(imported, dir, sizeBytes);
  }

  /** Weights imported from outside (an export folder, a PyTorch .pth) become the session's tokenizer. */
  private openImported(imported: ImportResult, dir: string, sizeBytes: number): CheckpointInfo {
    let tokenizer: Tokenizer | null = null;
    try {
      const encoding = this.encodingFor(imported.input?.encoding, imported.config.model.inChannels);
      tokenizer = buildImportedTokenizer(imported, encoding, path.basename(dir));
      const f = 2 ** imported.config.model.stages;
      const grid: [number, number] = imported.input ? [imported.input.height / f, imported.input.width / f] : [0, 0];
      // A training kit's checkpoint says its step; other exports are step 0.
      const step = Number.isSafeInteger(imported.json.run?.step) && imported.json.run!.step >= 0 ? imported.json.run!.step : 0;
      const info = describeCheckpoint(dir, { config: imported.config, step, tokenizer }, sizeBytes, grid);
      this.setSession({ tokenizer, config: imported.config, encoding, step, metrics: [], info, optimizer: null });
      tokenizer = null;
      return info;
    } finally {
      tokenizer?.dispose();
      disposeStateDict(imported.stateDict);
    }
  }

  async exportDatasetTokens(dataset: string, dir: string, opts?: DatasetExportOptions): Promise<DatasetExportSummary> {
    return this.withSession('exportDatasetTokens', (s) => this.datasetExport.run(s.tokenizer, dataset, dir, opts));
  }

  async cancelDatasetExport(): Promise<boolean> {
    return this.datasetExport.cancel();
  }

  /**
   * The folder is written whole or not at all (util/atomic-folder): an earlier export there is
   * replaced, never mixed with this one. `tokens: false` leaves the token dataset out on purpose;
   * otherwise data the tokenizer cannot read is an error rather than an export without it.
   */
  async exportCheckpoint(dir: string, opts?: ExportOptions): Promise<string[]> {
    const out = path.resolve(parseValue('exportCheckpoint', 'dir', PathSchema, dir));
    const options = parseValue('exportCheckpoint', 'options', ExportOptionsSchema, opts ?? {});
    const withTokens = options.tokens !== false;
    return this.withSession('exportCheckpoint', async (s) => {
      const noOnnx = options.onnx ? onnxEncoderUnsupported(s.tokenizer) : null;
      if (noOnnx) throw new ServiceStateError(`exportCheckpoint: cannot write ${ONNX_ENCODER_FILE}: ${noOnnx}`);
      const src = this.source && !incompatibility(s, this.source.seq) ? this.source : null;
      if (withTokens && !src) {
        const why = this.source ? incompatibility(s, this.source.seq) : 'no data is open';
        throw new ServiceStateError(`exportCheckpoint: cannot write tokens.npy: ${why} (open matching data, or export without tokens)`);
      }
      await checkReplaceableFolder(out, EXPORT_FILES);
      await this.temporaries.sweep(path.dirname(out));
      // The token dataset of the open sequence, for the world model's own training: encoded before anything is written.
      const tokens = withTokens && src ? await this.sequenceTokens('exportCheckpoint', s, src) : null;
      return writeFolderAtomic(out, EXPORT_FILES, async (tmp) => {
        const result = await exportForPyTorch(s.tokenizer, s.config, tmp, src ? inputDescription(src.seq) : undefined);
        const files = [...result.files];
        if (tokens && s.config.model.arch === 'hierarchical') {
          // VQ-VAE-2's two grids as two files: tokens_top.npy [T, H/8, W/8], tokens_bottom.npy [T, H/4, W/4].
          files.push(...(await writeHierTokenDatasets(tmp, tokens)));
        } else if (tokens) {
          const shape = tokenFileShape(s.config.model, tokens);
          const file = path.join(tmp, 'tokens.npy');
          await writeTokenDataset(file, tokens.indices, shape);
          files.push(file);
        }
        if (options.onnx) files.push(await writeOnnxEncoder(s.tokenizer, tmp));
        return files;
      });
    });
  }

  async exportTrainKit(dir: string, opts?: { steps?: number; processes?: number; split?: string }): Promise<TrainKitInfo> {
    const out = path.resolve(checkPath('exportTrainKit', dir));
    const s = this.requireSession('exportTrainKit');
    const src = this.requireSource('exportTrainKit');
    requireCompatible('exportTrainKit', s, src.seq);
    return exportTrainKitFor(s, { seq: src.seq, spec: src.spec, name: src.info.name }, out, opts);
  }

  // ---- following a run folder ------------------------------------------------------------------

  async followRun(dir: string): Promise<{ info: RunInfo; metrics: TrainMetrics[] }> {
    const abs = path.resolve(checkPath('followRun', dir));
    await this.stopFollowingRun();
    const run = new FollowedRun(abs, {
      emit: (e) => this.hub.emit('run', e),
      error: (message) => this.hub.emit('error', { message }),
      // The run's checkpoint replaces the tokenizer, unless a local training run owns it.
      load: async (p) => {
        if (this.trainingActive()) return false;
        await this.openCheckpoint(p);
        return true;
      },
    });
    this.run = run;
    return run.start();
  }

  async setRunFollow(opts: { follow: boolean; step?: number }): Promise<RunInfo> {
    const run = this.run;
    if (!run) throw new ServiceStateError('setRunFollow: no run folder is being followed (followRun first)');
    return run.setFollow(opts.follow, opts.step);
  }

  async getRun(): Promise<RunInfo | null> {
    return this.run?.info() ?? null;
  }

  async stopFollowingRun(): Promise<void> {
    const run = this.run;
    this.run = null;
    await run?.close();
  }

  // ---- a second checkpoint to compare with --------------------------------------------------

  async openComparison(p: string): Promise<CheckpointInfo> {
    const file = path.resolve(checkPath('openComparison', p));
    const src = this.requireSource('openComparison');
    // A child workspace over the same frames holds B: its own tokenizer, token cache and jobs.
    const child = new Workspace({ ...this.opts, openDefault: false });
    try {
      await child.init();
      child.adoptSource(src.seq, src.info, src.spec);
      const info = await child.openCheckpoint(file);
      await this.closeComparison();
      this.comparison = new CheckpointComparison(info, child);
      return info;
    } catch (err) {
      await child.dispose();
      throw err;
    }
  }

  async getComparison(index: number, opts?: FrameRequest): Promise<ComparisonFrame> {
    const src = this.requireSource('getComparison');
    const i = checkIndex('getComparison', index, src.seq.length);
    const req = checkFrameRequest('getComparison', opts, src.seq.channels, src.seq.encoding);
    this.requireSession('getComparison');
    const cmp = this.comparison;
    if (!cmp) throw new ServiceStateError('getComparison: no second checkpoint is open (openComparison first)');
    return cmp.frame(this, i, req, src.seq.encoding, this.session?.info ?? null);
  }

  async readTrainingHistory(p: string): Promise<TrainMetrics[]> {
    const file = path.resolve(parseValue('readTrainingHistory', 'path', PathSchema, p));
    return readTrainingHistory(file);
  }

  async recentCheckpoints(): Promise<RecentCheckpoint[]> {
    return this.recent.list(this.session?.info?.path ?? null, this.run?.info() ?? null);
  }

  async closeComparison(): Promise<void> {
    const cmp = this.comparison;
    this.comparison = null;
    await cmp?.dispose();
  }

  /** The comparison's child workspace takes the parent's open source as it is. */
  private adoptSource(seq: FrameSequence, info: SourceInfo, spec: SourceSpec): void {
    this.setSource(seq, info, spec);
  }

  // ---- tokens -------------------------------------------------------------------------------

  /** The open sequence's tokens under the current tokenizer: encoded once (a job with progress), then cached. */
  private sequenceTokens(method: string, s = this.requireSession(method), src = this.requireSource(method)): Promise<SequenceTokens> {
    requireCompatible(method, s, src.seq);
    const key = `${src.id}:${s.version}`;
    let entry = this.tokenCache.get(key);
    if (!entry) {
      const inWorker = (this.opts.encodeIn ?? 'worker') === 'worker';
      // The encode job keeps its tokenizer alive however many requests wait for it or give up.
      const release = this.leases.hold(s.tokenizer);
      entry = this.jobs.run(`encode:${key}`, `encode ${src.info.name}`, (progress) =>
        (inWorker
          ? (this.workerEncoder ??= new WorkerEncoder(this.opts.workerEntries?.infer)).encode(s.tokenizer, src.spec, progress).then((t) => {
              if (t.engine && t.engine !== this.encodeEngine) {
                this.encodeEngine = t.engine;
                this.emitStatus();
              }
              return t;
            })
          : encodeSequenceInProcess(s.tokenizer, src.seq, progress)
        ).catch((err: unknown) => {
          throw engineErrorIn(src.info.path ?? src.info.name, s.info?.path, err);
        }),
      );
      void entry.then(release, release);
      // A request that began under a replaced tokenizer is answered, but its tokens are not kept.
      if (s !== this.session) return entry;
      entry.catch(() => this.tokenCache.delete(key));
      this.tokenCache.set(key, entry);
      while (this.tokenCache.size > MAX_CACHED_SEQUENCES) this.tokenCache.delete(this.tokenCache.keys().next().value!);
    }
    return entry;
  }

  /** The whole open sequence's tokens (for the CLI's `encode`; not part of the contract). */
  async encodeAll(): Promise<SequenceTokens> {
    return this.sequenceTokens('encode');
  }

  /**
   * Decodes a token array `[T, h, w]` or `[T, h, w, depth]` with the shown tokenizer (for the
   * CLI's `decode`). Class frames come back as class maps `[T, groups, H, W]` (uint8), continuous
   * ones as values `[T, C, H, W]` (float32).
   */
  async decodeTokenArray(
    ids: Int32Array,
    shape: number[],
    progress: ProgressFn = () => undefined,
  ): Promise<{ data: Float32Array | Uint8Array; shape: number[] }> {
    return this.withSession('decode', (s) => decodeTokenArray(s.tokenizer, s.encoding, ids, shape, progress));
  }

  async getTokens(index: number): Promise<TokenFrame> {
    const src = this.requireSource('getTokens');
    const i = checkIndex('getTokens', index, src.seq.length);
    const session = this.requireSession('getTokens');
    const step = weightsStepOf(session);
    const tokens = await this.sequenceTokens('getTokens', session, src);
    const frame = tokenFrame(tokens, i);
    frame.step = step;
    const levelNames = levelNamesOf(session.config);
    if (levelNames) frame.levelNames = levelNames;
    const poses = src.seq.egoPoses;
    // An aligned source has no ego motion left; a whole split's frame i − 1 may be another scene.
    // A 1D (titok) tokenizer's tokens are not cells: there is nothing to move with the ego motion.
    const spatial = this.session?.config.model.arch !== 'titok';
    if (spatial && i > 0 && poses?.[i] && poses[i - 1] && src.info.dataset?.alignedTo === undefined && !src.info.dataset?.scenes) {
      const first: BevFrame = await src.seq.getFrame(0);
      // Frames without a metric grid (no meta.grid) have no cells in metres to move.
      if (first.meta.grid) frame.previousAligned = previousAligned(tokens, i, [poses[i - 1]!, poses[i]!], gridOfFrame(first), src.seq.width);
    }
    return frame;
  }

  async getTokenLevel(index: number, level: number): Promise<TokenLevelGrid> {
    const src = this.requireSource('getTokenLevel');
    const i = checkIndex('getTokenLevel', index, src.seq.length);
    const s = this.requireSession('getTokenLevel');
    const lv = this.checkLevel('getTokenLevel', s, level);
    const tokens = await this.leases.with(s.tokenizer, () => this.sequenceTokens('getTokenLevel', s, src));
    return tokenLevelGrid(tokenFrame(tokens, i), lv, s.config);
  }

  async getTokenAttention(index: number): Promise<TokenAttention> {
    const src = this.requireSource('getTokenAttention');
    const i = checkIndex('getTokenAttention', index, src.seq.length);
    const s = this.requireSession('getTokenAttention');
    requireCompatible('getTokenAttention', s, src.seq);
    return this.leases.with(s.tokenizer, async () => tokenAttention(s.tokenizer, (await this.frameData(src, i)).frame.data, src.seq, i));
  }

  async getDecoded(index: number, opts?: FrameRequest): Promise<DecodedFrame> {
    const src = this.requireSource('getDecoded');
    const i = checkIndex('getDecoded', index, src.seq.length);
    const req = checkFrameRequest('getDecoded', opts, src.seq.channels, src.seq.encoding);
    const s = this.requireSession('getDecoded');
    const step = weightsStepOf(s);
    const result = { ...decodedView(await this.decodedFrame(src, s, i), req), step };
    // The timeline moves one frame at a time: decode the neighbours while the user looks at this one.
    this.prefetch(() =>
      [i + 1, i - 1]
        .filter((j) => j >= 0 && j < src.seq.length && this.source === src && this.session === s)
        .map((j) => this.decodedFrame(src, s, j)),
    );
    return result;
  }

  /** Resolves when background work (prefetching neighbours) has finished: for tests and clean shutdown. */
  async settled(): Promise<void> {
    while (this.background.size) await Promise.all([...this.background]);
  }

  private decodedFrame(src: OpenSource, s: TokenizerSession, i: number): Promise<DecodedPayload> {
    return this.decoded.get(`${src.id}:${s.version}:${i}`, () =>
      this.leases.with(s.tokenizer, async () => {
        const tokens = await this.sequenceTokens('getDecoded', s, src);
        // The input comes from the frame cache: the BEV view has usually just read it.
        const [recon, input] = await Promise.all([decodeIds(s.tokenizer, frameIds(tokens, i), tokens.h, tokens.w), this.frameData(src, i)]);
        const out = compareFrames(i, recon, input.frame.data, src.seq, src.seq.encoding);
        const enc = src.seq.encoding;
        if (out.groupMaps && input.groupMaps && enc.kind === 'classes' && enc.freeClass !== undefined) {
          out.occupancy = frameOccupancyScores({ pred: out.groupMaps, truth: input.groupMaps, masks: input.voxelMasks }, enc.numClasses, enc.freeClass);
        }
        return out;
      }),
    );
  }

  async evaluateScene(): Promise<SceneEvaluation> {
    const src = this.requireSource('evaluateScene');
    const s = this.requireSession('evaluateScene');
    const enc = src.seq.encoding;
    if (enc.kind !== 'classes' || enc.freeClass === undefined) throw new ServiceStateError('evaluateScene: the open data are not class frames with a free class (Occ3D)');
    await this.sequenceTokens('evaluateScene');
    const maps = async (i: number) => {
      const [d, input] = await Promise.all([this.decodedFrame(src, s, i), this.frameData(src, i)]);
      return { pred: d.groupMaps!, truth: input.groupMaps!, masks: input.voxelMasks };
    };
    const scores = await this.jobs.run(`evaluate:${src.id}:${s.version}`, `evaluate ${src.info.name}`, (progress) =>
      evaluateFrames(src.seq.length, enc.numClasses, enc.freeClass!, maps, progress),
    );
    return { frames: src.seq.length, classNames: enc.palette.map((c) => c.name), scores };
  }

  private checkLevel(method: string, s: TokenizerSession, level: unknown): number {
    return checkOptionalInt(method, 'level', level, 0, s.tokenizer.quantizer.depth - 1) ?? 0;
  }

  async getCodebook(level?: number): Promise<CodebookView> {
    return this.withSession('getCodebook', (s) => this.codebookOf(s, level));
  }

  private async codebookOf(s: TokenizerSession, level: unknown): Promise<CodebookView> {
    const lv = this.checkLevel('getCodebook', s, level);
    const step = weightsStepOf(s);
    const view = { ...(await codebookView(s.tokenizer, await this.sequenceTokens('getCodebook', s), lv)), step };
    // A hierarchical top code's usage counts top tokens, not the 2×2 cells each covers.
    return isCoarseLevel(s.config, lv) ? { ...view, usage: levelUsage(view.usage, s.config, lv) } : view;
  }

  async projectCodebook(method: 'pca' | 'umap', level?: number): Promise<Projection> {
    if (method !== 'pca' && method !== 'umap') throw new ArgumentError('projectCodebook', `method must be "pca" or "umap", got ${JSON.stringify(method)}`);
    const s = this.requireSession('projectCodebook');
    const lv = this.checkLevel('projectCodebook', s, level);
    const key = `${s.version}:${this.source?.id ?? 0}:${lv}:${method}`;
    let p = this.projections.get(key);
    if (!p) {
      p = (async () => {
        const view = await this.leases.with(s.tokenizer, () => this.codebookOf(s, lv));
        const points =
          method === 'pca'
            ? pcaProjection(view.codes, view.size, view.dim)
            : await this.jobs.run(`umap:${key}`, 'UMAP of the codebook', (progress) => umapProjection(view.codes, view.size, view.dim, s.config.seed, progress));
        return { method, points };
      })();
      p.catch(() => this.projections.delete(key));
      this.projections.set(key, p);
    }
    return p;
  }

  async codeOccurrences(code: number, level?: number): Promise<CodeOccurrence[]> {
    const s = this.requireSession('codeOccurrences');
    const lv = this.checkLevel('codeOccurrences', s, level);
    const c = checkIndex('codeOccurrences', code, s.tokenizer.quantizer.codebookSize, 'code');
    const found = occurrencesOf(await this.leases.with(s.tokenizer, () => this.sequenceTokens('codeOccurrences', s)), c, lv);
    return levelOccurrences(found, s.config, lv);
  }

  async codePrototype(code: number): Promise<DecodedFrame> {
    return this.withSession('codePrototype', (s) => this.prototypeOf(s, code));
  }

  private async prototypeOf(s: TokenizerSession, code: number): Promise<DecodedFrame> {
    const c = checkIndex('codePrototype', code, s.tokenizer.quantizer.codebookSize, 'code');
    const n = PROTOTYPE_CELLS;
    const depth = s.tokenizer.quantizer.depth;
    // Every cell (and, for residual / grouped quantizers, every level) holds the code.
    const ids = new Int32Array(n * n * depth).fill(c);
    const recon = await decodeIds(s.tokenizer, ids, n, n);
    const f = s.tokenizer.arch.factor;
    const channels = recon.length / (n * f * n * f);
    return compareToInput(-1, recon, null, { channels, height: n * f, width: n * f }, s.encoding);
  }

  // ---- predictions --------------------------------------------------------------------------

  private predictionInfo(volume: PredictionVolume, source: string, alignedBy: NonNullable<PredictionInfo['alignedBy']>): PredictionInfo {
    return { source, rollouts: volume.rollouts, frames: volume.frames, horizon: stepsAhead(volume, volume.frames - 1), mode: volume.mode, startFrame: volume.startFrame, alignedBy };
  }

  /**
   * Reads a world model's predicted tokens (`.npy` `[T, h, w]`, `[T, h, w, depth]` or with a
   * leading rollout axis). Predicted frame j stands for sequence frame `offset + j` (default 0,
   * or the frame nearest `startTimestampUs`) and is scored as j + 1 steps ahead.
   */
  async importPredictions(p: string, opts?: ImportPredictionsOptions): Promise<PredictionInfo> {
    const file = path.resolve(parseValue('importPredictions', 'path', PathSchema, p));
    const o = parseValue('importPredictions', 'options', ImportPredictionsOptionsSchema, opts ?? {});
    const src = this.requireSource('importPredictions');
    const s = this.requireSession('importPredictions');
    requireCompatible('importPredictions', s, src.seq);
    const [h, w] = s.tokenizer.tokenGrid(src.seq.height, src.seq.width);
    const q = s.tokenizer.quantizer;
    const align: PredictionAlignment = {};
    const offset = checkOptionalInt('importPredictions', 'offset', o.offset, 0, src.seq.length - 1);
    if (offset !== undefined) align.offset = offset;
    if (typeof o.startTimestampUs === 'number') align.startTimestampUs = o.startTimestampUs;
    // `predict` records the offset and mode beside the .npy: used when the caller says nothing.
    const side = await readPredictionsSidecar(file);
    let alignedBy: NonNullable<PredictionInfo['alignedBy']> = offset !== undefined ? 'offset' : align.startTimestampUs !== undefined ? 'timestamp' : 'assumed';
    if (alignedBy === 'assumed' && side) {
      align.offset = side.offset;
      alignedBy = 'side file';
    }
    align.mode = o.mode ?? side?.mode ?? 'rollout';
    const expect = { codebookSize: q.codebookSize, h, w, depth: q.depth, frames: src.seq.length, ...(src.seq.timestampsUs ? { timestampsUs: src.seq.timestampsUs } : {}) };
    const volume = await readPredictionVolume(file, expect, align);
    this.predictions = { volume, source: file, sourceId: src.id, tokenizer: s.tokenizer };
    return this.predictionInfo(volume, file, alignedBy);
  }

  /**
   * Trains the built-in next-frame predictor on the open sequence's tokens and rolls it out from
   * frame `context` to the end (or `horizon` frames); `kind: 'copy'` gives copy-last-frame instead.
   */
  async trainBaselinePredictor(opts?: BaselinePredictorOptions): Promise<PredictionInfo> {
    const m = 'trainBaselinePredictor';
    const o = parseValue(m, 'options', BaselinePredictorOptionsSchema, opts ?? {});
    const checked: BaselineOptions = {
      kind: o.kind ?? 'transformer',
      steps: o.steps ?? BASELINE_DEFAULTS.steps,
      context: o.context ?? BASELINE_DEFAULTS.context,
      rollouts: o.rollouts ?? BASELINE_DEFAULTS.rollouts,
      batchSize: o.batchSize ?? BASELINE_DEFAULTS.batchSize,
      seed: o.seed ?? BASELINE_DEFAULTS.seed,
      temperature: o.temperature ?? BASELINE_DEFAULTS.temperature,
      topK: o.topK ?? BASELINE_DEFAULTS.topK,
      learningRate: o.learningRate ?? BASELINE_DEFAULTS.learningRate,
    };
    if (o.horizon !== undefined) checked.horizon = o.horizon;
    const src = this.requireSource(m);
    const s = this.requireSession(m);
    const tokens = await this.leases.with(s.tokenizer, () => this.sequenceTokens(m, s, src));
    const label = checked.kind === 'copy' ? 'copy-last-frame baseline' : `next-frame predictor (${checked.steps} steps, context ${checked.context})`;
    const inWorker = (this.opts.trainIn ?? 'worker') === 'worker' && checked.kind !== 'copy';
    const volume = await this.jobs.run(`baseline:${src.id}:${s.version}`, label, (progress) => {
      if (!inWorker) return runBaseline(tokens, checked, progress);
      // Off the service thread, with the tokenizer's run controls and progress events (issue 11).
      if (this.baseline) throw new ServiceStateError(`${m}: the baseline predictor is already training`);
      const run = new BaselineRun(tokens, checked, (p) => {
        this.hub.emit('predictorProgress', p);
        progress(p.step, p.totalSteps, p.message ?? (p.loss !== undefined ? `loss ${p.loss.toFixed(3)}` : undefined));
      }, this.opts.workerEntries?.predict);
      this.baseline = run;
      return run.result.finally(() => {
        if (this.baseline === run) this.baseline = null;
      });
    });
    const source = `baseline: ${label}`;
    this.predictions = { volume, source, sourceId: src.id, tokenizer: s.tokenizer };
    return this.predictionInfo(volume, source, 'baseline');
  }

  async pausePredictor(): Promise<void> {
    this.requireBaseline('pausePredictor').pause();
  }

  async resumePredictor(): Promise<void> {
    this.requireBaseline('resumePredictor').resume();
  }

  async stopPredictor(): Promise<void> {
    this.requireBaseline('stopPredictor').stop();
  }

  private requireBaseline(method: string): BaselineRun {
    if (!this.baseline) throw new ServiceStateError(`${method}: the baseline predictor is not training`);
    return this.baseline;
  }

  private requirePredictions(method: string): PredictionVolume {
    const p = this.predictions;
    if (!p || p.sourceId !== this.source?.id || p.tokenizer !== this.session?.tokenizer) {
      throw new ServiceStateError(`${method}: no predictions for this sequence and tokenizer (import a predictions file or train the baseline predictor)`);
    }
    return p.volume;
  }

  async getPrediction(index: number, rollout?: number): Promise<PredictionFrame> {
    const m = 'getPrediction';
    const pv = this.requirePredictions(m);
    const src = this.requireSource(m);
    const s = this.requireSession(m);
    const i = checkIndex(m, index, src.seq.length);
    const cover = predictionCoverage(pv);
    // Sliding windows: the second argument is the steps ahead − 1 (which window reaches frame i).
    const r = checkOptionalInt(m, 'rollout', rollout, 0, (pv.mode === 'windows' ? pv.frames : pv.rollouts) - 1) ?? 0;
    if (!frameHasPrediction(pv, i, r)) {
      throw new ArgumentError(m, `frame ${i} has no prediction (the predictions cover frames ${cover.first}..${cover.last}${pv.mode === 'windows' ? ` at ${r + 1} step(s) ahead` : ''})`);
    }
    return this.leases.with(s.tokenizer, async () => {
      const tokens = await this.sequenceTokens(m, s, src);
      const frame = await src.seq.getFrame(i);
      return predictionFrame(pv, i, r, frameIds(tokens, i), s.tokenizer, frame.data, src.seq, src.seq.encoding);
    });
  }

  async predictionHorizonAccuracy(): Promise<StepsAheadAccuracy> {
    const pv = this.requirePredictions('predictionHorizonAccuracy');
    const tokens = await this.sequenceTokens('predictionHorizonAccuracy');
    return stepsAheadAccuracy(pv, volumeOf(tokens));
  }

  /** The current predictions (for the CLI's `predict`, which writes them out). */
  currentPredictions(): PredictionVolume {
    return this.requirePredictions('predict');
  }
}

export async function createWorkspace(opts: WorkspaceOptions = {}): Promise<Workspace> {
  const ws = new Workspace(opts);
  await ws.init();
  return ws;
}
