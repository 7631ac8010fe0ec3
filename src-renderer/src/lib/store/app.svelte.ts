/**
 * The one store every panel reads: connection, status, the open source, the selection (frame,
 * code, cell, level), and the data of the current frame (input, tokens, decoded) assigned together
 * so every panel redraws for the same frame in the same tick. Large arrays live in `$state.raw`
 * (replaced, never mutated); per-frame data is cached in LRUs and neighbours are prefetched so a
 * frame change is a cache hit.
 */
import { tick } from 'svelte';
import type {
  AppStatus,
  CheckpointInfo,
  CodebookView,
  CodeOccurrence,
  DecodedFrame,
  FrameData,
  FrameRequest,
  JobProgress,
  PredictionFrame,
  PredictionInfo,
  SourceInfo,
  TokenFrame,
  TokenScopeClient,
  TrainConfig,
  TrainProgress,
} from '../../../../src-main/contract/index';
import { SERVICE_METHODS } from '../../../../src-main/contract/index';
import type { OpenPathOptions } from '../../../../src-main/contract/open-options';
import { AsyncLru } from '../logic/lru-cache';
import { isCheckpointPath } from '../logic/open-target';
import * as S from '../logic/selection';
import type { Selection } from '../logic/selection';
import { appendMetrics, emptyColumns } from '../logic/series';
import type { MetricColumns } from '../logic/series';
import { codeColorsFromProjection, codeRowLookup } from '../logic/token-colors';
import { normalizePoints } from '../logic/projection';
import { previousForChange } from '../logic/ego-change';

export type PanelTab = 'training' | 'health' | 'predictions' | 'run';

export interface ViewTransform {
  zoom: number;
  /** Centre of the view in frame pixels. */
  cx: number;
  cy: number;
}

export interface ProjectionState {
  method: 'pca' | 'umap';
  /** `[rows, 3]` in the unit ball, same order as codebook.codes. */
  points: Float32Array;
  colors: Uint8Array;
  /** Codebook identity the projection belongs to. */
  key: string;
}

const CACHE_FRAMES = 48;

// The service names the method a message comes from ("getTokens: …"), which helps in logs and the
// CLI but reads as jargon in a panel.
const METHOD_PREFIX = new RegExp(`^(?:${SERVICE_METHODS.join('|')}): `);

function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(METHOD_PREFIX, '');
}

export class AppStore {
  client: TokenScopeClient | null = $state.raw(null);
  transport = $state<'ipc' | 'websocket' | null>(null);
  connection = $state<'connecting' | 'open' | 'closed'>('connecting');
  status = $state.raw<AppStatus>({ backend: null, source: null, checkpoint: null, step: 0 });
  source = $state.raw<SourceInfo | null>(null);
  sel = $state.raw<Selection>(S.emptySelection());

  /** Data of the frame `shown` (may lag `sel.frame` by one load while scrubbing). */
  shown = $state(-1);
  frame = $state.raw<FrameData | null>(null);
  tokens = $state.raw<TokenFrame | null>(null);
  prevTokens = $state.raw<TokenFrame | null>(null);
  decoded = $state.raw<DecodedFrame | null>(null);
  /** Why tokens / decoded are absent (no checkpoint yet…). */
  tokensNote = $state<string | null>(null);

  codebook = $state.raw<CodebookView | null>(null);
  codebookNote = $state<string | null>(null);
  projection = $state.raw<ProjectionState | null>(null);
  projectionMethod = $state<'pca' | 'umap'>('pca');
  projecting = $state.raw<{ method: 'pca' | 'umap'; progress: number } | null>(null);

  train = $state.raw<TrainProgress>({ state: 'idle' });
  /** The reseed log of the run, kept across progress events that do not carry it. */
  private lastReseeds: TrainProgress['reseeds'];
  series = $state.raw<MetricColumns>(emptyColumns());
  jobs = $state.raw<Record<string, JobProgress>>({});
  toasts = $state.raw<Array<{ id: number; text: string; kind: 'error' | 'info' }>>([]);

  /** The channel the BEV and Decoded views draw (continuous frames); the only one fetched. */
  channel = $state(0);

  /** Hovered pixel of the frame (shared crosshair across the image panels). */
  hover = $state.raw<{ x: number; y: number } | null>(null);
  view = $state.raw<ViewTransform>({ zoom: 1, cx: -1, cy: -1 });
  overlayTokens = $state(false);
  showChanges = $state(false);
  playing = $state(false);
  fps = $state(4);
  tab = $state<PanelTab>('training');
  shortcutsOpen = $state(false);

  /** Per-frame sparklines, filled in the background once tokens exist. */
  reconSeries = $state.raw<Float64Array>(new Float64Array(0));
  changeSeries = $state.raw<Float64Array>(new Float64Array(0));
  scanProgress = $state<number | null>(null);

  occurrences = $state.raw<CodeOccurrence[] | null>(null);
  prototype = $state.raw<DecodedFrame | null>(null);
  healthNote = $state<string | null>(null);

  prediction = $state.raw<PredictionFrame | null>(null);
  predictionInfo = $state.raw<PredictionInfo | null>(null);
  horizon = $state.raw<{ horizon: number[]; perRollout: number[][]; mean: number[] } | null>(null);
  predictionNote = $state<string | null>(null);
  rollout = $state(0);
  /** Show the predicted tokens and their decoding in the main views instead of the truth's. */
  showPredicted = $state(false);
  /** The prediction to show in the main views, when asked for and available for this frame. */
  shownPrediction = $derived(this.showPredicted && this.prediction && this.prediction.index === this.shown ? this.prediction : null);

  /** Milliseconds of the last frame change, request → every panel drawn (what the bench reads). */
  lastFrameMs = $state<number | null>(null);
  /** Where that time went: data arriving, Svelte effects + canvas drawing, waiting for the next paint. */
  lastFrameBreakdown: { data: number; draw: number; present: number } | null = null;

  readonly messageLog: string[] = [];

  private frames = new AsyncLru<FrameData>(CACHE_FRAMES);
  private tokenCache = new AsyncLru<TokenFrame>(CACHE_FRAMES * 2);
  private decodedCache = new AsyncLru<DecodedFrame>(CACHE_FRAMES);
  private loadSeq = 0;
  /** Opens in flight: their reply adopts the source, so the status event they cause need not. */
  private opening = 0;
  private toastId = 0;
  private modelKey = '';
  private scanSeq = 0;
  private projectSeq = 0;
  /** The codes the token colours (from their PCA layout) were made for. */
  private colorsFor: Float32Array | null = null;
  private playTimer: ReturnType<typeof setTimeout> | null = null;
  private unsubscribers: Array<() => void> = [];
  private lastModelRefresh = 0;
  private refreshing: Promise<void> | null = null;
  private jobStamps: Record<string, number> = {};
  private refreshAgain = false;

  /** The row of the codebook view a code id sits at (identity for explicit codebooks). */
  rowOf = $derived(codeRowLookup(this.codebook?.ids));

  // ── connection ────────────────────────────────────────────────────────────
  async attach(client: TokenScopeClient, transport: 'ipc' | 'websocket'): Promise<void> {
    this.client = client;
    this.transport = transport;
    this.connection = 'open';
    this.unsubscribers.push(
      client.on('status', (s) => this.applyStatus(s)),
      client.on('trainProgress', (p) => this.onTrainProgress(p)),
      client.on('jobProgress', (j) => {
        this.jobs = { ...this.jobs, [j.job]: j };
        if (j.job.startsWith('UMAP') && this.projecting?.method === 'umap' && j.total > 0) this.projecting = { method: 'umap', progress: j.done / j.total };
        // A finished job leaves the status bar shortly after; so does one that went quiet.
        const finished = j.total > 0 && j.done / j.total >= 0.999;
        const stamp = (this.jobStamps[j.job] = performance.now());
        setTimeout(() => {
          if (this.jobStamps[j.job] === stamp) this.clearJob(j.job);
        }, finished ? 1500 : 30_000);
      }),
      client.on('error', (e) => {
        if (/connection .* closed/.test(e.message)) this.connection = 'closed';
        this.toast(e.message);
      }),
    );
    const status = await client.getStatus();
    this.applyStatus(status);
    if (!status.source) await this.openProcedural();
  }

  private clearJob(job: string): void {
    const { [job]: _gone, ...rest } = this.jobs;
    this.jobs = rest;
  }

  toast(text: string, kind: 'error' | 'info' = 'error'): void {
    const id = ++this.toastId;
    // Every message is also kept (newest last) for the tests and for a bug report.
    this.messageLog.push(`${kind}: ${text}`);
    if (this.messageLog.length > 200) this.messageLog.shift();
    this.toasts = [...this.toasts.slice(-3), { id, text, kind }];
    setTimeout(() => (this.toasts = this.toasts.filter((t) => t.id !== id)), kind === 'error' ? 9000 : 4000);
  }

  dismissToast(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  applyStatus(s: AppStatus): void {
    this.status = s;
    if (s.source && !this.opening && (!this.source || this.source.path !== s.source.path || this.source.dataset?.scene !== s.source.dataset?.scene)) this.adoptSource(s.source);
    const key = modelKeyOf(s.checkpoint);
    if (key !== this.modelKey) {
      this.modelKey = key;
      void this.refreshModel();
    }
  }

  private onTrainProgress(p: TrainProgress): void {
    // Not every event carries the usage histogram or metrics (state changes don't): keep the last ones.
    this.train = { ...p, usage: p.usage ?? this.train.usage, metrics: p.metrics ?? this.train.metrics };
    // Events without the reseed log keep the last one (the Health tab's reseed timeline).
    if (!p.reseeds) this.train = { ...this.train, reseeds: this.lastReseeds };
    this.lastReseeds = this.train.reseeds;
    if (p.metrics) this.series = { ...appendMetrics(this.series, p.metrics) };
    // While training, the model changes under the views: refresh them now and then (not every event).
    const now = performance.now();
    const finished = p.state === 'done' || p.state === 'paused';
    if (finished || (p.state === 'running' && now - this.lastModelRefresh > 4000)) {
      this.lastModelRefresh = now;
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
    this.frames.clear();
    this.invalidateModelCaches();
    if (this.channel >= src.channels) this.channel = 0;
    this.sel = S.resetForSource(src.length);
    this.frame = null;
    this.shown = -1;
    this.view = { zoom: 1, cx: src.width / 2, cy: src.height / 2 };
    this.reconSeries = new Float64Array(src.length).fill(Number.NaN);
    this.changeSeries = new Float64Array(src.length).fill(Number.NaN);
    this.prediction = null;
    void this.loadFrame(0);
    void this.refreshModel();
  }

  private invalidateModelCaches(): void {
    this.tokenCache.clear();
    this.decodedCache.clear();
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
        this.invalidateModelCaches();
        await Promise.all([this.loadFrame(this.sel.frame), this.loadCodebook()]);
      } while (this.refreshAgain);
    })();
    try {
      await this.refreshing;
    } finally {
      this.refreshing = null;
    }
    void this.scanSequence();
  }

  // ── frames ────────────────────────────────────────────────────────────────
  /**
   * What the views draw of a frame, and so all that is fetched: the class map of a class frame
   * (an Occ3D frame's tensor is 46 MB, its map 40 kB), the picked channel of a continuous one.
   */
  private frameRequest(): FrameRequest {
    return this.source?.encoding.kind === 'classes' ? { channels: 'labels' } : { channels: [this.channel] };
  }

  /** Cache key of frame `i` under the current request. */
  private frameKey(i: number): string {
    const r = this.frameRequest();
    return `${i}:${Array.isArray(r.channels) ? r.channels.join(',') : r.channels}`;
  }

  /** Picks the channel the views draw; the current frame is fetched again with it (cached per channel). */
  setChannel(c: number): Promise<void> {
    if (c === this.channel || !this.source || c < 0 || c >= this.source.channels) return Promise.resolve();
    this.channel = c;
    return this.goto(this.sel.frame);
  }

  private getFrameData(i: number): Promise<FrameData> {
    const req = this.frameRequest();
    return this.frames.get(this.frameKey(i), () => this.client!.getFrame(i, req));
  }

  private getTokenData(i: number): Promise<TokenFrame> {
    return this.tokenCache.get(String(i), () => this.client!.getTokens(i));
  }

  /** The decoded frame as the Decoded view draws it: labels (or the picked channel), error and metrics. */
  private getDecodedData(i: number): Promise<DecodedFrame> {
    const req = this.frameRequest();
    return this.decodedCache.get(this.frameKey(i), () => this.client!.getDecoded(i, req));
  }

  /** Go to a frame: the selection moves now, the panels when the frame's data is here. */
  goto(index: number): Promise<void> {
    return this.moveTo(S.setFrame(this.sel, index));
  }

  step(delta: number, wrap = false): Promise<void> {
    return this.moveTo(S.stepFrame(this.sel, delta, wrap));
  }

  private moveTo(next: Selection): Promise<void> {
    const t0 = performance.now();
    // Cached frame: selection and data change in the same synchronous batch, so every panel
    // redraws once, in the same flush (the common case while scrubbing).
    if (this.applyCached(next.frame)) {
      this.sel = next;
      return this.afterShown(next.frame, ++this.loadSeq, t0, t0);
    }
    this.sel = next;
    return this.loadFrame(next.frame, t0);
  }

  /** Assigns frame `i` from the caches if everything it shows is there (tokens may be absent: no model). */
  private applyCached(i: number): boolean {
    const frame = this.frames.peek(this.frameKey(i));
    if (!frame) return false;
    const tokens = this.tokenCache.peek(String(i));
    const decoded = this.decodedCache.peek(this.frameKey(i));
    const prev = i > 0 ? this.tokenCache.peek(String(i - 1)) : null;
    if (this.tokens && (!tokens || !decoded || prev === undefined)) return false;
    if (!this.tokens && (tokens || decoded)) return false;
    this.frame = frame;
    this.tokens = tokens ?? null;
    this.decoded = decoded ?? null;
    this.prevTokens = previousForChange(tokens, prev);
    this.shown = i;
    return true;
  }

  /**
   * Loads everything a frame shows and assigns it in one go. A later request supersedes an earlier
   * one (scrubbing fast shows the last frame asked for, not every frame in between).
   */
  async loadFrame(i: number, t0 = performance.now()): Promise<void> {
    const c = this.client;
    if (!c || !this.source) return;
    const seq = ++this.loadSeq;
    const settle = <T>(p: Promise<T>): Promise<{ ok: true; v: T } | { ok: false; e: string }> =>
      p.then(
        (v) => ({ ok: true as const, v }),
        (e: unknown) => ({ ok: false as const, e: messageOf(e) }),
      );
    const [frame, tokens, prev, decoded] = await Promise.all([
      settle(this.getFrameData(i)),
      settle(this.getTokenData(i)),
      i > 0 ? settle(this.getTokenData(i - 1)) : Promise.resolve(null),
      settle(this.getDecodedData(i)),
    ]);
    if (seq !== this.loadSeq) return;
    if (!frame.ok) {
      this.toast(`frame ${i}: ${frame.e}`);
      return;
    }
    this.frame = frame.v;
    this.tokens = tokens.ok ? tokens.v : null;
    this.prevTokens = previousForChange(tokens.ok ? tokens.v : null, prev && prev.ok ? prev.v : null);
    this.decoded = decoded.ok ? decoded.v : null;
    this.tokensNote = tokens.ok ? null : tokens.e;
    this.shown = i;
    await this.afterShown(i, seq, t0, performance.now());
  }

  /** Waits for the panels to draw the frame and the browser to paint it; records the timings. */
  private async afterShown(i: number, seq: number, t0: number, tData: number): Promise<void> {
    await tick();
    const tDrawn = performance.now();
    await new Promise<void>((r) => requestAnimationFrame(() => r()));
    if (seq === this.loadSeq) {
      const tEnd = performance.now();
      this.lastFrameMs = tEnd - t0;
      this.lastFrameBreakdown = { data: tData - t0, draw: tDrawn - tData, present: tEnd - tDrawn };
    }
    this.prefetch(i);
  }

  private prefetch(i: number): void {
    const n = this.source?.length ?? 0;
    const ahead = this.playing ? [1, 2, 3] : [1, -1];
    for (const d of ahead) {
      const j = i + d;
      if (j < 0 || j >= n) continue;
      void this.getFrameData(j).catch(() => undefined);
      if (this.tokens) {
        void this.getTokenData(j).catch(() => undefined);
        void this.getDecodedData(j).catch(() => undefined);
      }
    }
  }

  /**
   * Fills the timeline's sparklines (reconstruction error and token change rate per frame) by
   * walking the sequence once; the service encodes the sequence once and caches it, so this is a
   * stream of cheap reads, and it warms the renderer's caches for scrubbing.
   */
  async scanSequence(): Promise<void> {
    const c = this.client;
    const src = this.source;
    if (!c || !src) return;
    const seq = ++this.scanSeq;
    const n = src.length;
    const recon = new Float64Array(n).fill(Number.NaN);
    const change = new Float64Array(n).fill(Number.NaN);
    let prev: TokenFrame | null = null;
    for (let i = 0; i < n; i++) {
      if (seq !== this.scanSeq || this.source !== src) return;
      let t: TokenFrame;
      try {
        t = await this.getTokenData(i);
      } catch {
        this.scanProgress = null;
        return;
      }
      if (prev) change[i] = S.changeRate(previousForChange(t, prev)!, t);
      else change[i] = 0;
      prev = t;
      try {
        const d = await this.getDecodedData(i);
        const m = d.metrics;
        recon[i] = m.miou !== undefined ? 1 - m.miou : m.mse ?? Number.NaN;
      } catch {
        /* decoded frames may be unavailable; leave NaN */
      }
      this.scanProgress = (i + 1) / n;
      if (i % 4 === 3 || i === n - 1) {
        this.reconSeries = recon.slice();
        this.changeSeries = change.slice();
      }
    }
    this.scanProgress = null;
  }

  // ── selection ─────────────────────────────────────────────────────────────
  selectCode(code: number | null): void {
    const cellCode = this.sel.cell && this.tokens ? S.tokenAt(this.tokens, this.sel.cell.row, this.sel.cell.col, this.sel.level) : null;
    this.sel = S.selectCode(this.sel, code, cellCode);
    void this.loadCodeDetails();
  }

  selectCell(cell: S.Cell | null): void {
    this.sel = S.selectCell(this.sel, cell, this.tokens);
    void this.loadCodeDetails();
  }

  setLevel(level: number): void {
    const depth = this.tokens?.depth ?? 1;
    const next = S.setLevel(this.sel, level, depth);
    if (next !== this.sel) {
      this.sel = next;
      void this.loadCodebook();
    }
  }

  private async loadCodeDetails(): Promise<void> {
    const c = this.client;
    const code = this.sel.code;
    this.occurrences = null;
    this.prototype = null;
    if (!c || code === null) return;
    try {
      const [occ, proto] = await Promise.all([
        c.codeOccurrences(code, this.sel.level),
        c.codePrototype(code).catch((e: unknown) => {
          this.healthNote = `prototype: ${messageOf(e)}`;
          return null;
        }),
      ]);
      if (this.sel.code !== code) return;
      this.occurrences = occ;
      this.prototype = proto;
    } catch (e) {
      this.healthNote = messageOf(e);
    }
  }

  // ── codebook & projection ─────────────────────────────────────────────────
  async loadCodebook(): Promise<void> {
    const c = this.client;
    if (!c) return;
    try {
      const cb = await c.getCodebook(this.sel.level);
      const old = this.codebook;
      this.codebook = cb;
      this.codebookNote = null;
      // The same codes (a refresh after a status event): keep the projection, only usage changed.
      if (old && this.projection && sameArray(old.codes, cb.codes) && sameIds(old.ids, cb.ids)) return;
      await this.project(this.projectionMethod);
    } catch (e) {
      this.codebook = null;
      this.projection = null;
      this.codebookNote = messageOf(e);
    }
  }

  /**
   * The 3D layout from the service's `projectCodebook` (one implementation for the app and the API;
   * UMAP runs there as a job whose progress arrives as jobProgress). Token colours always come from
   * the PCA layout, so switching to UMAP moves the points but does not recolour every token.
   */
  async project(method: 'pca' | 'umap'): Promise<void> {
    const cb = this.codebook;
    const c = this.client;
    if (!cb || !c) return;
    const rows = cb.ids ? cb.ids.length : cb.size;
    const level = this.sel.level;
    const key = `${this.modelKey}:${level}:${rows}`;
    const seq = ++this.projectSeq;
    this.projectionMethod = method;
    this.projecting = { method, progress: 0 };
    try {
      const raw = (await c.projectCodebook(method, level)).points;
      // The model may change under the same key (training without a checkpoint): compare the codes.
      const keep = method !== 'pca' && this.projection && this.colorsFor && sameArray(this.colorsFor, cb.codes);
      const pca = method === 'pca' ? raw : keep ? null : (await c.projectCodebook('pca', level)).points;
      // A newer request supersedes this one; a refresh may have replaced the codebook object with
      // the same codes, which this projection still fits.
      if (seq !== this.projectSeq) return;
      this.projecting = null;
      const now = this.codebook;
      if (!now || raw.length !== rows * 3 || !(now === cb || (sameArray(now.codes, cb.codes) && sameIds(now.ids, cb.ids)))) return;
      this.projection = {
        method,
        points: normalizePoints(raw, rows),
        colors: pca ? codeColorsFromProjection(pca, rows) : this.projection!.colors,
        key,
      };
      if (pca) this.colorsFor = cb.codes;
    } catch (e) {
      if (seq === this.projectSeq) {
        this.projecting = null;
        this.toast(`projection: ${messageOf(e)}`);
      }
    }
  }

  // ── playback ──────────────────────────────────────────────────────────────
  togglePlay(): void {
    this.playing ? this.pause() : this.play();
  }

  play(): void {
    if (this.playing || !this.source) return;
    this.playing = true;
    const tickPlay = async (): Promise<void> => {
      if (!this.playing) return;
      const started = performance.now();
      await this.step(1, true);
      const wait = Math.max(0, 1000 / this.fps - (performance.now() - started));
      if (this.playing) this.playTimer = setTimeout(() => void tickPlay(), wait);
    };
    void tickPlay();
  }

  pause(): void {
    this.playing = false;
    if (this.playTimer) clearTimeout(this.playTimer);
    this.playTimer = null;
  }

  // ── training & checkpoints ────────────────────────────────────────────────
  async startTraining(config: Partial<TrainConfig>): Promise<void> {
    this.series = emptyColumns();
    this.train = { state: 'idle' };
    await this.run((c) => c.startTraining(config));
  }

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

  // ── predictions ───────────────────────────────────────────────────────────
  async trainBaseline(steps?: number): Promise<void> {
    const c = this.client;
    if (!c) return;
    this.predictionNote = 'training the baseline predictor…';
    try {
      this.predictionInfo = await c.trainBaselinePredictor(steps ? { steps } : undefined);
      this.predictionNote = null;
      await this.loadPredictionSummary();
    } catch (e) {
      this.predictionNote = messageOf(e);
    }
  }

  async importPredictions(path: string): Promise<void> {
    const c = this.client;
    if (!c || !path.trim()) return;
    try {
      this.predictionInfo = await c.importPredictions(path.trim());
      this.predictionNote = null;
      await this.loadPredictionSummary();
    } catch (e) {
      this.predictionNote = messageOf(e);
    }
  }

  private async loadPredictionSummary(): Promise<void> {
    const c = this.client;
    if (!c) return;
    try {
      this.horizon = await c.predictionHorizonAccuracy();
    } catch (e) {
      this.predictionNote = messageOf(e);
    }
    await this.loadPrediction();
  }

  async loadPrediction(): Promise<void> {
    const c = this.client;
    if (!c) return;
    const i = this.sel.frame;
    try {
      const p = await c.getPrediction(i, this.rollout);
      if (this.sel.frame === i) {
        this.prediction = p;
        this.predictionNote = null;
      }
    } catch (e) {
      this.prediction = null;
      this.predictionNote = messageOf(e);
    }
  }

  // ── helpers ───────────────────────────────────────────────────────────────
  /** Runs one service call; a failure becomes a toast (one clear line) and null. */
  async run<T>(fn: (c: TokenScopeClient) => Promise<T>): Promise<T | null> {
    const c = this.client;
    if (!c) {
      this.toast('not connected to the TokenScope service');
      return null;
    }
    try {
      return await fn(c);
    } catch (e) {
      this.toast(messageOf(e));
      return null;
    }
  }

  dispose(): void {
    this.pause();
    for (const u of this.unsubscribers) u();
    this.client?.close();
  }
}

function sameArray(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameIds(a: Int32Array | undefined, b: Int32Array | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function modelKeyOf(ck: CheckpointInfo | null): string {
  return ck ? `${ck.path}@${ck.step}` : '';
}

export const app = new AppStore();
