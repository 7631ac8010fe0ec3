import { describe, expect, it } from 'vitest';
import { formatDuration, ProgressBar } from './progress-bar';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 200, write: (c: string) => chunks.push(c) } };
}

describe('ProgressBar', () => {
  it('shows percent, count and an ETA extrapolated from the rate so far', () => {
    let t = 0;
    const { stream } = sink(false);
    const bar = new ProgressBar('train', 100, stream, { now: () => t, width: 10 });
    t = 10_000; // 25 steps in 10 s → 75 more take 30 s
    const line = bar.render(25, 'loss 0.31');
    expect(line).toContain(' 25% 25/100');
    expect(line).toContain('ETA 00:30');
    expect(line).toContain('loss 0.31');
    expect(line).toContain('███░░░░░░░');
  });

  it('logs plain lines at most every logEveryMs when not on a terminal, and always the final one', () => {
    let t = 0;
    const { chunks, stream } = sink(false);
    const bar = new ProgressBar('encode', 10, stream, { now: () => t, logEveryMs: 1000 });
    for (let i = 1; i <= 10; i++) {
      t += 300;
      bar.update(i);
    }
    bar.finish();
    // Updates at t = 300, 1500 (≥ 1300), 2700: three lines plus the final one.
    expect(chunks.length).toBe(4);
    expect(chunks.every((c) => c.endsWith('\n') && !c.includes('\r'))).toBe(true);
    expect(chunks.at(-1)).toContain('100% 10/10 took 00:03');
  });

  it('redraws one line with carriage returns on a terminal', () => {
    const { chunks, stream } = sink(true);
    const bar = new ProgressBar('x', 4, stream);
    bar.update(1);
    bar.update(2);
    bar.finish();
    expect(chunks.slice(0, 2).every((c) => c.startsWith('\r') && !c.includes('\n'))).toBe(true);
    expect(chunks.at(-1)!.endsWith('\n')).toBe(true);
  });

  it('formats durations as mm:ss or h:mm:ss', () => {
    expect(formatDuration(5)).toBe('00:05');
    expect(formatDuration(125)).toBe('02:05');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(NaN)).toBe('--:--');
  });
});
