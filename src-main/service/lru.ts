/**
 * A small least-recently-used map for the workspace's per-frame caches (frames, decoded
 * frames): a timeline steps back and forth over the same few frames, and each costs tens of
 * milliseconds to build. Failed promises are dropped so that a retry recomputes.
 */
export class PromiseLru<V> {
  private readonly map = new Map<string, Promise<V>>();

  constructor(private readonly capacity: number) {}

  get(key: string, make: () => Promise<V>): Promise<V> {
    const hit = this.map.get(key);
    if (hit) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    const p = make();
    this.map.set(key, p);
    p.catch(() => {
      if (this.map.get(key) === p) this.map.delete(key);
    });
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
    return p;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
