/**
 * An Occ3D-nuScenes dataset in the browser mode: open its root, see the scene picker (split and
 * frame count per scene), switch scene, toggle the visibility mask overlay and see the input
 * change, and open a scene folder without annotations: the unknown time order is said.
 * The dataset tree is built here from the real sample frame (src-main/data/occ3d-test-tree.ts).
 */
import { test, expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildOcc3dTree } from '../src-main/data/occ3d-test-tree';
import { canvasStats, shot, SHARED_DATA } from './helpers';

test.describe.configure({ mode: 'serial' });

let page: Page;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tokenscope-e2e-occ3d-'));
const root = path.join(tmp, 'occ3d');

test.beforeAll(async ({ browser, baseURL }) => {
  await buildOcc3dTree(root, path.join(SHARED_DATA, 'occ3d-nuscenes-sample/labels.npz'), [
    { name: 'scene-0002', split: 'val', frames: 2 },
    { name: 'scene-0001', split: 'train', frames: 3 },
  ]);
  page = await browser.newPage();
  await page.goto(baseURL!);
  await expect(page.getByTestId('status-source')).toContainText('procedural');
});

test.afterAll(async () => {
  // The specs share one server: leave it on the scene it started with (playwright.config.ts's
  // serve options) before the dataset goes away.
  await page?.evaluate(() =>
    (window as unknown as { __tokenscope: { app: { openProcedural(o: object): Promise<void> } } }).__tokenscope.app.openProcedural({ seed: 3, frames: 12, size: 64 }),
  );
  await expect(page.getByTestId('status-source')).toContainText('procedural');
  await page?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function open(p: string): Promise<void> {
  await page.getByTestId('open-path').fill(p);
  await page.getByTestId('open-btn').click();
}

test('the dataset root opens its first scene with a scene picker listing split and frames', async () => {
  await open(root);
  await expect(page.getByTestId('status-source')).toContainText('scene-0001 (occ3d, 3 frames');
  const picker = page.getByTestId('scene-picker');
  await expect(picker).toBeVisible();
  await expect(page.getByTestId('scene-split')).toHaveText('train');
  // The listing arrives after the scene itself.
  await expect(page.getByTestId('scene-select').locator('option')).toHaveText(['scene-0001 · train · 3 frames', 'scene-0002 · val · 2 frames', 'all train scenes', 'all val scenes']);
  await shot(page, 'dataset-picker');
});

test('the mask toggle dims what the camera did not see in the input view', async () => {
  await page.getByTestId('mask-select').selectOption('none');
  await expect.poll(async () => (await canvasStats(page, 'bev-canvas')).covered).toBeGreaterThan(0);
  const plain = await canvasStats(page, 'bev-canvas');
  await page.getByTestId('mask-select').selectOption('camera');
  await expect.poll(async () => (await canvasStats(page, 'bev-canvas')).hash).not.toBe(plain.hash);
});

test('switching scene opens it; a scene folder without annotations says its order is unknown', async () => {
  await page.getByTestId('scene-select').selectOption('scene-0002');
  await expect(page.getByTestId('status-source')).toContainText('scene-0002 (occ3d, 2 frames');
  await expect(page.getByTestId('scene-split')).toHaveText('val');
  const lone = path.join(tmp, 'copy', 'scene-0001');
  cpSync(path.join(root, 'gts', 'scene-0001'), lone, { recursive: true });
  await open(lone);
  await expect(page.getByTestId('scene-unordered')).toContainText('time order unknown');
});
