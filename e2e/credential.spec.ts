import { expect, test } from '@playwright/test';

/**
 * Issue 12, finding 6, in a real browser: the page takes the token out of the address bar and
 * keeps it for this tab and this server only, so a reload still connects, and the page's cookie
 * neither carries the token nor is readable by scripts.
 */
test('the token leaves the address bar, survives a reload, and is never in a cookie', async ({ page, baseURL }) => {
  const token = new URL(baseURL!).searchParams.get('token')!;
  await page.goto(baseURL!);
  await expect(page.getByTestId('status-backend')).toContainText(/backend: (wasm|cpu|tensorflow|webgpu)/);
  expect(page.url()).toMatch(/\/s\/[A-Za-z0-9_-]+\/$/);
  expect(page.url()).not.toContain(token);

  await page.reload();
  await expect(page.getByTestId('status-backend')).toContainText(/backend: (wasm|cpu|tensorflow|webgpu)/);
  expect(page.url()).not.toContain(token);

  const cookies = await page.context().cookies();
  expect(cookies.length).toBeGreaterThan(0);
  for (const c of cookies) {
    expect(c.value).not.toContain(token);
    expect(c.httpOnly).toBe(true);
    expect(c.path).toMatch(/^\/s\/[A-Za-z0-9_-]+\/$/);
  }
  expect(await page.evaluate(() => document.cookie)).toBe('');
});
