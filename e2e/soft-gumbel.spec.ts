/**
 * The training form's Gumbel-softmax assignment in the browser: pick it with its temperature
 * schedule, train, and see τ and the soft-vs-hard reconstruction gap in the progress line, the
 * gap as a curve in the loss chart (its legend and its data) and the τ chart.
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

test('trains with Gumbel-softmax assignment; τ and the soft-vs-hard gap are plotted', async () => {
  await expect(page.getByTestId('status-source')).toContainText('procedural');
  await setTrainingFields(page, { kind: 'vq', k: '64', hidden: '16', steps: '80', batch: '4', assignment: 'gumbel' });
  // The Gumbel fields appear only for it.
  await page.getByTestId('tr-tau-start').fill('2');
  await page.getByTestId('tr-tau-end').fill('0.1');
  await page.getByTestId('tr-tau-schedule').selectOption('linear');
  await page.getByTestId('tr-gap-every').fill('5');
  await page.getByTestId('tr-kl').fill('0.001');
  await page.getByTestId('tr-start').click();
  await expect(page.getByTestId('tr-state')).toContainText('done', { timeout: 170_000 });
  await expect(page.getByTestId('tr-progress')).toContainText('step 80 / 80');
  await expect(page.getByTestId('tr-progress')).toContainText(/τ 0\.1\d*/);
  await expect(page.getByTestId('tr-gap')).toContainText(/gap hard−soft -?[\d.e-]+ @80/);
  const series = await page.evaluate(() => {
    const app = (window as unknown as { __tokenscope: { app: { series: { step: number[]; values: Map<string, number[]> } } } }).__tokenscope.app;
    return { gap: app.series.values.get('gap') ?? [], tau: app.series.values.get('temperature') ?? [], kl: app.series.values.get('quant.kl') ?? [] };
  });
  // τ fell from 2 towards 0.1 along a line; the gap was measured (several distinct values).
  const tau = series.tau.filter(Number.isFinite);
  expect(tau[0]!).toBeGreaterThan(1.5);
  expect(tau.at(-1)!).toBeLessThan(0.2);
  expect(new Set(series.gap.filter(Number.isFinite).map((v) => v.toPrecision(4))).size).toBeGreaterThanOrEqual(2);
  expect(series.kl.filter(Number.isFinite).length).toBeGreaterThan(0);
  await expect(page.getByTestId('chart-loss')).toContainText('gap');
  // A Gumbel quantizer has no β, EMA, k-means or reseeding: the form does not offer them.
  await expect(page.getByText('k-means init')).toHaveCount(0);
  await expect(page.getByTestId('chart-temperature')).toBeVisible();
  expect((await canvasStats(page, 'chart-temperature')).colors).toBeGreaterThan(2);
  await page.getByTestId('chart-loss').scrollIntoViewIfNeeded();
  await shot(page, 'soft-gumbel-trained');
});

test('no uncaught errors in the page', () => {
  expect(pageErrors).toEqual([]);
});
