/**
 * The desktop app itself, through Playwright's Electron driver: it starts, shows the default
 * scene and talks to the service over IPC. Electron's binary is an optional dependency that
 * cannot be downloaded on every machine; without it this spec skips and says so.
 */
import { test, expect, _electron as electron } from '@playwright/test';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, SCREENSHOTS } from './helpers';

function electronBinary(): string | null {
  try {
    const require = createRequire(import.meta.url);
    // The `electron` package exports the path of its downloaded binary; it throws when the download is missing.
    const bin = require('electron') as unknown;
    return typeof bin === 'string' && existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

const bin = electronBinary();
const mainJs = path.join(REPO_ROOT, 'out', 'main', 'index.js');

test.describe('Electron app', () => {
  test.skip(!bin, 'the electron binary is not installed (optional dependency; `npm install electron` on a machine with internet)');
  test.skip(!!bin && !existsSync(mainJs), 'the app is not built: run `npm run build` (electron-vite) first');

  test('opens the window on the default scene over IPC', async () => {
    const app = await electron.launch({ executablePath: bin!, args: [mainJs], cwd: REPO_ROOT });
    try {
      const win = await app.firstWindow();
      await expect(win.getByTestId('statusbar')).toContainText('local', { timeout: 60_000 });
      await expect(win.getByTestId('status-source')).toContainText('procedural', { timeout: 60_000 });
      const isolated = await win.evaluate(() => typeof (window as unknown as { require?: unknown }).require === 'undefined');
      expect(isolated).toBe(true);
      await win.screenshot({ path: path.join(SCREENSHOTS, 'electron.png') });
    } finally {
      await app.close();
    }
  });
});
