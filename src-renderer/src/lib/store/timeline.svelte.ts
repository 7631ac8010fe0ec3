/**
 * The timeline's sparklines: reconstruction error and token change rate per frame, filled by
 * walking the sequence once per model (the service encodes the sequence once and caches it, so
 * this is a stream of cheap reads, and it warms the frame caches for scrubbing).
 *
 * A scan belongs to a model key (the weights it reads). Asking again for the same key does
 * nothing; asking for newer weights while a scan runs lets that scan finish and then scans the
 * newest weights once (keys asked for in between are skipped), so a scan always completes even
 * when training hands over new weights every few seconds. A new source aborts the scan at once.
 */
import type { DecodedFrame, SourceInfo, TokenFrame } from '../../../../src-main/contract/index';
import { previousForChange } from '../logic/ego-change';
import * as S from '../logic/selection';
import type { StoreHost } from './host';

export interface TimelineHost extends StoreHost {
  readonly source: SourceInfo | null;
  getTokenData(i: number): Promise<TokenFrame>;
  getDecodedData(i: number): Promise<DecodedFrame>;
}

type ScanEnd = 'done' | 'aborted' | 'failed';

export class TimelineStore {
  /** Per-frame sparklines (NaN where not known yet). */
  reconSeries = $state.raw<Float64Array>(new Float64Array(0));
  changeSeries = $state.raw<Float64Array>(new Float64Array(0));
  /** Fraction of the running scan done, null when none runs. */
  scanProgress = $state<number | null>(null);
  /** Training step of the weights the sparklines shown were computed from (null: unknown). */
  seriesStep = $state<number | null>(null);
  /** Scans finished since the app started (tests and the bench read it). */
  completedScans = $state(0);

  private seq = 0;
  private wanted: string | null = null;
  private doneKey: string | null = null;
  private running: Promise<void> | null = null;
  /** Whether the series shown are a whole scan of this source (later scans then swap in when done). */
  private complete = false;

  constructor(private readonly host: TimelineHost) {}

  /** A new source: empty sparklines, and any scan of the old one ends. */
  reset(length: number): void {
    this.seq++;
    this.wanted = null;
    this.doneKey = null;
    this.complete = false;
    this.seriesStep = null;
    this.reconSeries = new Float64Array(length).fill(Number.NaN);
    this.changeSeries = new Float64Array(length).fill(Number.NaN);
    this.scanProgress = null;
  }

  /** Scans the sequence for model `key` unless it has been (or is being) scanned; see the file comment. */
  request(key: string): Promise<void> {
    this.wanted = key;
    if (this.running) return this.running;
    if (key === this.doneKey) return Promise.resolve();
    this.running = this.loop().finally(() => (this.running = null));
    return this.running;
  }

  private async loop(): Promise<void> {
    while (this.wanted !== null && this.wanted !== this.doneKey) {
      const key = this.wanted;
      const end = await this.scan();
      if (end === 'failed') return;
      if (end === 'done') this.doneKey = key;
    }
  }

  private async scan(): Promise<ScanEnd> {
    const src = this.host.source;
    if (!this.host.client || !src) return 'failed';
    const seq = ++this.seq;
    const n = src.length;
    const recon = new Float64Array(n).fill(Number.NaN);
    const change = new Float64Array(n).fill(Number.NaN);
    // The first scan of a source fills the sparklines as it goes; later ones swap in when whole.
    const progressive = !this.complete;
    let step: number | null = null;
    let prev: TokenFrame | null = null;
    for (let i = 0; i < n; i++) {
      if (seq !== this.seq || this.host.source !== src) return 'aborted';
      let t: TokenFrame;
      try {
        t = await this.host.getTokenData(i);
      } catch {
        if (seq === this.seq) this.scanProgress = null;
        return 'failed';
      }
      if (step === null && t.step !== undefined) step = t.step;
      change[i] = prev ? S.changeRate(previousForChange(t, prev)!, t) : 0;
      prev = t;
      try {
        const m = (await this.host.getDecodedData(i)).metrics;
        recon[i] = m.miou !== undefined ? 1 - m.miou : m.mse ?? Number.NaN;
      } catch {
        /* decoded frames may be unavailable; leave NaN */
      }
      if (seq !== this.seq) return 'aborted';
      this.scanProgress = (i + 1) / n;
      if (progressive && (i % 4 === 3 || i === n - 1)) {
        this.reconSeries = recon.slice();
        this.changeSeries = change.slice();
        this.seriesStep = step;
      }
    }
    this.reconSeries = recon;
    this.changeSeries = change;
    this.seriesStep = step;
    this.complete = true;
    this.scanProgress = null;
    this.completedScans++;
    return 'done';
  }
}
