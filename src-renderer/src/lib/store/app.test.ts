import { describe, expect, test } from 'vitest';
import { AppStore, modelKeyOf } from './app.svelte';
import { FakeService, settle } from './fake-client';

async function attached() {
  const svc = new FakeService();
  const app = new AppStore();
  await app.attach(svc.client(), 'websocket');
  await app.openProcedural();
  await settle(80);
  return { svc, app };
}

describe('AppStore: live views while training', () => {
  test('the weights version is part of the model key', () => {
    const base = { backend: null, source: null, checkpoint: null, step: 0 };
    expect(modelKeyOf({ ...base, model: { version: 3, step: 10 } })).not.toBe(modelKeyOf({ ...base, model: { version: 4, step: 20 } }));
  });

  test('new weights refresh the views and label them with their step; the same weights do not', async () => {
    const { svc, app } = await attached();
    expect(app.tokens?.step).toBe(0);
    const scans = app.timeline.completedScans;
    expect(scans).toBe(1);
    const calls = svc.calls.getTokens!;
    svc.emit('status', svc.statusNow()); // same version: nothing to refetch
    await settle(40);
    expect(svc.calls.getTokens).toBe(calls);
    expect(app.timeline.completedScans).toBe(scans);

    svc.advance(25);
    await settle(120);
    expect(app.modelStep).toBe(25);
    expect(app.tokens?.step).toBe(25);
    expect(app.decoded?.step).toBe(25);
    expect(app.codebook?.step).toBe(25);
    expect(app.timeline.completedScans).toBe(scans + 1);
    expect(app.timeline.seriesStep).toBe(25);
    expect(app.scanProgress).toBeNull();
  });

  test('progress events alone do not refetch the views', async () => {
    const { svc, app } = await attached();
    const calls = svc.calls.getTokens!;
    for (let s = 1; s <= 5; s++) svc.progress({ state: 'running', metrics: { step: s, totalSteps: 100, loss: 1 / s, reconLoss: 1, quantLoss: { total: 0.1 }, perplexity: 2, utilization: 0.5, deadCodes: 1, bitsPerToken: 2, compressionRatio: 4, msPerStep: 5, etaSeconds: 1 } });
    await settle(40);
    expect(app.train.metrics?.step).toBe(5);
    expect(app.series.step.length).toBe(5);
    expect(svc.calls.getTokens).toBe(calls);
  });
});
