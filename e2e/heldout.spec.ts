/**
 * Held-out metrics in the browser: a short run with "held-out every" set plots the "held-out
 * recon" series in the loss chart (its legend and its data: values from the first evaluation on).
 */
import { test, expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import { shot, openAppPage, setTrainingFields } from './helpers';

test.describe.configure({ mode: 'serial' });

let page: Page;
const pageErrors: string[] = [];

test.beforeAll(async ({ browser, baseURL }) => {
  page = await openAppPage(browser, baseURL!, pageErrors);
});

test.afterAll(async () => {
  await page?.close();
});

test('trains with held-out evaluation; the held-out recon series is plotted', async () => {
  await expect(page.getByTestId('status-source')).toContainText('procedural');
  await setTrainingFields(page, { kind: 'vq', k: '64', hidden: '16', steps: '60', batch: '4', 'held-out-every': '10' });
  await page.getByTestId('tr-start').click();
  await expect(page.getByTestId('tr-state')).toContainText('done', { timeout: 170_000 });
  await expect(page.getByTestId('tr-progress')).toContainText('step 60 / 60');
  const series = await page.evaluate(() => {
    const app = (window as unknown as { __tokenscope: { app: { series: { step: number[]; values: Map<string, number[]> } } } }).__tokenscope.app;
    return { step: app.series.step, recon: app.series.values.get('heldOutRecon') ?? [] };
  });
  const seen = series.recon.filter(Number.isFinite);
  expect(seen.length).toBeGreaterThan(0);
  for (const v of seen) expect(v).toBeGreaterThan(0);
  // Nothing before the first evaluation (step 10).
  series.step.forEach((s, i) => {
    if (s < 10) expect(Number.isFinite(series.recon[i]!)).toBe(false);
  });
  await expect(page.getByTestId('chart-loss')).toContainText('held-out recon');
  await page.getByTestId('chart-loss').scrollIntoViewIfNeeded();
  await shot(page, 'heldout-trained');
});

test('no uncaught errors in the page', () => {
  expect(pageErrors).toEqual([]);
});
