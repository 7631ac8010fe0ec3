/**
 * Codebook dynamics in the app: the training form's section sets split-and-perturb reseeding,
 * dead-by-steps, reseed noise, jitter, the rotation trick, a codebook lr and a β schedule; the run's
 * config carries them; the Health tab's timeline shows the reseeding events (which codes, split
 * off which), and clicking a code there selects it.
 */
import { test, expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import { numbers, shot, openAppPage } from './helpers';

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

type AppHandle = { __tokenscope: { app: { status: { checkpoint: { config: Record<string, unknown> & { quantizer: Record<string, unknown> } } | null } } } };

test('the form sets the codebook dynamics and the run uses them', async () => {
  await page.getByTestId('tr-kind').selectOption('vq');
  await page.getByTestId('tr-k').fill('64');
  await page.getByTestId('tr-hidden').fill('16');
  await page.getByTestId('tr-steps').fill('60');
  await page.getByTestId('tr-batch').fill('4');
  await page.getByTestId('tr-reseed').selectOption('split');
  await page.getByTestId('tr-dynamics').locator('summary').click();
  await page.getByTestId('tr-dead-after').fill('3');
  await page.getByTestId('tr-reseed-noise').fill('0.01');
  await page.getByTestId('tr-jitter').fill('0.02');
  await page.getByTestId('tr-codebook-lr').fill('0.0005');
  await page.getByTestId('tr-rotation').check();
  await page.getByTestId('tr-beta-schedule').check();
  await page.getByTestId('tr-beta-steps').fill('40');
  await shot(page, 'dynamics-01-form');
  await page.getByTestId('tr-start').click();
  await expect(page.getByTestId('tr-state')).toContainText('done', { timeout: 170_000 });
  await expect(page.getByTestId('tr-progress')).toContainText('step 60 / 60');
  // Saved, the checkpoint's config is the run's (the status names it).
  await page.getByTestId('ck-save').click();
  await expect.poll(() => page.evaluate(() => !!(window as unknown as AppHandle).__tokenscope.app.status.checkpoint), { timeout: 60_000 }).toBe(true);
  const cfg = await page.evaluate(() => (window as unknown as AppHandle).__tokenscope.app.status.checkpoint?.config ?? null);
  expect(cfg?.quantizer).toMatchObject({ reseed: 'split', deadAfterSteps: 3, reseedNoise: 0.01, jitter: 0.02, rotationTrick: true, betaSchedule: { start: 1, end: 0.25, steps: 40 } });
  expect(cfg?.codebookLearningRate).toBe(0.0005);
});

test('the Health tab shows the reseed timeline: which codes, split off which; a click selects the code', async () => {
  await page.getByTestId('tab-health').click();
  const timeline = page.getByTestId('health-reseeds');
  await expect(timeline).toBeVisible({ timeout: 30_000 });
  const items = page.getByTestId('health-reseed-list').locator('li');
  await expect(items.first()).toContainText('split of popular codes');
  expect(await page.getByTestId('health-reseed-chart').locator('rect').count()).toBeGreaterThan(0);
  // The newest event is listed first; its first code button reads "code←parent".
  const first = items.first().locator('button').first();
  const [code, parent] = numbers((await first.textContent()) ?? '');
  expect(code).not.toBe(parent);
  await first.click();
  await expect(page.getByTestId('health-selected')).toContainText(`code ${code}`);
  await shot(page, 'dynamics-02-health-timeline');
  expect(pageErrors).toEqual([]);
});
