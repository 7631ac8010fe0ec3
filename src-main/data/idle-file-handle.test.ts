import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IdleFileHandle } from './idle-file-handle';
import * as readBytes from './read-bytes';

// Wraps (does not replace) the real open, to count how often the file is opened.
vi.mock('./read-bytes', async (importOriginal) => {
  const real = await importOriginal<typeof import('./read-bytes')>();
  return { ...real, openRegularFile: vi.fn(real.openRegularFile) };
});
const openSpy = vi.mocked(readBytes.openRegularFile);

async function until(ok: () => boolean): Promise<void> {
  for (let waited = 0; !ok() && waited < 60_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
}

let dir = '';
let file = '';
const bytes = Uint8Array.from({ length: 4096 }, (_, i) => (i * 31) & 0xff);
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'idle-handle-'));
  file = path.join(dir, 'data.bin');
  writeFileSync(file, bytes);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('IdleFileHandle', () => {
  it('shares one open among reads that come together, and reads the right bytes', async () => {
    openSpy.mockClear();
    const h = new IdleFileHandle(file, bytes.length, 60_000);
    const parts = await Promise.all([0, 1, 2, 3].map((k) => h.use((fh) => readBytes.readRange(fh, file, k * 1024, 1024))));
    expect(parts.map((p) => Array.from(p))).toEqual([0, 1, 2, 3].map((k) => Array.from(bytes.subarray(k * 1024, (k + 1) * 1024))));
    // Sequential reads while it is still open reuse it too.
    await h.use((fh) => readBytes.readRange(fh, file, 10, 10));
    expect(openSpy).toHaveBeenCalledTimes(1);
    await h.close();
    expect(h.isOpen).toBe(false);
  });

  it('closes itself when idle, and opens again for the next read', async () => {
    openSpy.mockClear();
    const before = readdirSync('/proc/self/fd').length;
    const h = new IdleFileHandle(file, bytes.length, 10);
    await h.use((fh) => readBytes.readRange(fh, file, 0, 8));
    await until(() => !h.isOpen);
    expect(h.isOpen).toBe(false);
    await until(() => readdirSync('/proc/self/fd').length <= before);
    expect(readdirSync('/proc/self/fd').length).toBeLessThanOrEqual(before);
    const again = await h.use((fh) => readBytes.readRange(fh, file, 4000, 8));
    expect(Array.from(again)).toEqual(Array.from(bytes.subarray(4000, 4008)));
    expect(openSpy).toHaveBeenCalledTimes(2);
    await h.close();
  });

  it('refuses a file whose size changed, and does not keep the failed open', async () => {
    const other = path.join(dir, 'other.bin');
    writeFileSync(other, new Uint8Array(10));
    const h = new IdleFileHandle(other, 20, 60_000);
    await expect(h.use(async () => 1)).rejects.toThrow('other.bin: changed since it was opened (was 20 bytes, now 10): open it again');
    expect(h.isOpen).toBe(false);
    writeFileSync(other, new Uint8Array(20));
    await expect(h.use(async () => 2)).resolves.toBe(2);
    await h.close();
  });
});
