/**
 * The safe reader against what is not a regular file (issue 12, finding 4): a FIFO named like
 * data, a link to /dev/zero, a link loop, a dangling link; and the memory budget on file size.
 * Each must fail fast with a clear message, and none may tie up Node's file thread pool.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MEMORY_BUDGET_ENV, parseMemorySize, setMemoryBudget } from './memory-budget';
import { encodeNpy } from './npy';
import { openPath } from './open-path';
import { readBytes, readText } from './read-bytes';

const HAS_MKFIFO = process.platform !== 'win32' && existsSync('/usr/bin/mkfifo');
const HAS_DEV_ZERO = existsSync('/dev/zero');
/** Generous: the machine may be busy; a hang would be forever. */
const FAST_MS = 15_000;

let dir: string;
const savedBudget = process.env[MEMORY_BUDGET_ENV];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ts-readbytes-'));
  writeFileSync(path.join(dir, 'ok.npy'), encodeNpy(new Float32Array(64), [8, 8]));
  symlinkSync('loop-b.npy', path.join(dir, 'loop-a.npy'));
  symlinkSync('loop-a.npy', path.join(dir, 'loop-b.npy'));
  symlinkSync('gone.npy', path.join(dir, 'dangling.npy'));
  if (HAS_DEV_ZERO) symlinkSync('/dev/zero', path.join(dir, 'zero.npy'));
  if (HAS_MKFIFO) for (let i = 0; i < 6; i++) execFileSync('/usr/bin/mkfifo', [path.join(dir, `fifo${i}.npy`)]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  if (savedBudget === undefined) delete process.env[MEMORY_BUDGET_ENV];
  else process.env[MEMORY_BUDGET_ENV] = savedBudget;
});

async function failsFast(work: Promise<unknown>, message: RegExp): Promise<void> {
  const t0 = Date.now();
  await expect(work).rejects.toThrow(message);
  expect(Date.now() - t0).toBeLessThan(FAST_MS);
}

describe('readBytes: only regular files', () => {
  it('reads a regular file whole', async () => {
    const bytes = await readBytes(path.join(dir, 'ok.npy'));
    expect(bytes.byteLength).toBe(encodeNpy(new Float32Array(64), [8, 8]).byteLength);
  });

  it.runIf(HAS_MKFIFO)('refuses a FIFO without blocking on it', async () => {
    await failsFast(readBytes(path.join(dir, 'fifo0.npy')), /fifo0\.npy: is a named pipe \(FIFO\)/);
  });

  it.runIf(HAS_MKFIFO)('six openPath calls on FIFOs leave the file thread pool free for a real read', async () => {
    const fifos = Array.from({ length: 6 }, (_, i) => openPath(path.join(dir, `fifo${i}.npy`)).then(
      () => 'opened',
      (e: Error) => e.message,
    ));
    const t0 = Date.now();
    const seq = await openPath(path.join(dir, 'ok.npy'));
    expect(seq.length).toBe(1);
    expect(Date.now() - t0).toBeLessThan(FAST_MS);
    for (const m of await Promise.all(fifos)) expect(m).toMatch(/named pipe \(FIFO\), not a regular file/);
  });

  it.runIf(HAS_DEV_ZERO)('refuses a symlink to /dev/zero (a device) before reading a byte', async () => {
    await failsFast(readBytes(path.join(dir, 'zero.npy')), /zero\.npy: is a device, not a regular file/);
    await failsFast(openPath(path.join(dir, 'zero.npy')), /zero\.npy: is a device/);
  });

  it('reports a symlink loop as a loop, not as a missing file', async () => {
    await failsFast(readBytes(path.join(dir, 'loop-a.npy')), /loop-a\.npy: symlink loop/);
    await failsFast(openPath(path.join(dir, 'loop-a.npy')), /loop-a\.npy: symlink loop/);
  });

  it('says a dangling link points nowhere', async () => {
    await failsFast(readBytes(path.join(dir, 'dangling.npy')), /dangling\.npy: is a symlink to a file that does not exist/);
  });

  it('a name that reached us with bytes that are not UTF-8 says so, escaped', async () => {
    await expect(readBytes(path.join(dir, 'fr\ufffdme.npy'))).rejects.toThrow(/^fr\\u\{fffd\}me\.npy: no such file \(the name held bytes that are not UTF-8/);
  });

  it('refuses a folder and a missing file with their own messages', async () => {
    await expect(readBytes(dir)).rejects.toThrow(/is a folder, not a file/);
    await expect(readBytes(path.join(dir, 'nope.npy'))).rejects.toThrow(/nope\.npy: no such file/);
  });

  it('refuses a file larger than the memory budget before reading it', async () => {
    setMemoryBudget('1MB');
    writeFileSync(path.join(dir, 'big.bin'), new Uint8Array(2 * 1024 * 1024));
    await expect(readBytes(path.join(dir, 'big.bin'))).rejects.toThrow(/big\.bin: reading the file would need 2\.0 MiB, over the memory budget of 1\.0 MiB/);
  });

  it('readText refuses text that is not UTF-8 and files over its size limit', async () => {
    writeFileSync(path.join(dir, 'latin.json'), Uint8Array.from([0x7b, 0xff, 0x7d]));
    await expect(readText(path.join(dir, 'latin.json'))).rejects.toThrow(/latin\.json: is not UTF-8 text/);
    await expect(readText(path.join(dir, 'ok.npy'), 16)).rejects.toThrow(/ok\.npy: is \d+ bytes, more than the 16 bytes/);
  });
});

describe('memory budget setting', () => {
  it('parses sizes with units and percentages, and refuses nonsense', () => {
    expect(parseMemorySize('64MB')).toBe(64 * 1024 * 1024);
    expect(parseMemorySize('1.5 GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseMemorySize('2097152')).toBe(2097152);
    expect(parseMemorySize('50%')).toBeGreaterThan(0);
    expect(() => parseMemorySize('lots')).toThrow(/not a size/);
    expect(() => parseMemorySize('10')).toThrow(/below the minimum/);
  });

  it('the setter reaches the environment, so worker threads inherit it', () => {
    setMemoryBudget('96MB');
    expect(process.env[MEMORY_BUDGET_ENV]).toBe(String(96 * 1024 * 1024));
  });
});
