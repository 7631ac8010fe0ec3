/**
 * A small least-recently-used map for the workspace's per-frame caches (frames, decoded
 * frames): a timeline steps back and forth over the same few frames, and each costs tens of
 * milliseconds to build. Failed promises are dropped so that a retry recomputes.
 *
 * Besides a count, the cache can hold a byte budget: a height-folded Occ3D frame is 46 MB, so
 * 16 of them would take 740 MB. Sizes are known once a value resolves; the newest entry always
 * stays, however large.
 */
export interface PromiseLruOptions<V> {
  maxBytes?: number;
  sizeOf?: (value: V) => number;
}

export class PromiseLru<V> {
  private readonly map = new Map<string, Promise<V>>();
  private readonly sizes = new Map<string, number>();
  private bytes = 0;

  constructor(
    private readonly capacity: number,
    private readonly opts: PromiseLruOptions<V> = {},
  ) {}

  get(key: string, make: () => Promise<V>): Promise<V> {
    const hit = this.map.get(key);
    if (hit) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    const p = make();
    this.map.set(key, p);
    p.then(
      (value) => {
        if (this.map.get(key) !== p || !this.opts.sizeOf) return;
        const size = this.opts.sizeOf(value);
        this.sizes.set(key, size);
        this.bytes += size;
        this.evict();
      },
      () => {
        if (this.map.get(key) === p) this.delete(key);
      },
    );
    this.evict();
    return p;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  clear(): void {
    this.map.clear();
    this.sizes.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.map.size;
  }

  /** Bytes held by resolved entries (0 without `sizeOf`). */
  get byteSize(): number {
    return this.bytes;
  }

  private evict(): void {
    const maxBytes = this.opts.maxBytes ?? Infinity;
    while (this.map.size > 1 && (this.map.size > this.capacity || this.bytes > maxBytes)) {
      this.delete(this.map.keys().next().value!);
    }
  }

  private delete(key: string): void {
    this.map.delete(key);
    this.bytes -= this.sizes.get(key) ?? 0;
    this.sizes.delete(key);
  }
}

/** Bytes of the typed arrays directly inside an object (one level deep), for cache budgets. */
export function typedArrayBytes(value: object): number {
  let n = 0;
  for (const v of Object.values(value)) {
    if (ArrayBuffer.isView(v)) n += v.byteLength;
    else if (v && typeof v === 'object') for (const w of Object.values(v)) if (ArrayBuffer.isView(w)) n += w.byteLength;
  }
  return n;
}
