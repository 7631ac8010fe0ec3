/**
 * World-model predictions of the open sequence: imported or from the built-in baseline, the
 * prediction of the current frame, and token accuracy per steps ahead.
 */
import type { PredictionFrame, PredictionInfo, PredictorProgressEvent } from '../../../../src-main/contract/index';
import { messageOf, type StoreHost } from './host';
import { hasPrediction, noPredictionNote, type PredictionMode } from '../logic/prediction-modes';

export interface PredictionHost extends StoreHost {
  /** The frame selected (the prediction shown is that frame's). */
  readonly frameIndex: number;
  /** The frame whose data the views show. */
  readonly shown: number;
}

export class PredictionStore {
  prediction = $state.raw<PredictionFrame | null>(null);
  predictionInfo = $state.raw<PredictionInfo | null>(null);
  horizon = $state.raw<{ horizon: number[]; perRollout: number[][]; mean: number[]; copyLast?: (number | null)[] } | null>(null);
  /** What an imported file holds ('auto': its side file's mode, else a rollout). */
  importMode = $state<PredictionMode | 'auto'>('auto');
  predictionNote = $state<string | null>(null);
  rollout = $state(0);
  /** Show the predicted tokens and their decoding in the main views instead of the truth's. */
  showPredicted = $state(false);
  /** The prediction to show in the main views, when asked for and available for this frame. */
  shownPrediction = $derived.by(() => (this.showPredicted && this.prediction && this.prediction.index === this.host.shown ? this.prediction : null));

  /** The baseline predictor's training run: last report and its curves (loss, accuracy per step). */
  trainer = $state.raw<PredictorProgressEvent | null>(null);
  curve = $state.raw<{ step: number[]; loss: number[]; accuracy: number[] }>({ step: [], loss: [], accuracy: [] });

  constructor(private readonly host: PredictionHost) {}

  /** A `predictorProgress` event: the curves grow by the reports that carry a new step's metrics. */
  onTrainerProgress(p: PredictorProgressEvent): void {
    this.trainer = p;
    const c = this.curve;
    if (p.loss !== undefined && p.tokenAccuracy !== undefined && p.step !== c.step.at(-1)) {
      this.curve = { step: [...c.step, p.step], loss: [...c.loss, p.loss], accuracy: [...c.accuracy, p.tokenAccuracy] };
    }
  }

  async trainBaseline(steps?: number): Promise<void> {
    const c = this.host.client;
    if (!c) return;
    this.predictionNote = 'training the baseline predictor…';
    this.curve = { step: [], loss: [], accuracy: [] };
    this.trainer = null;
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
      this.predictionInfo = await c.importPredictions(path.trim(), this.importMode === 'auto' ? undefined : { mode: this.importMode });
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
    const info = this.predictionInfo;
    // A frame outside the predictions is not an error: say so in the panel's numbering, ask nothing.
    if (info && info.startFrame !== undefined && !hasPrediction(info, i, this.rollout)) {
      this.prediction = null;
      this.predictionNote = noPredictionNote(info, i, this.rollout);
      return;
    }
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
