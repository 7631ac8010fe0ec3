/**
 * A TiTok-style 1D tokenizer in the browser mode: trained from the form on the procedural scene
 * (with the adversarial objective on, so its curves show too), the token view becomes a strip of
 * N tokens, and hovering a token draws where it looks on the BEV (the encoder's attention, from
 * the service). Assertions read the readout and canvas pixels; screenshots land in
 * e2e/screenshots/ (titok-*.png).
 */
import { test, expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import { canvasStats, shot, openAppPage } from './helpers';

test.describe.configure({ mode: 'serial' });

let page: Page;
const pageErrors: string[] = [];

test.beforeAll(async ({ browser, baseURL }) => {
  page = await openAppPage(browser, baseURL!, pageErrors);
  await expect(page.getByTestId('status-source')).toContainText('procedural');
});

test.afterAll(async () => {
  await page?.close();
});

test('trains a 1D tokenizer adversarially from the form: G/D and λ curves appear', async () => {
  await page.getByTestId('tab-training').click();
  await page.getByTestId('tr-arch').selectOption('titok');
  await page.getByTestId('tr-titok-tokens').fill('16');
  await page.getByTestId('tr-kind').selectOption('vq');
  await page.getByTestId('tr-k').fill('64');
  await page.getByTestId('tr-hidden').fill('16');
  await page.getByTestId('tr-steps').fill('40');
  await page.getByTestId('tr-batch').fill('2');
  await page.getByTestId('tr-gan').check();
  await page.getByTestId('tr-gan-start').fill('10');
  await page.getByTestId('tr-start').click();
  await expect(page.getByTestId('tr-state')).toContainText('done', { timeout: 170_000 });
  await expect(page.getByTestId('chart-gan')).toBeVisible();
  await expect(page.getByTestId('chart-gan-lambda')).toBeVisible();
  const adv = await page.evaluate(() => {
    const app = (window as unknown as { __tokenscope: { app: { series: { values: Map<string, number[]> } } } }).__tokenscope.app;
    return (app.series.values.get('adv.lambda') ?? []).filter((v) => Number.isFinite(v));
  });
  expect(adv.length).toBeGreaterThan(0);
  expect(adv.every((v) => v > 0)).toBe(true);
  await shot(page, 'titok-01-training-gan-curves');
});

test('the token view is a strip of N tokens; hovering one shows where it looks on the BEV', async () => {
  const cells = page.getByTestId('token-strip-cell');
  await expect(cells).toHaveCount(16);
  await cells.nth(5).hover();
  const readout = page.getByTestId('token-readout');
  await expect(readout).toContainText('token 5 of 16');
  await expect(readout).toContainText('looks at cell');
  const a = await canvasStats(page, 'token-attention');
  expect(a.colors).toBeGreaterThan(3);
  await shot(page, 'titok-02-token-attention');
  // Another token has its own map.
  await cells.nth(12).hover();
  await expect(readout).toContainText('token 12 of 16');
  await expect.poll(async () => (await canvasStats(page, 'token-attention')).hash).not.toBe(a.hash);
  // The next frame brings its own tokens and attention.
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('tl-frame')).toContainText('frame 2 / 12');
  await expect(readout).toContainText('looks at cell');
  await shot(page, 'titok-03-next-frame');
  expect(pageErrors).toEqual([]);
});
