/**
 * `tokenscope train`'s codebook-objective options: parsed into the quantizer config, listed by
 * --help, shown as progress columns, and a real run (a child process, as a user runs it) whose
 * metrics carry every term and whose checkpoint keeps the weights (and `info` lists them); EMA with a codebook-only
 * objective is refused in one line.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend';
import { loadCheckpoint } from '../engine/checkpoint/checkpoint';
import { addObjectiveOptions, objectiveColumns, objectiveQuantizerOptions, type ObjectiveOptions } from './objective-options';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tokenscope.mjs');

function tokenscope(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 240_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function parse(argv: string[]): ObjectiveOptions {
  const cmd = addObjectiveOptions(new Command('train').exitOverride().configureOutput({ writeErr: () => undefined }));
  cmd.parse(argv, { from: 'user' });
  return cmd.opts<ObjectiveOptions>();
}

let dir: string;
beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-objectives-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('codebook objective options', () => {
  it('parse into quantizer.objectives, with --no-ema as ema: false', () => {
    const q = objectiveQuantizerOptions(
      parse(['--no-ema', '--orthogonal-weight', '0.5', '--orthogonal-max-codes', '64', '--orthogonal-all-codes', '--norm-weight', '0.1', '--norm-target', '2', '--repulsion-weight', '0.2', '--repulsion-sigma', '0.3', '--variance-hinge-weight', '1', '--variance-gamma', '0.4', '--infonce-weight', '0.05', '--infonce-temperature', '0.07', '--vicreg-variance-weight', '3', '--vicreg-covariance-weight', '4']),
    );
    expect(q).toEqual({
      ema: false,
      objectives: {
        orthogonal: 0.5,
        orthogonalMaxCodes: 64,
        orthogonalActiveOnly: false,
        norm: 0.1,
        normTarget: 2,
        repulsion: 0.2,
        repulsionSigma: 0.3,
        varianceHinge: 1,
        varianceGamma: 0.4,
        infonce: 0.05,
        infonceTemperature: 0.07,
        vicregVariance: 3,
        vicregCovariance: 4,
      },
    });
    // Nothing asked: nothing added (the defaults stay the workspace's).
    expect(objectiveQuantizerOptions(parse([]))).toEqual({});
    expect(() => parse(['--norm-weight', '-1'])).toThrow(/expected a number in 0\.\.1000/);
  });

  it('progress columns for the terms a step reported, in a fixed order', () => {
    expect(objectiveColumns({ total: 1, infonce: 2.302585, orthogonal: 0.0123 })).toEqual(['ortho 0.0123', 'nce 2.3026']);
    expect(objectiveColumns({ total: 1, commitment: 0.1 })).toEqual([]);
  });

  it('tokenscope train: --help lists them; a run reports every term and its checkpoint keeps the weights', async () => {
    const help = await tokenscope(['train', '--help'], dir);
    for (const o of ['--orthogonal-weight', '--norm-weight', '--repulsion-weight', '--variance-hinge-weight', '--infonce-weight', '--vicreg-variance-weight', '--vicreg-covariance-weight', '--no-ema']) {
      expect(help.stdout).toContain(o);
    }
    const ckpt = path.join(dir, 'obj.ckpt');
    const r = await tokenscope(
      ['train', '--steps', '2', '--frames', '4', '--size', '32', '--batch', '2', '--crop', '16', '--hidden', '8', '--latent', '4', '-K', '16', '--no-ema',
        '--orthogonal-weight', '0.5', '--norm-weight', '0.1', '--repulsion-weight', '0.2', '--variance-hinge-weight', '0.3', '--infonce-weight', '0.05',
        '--vicreg-variance-weight', '0.4', '--vicreg-covariance-weight', '0.6', '--json', '-o', ckpt],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/ortho \d+\.\d{4}.*nce \d+\.\d{4}.*vicC \d+\.\d{4}/);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { metrics: { quantLoss: Record<string, number> } };
    for (const k of ['orthogonal', 'norm', 'repulsion', 'varianceHinge', 'infonce', 'vicregVariance', 'vicregCovariance']) {
      expect(Number.isFinite(out.metrics.quantLoss[k]), k).toBe(true);
    }
    const snap = await loadCheckpoint(ckpt);
    expect(snap.config.quantizer.ema).toBe(false);
    expect(snap.config.quantizer.objectives).toEqual({ orthogonal: 0.5, norm: 0.1, repulsion: 0.2, varianceHinge: 0.3, infonce: 0.05, vicregVariance: 0.4, vicregCovariance: 0.6 });
    tf.dispose(Object.values(snap.weights));
    const info = await tokenscope(['info', ckpt], dir);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/^objectives {2}orthogonal 0\.5 \(used codes\), norm 0\.1 \(target 1\), repulsion 0\.2 \(σ 1\), variance hinge 0\.3 \(γ 1\), InfoNCE 0\.05 \(τ 0\.1\), VICReg variance 0\.4, VICReg covariance 0\.6$/m);

    const refused = await tokenscope(['train', '--steps', '1', '--frames', '2', '--size', '16', '--orthogonal-weight', '1'], dir);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/orthogonal train the codebook by gradient.*--no-ema/);
  });
});
