/**
 * Playback bench (issue 11: "playback drops to ~5 fps while training"): drives the real renderer
 * in Chromium against `tokenscope serve` on the procedural scene and prints the frames per second
 * playback reaches at 8, 15 and 30 fps asked for — with the views' tokenizer idle, then while a
 * training run goes on and hands its weights to the views every few seconds.
 * Run: `npm run build:web && npx tsx bench/playback-bench.ts`. Not a test: the figures depend on
 * the machine and its load (training takes one of the 2 cores here).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, ROOT, startServer } from './serve-for-bench';

interface Bench {
  app: {
    train: { state: string; metrics?: { step: number } };
    tokens: unknown;
    frame: unknown;
    fps: number;
    shown: number;
    play(): void;
    pause(): void;
    startTraining(cfg: unknown): Promise<void>;
    run<T>(f: (c: { stopTraining(): Promise<void> }) => Promise<T>): Promise<T | undefined>;
  };
}
const app = (page: Page) => page.evaluate.bind(page);

/** Frames shown per second over `seconds` of playback at `fps` asked for. */
async function playbackFps(page: Page, fps: number, seconds: number): Promise<number> {
  return app(page)(
    async ({ fps, seconds }) => {
      const a = (window as unknown as { __tokenscope: Bench }).__tokenscope.app;
      a.fps = fps;
      let changes = 0;
      let last = a.shown;
      a.play();
      const t0 = performance.now();
      while (performance.now() - t0 < seconds * 1000) {
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        if (a.shown !== last) {
          changes++;
          last = a.shown;
        }
      }
      a.pause();
      return changes / ((performance.now() - t0) / 1000);
    },
    { fps, seconds },
  );
}

async function main(): Promise<void> {
  if (!existsSync(path.join(ROOT, 'dist-web', 'index.html'))) throw new Error('dist-web/ is missing: run `npm run build:web` first');
  const { url, proc } = await startServer(['--frames', '24', '--size', '64', '--seed', '3']);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 960 } });
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __tokenscope?: Bench }).__tokenscope?.app.frame !== null, undefined, { timeout: 120_000 });
    const start = (steps: number) =>
      app(page)((steps) => (window as unknown as { __tokenscope: Bench }).__tokenscope.app.startTraining({ steps, batchSize: 4, crop: 32 }), steps);
    // A short run first, so that there are tokens and a decoded view to play through.
    await start(30);
    await page.waitForFunction(() => { const a = (window as unknown as { __tokenscope: Bench }).__tokenscope.app; return a.train.state === 'done' && a.tokens !== null; }, undefined, { timeout: 300_000 });
    const rates = [8, 15, 30];
    const idle: number[] = [];
    for (const f of rates) idle.push(await playbackFps(page, f, 6));
    await start(100_000);
    await page.waitForFunction(() => ((window as unknown as { __tokenscope: Bench }).__tokenscope.app.train.metrics?.step ?? 0) > 5, undefined, { timeout: 300_000 });
    const busy: number[] = [];
    for (const f of rates) busy.push(await playbackFps(page, f, 6));
    const step = await app(page)(() => (window as unknown as { __tokenscope: Bench }).__tokenscope.app.train.metrics?.step ?? 0);
    await app(page)(() => (window as unknown as { __tokenscope: Bench }).__tokenscope.app.run((c) => c.stopTraining()));
    console.log('playback on the procedural scene (24 frames of 64×64), frames shown per second:');
    rates.forEach((f, i) => console.log(`  asked ${String(f).padStart(2)} fps: idle ${idle[i]!.toFixed(1)}, while training ${busy[i]!.toFixed(1)}`));
    console.log(`  (training reached step ${step} meanwhile)`);
  } finally {
    await browser.close();
    proc.kill();
  }
}

await main();
