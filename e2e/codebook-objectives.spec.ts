/**
 * The training form's codebook objectives, in the browser mode: the folded section opens, the
 * EMA warning appears for a codebook-only term and goes once EMA is off, a short run trains with
 * orthogonality, repulsion, InfoNCE and VICReg's covariance, and each is a curve in the loss
 * chart whose legend shows its latest value.
 */
import { test, expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import { canvasStats, shot, openAppPage, setTrainingFields } from './helpers';

test.describe.configure({ mode: 'serial' });

let page: Page;
const pageErrors: string[] = [];

test.beforeAll(async ({ browser, baseURL }) => {
  page = await openAppPage(browser, baseURL!, pageErrors);
});

test.afterAll(async () => {
  await page?.close();
});

test('codebook objectives: set in the form, trained on, one curve each in the loss chart', async () => {
  await expect(page.getByTestId('status-source')).toContainText('procedural');
  await setTrainingFields(page, { kind: 'vq', k: '32', hidden: '16', steps: '30', batch: '4' });
  const section = page.getByTestId('tr-objectives');
  await section.locator('summary').click();
  await page.getByTestId('tr-obj-orthogonal').fill('0.5');
  await page.getByTestId('tr-obj-repulsion').fill('0.2');
  await page.getByTestId('tr-obj-infonce').fill('0.1');
  await page.getByTestId('tr-obj-vicregCovariance').fill('0.3');
  // The service's default codebook is EMA: the form says the codebook-only terms need it off.
  await expect(page.getByTestId('tr-objectives-ema')).toContainText('orthogonal, repulsion, VICReg cov');
  await shot(page, 'objectives-01-form-ema-warning');
  await page.getByLabel('EMA').uncheck();
  await expect(page.getByTestId('tr-objectives-ema')).toHaveCount(0);
  await expect(section.locator('summary')).toContainText('4 on');

  await page.getByTestId('tr-start').click();
  await expect(page.getByTestId('tr-state')).toContainText('done', { timeout: 150_000 });
  const cols = await page.evaluate(() => {
    const app = (window as unknown as { __tokenscope: { app: { series: { values: Map<string, number[]> } } } }).__tokenscope.app;
    return Object.fromEntries([...app.series.values].filter(([k]) => k.startsWith('quant.')).map(([k, v]) => [k, v.filter(Number.isFinite)]));
  });
  for (const k of ['quant.orthogonal', 'quant.repulsion', 'quant.infonce', 'quant.vicregCovariance']) {
    expect(cols[k]?.length ?? 0, k).toBeGreaterThanOrEqual(2);
  }
  // Terms left at 0 are not computed, so no curve.
  expect(cols['quant.norm']).toBeUndefined();
  const chart = page.getByTestId('chart-loss');
  for (const label of ['orthogonal', 'repulsion', 'infonce', 'vicregCovariance']) await expect(chart).toContainText(label);
  expect((await canvasStats(page, 'chart-loss')).colors).toBeGreaterThan(4);
  await shot(page, 'objectives-02-trained');
  expect(pageErrors).toEqual([]);
});
