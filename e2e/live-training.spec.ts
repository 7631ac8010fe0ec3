/**
 * Live views while training (issue 11), at 1280×800: the decoded view changes while a run keeps
 * going (no Pause), each view says which step it shows and the step climbs, the timeline scan
 * completes between hand-overs, the health figures of the 3D codebook panel and the health tab
 * agree and name their window, and the training panel needs no scrolling.
 */
import { test, expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import { canvasStats, numbers, shot } from './helpers';

test.describe.configure({ mode: 'serial' });
test.use({ viewport: { width: 1280, height: 800 } });

let page: Page;

test.beforeAll(async ({ browser, baseURL }) => {
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(baseURL!);
  await expect(page.getByTestId('tl-frame')).toContainText('frame 1 / 12');
});

test.afterEach(async ({}, info) => {
  if (info.status !== info.expectedStatus && page) {
    const log = await page.evaluate(() => (window as unknown as { __tokenscope?: { app: { messageLog: string[] } } }).__tokenscope?.app.messageLog ?? []);
    console.log(`messages shown to the user:\n  ${log.join('\n  ')}`);
  }
});

test.afterAll(async () => {
  // Leave the shared server idle for the next spec.
  if (page) {
    await page.evaluate(() => (window as unknown as { __tokenscope: { app: { run(f: (c: { stopTraining(): Promise<void> }) => Promise<void>): Promise<unknown> } } }).__tokenscope.app.run((c) => c.stopTraining())).catch(() => undefined);
    await page.close();
  }
});

async function stepOf(testid: string): Promise<number> {
  const el = page.getByTestId(testid);
  if (!(await el.count())) return -1;
  return numbers((await el.first().textContent()) ?? '')[0] ?? -1;
}

test('the training panel fits 1280×800 without scrolling', async () => {
  await page.getByTestId('tab-training').click();
  const fit = await page.locator('.training').first().evaluate((el) => ({ scroll: el.scrollHeight, client: el.clientHeight }));
  await shot(page, 'live-01-training-panel-1280x800');
  expect(fit.scroll).toBeLessThanOrEqual(fit.client + 1);
  // Every field says what it is.
  expect(await page.getByTestId('tr-steps').locator('xpath=..').getAttribute('title')).toMatch(/Optimisation steps/);
  expect(await page.getByTestId('tr-crop').locator('xpath=..').getAttribute('title')).toBeTruthy();
});

test('the decoded view follows a running training without a pause, labelled with its step', async () => {
  await page.getByTestId('tr-kind').selectOption('vq');
  await page.getByTestId('tr-k').fill('64');
  await page.getByTestId('tr-hidden').fill('16');
  await page.getByTestId('tr-steps').fill('100000');
  await page.getByTestId('tr-batch').fill('4');
  await page.getByTestId('tr-start').click();
  await expect(page.getByTestId('tr-state')).toContainText('running', { timeout: 90_000 });

  // The first hand-over of the run's weights (every few seconds): the views leave step 0.
  await expect.poll(() => stepOf('panel-decoded-step'), { timeout: 120_000 }).toBeGreaterThan(0);
  const stepA = await stepOf('panel-decoded-step');
  const a = await canvasStats(page, 'decoded-canvas');
  await shot(page, 'live-02-decoded-first');

  // Later weights: a higher step and a different picture, while the run is still running.
  await expect.poll(() => stepOf('panel-decoded-step'), { timeout: 120_000 }).toBeGreaterThan(stepA);
  await expect.poll(async () => (await canvasStats(page, 'decoded-canvas')).hash, { timeout: 120_000 }).not.toBe(a.hash);
  const stepB = await stepOf('panel-decoded-step');
  await shot(page, 'live-03-decoded-later');
  await expect(page.getByTestId('tr-state')).toContainText('running');
  expect(stepB).toBeGreaterThan(stepA);

  // Every live view says its step: the token grid and the 3D codebook too.
  expect(await stepOf('panel-tokens-step')).toBeGreaterThan(0);
  await expect.poll(() => stepOf('panel-codebook-step'), { timeout: 60_000 }).toBeGreaterThan(0);
});

test('the timeline scan completes while training runs, and says which step it shows', async () => {
  await expect.poll(() => stepOf('tl-step'), { timeout: 120_000 }).toBeGreaterThan(0);
  // Scans finish between hand-overs instead of restarting for ever.
  const done = await page.evaluate(() => (window as unknown as { __tokenscope: { app: { timeline: { completedScans: number } } } }).__tokenscope.app.timeline.completedScans);
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { __tokenscope: { app: { timeline: { completedScans: number } } } }).__tokenscope.app.timeline.completedScans), { timeout: 120_000 })
    .toBeGreaterThan(done);
  await expect(page.getByTestId('tr-state')).toContainText('running');
  // The sparklines span the slider's column, and show the value under the pointer.
  const slider = (await page.getByTestId('tl-slider').boundingBox())!;
  const spark = (await page.getByTestId('spark-recon').boundingBox())!;
  expect(Math.abs(slider.x - spark.x)).toBeLessThanOrEqual(1);
  expect(Math.abs(slider.x + slider.width - (spark.x + spark.width))).toBeLessThanOrEqual(1);
  await page.getByTestId('spark-recon').hover({ position: { x: spark.width / 2, y: spark.height / 2 } });
  await expect(page.getByTestId('spark-recon-readout')).toHaveText(/^[\d.e-]+$/);
  await shot(page, 'live-06-sparkline-hover');
});

test('health figures agree between the 3D codebook panel and the health tab, each with its window', async () => {
  await page.getByTestId('tab-health').click();
  await expect(page.getByTestId('health-figures')).toBeVisible();
  // Read both in one go (a hand-over between two reads would compare two steps).
  const both = await page.evaluate(() => ({
    panel: document.querySelector('[data-testid="codebook-health"]')?.textContent ?? '',
    panelWindow: document.querySelector('[data-testid="codebook-health-window"]')?.textContent ?? '',
    tab: document.querySelector('[data-testid="health-figures"]')?.textContent ?? '',
    tabWindow: document.querySelector('[data-testid="health-window"]')?.textContent ?? '',
  }));
  await shot(page, 'live-04-health');
  expect(both.panel).toMatch(/\d+ of \d+ used · util [\d.]+% · ppl [\d.]+ · \d+ dead/);
  expect(both.tab).toBe(both.panel);
  expect(both.panelWindow).toContain('whole sequence (12 frames)');
  expect(both.tabWindow).toContain('whole sequence (12 frames)');
  // The training line names its own window, a different one.
  await page.getByTestId('tab-training').click();
  await expect(page.getByTestId('tr-health-window')).toContainText(/last \d+ training batches/);
  await expect(page.getByTestId('tr-health')).toHaveAttribute('title', /codes not used at all in the window; window: last/);
  await expect(page.getByTestId('tr-progress')).toContainText('ETA');
  await page.getByTestId('tr-stop').click();
  await expect(page.getByTestId('tr-state')).toContainText('done', { timeout: 120_000 });
  // A stopped run has no time left to estimate.
  await expect(page.getByTestId('tr-progress')).not.toContainText('ETA');
});

test('the baseline predictor trains with a live loss and accuracy curve', async () => {
  await page.getByTestId('tab-predictions').click();
  await page.getByTestId('pred-steps').fill('40');
  await page.getByTestId('pred-train').click();
  await expect(page.getByTestId('pred-progress')).toContainText(/loss [\d.]+ · accuracy [\d.]+%/, { timeout: 120_000 });
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { __tokenscope: { app: { predictions: { curve: { step: number[] } } } } }).__tokenscope.app.predictions.curve.step.length), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('pred-progress')).toContainText('done', { timeout: 180_000 });
  await expect(page.getByTestId('pred-info')).toBeVisible({ timeout: 120_000 });
  const chart = await canvasStats(page, 'pred-curve');
  expect(chart.colors).toBeGreaterThan(2);
  await shot(page, 'live-05-predictor-curve');
});
