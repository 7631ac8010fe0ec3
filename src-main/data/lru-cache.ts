/**
 * A small least-recently-used cache bounded by entry count and by bytes, so that a long
 * sequence of large frames (a height-folded Occ3D frame is 46 MB) never sits in memory whole.
 * Map keeps insertion order, so re-inserting on access makes the first key the oldest.
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, { value: V; bytes: number }>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(
    readonly maxEntries: number,
    readonly maxBytes = Infinity,
    private readonly sizeOf: (v: V) => number = () => 0,
  ) {
    if (!(maxEntries >= 0)) throw new RangeError(`LruCache: maxEntries must be ≥ 0, got ${maxEntries}`);
  }

  get size(): number {
    return this.map.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (!e) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  set(key: K, value: V): void {
    const old = this.map.get(key);
    if (old) {
      this.bytes -= old.bytes;
      this.map.delete(key);
    }
    if (this.maxEntries === 0) return;
    const bytes = this.sizeOf(value);
    this.map.set(key, { value, bytes });
    this.bytes += bytes;
    // Evict oldest first, but always keep the newest entry even if it alone exceeds maxBytes.
    while (this.map.size > 1 && (this.map.size > this.maxEntries || this.bytes > this.maxBytes)) {
      const oldest = this.map.keys().next().value as K;
      this.bytes -= this.map.get(oldest)!.bytes;
      this.map.delete(oldest);
    }
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}
