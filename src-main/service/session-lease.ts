/**
 * Reference counts for things that several requests use at once and one of them may replace:
 * the shown tokenizer. A request holds a lease from its first line to its answer; replacing the
 * tokenizer retires the old one, which is disposed when the last lease on it is released, so an
 * `openCheckpoint` in the middle of forty `getDecoded`s answers each of them from the tokenizer
 * it started with instead of failing it with "used after dispose()".
 */
export class LeaseRegistry<K extends object> {
  private readonly holders = new Map<K, number>();
  private readonly retiring = new Map<K, () => void>();
  private readonly gone = new WeakSet<K>();

  /** Takes a lease on `key` now (synchronously: no other request can retire it in between). Release exactly once. */
  hold(key: K, what = 'the tokenizer'): () => void {
    if (this.gone.has(key)) throw new LeaseError(`${what} was replaced and released before this request started`);
    this.holders.set(key, (this.holders.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.holders.get(key) ?? 1) - 1;
      if (n > 0) this.holders.set(key, n);
      else {
        this.holders.delete(key);
        this.finish(key);
      }
    };
  }

  /** Runs `fn` under a lease on `key`, released when it settles. */
  async with<R>(key: K, fn: () => Promise<R>): Promise<R> {
    const release = this.hold(key);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** `key` is no longer current: `dispose` runs now if nobody holds it, else when the last lease ends. */
  retire(key: K, dispose: () => void): void {
    if (this.gone.has(key)) return;
    this.retiring.set(key, dispose);
    if (!this.holders.has(key)) this.finish(key);
  }

  /** Leases currently held on `key` (for tests and diagnostics). */
  count(key: K): number {
    return this.holders.get(key) ?? 0;
  }

  private finish(key: K): void {
    const dispose = this.retiring.get(key);
    if (!dispose) return;
    this.retiring.delete(key);
    this.gone.add(key);
    dispose();
  }
}

export class LeaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseError';
  }
}
