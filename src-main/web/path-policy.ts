import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * What a browser-mode client may touch on the server's disk. The desktop app and the CLI trust
 * their local user; a browser client is only as trusted as whoever holds the token (or a page
 * that tricks them), so the web front door confines every path a client sends to the server's
 * workspace roots (the data and output folders it was started with, and `--root` folders), after
 * resolving symbolic links, and refuses to replace a file TokenScope did not write unless the
 * server was started with `--allow-overwrite`.
 */
export interface PathPolicyOptions {
  /** Folders (or files: their folder is used) a client may read and write inside. */
  roots: string[];
  /** Let clients replace files inside the roots that are not TokenScope's own outputs. */
  allowOverwrite?: boolean;
}

export class PathPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathPolicyError';
  }
}

/** The markers TokenScope writes first, so a few bytes tell its outputs from anyone else's files. */
const CHECKPOINT_HEAD = '{"__metadata__":{"format":"tokenscope-checkpoint"';
const EXPORT_FORMAT_RE = /"format"\s*:\s*"tokenscope-tokenizer"/;
/** A config.json larger than this is not one TokenScope wrote (they are a few KiB). */
const MAX_EXPORT_CONFIG_BYTES = 1 << 20;

function inside(root: string, p: string): boolean {
  if (p === root) return true;
  return p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * The path with every existing part's links resolved: the deepest existing ancestor's real path
 * joined with the parts that do not exist yet (a file about to be written, a new export folder).
 * `followLast: false` keeps a link in the last place as is: a write replaces the link itself.
 */
async function realLocation(p: string, followLast = true): Promise<string> {
  const abs = path.resolve(p);
  if (followLast) {
    const real = await fs.realpath(abs).catch(() => null);
    if (real) return real;
  }
  const parent = path.dirname(abs);
  if (parent === abs) return abs;
  return path.join(await realLocation(parent, true), path.basename(abs));
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Reads one entry, not the whole listing: a folder may hold millions of files. */
async function isEmptyFolder(dir: string): Promise<boolean> {
  const d = await fs.opendir(dir);
  try {
    return (await d.read()) === null;
  } finally {
    await d.close();
  }
}

async function isTokenScopeCheckpoint(file: string): Promise<boolean> {
  const head = await readHead(file, 8 + CHECKPOINT_HEAD.length).catch(() => null);
  return !!head && head.subarray(8).toString('latin1') === CHECKPOINT_HEAD;
}

/** A folder TokenScope wrote: an export (config.json) or a dataset token export (index.json) of ours. */
async function isTokenScopeExport(dir: string): Promise<boolean> {
  for (const [name, re] of [
    ['config.json', EXPORT_FORMAT_RE],
    ['index.json', /"format"\s*:\s*"tokenscope-dataset-tokens\//],
  ] as const) {
    const file = path.join(dir, name);
    const stat = await fs.lstat(file).catch(() => null);
    if (!stat?.isFile() || stat.size > MAX_EXPORT_CONFIG_BYTES) continue;
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    if (re.test(text)) return true;
  }
  return false;
}

export class PathPolicy {
  private constructor(
    /** Real paths of the roots, deduplicated, in the order given. */
    readonly roots: readonly string[],
    readonly allowOverwrite: boolean,
  ) {}

  static async create(opts: PathPolicyOptions): Promise<PathPolicy> {
    const roots: string[] = [];
    for (const r of opts.roots) {
      const abs = path.resolve(r);
      const stat = await fs.stat(abs).catch(() => null);
      const folder = stat && !stat.isDirectory() ? path.dirname(abs) : abs;
      const real = await realLocation(folder);
      if (!roots.includes(real)) roots.push(real);
    }
    return new PathPolicy(roots, opts.allowOverwrite ?? false);
  }

  /** One line for `serve`'s banner and errors. */
  describe(): string {
    return this.roots.length ? this.roots.join(', ') : '(none: start `tokenscope serve` with --root DIR)';
  }

  private requireString(method: string, p: unknown): string {
    if (typeof p !== 'string' || p.length === 0) throw new PathPolicyError(`${method}: expected a path (a non-empty string)`);
    if (p.includes('\0')) throw new PathPolicyError(`${method}: the path contains a NUL byte`);
    return p;
  }

  private requireInside(method: string, shown: string, real: string): void {
    if (!this.roots.some((root) => inside(root, real))) {
      throw new PathPolicyError(
        `${method}: ${shown} is outside the folders this server lets a browser use (${this.describe()}); ` +
          'start `tokenscope serve` with --root to allow another folder',
      );
    }
  }

  /** A file or folder to read: its real location (links resolved) must lie inside a root. */
  async checkRead(method: string, p: unknown): Promise<string> {
    const given = this.requireString(method, p);
    const real = await realLocation(given);
    this.requireInside(method, given, real);
    return real;
  }

  /** A file to write (a checkpoint): inside a root; an existing one must be a TokenScope checkpoint. */
  async checkWriteFile(method: string, p: unknown): Promise<string> {
    const given = this.requireString(method, p);
    const real = await realLocation(given, false);
    this.requireInside(method, given, real);
    const stat = await fs.lstat(real).catch(() => null);
    if (stat && !this.allowOverwrite) {
      if (!stat.isFile()) throw new PathPolicyError(`${method}: ${given} exists and is not a regular file; refusing to replace it`);
      if (!(await isTokenScopeCheckpoint(real))) {
        throw new PathPolicyError(
          `${method}: ${given} exists and is not a TokenScope checkpoint; refusing to overwrite it ` +
            '(pick another name, or start `tokenscope serve` with --allow-overwrite)',
        );
      }
    }
    return real;
  }

  /** A folder to write into (an export): inside a root; an existing, non-empty one must be a TokenScope export. */
  async checkWriteDir(method: string, p: unknown): Promise<string> {
    const given = this.requireString(method, p);
    const real = await realLocation(given);
    this.requireInside(method, given, real);
    const stat = await fs.stat(real).catch(() => null);
    if (stat && !stat.isDirectory()) throw new PathPolicyError(`${method}: ${given} exists and is not a folder`);
    if (stat && !this.allowOverwrite) {
      if (!(await isEmptyFolder(real)) && !(await isTokenScopeExport(real))) {
        throw new PathPolicyError(
          `${method}: ${given} is a folder with other files in it, not a TokenScope export; refusing to write into it ` +
            '(pick a new or empty folder, or start `tokenscope serve` with --allow-overwrite)',
        );
      }
    }
    return real;
  }
}
