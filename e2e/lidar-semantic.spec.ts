/**
 * Lidar with labels in the browser mode: a nuScenes root (built here in the real layout from
 * the lidarseg sample) opens as its first scene; the BEV shows a channel with a colour bar and
 * empty cells apart, and the semantic view colours cells by class in the nuScenes-lidarseg
 * palette with a legend. Assertions read canvas pixels; screenshots land in e2e/screenshots/.
 */
import { test, expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildNuScenesTree } from '../src-main/data/nuscenes/test-tree';
import { canvasStats, shot, SHARED_DATA, openAppPage } from './helpers';

test.describe.configure({ mode: 'serial' });

let page: Page;
const pageErrors: string[] = [];
const dir = mkdtempSync(path.join(os.tmpdir(), 'tokenscope-e2e-nuscenes-'));
const root = path.join(dir, 'nuscenes');

test.beforeAll(async ({ browser, baseURL }) => {
  await buildNuScenesTree(root, path.join(SHARED_DATA, 'nuscenes-lidarseg-seq11'));
  page = await openAppPage(browser, baseURL!, pageErrors);
});

test.afterAll(async () => {
  // The specs share one server: leave it on the scene it started with (playwright.config.ts's
  // serve options) before the tree goes away.
  await page?.evaluate(() =>
    (window as unknown as { __tokenscope: { app: { openProcedural(o: object): Promise<void> } } }).__tokenscope.app.openProcedural({ seed: 3, frames: 12, size: 64 }),
  );
  await expect(page.getByTestId('status-source')).toContainText('procedural');
  await page?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('opens a nuScenes root: channel view with a colour bar, empty cells apart', async () => {
  await page.getByTestId('open-path').fill(root);
  await page.getByTestId('open-btn').click();
  await expect(page.getByTestId('status-source')).toContainText('scene-0061');
  await expect(page.getByTestId('attribution')).toContainText('nuScenes-lidarseg');
  const bar = page.getByTestId('bev-colorbar');
  await expect(bar).toBeVisible();
  await expect(bar).toContainText('max_height');
  await expect(bar).toContainText('no points');
  const grad = await bar.locator('.grad').evaluate((el) => getComputedStyle(el).backgroundImage);
  expect(grad).toMatch(/linear-gradient/);
  const channel = await canvasStats(page, 'bev-canvas');
  expect(channel.colors).toBeGreaterThan(8);
  await shot(page, 'lidar-01-channel-colorbar');
});

test('the semantic view colours cells by their most frequent class, with a legend', async () => {
  const before = await canvasStats(page, 'bev-canvas');
  await page.getByTestId('bev-semantic').check();
  await expect(page.getByTestId('bev-legend')).toContainText('flat.driveable_surface');
  await expect(page.getByTestId('bev-colorbar')).toHaveCount(0);
  const semantic = await canvasStats(page, 'bev-canvas');
  expect(semantic.hash).not.toBe(before.hash);
  expect(semantic.colors).toBeGreaterThan(5);
  // The palette's driveable surface (0, 207, 191) is on screen.
  const hasRoad = await page.getByTestId('bev-canvas').first().evaluate((el) => {
    const src = (el instanceof HTMLCanvasElement ? el : el.querySelector('canvas')) as HTMLCanvasElement;
    const c = document.createElement('canvas');
    c.width = src.width;
    c.height = src.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(src, 0, 0);
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) if (Math.abs(px[i]! - 0) + Math.abs(px[i + 1]! - 207) + Math.abs(px[i + 2]! - 191) < 12) n++;
    return n / (px.length / 4);
  });
  expect(hasRoad).toBeGreaterThan(0.01);
  await shot(page, 'lidar-02-semantic');
  expect(pageErrors).toEqual([]);
});

test('loose sweeps: a mixed folder warns, and the lidar options change how a sweep lands', async () => {
  const samples = path.join(root, 'samples', 'LIDAR_TOP');
  const mixed = path.join(dir, 'mixed');
  mkdirSync(mixed);
  copyFileSync(path.join(samples, readdirSync(samples)[0]!), path.join(mixed, '000001.pcd.bin'));
  writeFileSync(path.join(mixed, '000002.bin'), new Uint8Array(new Float32Array([1, 2, -1.5, 0.3, 4, 5, -1, 0.9, 7, 8, 0, 0.1]).buffer));
  await page.getByTestId('open-path').fill(mixed);
  await page.getByTestId('open-btn').click();
  await expect(page.getByTestId('source-warnings')).toContainText('1 KITTI .bin and 1 nuScenes .pcd.bin');
  await expect(page.getByTestId('bev-colorbar')).toBeVisible();
  await shot(page, 'lidar-03-mixed-warning');

  await page.getByTestId('open-path').fill(samples);
  await page.getByTestId('open-btn').click();
  await expect(page.getByTestId('status-source')).toContainText('LIDAR_TOP');
  // Opened from inside the root, the folder says where its tables are.
  await expect(page.getByTestId('source-warnings')).toContainText('is part of the nuScenes root');
  await expect(page.getByTestId('bev-colorbar')).toBeVisible();
  await expect.poll(async () => (await canvasStats(page, 'bev-canvas')).colors).toBeGreaterThan(8);
  const preset = await canvasStats(page, 'bev-canvas');
  await page.getByTestId('lidar-options').locator('summary').click();
  await page.getByTestId('lidar-preset').selectOption('sensor');
  await page.getByTestId('lidar-options').locator('summary').click();
  await page.getByTestId('open-btn').click();
  // Wait for the new frame itself (not the blank canvas while it loads): many colours, another picture.
  await expect(page.getByTestId('bev-colorbar')).toBeVisible();
  await expect
    .poll(async () => {
      const s = await canvasStats(page, 'bev-canvas');
      return s.colors > 8 && s.hash !== preset.hash;
    })
    .toBe(true);
  await shot(page, 'lidar-04-sensor-frame');
  expect(pageErrors).toEqual([]);
});
