import * as path from 'node:path';

/**
 * What `tokenscope serve` lets a browser client touch on disk: the folders it was started with.
 * Kept apart from the command so that `--help` and the roots are one place to read and test.
 */
export const SERVE_ACCESS_HELP = `
What a browser client may touch on disk:
  Only paths inside the workspace roots: --data, --checkpoint (a file stands for its folder), --follow,
  --checkpoint-dir (default ./tokenscope-checkpoints) and every --root DIR. Links are resolved
  first, so a link inside a root that points outside it is refused too. Inside the roots a client
  may open data, checkpoints and predictions, save checkpoints and export. It never replaces a file
  that TokenScope did not write (a file that is not a checkpoint, a folder with other files in it)
  unless the server runs with --allow-overwrite. The desktop app and the other commands are not
  confined: they trust their local user.
`;

export interface ServeRootOptions {
  data?: string;
  checkpoint?: string;
  follow?: string;
  checkpointDir?: string;
  root?: string[];
}

/** The roots as given (a file stands for its folder; PathPolicy.create resolves links). */
export function serveRoots(opts: ServeRootOptions): string[] {
  const roots = [...(opts.root ?? [])];
  if (opts.data) roots.push(opts.data);
  if (opts.checkpoint) roots.push(opts.checkpoint);
  if (opts.follow) roots.push(opts.follow);
  roots.push(opts.checkpointDir ?? 'tokenscope-checkpoints');
  return roots.map((r) => path.resolve(r));
}
