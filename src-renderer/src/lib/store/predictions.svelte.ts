/**
 * World-model predictions of the open sequence: imported or from the built-in baseline, the
 * prediction of the current frame, and token accuracy per steps ahead.
 */
import type { PredictionFrame, PredictionInfo } from '../../../../src-main/contract/index';
import { messageOf, type StoreHost } from './host';

export interface PredictionHost extends StoreHost {
  /** The frame selected (the prediction shown is that frame's). */
  readonly frameIndex: number;
  /** The frame whose data the views show. */
  readonly shown: number;
}

export class PredictionStore {
  prediction = $state.raw<PredictionFrame | null>(null);
  predictionInfo = $state.raw<PredictionInfo | null>(null);
  horizon = $state.raw<{ horizon: number[]; perRollout: number[][]; mean: number[] } | null>(null);
  predictionNote = $state<string | null>(null);
  rollout = $state(0);
  /** Show the predicted tokens and their decoding in the main views instead of the truth's. */
  showPredicted = $state(false);
  /** The prediction to show in the main views, when asked for and available for this frame. */
  shownPrediction = $derived.by(() => (this.showPredicted && this.prediction && this.prediction.index === this.host.shown ? this.prediction : null));

  constructor(private readonly host: PredictionHost) {}

  async trainBaseline(steps?: number): Promise<void> {
    const c = this.host.client;
    if (!c) return;
    this.predictionNote = 'training the baseline predictor…';
    try {
      this.predictionInfo = await c.trainBaselinePredictor(steps ? { steps } : undefined);
      this.predictionNote = null;
      await this.loadSummary();
    } catch (e) {
      this.predictionNote = messageOf(e);
    }
  }

  async importPredictions(path: string): Promise<void> {
    const c = this.host.client;
    if (!c || !path.trim()) return;
    try {
      this.predictionInfo = await c.importPredictions(path.trim());
      this.predictionNote = null;
      await this.loadSummary();
    } catch (e) {
      this.predictionNote = messageOf(e);
    }
  }

  async loadSummary(): Promise<void> {
    const c = this.host.client;
    if (!c) return;
    try {
      this.horizon = await c.predictionHorizonAccuracy();
    } catch (e) {
      this.predictionNote = messageOf(e);
    }
    await this.loadPrediction();
  }

  async loadPrediction(): Promise<void> {
    const c = this.host.client;
    if (!c) return;
    const i = this.host.frameIndex;
    try {
      const p = await c.getPrediction(i, this.rollout);
      if (this.host.frameIndex === i) {
        this.prediction = p;
        this.predictionNote = null;
      }
    } catch (e) {
      this.prediction = null;
      this.predictionNote = messageOf(e);
    }
  }
}
