import { defineConfig } from '@playwright/test';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * End-to-end tests drive Debian's Chromium (no `playwright install`) against the browser mode:
 * `tokenscope serve` on a fixed local port with a fixed token, serving the built renderer
 * (dist-web/, from `npm run build:web`). A small procedural scene keeps training to seconds.
 */
const port = Number(process.env.TOKENSCOPE_E2E_PORT ?? 47613);
const token = process.env.TOKENSCOPE_E2E_TOKEN ?? 'e2e-local-token-0123456789abcdef';
export const E2E_URL = `http://127.0.0.1:${port}/?token=${token}`;
// Browser mode confines a client's paths to its roots: the shared real data the specs open and
// the temporary folders they export into.
const roots = [fileURLToPath(new URL('../shared/data', import.meta.url)), tmpdir()].map((r) => `--root ${JSON.stringify(r)}`).join(' ');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--enable-unsafe-swiftshader',
];

export default defineConfig({
  testDir: 'e2e',
  testMatch: /.*\.spec\.ts/,
  outputDir: 'test-results',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  // Once more after a failure; a test that then passes is reported as flaky in `npm test`'s summary.
  retries: 1,
  // The second lists each skipped test with the reason it gave (list shows only that it skipped).
  reporter: [['list'], ['./scripts/playwright-skip-summary.ts']],
  use: {
    baseURL: E2E_URL,
    viewport: { width: 1600, height: 960 },
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
    screenshot: 'only-on-failure',
    trace: 'off',
  },
  webServer: {
    command: `npx tsx src-main/cli/main.ts serve --port ${port} --token ${token} --frames 12 --size 64 --seed 3 ${roots}`,
    url: E2E_URL,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
