import { describe, expect, it } from 'vitest';
import { AsyncLru } from './lru-cache';

describe('AsyncLru', () => {
  it('shares an in-flight request and evicts the least recently used', async () => {
    const lru = new AsyncLru<number>(2);
    let calls = 0;
    const load = (v: number) => () => {
      calls++;
      return new Promise<number>((r) => setTimeout(() => r(v), 5));
    };
    const [a, b] = await Promise.all([lru.get('a', load(1)), lru.get('a', load(99))]);
    expect([a, b, calls]).toEqual([1, 1, 1]);
    await lru.get('b', load(2));
    lru.peek('a'); // a is now the most recent
    await lru.get('c', load(3));
    expect(lru.peek('b')).toBeUndefined();
    expect(lru.peek('a')).toBe(1);
    expect(lru.size).toBe(2);
  });

  it('does not keep failures, nor values that arrive after a clear', async () => {
    const lru = new AsyncLru<number>(4);
    await expect(lru.get('x', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await lru.get('x', () => Promise.resolve(5))).toBe(5);
    let release!: (v: number) => void;
    const p = lru.get('late', () => new Promise<number>((r) => (release = r)));
    lru.clear();
    release(7);
    expect(await p).toBe(7);
    expect(lru.peek('late')).toBeUndefined();
    expect(() => new AsyncLru(0)).toThrow(/capacity/);
  });
});
