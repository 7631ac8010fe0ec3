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

describe('PredictionStore: frames outside the predictions', () => {
  test('at frame 2 (index 1) of predictions from index 2: a note in the panel numbering, no service call, no "frame 1"', async () => {
    const svc = new FakeService();
    const host = { client: svc.client(), frameIndex: 0, shown: 0, toast: () => undefined };
    const store = new PredictionStore(host);
    await store.importPredictions('/tmp/p.npy');
    expect(store.predictionInfo?.mode).toBe('rollout');
    expect(store.horizon?.copyLast).toHaveLength(4);
    host.frameIndex = 1;
    const before = svc.calls.getPrediction ?? 0;
    await store.loadPrediction();
    expect(svc.calls.getPrediction ?? 0).toBe(before);
    expect(store.prediction).toBeNull();
    expect(store.predictionNote).toContain('frame 2 has no prediction');
    expect(store.predictionNote).not.toContain('frame 1 ');
    host.frameIndex = 3;
    await store.loadPrediction();
    expect(store.prediction?.index).toBe(3);
    expect(store.predictionNote).toBeNull();
  });

  test('the chosen mode goes to the service', async () => {
    const svc = new FakeService();
    const store = new PredictionStore({ client: svc.client(), frameIndex: 2, shown: 2, toast: () => undefined });
    store.importMode = 'one-step';
    await store.importPredictions('/tmp/p.npy');
    expect(store.predictionInfo?.mode).toBe('one-step');
  });
});
