import { describe, expect, test } from 'vitest';
import { FakeService, FAKE_SOURCE, settle } from './fake-client';
import { TimelineStore } from './timeline.svelte';

function setup() {
  const svc = new FakeService();
  const client = svc.client();
  let source = FAKE_SOURCE;
  const host = {
    client,
    get source() { return source; },
    getTokenData: (i: number) => client.getTokens(i),
    getDecodedData: (i: number) => client.getDecoded(i),
    toast: () => undefined,
  };
  const timeline = new TimelineStore(host);
  timeline.reset(FAKE_SOURCE.length);
  return { svc, timeline, setSource: (s: typeof FAKE_SOURCE) => (source = s) };
}

describe('TimelineStore', () => {
  test('a scan fills both sparklines for every frame and ends', async () => {
    const { timeline, svc } = setup();
    await timeline.request('m1');
    expect(timeline.scanProgress).toBeNull();
    expect(timeline.completedScans).toBe(1);
    expect([...timeline.reconSeries].every(Number.isFinite)).toBe(true);
    // The fake's first two cells take the frame's index: half the cells change between frames.
    expect(timeline.changeSeries[0]).toBe(0);
    expect(timeline.changeSeries[3]).toBeCloseTo(0.5);
    expect(svc.calls.getTokens).toBe(FAKE_SOURCE.length);
  });

  test('asking again for the same weights does not scan again', async () => {
    const { timeline, svc } = setup();
    await timeline.request('m1');
    await timeline.request('m1');
    expect(timeline.completedScans).toBe(1);
    expect(svc.calls.getTokens).toBe(FAKE_SOURCE.length);
  });

  test('new weights during a scan: the running scan finishes, then the newest weights are scanned once', async () => {
    const { timeline, svc } = setup();
    const first = timeline.request('m1');
    await settle(3);
    expect(timeline.scanProgress).not.toBeNull();
    svc.advance(5);
    void timeline.request('m2');
    svc.advance(5);
    void timeline.request('m3');
    await first;
    await settle(60);
    expect(timeline.completedScans).toBe(2);
    expect(timeline.scanProgress).toBeNull();
    expect(timeline.seriesStep).toBe(10);
    // The step labels what the series were computed from: the second scan read the step-10 weights.
    expect(timeline.reconSeries[0]).toBeCloseTo(1 / 11);
  });

  test('a later scan keeps the last whole series on show until it is whole itself', async () => {
    const { timeline, svc } = setup();
    await timeline.request('m1');
    const shown = timeline.reconSeries;
    svc.advance(1);
    const next = timeline.request('m2');
    await settle(4);
    expect(timeline.reconSeries).toBe(shown);
    await next;
    expect(timeline.reconSeries).not.toBe(shown);
    expect(timeline.seriesStep).toBe(1);
  });

  test('a new source aborts the scan of the old one', async () => {
    const { timeline } = setup();
    const run = timeline.request('m1');
    await settle(2);
    timeline.reset(3);
    await run;
    expect(timeline.completedScans).toBe(0);
    expect(timeline.reconSeries.length).toBe(3);
    expect([...timeline.reconSeries].every(Number.isNaN)).toBe(true);
  });
});
