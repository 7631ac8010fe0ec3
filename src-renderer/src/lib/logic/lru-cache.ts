/**
 * A small LRU of async results keyed by a string, that also shares in-flight requests: asking for
 * frame 7 twice while the first request is on the wire sends one request. Failed loads are not kept.
 */
export class AsyncLru<T> {
  private readonly done = new Map<string, T>();
  private readonly pending = new Map<string, Promise<T>>();
  private generation = 0;

  constructor(private readonly capacity: number) {
    if (!(capacity >= 1)) throw new Error(`AsyncLru: capacity must be at least 1, got ${capacity}`);
  }

  get size(): number {
    return this.done.size;
  }

  /** The value if it is already here (and marks it recently used). */
  peek(key: string): T | undefined {
    const v = this.done.get(key);
    if (v !== undefined) {
      this.done.delete(key);
      this.done.set(key, v);
    }
    return v;
  }

  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.peek(key);
    if (hit !== undefined) return Promise.resolve(hit);
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const gen = this.generation;
    const p = load().then(
      (v) => {
        this.pending.delete(key);
        // A clear() while loading means the value belongs to an old source/checkpoint: drop it.
        if (gen === this.generation) {
          this.done.set(key, v);
          while (this.done.size > this.capacity) this.done.delete(this.done.keys().next().value as string);
        }
        return v;
      },
      (err: unknown) => {
        this.pending.delete(key);
        throw err;
      },
    );
    this.pending.set(key, p);
    return p;
  }

  clear(): void {
    this.generation++;
    this.done.clear();
    this.pending.clear();
  }
}
