import { describe, expect, it } from 'vitest';
import { PromiseLru, typedArrayBytes } from './lru';

describe('PromiseLru', () => {
  it('keeps at most `capacity` entries, dropping the least recently used', async () => {
    const lru = new PromiseLru<number>(2);
    let made = 0;
    const make = (v: number) => () => Promise.resolve((made++, v));
    await lru.get('a', make(1));
    await lru.get('b', make(2));
    await lru.get('a', make(99)); // hit: 'a' becomes the newest
    await lru.get('c', make(3)); // evicts 'b'
    expect(made).toBe(3);
    expect(lru.has('a') && lru.has('c')).toBe(true);
    expect(lru.has('b')).toBe(false);
  });

  it('holds a byte budget once values resolve, never evicting the newest entry', async () => {
    const lru = new PromiseLru<{ data: Float32Array }>(16, { maxBytes: 1000, sizeOf: typedArrayBytes });
    await lru.get('a', async () => ({ data: new Float32Array(100) })); // 400 B
    await lru.get('b', async () => ({ data: new Float32Array(100) })); // 800 B
    expect(lru.byteSize).toBe(800);
    await lru.get('c', async () => ({ data: new Float32Array(100) })); // 1200 B > 1000: 'a' goes
    expect(lru.has('a')).toBe(false);
    expect(lru.byteSize).toBe(800);
    await lru.get('huge', async () => ({ data: new Float32Array(1000) })); // alone over budget: kept
    expect(lru.size).toBe(1);
    expect(lru.has('huge')).toBe(true);
    expect(lru.byteSize).toBe(4000);
  });

  it('drops a failed entry so that the next get recomputes, and its bytes never count', async () => {
    const lru = new PromiseLru<{ data: Uint8Array }>(4, { maxBytes: 100, sizeOf: typedArrayBytes });
    await expect(lru.get('x', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await Promise.resolve();
    expect(lru.has('x')).toBe(false);
    const v = await lru.get('x', async () => ({ data: new Uint8Array(10) }));
    expect(v.data.length).toBe(10);
    expect(lru.byteSize).toBe(10);
  });

  it('typedArrayBytes counts typed arrays one level down (a payload wrapping a frame)', () => {
    expect(typedArrayBytes({ frame: { data: new Float32Array(10), labels: new Uint8Array(5) }, groupMaps: new Uint8Array(3) })).toBe(48);
  });
});
