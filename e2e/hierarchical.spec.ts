/**
 * The hierarchical (VQ-VAE-2) tokenizer in the app: train a tiny one on the procedural scene
 * (64×64 frames) from the training form, then look at both levels: the token view switches
 * between the top grid (8×8, 8× down) and the bottom grid (16×16, 4× down), the 3D codebook view
 * shows each level's own codebook, a selection is per level, and the service answers the level
 * at its own grid size. Screenshots: e2e/screenshots/hier-*.png.
 */
import { test, expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import { canvasStats, numbers, shot, openAppPage } from './helpers';

test.describe.configure({ mode: 'serial' });

let page: Page;
const pageErrors: string[] = [];

test.beforeAll(async ({ browser, baseURL }) => {
  page = await openAppPage(browser, baseURL!, pageErrors);
});

test.afterAll(async () => {
  await page?.close();
});

type Win = { __tokenscope: { app: { client: { getTokenLevel(i: number, l: number): Promise<{ name: string; h: number; w: number; factor: number; indices: Int32Array }> } } } };

test('trains a hierarchical tokenizer from the form', async () => {
  await expect(page.getByTestId('status-source')).toContainText('procedural');
  await page.getByTestId('tr-arch').selectOption('hierarchical');
  await page.getByTestId('tr-k').fill('32');
  await page.getByTestId('tr-hidden').fill('16');
  // 150 steps (as the workbench spec trains its VQ): a hierarchical model collapses to a code or
  // two at first and spreads out again once the loss falls, as the reference model does.
  await page.getByTestId('tr-steps').fill('150');
  await page.getByTestId('tr-batch').fill('4');
  await page.getByTestId('tr-start').click();
  await expect(page.getByTestId('tr-state')).toContainText('done', { timeout: 175_000 });
  await expect(page.getByTestId('tr-progress')).toContainText('step 150 / 150');
  const loss = await page.evaluate(() => {
    const app = (window as unknown as { __tokenscope: { app: { series: { values: Map<string, number[]> } } } }).__tokenscope.app;
    return app.series.values.get('loss') ?? [];
  });
  // It learned (ln 18 ≈ 2.9 for an untrained decoder), with both levels' losses in the curves.
  expect(loss.at(-1)!).toBeLessThan(0.6 * loss[0]!);
  await expect(page.getByTestId('chart-loss')).toContainText('top_commitment');
  await shot(page, 'hier-00-trained');
});

test('the token view switches between the top (8×8) and bottom (16×16) grids', async () => {
  const level = page.getByTestId('token-level');
  await expect(level).toBeVisible({ timeout: 60_000 });
  await expect(level.locator('option')).toHaveText(['top', 'bottom']);
  await level.selectOption('0');
  await expect(page.getByTestId('token-readout')).toContainText(/top 8×8 \(8× down\) · \d+ codes in frame/, { timeout: 60_000 });
  const topCodes = numbers((await page.getByTestId('token-readout').textContent())!.split('·')[1]!)[0]!;
  expect(topCodes).toBeGreaterThanOrEqual(2);
  expect(topCodes).toBeLessThanOrEqual(32);
  await expect(page.getByTestId('codebook-readout')).toContainText(/32 codes/, { timeout: 60_000 });
  await expect.poll(async () => (await canvasStats(page, 'codebook-canvas')).colors, { timeout: 30_000 }).toBeGreaterThan(3);
  const topTokens = await canvasStats(page, 'token-canvas');
  const topCodebook = await canvasStats(page, 'codebook-canvas');
  expect(topTokens.covered).toBeGreaterThan(0.2);
  await shot(page, 'hier-01-top');

  await level.selectOption('1');
  await expect(page.getByTestId('token-readout')).toContainText(/bottom 16×16 \(4× down\) · \d+ codes in frame/, { timeout: 60_000 });
  const bottomCodes = numbers((await page.getByTestId('token-readout').textContent())!.split('·')[1]!)[0]!;
  expect(bottomCodes).toBeGreaterThanOrEqual(2);
  expect(bottomCodes).toBeLessThanOrEqual(32);
  // Another grid and another codebook are drawn.
  await expect.poll(async () => (await canvasStats(page, 'token-canvas')).hash, { timeout: 30_000 }).not.toBe(topTokens.hash);
  await expect(page.getByTestId('codebook-readout')).toContainText(/32 codes/);
  await expect.poll(async () => (await canvasStats(page, 'codebook-canvas')).hash, { timeout: 30_000 }).not.toBe(topCodebook.hash);
  await shot(page, 'hier-02-bottom');
});

test('the service gives each level at its own grid size', async () => {
  const levels = await page.evaluate(async () => {
    const c = (window as unknown as Win).__tokenscope.app.client;
    const [t, b] = await Promise.all([c.getTokenLevel(0, 0), c.getTokenLevel(0, 1)]);
    return [t, b].map((l) => ({ name: l.name, h: l.h, w: l.w, factor: l.factor, n: l.indices.length }));
  });
  expect(levels).toEqual([
    { name: 'top', h: 8, w: 8, factor: 8, n: 64 },
    { name: 'bottom', h: 16, w: 16, factor: 4, n: 256 },
  ]);
});

test('a selection is per level: a top code covers top cells, switching level clears it', async () => {
  await page.getByTestId('token-level').selectOption('0');
  await expect(page.getByTestId('token-readout')).toContainText(/top 8×8/);
  const box = (await page.getByTestId('token-canvas').boundingBox())!;
  await page.mouse.click(box.x + box.width * 0.4, box.y + box.height * 0.6);
  await page.mouse.move(2, 2);
  await expect(page.getByTestId('codebook-readout')).toContainText(/selected \d+/);
  const selected = numbers((await page.getByTestId('codebook-readout').textContent())!.split('selected')[1]!)[0]!;
  await expect(page.getByTestId('token-readout')).toContainText(`code ${selected} in`);
  const cells = numbers((await page.getByTestId('token-readout').textContent())!.split(`code ${selected} in`)[1]!)[0]!;
  // Counted on the 8×8 top grid, not on the 16×16 grid it is drawn over.
  expect(cells).toBeGreaterThanOrEqual(1);
  expect(cells).toBeLessThanOrEqual(64);
  await shot(page, 'hier-03-top-selected');
  await page.getByTestId('token-level').selectOption('1');
  await expect(page.getByTestId('codebook-readout')).not.toContainText(/selected \d+/);
});

test('no uncaught errors in the page', () => {
  expect(pageErrors).toEqual([]);
});
