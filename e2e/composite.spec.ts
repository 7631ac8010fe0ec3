/**
 * The composite quantizers in the app: the training form offers multi-head VQ and residual FSQ
 * with their fields; after a short run the token grid has one level per head / residual level,
 * switching level redraws the grid, and the codebook view shows that level's codes.
 */
import { test, expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import { canvasStats, shot, openAppPage } from './helpers';

test.describe.configure({ mode: 'serial' });

let page: Page;
const pageErrors: string[] = [];

test.beforeAll(async ({ browser, baseURL }) => {
  page = await openAppPage(browser, baseURL!, pageErrors);
  await expect(page.getByTestId('status-source')).toContainText('procedural', { timeout: 60_000 });
});

test.afterAll(async () => {
  await page?.close();
});

async function trainAndWait(steps: number): Promise<void> {
  await page.getByTestId('tr-hidden').fill('16');
  await page.getByTestId('tr-steps').fill(String(steps));
  await page.getByTestId('tr-batch').fill('4');
  await page.getByTestId('tr-start').click();
  await expect(page.getByTestId('tr-state')).toContainText('done', { timeout: 170_000 });
  await expect(page.getByTestId('token-readout')).toContainText(/\d+ codes in frame/, { timeout: 60_000 });
}

test('multi-head VQ: heads, compose, projection and disentangle in the form; one token level per head', async () => {
  await page.getByTestId('tr-kind').selectOption('mhvq');
  await page.getByTestId('tr-k').fill('16');
  await page.getByTestId('tr-depth').fill('2');
  await page.getByTestId('tr-compose').selectOption('concat');
  await page.getByTestId('tr-projection').selectOption('learned');
  await page.getByTestId('tr-disentangle').fill('0.1');
  await trainAndWait(40);
  await expect(page.getByTestId('token-level').locator('option')).toHaveCount(2);
  await expect(page.getByTestId('token-readout')).toContainText('×2');
  const level0 = await canvasStats(page, 'token-canvas');
  expect(level0.colors).toBeGreaterThan(2);
  await page.getByTestId('token-level').selectOption('1');
  await expect.poll(async () => (await canvasStats(page, 'token-canvas')).hash, { timeout: 30_000 }).not.toBe(level0.hash);
  await expect(page.getByTestId('codebook-readout')).toContainText(/16 codes/, { timeout: 60_000 });
  await shot(page, 'composite-01-multihead');
});

test('residual FSQ: levels and depth in the form; each residual level in the grid and the codebook view', async () => {
  await page.getByTestId('tr-kind').selectOption('rfsq');
  await page.getByTestId('tr-levels').fill('8,5,5,5');
  await page.getByTestId('tr-depth').fill('3');
  await trainAndWait(30);
  await expect(page.getByTestId('token-level').locator('option')).toHaveCount(3);
  await page.getByTestId('token-level').selectOption('2');
  const grid = await canvasStats(page, 'token-canvas');
  expect(grid.colors).toBeGreaterThan(2);
  await expect(page.getByTestId('codebook-readout')).toContainText(/\d+ codes/, { timeout: 60_000 });
  await expect.poll(async () => (await canvasStats(page, 'codebook-canvas')).colors, { timeout: 30_000 }).toBeGreaterThan(3);
  await shot(page, 'composite-02-residual-fsq');
});

test('no uncaught errors in the page', () => {
  expect(pageErrors).toEqual([]);
});
