import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import * as path from 'node:path';
import { registerServe } from './serve-command';
import { serveRoots } from './serve-access';

describe('tokenscope serve: what a browser client may touch (issue 12, finding 7)', () => {
  it('`serve --help` says which folders a client may use and that it never overwrites foreign files', () => {
    const program = new Command();
    let help = '';
    program.configureOutput({ writeOut: (s) => (help += s) });
    registerServe(program);
    program.commands.find((c) => c.name() === 'serve')!.outputHelp();
    expect(help).toContain('--root <dir>');
    expect(help).toContain('--allow-overwrite');
    expect(help).toMatch(/What a browser client may touch on disk:\n\s+Only paths inside the workspace roots/);
    expect(help).toContain('--checkpoint-dir (default ./tokenscope-checkpoints)');
  });

  it('the roots are every --root, the --data and --checkpoint paths and the checkpoint folder', () => {
    expect(serveRoots({ root: ['a', '/b'], data: 'd/labels.npz', checkpoint: 'c/x.ckpt', checkpointDir: 'out' })).toEqual(
      ['a', '/b', 'd/labels.npz', 'c/x.ckpt', 'out'].map((p) => path.resolve(p)),
    );
    expect(serveRoots({})).toEqual([path.resolve('tokenscope-checkpoints')]);
  });
});
