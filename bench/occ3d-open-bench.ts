/**
 * Open bench: how long the browser mode takes to open the real Occ3D sample (one height-folded
 * frame, 288 × 200 × 200) and draw its first frame, and how many bytes cross the WebSocket for
 * it and for one `getFrame`. Drives the real renderer in Chromium against `tokenscope serve`.
 * Run: `npm run build:web && npx tsx bench/occ3d-open-bench.ts` (Chromium at /usr/bin/chromium
 * or CHROMIUM_PATH). Not a test: the figures depend on the machine.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, ROOT, startServer } from './serve-for-bench';

const FILE = path.resolve(ROOT, '../shared/data/occ3d-nuscenes-sample/labels.npz');
const RUNS = Number(process.env.OPEN_BENCH_RUNS ?? 3);

interface Hooks {
  app: {
    source: { kind: string; path: string } | null;
    frame: { index: number } | null;
    shown: number;
    client: { getFrame(i: number, opts?: unknown): Promise<unknown>; openProcedural(): Promise<unknown> };
    openPath(p: string): Promise<void>;
    openProcedural(): Promise<void>;
  };
}

async function main(): Promise<void> {
  if (!existsSync(FILE)) throw new Error(`${FILE} is missing`);
  if (!existsSync(path.join(ROOT, 'dist-web', 'index.html'))) throw new Error('dist-web/ is missing: run `npm run build:web` first');
  const { url, proc } = await startServer(['--frames', '4', '--size', '64', '--seed', '5']);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 960 } });
    let received = 0;
    page.on('websocket', (ws) => ws.on('framereceived', (f) => (received += typeof f.payload === 'string' ? Buffer.byteLength(f.payload) : f.payload.length)));
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __tokenscope?: Hooks }).__tokenscope?.app.frame != null, undefined, { timeout: 120_000 });

    const opens: number[] = [];
    const bytes: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      // Back to the procedural scene between runs so that each open starts from a cold service cache.
      await page.evaluate(() => (window as unknown as { __tokenscope: Hooks }).__tokenscope.app.openProcedural());
      await page.waitForFunction(() => (window as unknown as { __tokenscope: Hooks }).__tokenscope.app.source?.kind === 'procedural' && (window as unknown as { __tokenscope: Hooks }).__tokenscope.app.shown === 0);
      await page.waitForTimeout(500);
      const before = received;
      const t0 = Date.now();
      await page.evaluate((f) => void (window as unknown as { __tokenscope: Hooks }).__tokenscope.app.openPath(f), FILE);
      // Shown: the store holds frame 0 of the Occ3D source and the browser has painted once after it.
      await page.waitForFunction(
        () => {
          const a = (window as unknown as { __tokenscope: Hooks }).__tokenscope.app;
          return a.source?.kind === 'occ3d' && a.shown === 0 && a.frame !== null;
        },
        undefined,
        { timeout: 120_000, polling: 20 },
      );
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
      opens.push(Date.now() - t0);
      await page.waitForTimeout(300);
      bytes.push(received - before);
    }
    console.log(`open the Occ3D sample → first frame painted: ${opens.map((ms) => `${(ms / 1000).toFixed(2)} s`).join(', ')} (runs: ${RUNS})`);
    console.log(`bytes received over the WebSocket while opening: ${bytes.map((b) => `${(b / 1e6).toFixed(2)} MB`).join(', ')}`);

    // One getFrame of the open Occ3D frame, as the renderer asked for it before (everything) and,
    // where the service understands it, as the BEV panel asks now (the class map only).
    for (const opts of [undefined, { channels: 'labels' }]) {
      const b0 = received;
      const t0 = Date.now();
      const ok = await page.evaluate(
        (o) =>
          (window as unknown as { __tokenscope: Hooks }).__tokenscope.app.client.getFrame(0, o).then(
            () => 'ok',
            (e: unknown) => String(e),
          ),
        opts,
      );
      const ms = Date.now() - t0;
      await page.waitForTimeout(200);
      console.log(`getFrame(0${opts ? `, ${JSON.stringify(opts)}` : ''}): ${((received - b0) / 1e6).toFixed(3)} MB, ${ms} ms (${ok})`);
    }
  } finally {
    await browser.close();
    proc.kill('SIGTERM');
  }
}

main().catch((e: unknown) => {
  console.error(`occ3d-open-bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
