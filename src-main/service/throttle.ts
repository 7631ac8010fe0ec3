/**
 * Latest-value throttling for progress events: at most one delivery per `intervalMs`, always the
 * newest value, and a pending value is delivered at the end of the interval rather than lost.
 * `flush` delivers at once (state changes such as paused / done must never wait or be dropped).
 * People can't read more than a few updates a second, and an IPC message per training step
 * would flood the window.
 */
export class Throttle<T> {
  private last = -Infinity;
  private pending: { value: T } | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly deliver: (value: T) => void,
    private readonly intervalMs = 250,
    private readonly now: () => number = () => Date.now(),
  ) {}

  push(value: T): void {
    const t = this.now();
    if (t - this.last >= this.intervalMs && !this.timer) {
      this.last = t;
      this.deliver(value);
      return;
    }
    this.pending = { value };
    if (!this.timer) {
      this.timer = setTimeout(() => this.fire(), Math.max(0, this.intervalMs - (t - this.last)));
    }
  }

  flush(value?: T): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const v = value !== undefined ? { value } : this.pending;
    this.pending = null;
    if (v) {
      this.last = this.now();
      this.deliver(v.value);
    }
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }

  private fire(): void {
    this.timer = null;
    const v = this.pending;
    this.pending = null;
    if (v) {
      this.last = this.now();
      this.deliver(v.value);
    }
  }
}
