/**
 * A progress bar with ETA for long CLI work, on stderr so that stdout stays clean for results.
 * On a terminal it redraws one line; elsewhere (CI logs, a test's pipe) it prints a plain line
 * at most every `logEveryMs` and at the end, so logs stay short.
 */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export class ProgressBar {
  private readonly start: number;
  private lastLog = -Infinity;
  private lastLine = '';
  private finished = false;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: ProgressStream = process.stderr,
    private readonly opts: { width?: number; logEveryMs?: number; now?: () => number } = {},
  ) {
    this.start = this.now();
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** The line for `done` of `total`, with ETA from the rate so far. */
  render(done: number, message = ''): string {
    const total = Math.max(1, this.total);
    const frac = Math.min(1, Math.max(0, done / total));
    const width = this.opts.width ?? 24;
    const filled = Math.round(frac * width);
    const elapsed = (this.now() - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (total - done) : NaN;
    const pct = `${Math.floor(frac * 100)}`.padStart(3);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const time = done >= total ? `took ${formatDuration(elapsed)}` : `ETA ${formatDuration(eta)}`;
    return `${this.label} ${bar} ${pct}% ${done}/${this.total} ${time}${message ? `  ${message}` : ''}`;
  }

  update(done: number, message = ''): void {
    if (this.finished) return;
    const line = this.render(done, message);
    if (this.stream.isTTY) {
      const cols = this.stream.columns ?? 120;
      this.stream.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, this.lastLine.length))}`);
      this.lastLine = line;
      return;
    }
    const t = this.now();
    // The last line is finish()'s to print.
    if (done < this.total && t - this.lastLog >= (this.opts.logEveryMs ?? 2000)) {
      this.lastLog = t;
      this.stream.write(line + '\n');
    }
  }

  finish(done = this.total, message = ''): void {
    if (this.finished) return;
    const line = this.render(done, message);
    this.stream.write(this.stream.isTTY ? `\r${line}\n` : line + '\n');
    this.finished = true;
  }
}
