/**
 * Following a cluster run live (issue 14): a training kit exported by the CLI, its train.py (real
 * PyTorch) writing checkpoints into a run folder while the app follows it. The views move to each
 * new checkpoint without a reload, and the run's curves arrive. Runs against its own server so the
 * workbench spec's session is not touched.
 */
import { test, expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canvasStats, REPO_ROOT, shot } from './helpers';

const PY = '/usr/bin/python3';
const torchOk = spawnSync(PY, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
// The same procedural scene for the CLI (--scene-seed) and the server (--seed).
const SCENE = ['--frames', '12', '--size', '64', '--scene-seed', '3'];
const SERVE_SCENE = ['--frames', '12', '--size', '64', '--seed', '3'];
const token = 'e2e-follow-token-0123456789abcdef';

test.describe.configure({ mode: 'serial' });
test.skip(!torchOk, `the run is written by the kit's train.py, which needs ${PY} with torch and numpy (not found)`);

let page: Page;
let server: ChildProcess | null = null;
const work = mkdtempSync(path.join(os.tmpdir(), 'tokenscope-e2e-run-'));
const kit = path.join(work, 'kit');
const run = path.join(work, 'run');

function cli(args: string[]): void {
  const r = spawnSync('npx', ['tsx', 'src-main/cli/main.ts', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`tokenscope ${args.join(' ')} failed: ${r.stderr}`);
}

function trainKit(steps: number, every: number): Promise<number> {
  // Plain python: one process is enough to write checkpoints; torchrun is covered by the unit tests.
  const p = spawn(PY, [path.join(kit, 'train.py'), '--steps', String(steps), '--checkpoint-every', String(every), '--out', run], {
    env: { ...process.env, OMP_NUM_THREADS: '1' },
    stdio: 'ignore',
  });
  return new Promise((resolve) => p.on('exit', (code) => resolve(code ?? -1)));
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(600_000);
  const ckpt = path.join(work, 'start.ckpt');
  cli(['train', '--steps', '2', ...SCENE, '-o', ckpt]);
  cli(['export', ckpt, '--train-kit', kit, ...SCENE]);
  expect(await trainKit(2, 2)).toBe(0);
  // node itself (not npx, whose child would outlive a kill), so afterAll's SIGTERM stops the server.
  server = spawn(process.execPath, ['--import', 'tsx', 'src-main/cli/main.ts', 'serve', '--port', '0', '--token', token, '--root', work, ...SERVE_SCENE], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  // A free port of its own (--port 0): the URL comes back on stdout.
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /TokenScope: (http\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    server!.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  page = await browser.newPage();
  await page.goto(url);
});

test.afterAll(async () => {
  await page?.close();
  server?.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

test('follows a run folder: new checkpoints move the views without a reload, and the curves arrive', async () => {
  test.setTimeout(600_000);
  await page.getByTestId('tab-run').click();
  await page.getByTestId('run-path').fill(run);
  await page.getByTestId('run-follow').click();
  await expect(page.getByTestId('run-shown')).toHaveText('step 2', { timeout: 60_000 });
  await expect(page.getByTestId('run-checkpoints')).toContainText('2');
  const decoded = page.getByTestId('decoded-canvas');
  await expect.poll(async () => (await canvasStats(page, 'decoded-canvas')).covered, { timeout: 60_000 }).toBeGreaterThan(0.05);
  const before = await canvasStats(page, 'decoded-canvas');
  await shot(page, 'follow-run-step2');

  // The kit resumes the run and writes steps 4 and 8 while the page stays open.
  expect(await trainKit(8, 4)).toBe(0);
  await expect(page.getByTestId('run-shown')).toHaveText('step 8', { timeout: 120_000 });
  await expect(page.getByTestId('run-info')).toContainText('8 step(s) of metrics');
  await expect.poll(async () => (await canvasStats(page, 'decoded-canvas')).hash, { timeout: 60_000 }).not.toBe(before.hash);
  await expect(decoded).toBeVisible();
  await shot(page, 'follow-run-step8');

  // Pinned to step 4: the views go back to it and stay.
  await page.getByTestId('run-checkpoints').getByRole('row', { name: /^4 / }).getByRole('button', { name: 'show' }).click();
  await expect(page.getByTestId('run-shown')).toHaveText('step 4', { timeout: 60_000 });
  await expect(page.getByTestId('run-follow-latest')).not.toBeChecked();

  // Step 8 compared with step 4 on the same frame: where their tokens and reconstructions differ.
  await page.getByTestId('run-compare-8').click();
  await expect(page.getByTestId('run-comparison-figures')).toContainText('token agreement', { timeout: 120_000 });
  const agreement = Number((await page.getByTestId('run-comparison-figures').innerText()).match(/agreement ([\d.]+)%/)?.[1]);
  expect(agreement).toBeGreaterThanOrEqual(0);
  expect(agreement).toBeLessThan(100);
  await expect(page.getByTestId('run-token-diff')).toBeVisible();
  await shot(page, 'follow-run-compare');

  // The run's loss curve is drawn in the Training tab.
  await page.getByTestId('tab-training').click();
  await shot(page, 'follow-run-curves');
});
