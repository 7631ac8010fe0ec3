/**
 * The tokenizer's training run as the renderer sees it: state and the last metrics (with the
 * usage histogram), and the curves' columns. Starting a run clears the curves.
 */
import type { TrainConfig, TrainProgress } from '../../../../src-main/contract/index';
import { appendMetrics, emptyColumns } from '../logic/series';
import type { MetricColumns } from '../logic/series';
import { runCall, type StoreHost } from './host';

export type TrainingHost = StoreHost;

export class TrainingStore {
  train = $state.raw<TrainProgress>({ state: 'idle' });
  series = $state.raw<MetricColumns>(emptyColumns());

  constructor(private readonly host: TrainingHost) {}

  onProgress(p: TrainProgress): void {
    // Not every event carries the usage histogram or metrics (state changes don't): keep the last ones.
    // The reseed log (the Health tab's timeline) likewise.
    this.train = { ...p, usage: p.usage ?? this.train.usage, metrics: p.metrics ?? this.train.metrics, reseeds: p.reseeds ?? this.train.reseeds };
    if (p.metrics) this.series = { ...appendMetrics(this.series, p.metrics) };
    // The views are not refreshed from here: the service's status says when the weights under
    // them changed (AppStatus.model, every few seconds while training) and the app refreshes then.
  }

  async start(config: Partial<TrainConfig>): Promise<void> {
    this.series = emptyColumns();
    this.train = { state: 'idle' };
    await runCall(this.host, (c) => c.startTraining(config));
  }
}
