import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, utimes, writeFile, mkdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createWorkspace } from '../service/workspace';
import { isOurTemporaryName } from './temporary-names';
import { removeStaleTemporaries } from './stale-temporaries';

const ATOMIC_WRITE = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'atomic-write.ts')).href;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-stale-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A child process that writes a 48 MB checkpoint over and over through writeFileAtomic, killed
 * with SIGKILL as soon as its temporary file is seen: what a user's kill -9 leaves behind.
 */
async function killDuringWrite(target: string): Promise<string[]> {
  const script = path.join(dir, 'writer.mjs');
  await writeFile(
    script,
    `const { writeFileAtomic } = await import(${JSON.stringify(ATOMIC_WRITE)});\n` +
      `const bytes = new Uint8Array(48 * 1024 * 1024).fill(7);\n` +
      `for (;;) await writeFileAtomic(${JSON.stringify(target)}, bytes);\n`,
  );
  for (let attempt = 0; attempt < 5; attempt++) {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: 'ignore' });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    let left: string[] = [];
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && child.exitCode === null) {
      const temps = (await readdir(path.dirname(target))).filter(isOurTemporaryName);
      if (temps.length) {
        child.kill('SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    left = (await readdir(path.dirname(target))).filter(isOurTemporaryName);
    // The kill can land just after the rename; then try again.
    if (left.length) return left;
  }
  return [];
}

describe('stale temporaries (issue 12, finding 11)', () => {
  it('a write killed with SIGKILL leaves its temporary, and the next start removes it (only ours, only old ones)', async () => {
    const ckptDir = path.join(dir, 'checkpoints');
    await mkdir(ckptDir);
    const left = await killDuringWrite(path.join(ckptDir, 'tokenizer-step2.ckpt'));
    expect(left.length).toBe(1);
    expect(left[0]).toMatch(/^\.tokenizer-step2\.ckpt\.[0-9a-f]{12}\.tmp$/);
    const killed = path.join(ckptDir, left[0]!);

    // A live write of another process (young), a look-alike that is not ours, a user's file.
    const young = path.join(ckptDir, '.other.ckpt.0123456789ab.tmp');
    const foreign = path.join(ckptDir, '.notes.tmp');
    const user = path.join(ckptDir, 'notes.txt');
    for (const f of [young, foreign, user]) await writeFile(f, 'keep me');
    const hoursAgo = new Date(Date.now() - 3 * 3600_000);
    await utimes(killed, hoursAgo, hoursAgo);
    await utimes(foreign, hoursAgo, hoursAgo);
    await utimes(user, hoursAgo, hoursAgo);

    const ws = await createWorkspace({ openDefault: false, checkpointDir: ckptDir });
    await ws.dispose();
    const names = await readdir(ckptDir);
    expect(names).not.toContain(left[0]);
    expect(names).toEqual(expect.arrayContaining([path.basename(young), path.basename(foreign), 'notes.txt']));
    expect((await stat(user)).size).toBe('keep me'.length);
  }, 180_000);

  it('removes an old temporary folder of ours but never follows a link', async () => {
    const d = path.join(dir, 'folders');
    await mkdir(path.join(d, '.export.aaaaaaaaaaaa.tmp'), { recursive: true });
    await writeFile(path.join(d, '.export.aaaaaaaaaaaa.tmp', 'model.safetensors'), 'x');
    const target = path.join(dir, 'precious');
    await mkdir(target);
    await writeFile(path.join(target, 'data.npy'), 'x');
    await symlink(target, path.join(d, '.link.bbbbbbbbbbbb.tmp'));
    const removed = await removeStaleTemporaries(d, 0, Date.now() + 1000);
    expect(removed).toEqual(['.export.aaaaaaaaaaaa.tmp']);
    expect(await readdir(d)).toEqual(['.link.bbbbbbbbbbbb.tmp']);
    expect(await readdir(target)).toEqual(['data.npy']);
  });
});
