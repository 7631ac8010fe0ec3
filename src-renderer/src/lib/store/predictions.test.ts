import { describe, expect, test } from 'vitest';
import { FakeService } from './fake-client';
import { PredictionStore } from './predictions.svelte';

describe('PredictionStore: the baseline predictor training curve', () => {
  test('reports with new metrics extend the curve; state-only and repeated reports do not', () => {
    const svc = new FakeService();
    const store = new PredictionStore({ client: svc.client(), frameIndex: 0, shown: 0, toast: () => undefined });
    store.onTrainerProgress({ state: 'running', step: 0, totalSteps: 30, message: 'started' });
    store.onTrainerProgress({ state: 'running', step: 5, totalSteps: 30, loss: 3.2, tokenAccuracy: 0.1, etaSeconds: 9 });
    store.onTrainerProgress({ state: 'paused', step: 5, totalSteps: 30, loss: 3.2, tokenAccuracy: 0.1 });
    store.onTrainerProgress({ state: 'running', step: 12, totalSteps: 30, loss: 2.5, tokenAccuracy: 0.4 });
    expect(store.curve.step).toEqual([5, 12]);
    expect(store.curve.loss).toEqual([3.2, 2.5]);
    expect(store.curve.accuracy).toEqual([0.1, 0.4]);
    expect(store.trainer?.step).toBe(12);
  });
});
