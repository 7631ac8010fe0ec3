import type { Browser, Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';

/** The repository root and the shared real data, found from this file (never an absolute path). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SHARED_DATA = path.resolve(REPO_ROOT, '../shared/data');
export const SCREENSHOTS = path.join(REPO_ROOT, 'e2e', 'screenshots');
mkdirSync(SCREENSHOTS, { recursive: true });

export interface CanvasStats {
  width: number;
  height: number;
  /** Distinct colours (quantized to 4 bits a channel) over a sampled grid. */
  colors: number;
  /** Fraction of sampled pixels that differ from the background (the top-left pixel's colour). */
  covered: number;
  /** A hash of the sampled pixels: changes when the picture changes. */
  hash: number;
}

/**
 * Reads a canvas' pixels in the page (2D or WebGL, which keeps its drawing buffer) by copying it
 * onto a 2D canvas, and summarises what is visible.
 */
export async function canvasStats(page: Page, testid: string): Promise<CanvasStats> {
  return page.getByTestId(testid).first().evaluate((el) => {
    // A chart's test id sits on its wrapper: read the canvas inside.
    const src = (el instanceof HTMLCanvasElement ? el : el.querySelector('canvas')) as HTMLCanvasElement;
    const w = src.width;
    const h = src.height;
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(src, 0, 0);
    const px = ctx.getImageData(0, 0, w, h).data;
    const colors = new Set<number>();
    const bg = [px[0]!, px[1]!, px[2]!];
    let covered = 0;
    let samples = 0;
    let hash = 2166136261;
    const step = Math.max(1, Math.floor(Math.min(w, h) / 160));
    for (let y = 0; y < h; y += step) {
      for (let x = 0; x < w; x += step) {
        const i = (y * w + x) * 4;
        const r = px[i]!;
        const g = px[i + 1]!;
        const b = px[i + 2]!;
        colors.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
        if (Math.abs(r - bg[0]!) + Math.abs(g - bg[1]!) + Math.abs(b - bg[2]!) > 24) covered++;
        samples++;
        hash = Math.imul(hash ^ ((r << 16) | (g << 8) | b), 16777619) >>> 0;
      }
    }
    return { width: w, height: h, colors: colors.size, covered: covered / Math.max(1, samples), hash };
  });
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/** Numbers in a readout, in order ("step 12 / 40" → [12, 40]). */
export function numbers(text: string): number[] {
  return (text.match(/-?\d+(\.\d+)?/g) ?? []).map(Number);
}

/** A new page on the app under test whose uncaught errors go into `errors` (the specs end by asserting there were none). */
export async function openAppPage(browser: Browser, baseURL: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(baseURL);
  return page;
}

/**
 * Sets training-form fields by their test ids (`tr-<name>`), in the order given: a `<select>`
 * picks the option, any other field is filled.
 */
export async function setTrainingFields(page: Page, fields: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(fields)) {
    const field = page.getByTestId(`tr-${name}`);
    if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
}
