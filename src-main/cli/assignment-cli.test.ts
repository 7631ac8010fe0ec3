/**
 * `tokenscope train --assignment soft|gumbel` end to end: the flags in --help, a Gumbel run
 * whose progress line prints τ and the soft-vs-hard gap, the settings in the checkpoint
 * (`info`) and in the export's config.json, and bad values refused with one line.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignmentFromOptions, temperatureOption } from './assignment-options';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tokenscope.mjs');
const SMALL = ['--frames', '4', '--size', '32', '--batch', '2', '--crop', '16', '--hidden', '8', '--latent', '4', '-K', '16'];

function tokenscope(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 240_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-assign-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('assignment options', () => {
  it('parse into the quantizer config', () => {
    expect(temperatureOption('2,0.5')).toEqual([2, 0.5]);
    expect(temperatureOption('0.7')).toEqual([0.7, 0.7]);
    expect(() => temperatureOption('1,0')).toThrow(/positive numbers/);
    expect(() => temperatureOption('a')).toThrow(/positive numbers/);
    expect(assignmentFromOptions({ assignment: 'gumbel', temperature: [1, 0.1], tempSteps: 50, tempSchedule: 'linear', gumbelSample: 'soft', klWeight: 0.01, gapEvery: 5 })).toEqual({
      assignment: 'gumbel',
      temperature: { start: 1, end: 0.1, steps: 50, schedule: 'linear' },
      gumbelHard: false,
      klWeight: 0.01,
      gapEvery: 5,
    });
    expect(assignmentFromOptions({ tempSteps: 10 })).toEqual({ temperature: { start: 1, end: 1 / 16, steps: 10 } });
  });
});

describe('tokenscope train --assignment', () => {
  it('lists the flags in --help', async () => {
    const r = await tokenscope(['train', '--help'], dir);
    for (const flag of ['--assignment <kind>', '--temperature <start[,end]>', '--temp-steps <n>', '--temp-schedule <kind>', '--gumbel-sample <kind>', '--kl-weight <w>', '--gap-every <n>']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('trains a Gumbel tokenizer: τ and the gap printed, settings in the checkpoint and the export', async () => {
    const ckpt = path.join(dir, 'gumbel.ckpt');
    const out = path.join(dir, 'gumbel-export');
    const r = await tokenscope(
      ['train', '--steps', '4', ...SMALL, '--assignment', 'gumbel', '--temperature', '1,0.25', '--temp-schedule', 'linear', '--kl-weight', '0.01', '--gap-every', '2', '-o', ckpt, '--export', out, '--json'],
      dir,
    );
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    // The final progress line carries τ (after 3 of 4 anneal steps: 1 − 0.75·3/4) and the latest gap with its step.
    expect(r.stderr).toMatch(/τ 0\.438\s+gap [+-]\d[\d.e+-]*@4/);
    const json = JSON.parse(r.stdout.trim().split('\n').pop()!) as { metrics: { temperature: number; softHardGap: number; softHardGapStep: number } };
    expect(json.metrics.temperature).toBeCloseTo(0.4375, 12);
    expect(json.metrics.softHardGapStep).toBe(4);
    expect(Number.isFinite(json.metrics.softHardGap)).toBe(true);
    const info = await tokenscope(['info', ckpt, '--json'], dir);
    expect(info.code).toBe(0);
    const saved = JSON.parse(info.stdout) as { config: { quantizer: Record<string, unknown> } };
    expect(saved.config.quantizer).toMatchObject({ assignment: 'gumbel', klWeight: 0.01, gapEvery: 2, temperature: { start: 1, end: 0.25, schedule: 'linear' } });
    const config = JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8')) as { quantizer: Record<string, unknown> };
    expect(config.quantizer).toMatchObject({ kind: 'vq', assignment: 'gumbel', kl_weight: 0.01, temperature: { start: 1, end: 0.25, schedule: 'linear' }, gap_every: 2 });
  });

  it('refuses what does not fit, in one line', async () => {
    const bad = await tokenscope(['train', '--steps', '1', ...SMALL, '--assignment', 'gumbel', '--temperature', '0,1'], dir);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--temperature.*positive numbers/);
    const clash = await tokenscope(['train', '--steps', '1', ...SMALL, '--assignment', 'soft', '--kl-weight', '1'], dir);
    expect(clash.code).not.toBe(0);
    expect(clash.stderr).toMatch(/klWeight applies to assignment 'gumbel' only/);
  });
});
