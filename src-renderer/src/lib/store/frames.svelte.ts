/**
 * The frame shown and how it is viewed: the data of the current frame (input, tokens, decoded)
 * assigned together so every panel redraws for the same frame in the same tick, the per-frame
 * caches (LRUs; neighbours prefetched so a frame change is a cache hit), the channel drawn, zoom
 * and crosshair, and playback. Large arrays live in `$state.raw` (replaced, never mutated).
 */
import { tick } from 'svelte';
import type { DecodedFrame, FrameData, FrameRequest, SourceInfo, TokenFrame } from '../../../../src-main/contract/index';
import { previousForChange } from '../logic/ego-change';
import { AsyncLru } from '../logic/lru-cache';
import * as S from '../logic/selection';
import type { Selection } from '../logic/selection';
import { messageOf, type StoreHost } from './host';

export interface ViewTransform {
  zoom: number;
  /** Centre of the view in frame pixels. */
  cx: number;
  cy: number;
}

export interface FrameHost extends StoreHost {
  readonly source: SourceInfo | null;
  /** The selection, which a frame change moves. */
  sel: Selection;
}

const CACHE_FRAMES = 48;

/** Waits for the next paint (a no-op where there is none, as in unit tests). */
function nextPaint(): Promise<void> {
  if (typeof requestAnimationFrame !== 'function') return Promise.resolve();
  return new Promise<void>((r) => requestAnimationFrame(() => r()));
}

export class FrameStore {
  /** Data of the frame `shown` (may lag `sel.frame` by one load while scrubbing). */
  shown = $state(-1);
  frame = $state.raw<FrameData | null>(null);
  tokens = $state.raw<TokenFrame | null>(null);
  prevTokens = $state.raw<TokenFrame | null>(null);
  decoded = $state.raw<DecodedFrame | null>(null);
  /** Why tokens / decoded are absent (no checkpoint yet…). */
  tokensNote = $state<string | null>(null);

  /** The channel the BEV and Decoded views draw (continuous frames); the only one fetched. */
  channel = $state(0);
  /** Hovered pixel of the frame (shared crosshair across the image panels). */
  hover = $state.raw<{ x: number; y: number } | null>(null);
  view = $state.raw<ViewTransform>({ zoom: 1, cx: -1, cy: -1 });
  overlayTokens = $state(false);
  showChanges = $state(false);
  playing = $state(false);
  fps = $state(4);

  /** Milliseconds of the last frame change, request → every panel drawn (what the bench reads). */
  lastFrameMs = $state<number | null>(null);
  /** Where that time went: data arriving, Svelte effects + canvas drawing, waiting for the next paint. */
  lastFrameBreakdown: { data: number; draw: number; present: number } | null = null;

  private frames = new AsyncLru<FrameData>(CACHE_FRAMES);
  private tokenCache = new AsyncLru<TokenFrame>(CACHE_FRAMES * 2);
  private decodedCache = new AsyncLru<DecodedFrame>(CACHE_FRAMES);
  private loadSeq = 0;
  private playTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly host: FrameHost) {}

  /** A new source: every cache and the view start afresh. */
  resetForSource(src: SourceInfo): void {
    this.frames.clear();
    this.invalidateModel();
    if (this.channel >= src.channels) this.channel = 0;
    this.frame = null;
    this.shown = -1;
    this.view = { zoom: 1, cx: src.width / 2, cy: src.height / 2 };
  }

  /** New weights: tokens and decoded frames are stale (the input frames are not). */
  invalidateModel(): void {
    this.tokenCache.clear();
    this.decodedCache.clear();
  }

  /**
   * What the views draw of a frame, and so all that is fetched: the class map of a class frame
   * (an Occ3D frame's tensor is 46 MB, its map 40 kB), the picked channel of a continuous one.
   */
  private frameRequest(): FrameRequest {
    return this.host.source?.encoding.kind === 'classes' ? { channels: 'labels' } : { channels: [this.channel] };
  }

  /** Cache key of frame `i` under the current request. */
  private frameKey(i: number): string {
    const r = this.frameRequest();
    return `${i}:${Array.isArray(r.channels) ? r.channels.join(',') : r.channels}`;
  }

  /** Picks the channel the views draw; the current frame is fetched again with it (cached per channel). */
  setChannel(c: number): Promise<void> {
    const src = this.host.source;
    if (c === this.channel || !src || c < 0 || c >= src.channels) return Promise.resolve();
    this.channel = c;
    return this.goto(this.host.sel.frame);
  }

  getFrameData(i: number): Promise<FrameData> {
    const req = this.frameRequest();
    return this.frames.get(this.frameKey(i), () => this.host.client!.getFrame(i, req));
  }

  getTokenData(i: number): Promise<TokenFrame> {
    return this.tokenCache.get(String(i), () => this.host.client!.getTokens(i));
  }

  /** The decoded frame as the Decoded view draws it: labels (or the picked channel), error and metrics. */
  getDecodedData(i: number): Promise<DecodedFrame> {
    const req = this.frameRequest();
    return this.decodedCache.get(this.frameKey(i), () => this.host.client!.getDecoded(i, req));
  }

  /** Go to a frame: the selection moves now, the panels when the frame's data is here. */
  goto(index: number): Promise<void> {
    return this.moveTo(S.setFrame(this.host.sel, index));
  }

  step(delta: number, wrap = false): Promise<void> {
    return this.moveTo(S.stepFrame(this.host.sel, delta, wrap));
  }

  private moveTo(next: Selection): Promise<void> {
    const t0 = performance.now();
    // Cached frame: selection and data change in the same synchronous batch, so every panel
    // redraws once, in the same flush (the common case while scrubbing).
    if (this.applyCached(next.frame)) {
      this.host.sel = next;
      return this.afterShown(next.frame, ++this.loadSeq, t0, t0);
    }
    this.host.sel = next;
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
    const c = this.host.client;
    if (!c || !this.host.source) return;
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
      this.host.toast(`frame ${i}: ${frame.e}`);
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
    await nextPaint();
    if (seq === this.loadSeq) {
      const tEnd = performance.now();
      this.lastFrameMs = tEnd - t0;
      this.lastFrameBreakdown = { data: tData - t0, draw: tDrawn - tData, present: tEnd - tDrawn };
    }
    this.prefetch(i);
  }

  private prefetch(i: number): void {
    const n = this.host.source?.length ?? 0;
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

  // ── playback ──────────────────────────────────────────────────────────────
  togglePlay(): void {
    this.playing ? this.pause() : this.play();
  }

  play(): void {
    if (this.playing || !this.host.source) return;
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
}
