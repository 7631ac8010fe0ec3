import { describe, expect, test } from 'vitest';
import { emptySelection, type Selection } from '../logic/selection';
import { FakeService, FAKE_SOURCE, settle } from './fake-client';
import { FrameStore } from './frames.svelte';

function setup() {
  const svc = new FakeService();
  const client = svc.client();
  const toasts: string[] = [];
  const host = { client, source: FAKE_SOURCE, sel: emptySelection(FAKE_SOURCE.length) as Selection, toast: (t: string) => void toasts.push(t) };
  const frames = new FrameStore(host);
  frames.resetForSource(FAKE_SOURCE);
  return { svc, host, frames, toasts };
}

describe('FrameStore', () => {
  test('a frame change assigns the frame, its tokens and its decoding together, for the frame asked for', async () => {
    const { frames, host } = setup();
    await frames.goto(3);
    expect(host.sel.frame).toBe(3);
    expect(frames.shown).toBe(3);
    expect(frames.frame?.index).toBe(3);
    expect(frames.tokens?.index).toBe(3);
    expect(frames.decoded?.index).toBe(3);
    expect(frames.prevTokens?.index).toBe(2);
  });

  test('a frame visited again comes from the caches; new weights make tokens and decoded stale, not the input', async () => {
    const { frames, svc } = setup();
    await frames.goto(2);
    await settle(); // prefetch of the neighbours
    await frames.goto(3);
    await settle();
    const before = { ...svc.calls };
    await frames.goto(2);
    await settle();
    expect(frames.shown).toBe(2);
    expect(svc.calls.getTokens).toBe(before.getTokens);
    expect(svc.calls.getFrame).toBe(before.getFrame);
    svc.advance(10);
    frames.invalidateModel();
    await frames.loadFrame(2);
    expect(frames.tokens?.step).toBe(10);
    expect(svc.calls.getTokens).toBeGreaterThan(before.getTokens!);
    expect(svc.calls.getFrame).toBe(before.getFrame);
  });

  test('scrubbing: a later request supersedes an earlier one still on the wire', async () => {
    const { frames } = setup();
    const a = frames.goto(1);
    const b = frames.goto(4);
    await Promise.all([a, b]);
    expect(frames.shown).toBe(4);
    expect(frames.tokens?.index).toBe(4);
  });

  test('a frame whose decoding fails still shows its input and tokens', async () => {
    const { frames, svc } = setup();
    svc.failDecoded.add(5);
    await frames.goto(5);
    expect(frames.frame?.index).toBe(5);
    expect(frames.tokens?.index).toBe(5);
    expect(frames.decoded).toBeNull();
  });
});
