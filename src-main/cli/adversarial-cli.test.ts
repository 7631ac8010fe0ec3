import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { adversarialFromOptions } from './adversarial-options';
import { configFromOptions } from './train-command';

/** `tokenscope train --gan …`: the options become the config's `adversarial` part, and a run reports G/D/λ. */
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tokenscope.mjs');

function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 300_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, stdout, stderr }),
    );
  });
}

describe('tokenscope train --gan', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-gan-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('maps the options onto the config; none given, no adversarial part', () => {
    expect(adversarialFromOptions({})).toBeUndefined();
    expect(adversarialFromOptions({ gan: true })).toEqual({});
    expect(adversarialFromOptions({ ganStart: 5, ganLoss: 'non-saturating', featureMatching: 2 })).toEqual({ startStep: 5, loss: 'non-saturating', featureMatchingWeight: 2 });
    expect(configFromOptions({ steps: 3, ganWeight: 0.3, discLayers: 1, discChannels: 8 } as Parameters<typeof configFromOptions>[0]).adversarial).toEqual({
      weight: 0.3,
      discLayers: 1,
      discChannels: 8,
    });
  });

  it('trains adversarially, prints G/D/λ and saves the settings in the checkpoint', async () => {
    const ckpt = path.join(dir, 'gan.ckpt');
    const args = ['train', '--steps', '3', '--hidden', '8', '--latent', '4', '-K', '16', '--batch', '2', '--crop', '16', '--gan-start', '1', '--gan-loss', 'non-saturating', '--disc-layers', '1', '--disc-channels', '8'];
    const t = await run([...args, '-o', ckpt, '--json'], dir);
    expect(t.code, t.stderr).toBe(0);
    const out = JSON.parse(t.stdout.trim().split('\n').at(-1)!) as { metrics: { adversarial?: { lambda: number; gLoss: number; dLoss: number } } };
    expect(out.metrics.adversarial!.lambda).toBeGreaterThan(0);
    expect(Number.isFinite(out.metrics.adversarial!.dLoss)).toBe(true);
    const info = await run(['info', ckpt, '--json'], dir);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain('"adversarial"');
    expect(info.stdout).toContain('non-saturating');
    const bad = await run(['train', '--steps', '1', '--gan-loss', 'wasserstein'], dir);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/gan-loss/);
  });
});
