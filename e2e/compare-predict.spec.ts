/**
 * Issue 11, comparisons and predictions: two checkpoints side by side picked from the
 * recent-checkpoints list (no followed run), with a difference map whose count of differing
 * cells is checked against the CLI's own tokens; predictions imported with their mode label,
 * the steps-ahead chart with the copy-last reference, and no 0-based "frame 1" at frame 2.
 */
import { test, expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNpy } from '../src-main/data/npy';
import { canvasStats, REPO_ROOT, shot } from './helpers';

const SCENE = ['--frames', '8', '--size', '32', '--scene-seed', '5'];
const SERVE_SCENE = ['--frames', '8', '--size', '32', '--seed', '5'];
const token = 'e2e-compare-token-0123456789abcdef';
const TRAIN = ['--steps', '2', '--batch', '2', '--crop', '16', '--hidden', '8', '--latent', '4', '-K', '16'];

test.describe.configure({ mode: 'serial' });

let page: Page;
let server: ChildProcess | null = null;
const work = mkdtempSync(path.join(os.tmpdir(), 'tokenscope-e2e-compare-'));
const ckptA = path.join(work, 'a.ckpt');
const ckptB = path.join(work, 'b.ckpt');
const pred = path.join(work, 'pred.npy');

function cli(args: string[]): string {
  const r = spawnSync('npx', ['tsx', 'src-main/cli/main.ts', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`tokenscope ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(600_000);
  cli(['train', ...TRAIN, ...SCENE, '--seed', '1', '-o', ckptA]);
  cli(['train', ...TRAIN, ...SCENE, '--seed', '2', '-o', ckptB]);
  // A copy-last rollout after 2 context frames: predicted frames stand for frames 3..8 (1-based).
  cli(['predict', ckptA, ...SCENE, '--baseline', 'copy', '--context', '2', '-o', pred]);
  cli(['encode', ckptA, ...SCENE, '-o', path.join(work, 'tokA.npy')]);
  cli(['encode', ckptB, ...SCENE, '-o', path.join(work, 'tokB.npy')]);
  // The server opens B first, the page then opens A: B is a recent checkpoint, A the shown one.
  server = spawn(process.execPath, ['--import', 'tsx', 'src-main/cli/main.ts', 'serve', '--port', '0', '--token', token, '--root', work, '--checkpoint', ckptB, ...SERVE_SCENE], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /TokenScope: (http\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    server!.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url);
});

test.afterAll(async () => {
  await page?.close();
  server?.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

test('two checkpoints compared from the recent list: the difference map counts the cells the CLI tokens differ in', async () => {
  test.setTimeout(300_000);
  await page.getByTestId('open-path').fill(ckptA);
  await page.getByTestId('open-btn').click();
  await page.getByTestId('tab-run').click();
  const pick = page.getByTestId('compare-recent');
  await expect(pick.locator('option', { hasText: 'b.ckpt' })).toHaveCount(1, { timeout: 60_000 });
  // The shown checkpoint (A) is side A, not offered as B.
  await expect(pick.locator('option', { hasText: 'a.ckpt' })).toHaveCount(0);
  await pick.selectOption({ label: (await pick.locator('option', { hasText: 'b.ckpt' }).innerText()).trim() });
  await page.getByTestId('compare-open').click();
  await expect(page.getByTestId('compare-differing')).toBeVisible({ timeout: 120_000 });

  const frame = Number(await page.getByTestId('compare-frame').innerText()) - 1;
  const shown = Number(await page.getByTestId('compare-differing').innerText());
  const a = await readNpy(path.join(work, 'tokA.npy'));
  const b = await readNpy(path.join(work, 'tokB.npy'));
  const [, h, w] = a.shape as [number, number, number];
  let differ = 0;
  for (let c = 0; c < h * w; c++) if (a.data[frame * h * w + c] !== b.data[frame * h * w + c]) differ++;
  expect(differ).toBeGreaterThan(0);
  expect(shown).toBe(differ);
  await expect(page.getByTestId('compare-usage')).toContainText('/16');
  await expect(page.getByTestId('compare-class-iou')).toBeVisible();
  expect((await canvasStats(page, 'run-token-diff')).covered).toBeGreaterThan(0);
  await expect(page.getByTestId('compare-tokens-a')).toBeVisible();
  await expect(page.getByTestId('compare-tokens-b')).toBeVisible();
  await shot(page, 'compare-two-checkpoints');
});

test('predictions: the mode is named, steps ahead has a copy-last line, frame 2 is not called "frame 1"', async () => {
  test.setTimeout(300_000);
  await page.getByTestId('tab-predictions').click();
  await page.getByTestId('pred-path').fill(pred);
  await page.getByTestId('pred-import').click();
  const label = page.getByTestId('pred-mode-label');
  await expect(label).toContainText('one rollout from a start frame', { timeout: 120_000 });
  await expect(label).toContainText('frames 3–8');
  const chart = page.getByTestId('pred-horizon');
  await expect(chart).toContainText('copy last frame');
  await expect(chart).toContainText('mean');
  // The whole chart is in view at 1280×800 without scrolling the panel (even with a note shown).
  const fits = async () => {
    const box = (await chart.boundingBox())!;
    const panel = (await page.getByTestId('panel-predictions').boundingBox())!;
    return box.y + box.height <= panel.y + panel.height + 1;
  };
  expect(await fits()).toBe(true);

  // Frame 2 (1-based): before the predictions start.
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  const note = page.getByTestId('pred-note');
  await expect(note).toContainText('frame 2 has no prediction', { timeout: 60_000 });
  await expect(note).not.toContainText('frame 1 has no prediction');
  expect(await fits()).toBe(true);
  await shot(page, 'predictions-frame2');
  // Frame 3: the first predicted frame shows its accuracy.
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('pred-accuracy')).toBeVisible({ timeout: 60_000 });
  await expect(note).toHaveCount(0);
  await shot(page, 'predictions-frame3');
});

test('training chart: an earlier run\'s curves overlaid on this run\'s (a checkpoint\'s saved history)', async () => {
  test.setTimeout(300_000);
  await page.getByTestId('tab-training').click();
  // A short run of this session: its curves are "this run".
  await page.getByTestId('tr-steps').fill('6');
  await page.getByTestId('tr-batch').fill('2');
  await page.getByTestId('tr-start').click();
  await expect(page.getByTestId('tr-progress')).toContainText('step 6 / 6', { timeout: 240_000 });
  await page.getByTestId('tr-overlay-path').fill(ckptB);
  await page.getByTestId('tr-overlay-load').click();
  const chart = page.getByTestId('chart-loss-overlay');
  await expect(chart).toContainText('earlier: loss', { timeout: 60_000 });
  await expect(chart).toContainText('this run: loss');
  await expect.poll(async () => (await canvasStats(page, 'chart-loss-overlay')).covered, { timeout: 30_000 }).toBeGreaterThan(0);
  await shot(page, 'training-overlay');
});
