/**
 * The store every panel reads, composed of one part per concern (each in its own file, each
 * unit-tested against a fake client): notices (toasts, jobs), frames (the frame shown, its caches,
 * the view, playback), selection, codebook (and its projection), timeline (sparklines), training
 * and predictions. This file holds what ties them together: the connection, the status, the open
 * source, and when the model under the views changed. The properties below forward to the parts
 * so panels keep reading `app.x`; new state belongs in a part (or a new one), not here.
 */
import type {
  AppStatus,
  CheckpointInfo,
  SourceInfo,
  TokenScopeClient,
  TrainConfig,
} from '../../../../src-main/contract/index';
import type { OpenPathOptions } from '../../../../src-main/contract/open-options';
import { isCheckpointPath } from '../logic/open-target';
import type { Selection } from '../logic/selection';
import type * as S from '../logic/selection';
import { CodebookStore } from './codebook.svelte';
import { FrameStore } from './frames.svelte';
import { runCall } from './host';
import { NoticeStore } from './notices.svelte';
import { PredictionStore } from './predictions.svelte';
import { SelectionStore } from './selection.svelte';
import { TimelineStore } from './timeline.svelte';
import { TrainingStore } from './training.svelte';

export type { ViewTransform } from './frames.svelte';
export type { ProjectionState } from './codebook.svelte';
export type PanelTab = 'training' | 'health' | 'predictions' | 'run';

export class AppStore {
  client: TokenScopeClient | null = $state.raw(null);
  transport = $state<'ipc' | 'websocket' | null>(null);
  connection = $state<'connecting' | 'open' | 'closed'>('connecting');
  status = $state.raw<AppStatus>({ backend: null, source: null, checkpoint: null, step: 0 });
  source = $state.raw<SourceInfo | null>(null);
  tab = $state<PanelTab>('training');
  shortcutsOpen = $state(false);

  readonly notices = new NoticeStore();
  readonly selection: SelectionStore;
  readonly frames: FrameStore;
  readonly codebooks: CodebookStore;
  readonly timeline: TimelineStore;
  readonly training: TrainingStore;
  readonly predictions: PredictionStore;

  /** Opens in flight: their reply adopts the source, so the status event they cause need not. */
  private opening = 0;
  /** Identity of the weights the views show: a change refreshes them. */
  modelKey = '';
  private unsubscribers: Array<() => void> = [];
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;

  constructor() {
    const self = this;
    this.selection = new SelectionStore({
      get client() { return self.client; },
      get tokens() { return self.frames.tokens; },
      toast: (t, k) => this.toast(t, k),
      loadCodebook: () => this.loadCodebook(),
    });
    this.frames = new FrameStore({
      get client() { return self.client; },
      get source() { return self.source; },
      get sel() { return self.selection.sel; },
      set sel(s: Selection) { self.selection.sel = s; },
      toast: (t, k) => this.toast(t, k),
    });
    this.codebooks = new CodebookStore(
      {
        get client() { return self.client; },
        get level() { return self.selection.sel.level; },
        get modelKey() { return self.modelKey; },
        toast: (t, k) => this.toast(t, k),
      },
    );
    this.timeline = new TimelineStore({
      get client() { return self.client; },
      get source() { return self.source; },
      getTokenData: (i) => this.frames.getTokenData(i),
      getDecodedData: (i) => this.frames.getDecodedData(i),
      toast: (t, k) => this.toast(t, k),
    });
    this.training = new TrainingStore({
      get client() { return self.client; },
      toast: (t, k) => this.toast(t, k),
    });
    this.predictions = new PredictionStore({
      get client() { return self.client; },
      get frameIndex() { return self.selection.sel.frame; },
      get shown() { return self.frames.shown; },
      toast: (t, k) => this.toast(t, k),
    });
  }

  // ── forwarded state (panels read and bind these) ──────────────────────────
  get sel() { return this.selection.sel; }
  set sel(s: Selection) { this.selection.sel = s; }
  get occurrences() { return this.selection.occurrences; }
  get prototype() { return this.selection.prototype; }
  get healthNote() { return this.selection.healthNote; }

  get shown() { return this.frames.shown; }
  get frame() { return this.frames.frame; }
  get tokens() { return this.frames.tokens; }
  get prevTokens() { return this.frames.prevTokens; }
  get decoded() { return this.frames.decoded; }
  get tokensNote() { return this.frames.tokensNote; }
  get channel() { return this.frames.channel; }
  get hover() { return this.frames.hover; }
  set hover(h) { this.frames.hover = h; }
  get view() { return this.frames.view; }
  set view(v) { this.frames.view = v; }
  get overlayTokens() { return this.frames.overlayTokens; }
  set overlayTokens(v) { this.frames.overlayTokens = v; }
  get showChanges() { return this.frames.showChanges; }
  set showChanges(v) { this.frames.showChanges = v; }
  get playing() { return this.frames.playing; }
  get fps() { return this.frames.fps; }
  set fps(v) { this.frames.fps = v; }
  get lastFrameMs() { return this.frames.lastFrameMs; }
  get lastFrameBreakdown() { return this.frames.lastFrameBreakdown; }

  get codebook() { return this.codebooks.codebook; }
  get codebookNote() { return this.codebooks.codebookNote; }
  get projection() { return this.codebooks.projection; }
  get projectionMethod() { return this.codebooks.projectionMethod; }
  get projecting() { return this.codebooks.projecting; }
  get rowOf() { return this.codebooks.rowOf; }

  get reconSeries() { return this.timeline.reconSeries; }
  get changeSeries() { return this.timeline.changeSeries; }
  get scanProgress() { return this.timeline.scanProgress; }
  /** Training step of the weights the views show (status), null before any model. */
  get modelStep(): number | null { return this.status.model?.step ?? null; }

  get train() { return this.training.train; }
  get series() { return this.training.series; }
  set series(s) { this.training.series = s; }

  get prediction() { return this.predictions.prediction; }
  get predictionInfo() { return this.predictions.predictionInfo; }
  get horizon() { return this.predictions.horizon; }
  get predictionNote() { return this.predictions.predictionNote; }
  get rollout() { return this.predictions.rollout; }
  set rollout(r) { this.predictions.rollout = r; }
  get showPredicted() { return this.predictions.showPredicted; }
  set showPredicted(v) { this.predictions.showPredicted = v; }
  get shownPrediction() { return this.predictions.shownPrediction; }

  get toasts() { return this.notices.toasts; }
  get jobs() { return this.notices.jobs; }
  get messageLog() { return this.notices.messageLog; }

  // ── connection ────────────────────────────────────────────────────────────
  async attach(client: TokenScopeClient, transport: 'ipc' | 'websocket'): Promise<void> {
    this.client = client;
    this.transport = transport;
    this.connection = 'open';
    this.unsubscribers.push(
      client.on('status', (s) => this.applyStatus(s)),
      client.on('trainProgress', (p) => this.training.onProgress(p)),
      client.on('jobProgress', (j) => {
        this.notices.onJob(j);
        this.codebooks.onJob(j);
      }),
      client.on('predictorProgress', (p) => this.predictions.onTrainerProgress(p)),
      client.on('error', (e) => {
        if (/connection .* closed/.test(e.message)) this.connection = 'closed';
        this.toast(e.message);
      }),
    );
    const status = await client.getStatus();
    this.applyStatus(status);
    if (!status.source) await this.openProcedural();
  }

  toast(text: string, kind: 'error' | 'info' = 'error'): void {
    this.notices.toast(text, kind);
  }

  dismissToast(id: number): void {
    this.notices.dismissToast(id);
  }

  applyStatus(s: AppStatus): void {
    this.status = s;
    if (s.source && !this.opening && (!this.source || this.source.path !== s.source.path || this.source.dataset?.scene !== s.source.dataset?.scene)) this.adoptSource(s.source);
    const key = modelKeyOf(s);
    if (key !== this.modelKey) {
      this.modelKey = key;
      void this.refreshModel();
    }
  }

  // ── sources ───────────────────────────────────────────────────────────────
  async openProcedural(opts?: { seed?: number; frames?: number; size?: number }): Promise<void> {
    await this.opened((c) => c.openProcedural(opts));
  }

  async openPath(path: string, opts?: OpenPathOptions): Promise<void> {
    const p = path.trim().replace(/^file:\/\//, '');
    if (!p) return;
    if (isCheckpointPath(p)) return this.openCheckpoint(decodeURI(p));
    await this.opened((c) => (opts ? c.openPath(decodeURI(p), opts) : c.openPath(decodeURI(p))));
  }

  /** Another scene of the open dataset (the scene picker). */
  async openScene(name: string): Promise<void> {
    await this.opened((c) => c.openScene(name));
  }

  /** A dataset with options: a scene, a whole split (to train on many scenes), frames aligned to one ego frame. */
  async openDataset(root: string, opts: { scene?: string; split?: string; alignTo?: number }): Promise<void> {
    await this.opened((c) => c.openPath(root, opts));
  }

  /**
   * Adopts what an open call returns, once: the status event the open sends ahead of its reply
   * would otherwise adopt the same source first, and the reply again (every frame fetched twice).
   */
  private async opened(open: (c: TokenScopeClient) => Promise<SourceInfo>): Promise<void> {
    this.opening++;
    try {
      const src = await this.run(open);
      if (src) this.adoptSource(src);
    } finally {
      this.opening--;
    }
  }

  private adoptSource(src: SourceInfo): void {
    this.source = src;
    this.status = { ...this.status, source: src };
    this.frames.resetForSource(src);
    this.selection.reset(src.length);
    this.timeline.reset(src.length);
    this.predictions.prediction = null;
    void this.frames.loadFrame(0);
    void this.refreshModel();
  }

  /**
   * The checkpoint (or the model being trained) changed: tokens, decoded frames and codebook are
   * stale. Calls that arrive while a refresh runs are folded into one more refresh after it.
   */
  async refreshModel(): Promise<void> {
    if (!this.client || !this.source) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        this.frames.invalidateModel();
        await Promise.all([this.frames.loadFrame(this.selection.sel.frame), this.loadCodebook()]);
      } while (this.refreshAgain);
    })();
    try {
      await this.refreshing;
    } finally {
      this.refreshing = null;
    }
    void this.scanSequence();
  }

  // ── forwarded actions ─────────────────────────────────────────────────────
  loadFrame(i: number): Promise<void> { return this.frames.loadFrame(i); }
  setChannel(c: number): Promise<void> { return this.frames.setChannel(c); }
  goto(index: number): Promise<void> { return this.frames.goto(index); }
  step(delta: number, wrap = false): Promise<void> { return this.frames.step(delta, wrap); }
  togglePlay(): void { this.frames.togglePlay(); }
  play(): void { this.frames.play(); }
  pause(): void { this.frames.pause(); }
  /** The sparklines of the weights shown now (nothing happens if they were scanned already). */
  scanSequence(): Promise<void> { return this.timeline.request(`${this.source?.path ?? ''}|${this.modelKey}`); }
  selectCode(code: number | null): void { this.selection.selectCode(code); }
  selectCell(cell: S.Cell | null): void { this.selection.selectCell(cell); }
  setLevel(level: number): void { this.selection.setLevel(level); }
  loadCodebook(): Promise<void> { return this.codebooks.load(); }
  project(method: 'pca' | 'umap'): Promise<void> { return this.codebooks.project(method); }
  startTraining(config: Partial<TrainConfig>): Promise<void> { return this.training.start(config); }
  trainBaseline(steps?: number): Promise<void> { return this.predictions.trainBaseline(steps); }
  importPredictions(path: string): Promise<void> { return this.predictions.importPredictions(path); }
  loadPrediction(): Promise<void> { return this.predictions.loadPrediction(); }

  // ── checkpoints ───────────────────────────────────────────────────────────
  async saveCheckpoint(path?: string): Promise<CheckpointInfo | null> {
    return this.run((c) => c.saveCheckpoint(path || undefined));
  }

  async exportCheckpoint(dir: string): Promise<string[] | null> {
    return this.run((c) => c.exportCheckpoint(dir));
  }

  async openCheckpoint(path: string): Promise<void> {
    await this.run((c) => c.openCheckpoint(path));
    await this.refreshModel();
  }

  // ── helpers ───────────────────────────────────────────────────────────────
  /** Runs one service call; a failure becomes a toast (one clear line) and null. */
  run<T>(fn: (c: TokenScopeClient) => Promise<T>): Promise<T | null> {
    return runCall(this, fn);
  }

  dispose(): void {
    this.pause();
    for (const u of this.unsubscribers) u();
    this.codebooks.dispose();
    this.client?.close();
  }
}

/**
 * Identity of the weights under the views: the checkpoint, and the service's weights version,
 * which moves whenever a training run hands over its current weights (every few seconds).
 */
export function modelKeyOf(s: AppStatus): string {
  const ck = s.checkpoint;
  return `${ck ? `${ck.path}@${ck.step}` : ''}#${s.model?.version ?? ''}`;
}

export const app = new AppStore();
