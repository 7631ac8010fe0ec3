/**
 * UI bench: drives the real renderer in Chromium against `tokenscope serve` and prints
 *  1. frame change → every panel drawn (ms, median / p95) on a 200×200 BEV with a 50×50 token
 *     grid: cold (the frame's data comes from the service) and warm (the renderer's cache);
 *  2. the 3D codebook view's frame time with 16,384 codes (render + GPU finish, per frame).
 * Run: `npm run build:web && npx tsx bench/ui-bench.ts` (Chromium at /usr/bin/chromium or
 * CHROMIUM_PATH). Not a test: the figures depend on the machine (here WebGL is SwiftShader, on CPU).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, ROOT, startServer } from './serve-for-bench';

const FRAMES = Number(process.env.UI_BENCH_FRAMES ?? 12);
const CODES = 16_384;

interface Bench {
  app: {
    train: { state: string; metrics?: { step: number } };
    tokens: { h: number; w: number } | null;
    frame: { width: number; height: number } | null;
    codebook: { size: number } | null;
    projection: { points: Float32Array } | null;
    projecting: unknown;
    messageLog: string[];
    startTraining(cfg: unknown): Promise<void>;
  };
  measureFrameChange(i: number): Promise<number>;
  frameBreakdown(): { data: number; draw: number; present: number } | null;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

function summary(label: string, xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${label}: median ${quantile(s, 0.5).toFixed(1)} ms, p95 ${quantile(s, 0.95).toFixed(1)} ms, max ${s[s.length - 1]!.toFixed(1)} ms (n = ${s.length})`;
}

async function main(): Promise<void> {
  if (!existsSync(path.join(ROOT, 'dist-web', 'index.html'))) throw new Error('dist-web/ is missing: run `npm run build:web` first');
  const { url, proc } = await startServer(['--frames', String(FRAMES), '--size', '200', '--seed', '5']);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 960 } });
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __tokenscope?: Bench }).__tokenscope?.app.frame !== null, undefined, { timeout: 120_000 });

    // A tokenizer with a 50×50 grid (2 stages on 200×200) and 16,384 codes: a couple of steps on
    // crops are enough, the bench measures the views, not the model's quality.
    console.log(`training a tokenizer with K = ${CODES} (2 steps on 64×64 crops) and encoding ${FRAMES} frames of 200×200…`);
    const t0 = Date.now();
    await page.evaluate(
      (K) =>
        (window as unknown as { __tokenscope: Bench }).__tokenscope.app.startTraining({
          quantizer: { kind: 'vq', codebookSize: K, ema: false, kmeansInit: false, reseed: 'off' },
          model: { hidden: 16, latentDim: 8, stages: 2 },
          steps: 2,
          batchSize: 2,
          crop: 64,
        }),
      CODES,
    );
    await page.waitForFunction(() => ['done', 'error'].includes((window as unknown as { __tokenscope: Bench }).__tokenscope.app.train.state), undefined, { timeout: 300_000 });
    const state = (): Promise<string> =>
      page.evaluate(() => {
        const a = (window as unknown as { __tokenscope: Bench }).__tokenscope.app;
        return JSON.stringify({ train: a.train.state, tokens: !!a.tokens, codebook: a.codebook?.size ?? null, projection: !!a.projection, projecting: a.projecting, log: a.messageLog });
      });
    const progress = setInterval(() => void state().then((s) => console.log(`  waiting: ${s}`)).catch(() => undefined), 20_000);
    await page.waitForFunction(
      (K) => {
        const a = (window as unknown as { __tokenscope: Bench }).__tokenscope.app;
        return a.tokens !== null && a.codebook !== null && a.codebook.size === K && a.projection !== null && a.projecting === null;
      },
      CODES,
      { timeout: 400_000, polling: 500 },
    ).finally(() => clearInterval(progress));
    const shape = await page.evaluate(() => {
      const a = (window as unknown as { __tokenscope: Bench }).__tokenscope.app;
      return { frame: [a.frame!.height, a.frame!.width], grid: [a.tokens!.h, a.tokens!.w], codes: a.codebook!.size };
    });
    console.log(`ready in ${((Date.now() - t0) / 1000).toFixed(0)} s: BEV ${shape.frame.join('×')}, token grid ${shape.grid.join('×')}, ${shape.codes} codes`);

    const parts = { data: [] as number[], draw: [] as number[], present: [] as number[] };
    const pass = async (record = false): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 1; i < FRAMES; i++) {
        const r = await page.evaluate(async (j) => {
          const b = (window as unknown as { __tokenscope: Bench }).__tokenscope;
          const ms = await b.measureFrameChange(j);
          return { ms, parts: b.frameBreakdown() };
        }, i);
        times.push(r.ms);
        if (record && r.parts) for (const k of ['data', 'draw', 'present'] as const) parts[k].push(r.parts[k]);
      }
      await page.evaluate(() => (window as unknown as { __tokenscope: Bench }).__tokenscope.measureFrameChange(0));
      return times;
    };
    // The background scan may already have warmed some frames; "cold" is the first pass after it.
    const cold = await pass();
    const warm = [...(await pass(true)), ...(await pass(true))];
    console.log(summary('frame change → all panels drawn, first visit (data from the service)', cold));
    console.log(summary('frame change → all panels drawn, cached (scrubbing back and forth)', warm));
    console.log(`  of which: ${summary('data', parts.data)}; ${summary('effects + drawing', parts.draw)}; ${summary('until the next paint', parts.present)}`);

    const gl = await page.evaluate(() => {
      const scene = (window as unknown as { __codebookScene: { pointCount: number; measureFrameTime(n: number): number } }).__codebookScene;
      scene.measureFrameTime(5); // warm-up: shader compilation, buffer upload
      return { points: scene.pointCount, ms: scene.measureFrameTime(60) };
    });
    const renderer = await page.evaluate(() => {
      const c = document.createElement('canvas').getContext('webgl2') as WebGL2RenderingContext | null;
      const ext = c?.getExtension('WEBGL_debug_renderer_info');
      return ext && c ? String(c.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : 'unknown';
    });
    console.log(`3D codebook view: ${gl.points} points, ${gl.ms.toFixed(1)} ms per frame (${(1000 / gl.ms).toFixed(0)} fps) on ${renderer}`);
    const log = await page.evaluate(() => (window as unknown as { __tokenscope: Bench }).__tokenscope.app.messageLog);
    if (log.length) console.log(`messages shown in the UI:\n  ${log.join('\n  ')}`);
  } finally {
    await browser.close();
    proc.kill('SIGTERM');
  }
}

main().catch((e: unknown) => {
  console.error(`ui-bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
