import { describe, expect, it } from 'vitest';
import { Throttle } from './throttle';
import { EventHub } from './event-hub';

describe('Throttle', () => {
  it('delivers at most a few updates a second, always ending on the newest value', async () => {
    const got: number[] = [];
    const t = new Throttle<number>((v) => got.push(v), 50);
    const start = Date.now();
    for (let i = 0; i < 200; i++) {
      t.push(i);
      await new Promise((r) => setTimeout(r, 1));
    }
    await new Promise((r) => setTimeout(r, 80));
    const elapsed = Date.now() - start;
    // 200 pushes over `elapsed` ms at one delivery per 50 ms, plus the first and the trailing one.
    expect(got.length).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 2);
    expect(got.length).toBeGreaterThan(1);
    expect(got[0]).toBe(0);
    expect(got.at(-1)).toBe(199);
    for (let i = 1; i < got.length; i++) expect(got[i]!).toBeGreaterThan(got[i - 1]!);
  });

  it('flush delivers the given value at once and drops the pending one', () => {
    const got: string[] = [];
    const t = new Throttle<string>((v) => got.push(v), 10_000);
    t.push('a');
    t.push('b');
    t.flush('done');
    expect(got).toEqual(['a', 'done']);
    t.cancel();
  });
});

describe('EventHub', () => {
  it('delivers to every listener, survives one that throws, and unsubscribes', () => {
    const hub = new EventHub();
    const seen: string[] = [];
    const offA = hub.on('error', (e) => seen.push(`a:${e.message}`));
    hub.on('error', () => {
      throw new Error('listener bug');
    });
    hub.on('error', (e) => seen.push(`c:${e.message}`));
    const write = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      hub.emit('error', { message: 'x' });
      offA();
      hub.emit('error', { message: 'y' });
    } finally {
      process.stderr.write = write;
    }
    expect(seen).toEqual(['a:x', 'c:x', 'c:y']);
    expect(hub.listenerCount('error')).toBe(2);
  });
});
