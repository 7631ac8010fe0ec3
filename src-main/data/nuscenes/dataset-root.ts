/**
 * Where a nuScenes dataset keeps its tables: a `v1.0-*` folder (v1.0-mini, v1.0-trainval,
 * v1.0-test) beside `samples/`, `sweeps/` and `lidarseg/`. Filenames in the tables are relative
 * to the root and must stay inside it: a table never gets to name an arbitrary file.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';

/** The table folders of a root (those holding scene.json), sorted by name; empty when it is not a nuScenes root. */
export async function nuScenesVersions(root: string): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(root, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || !/^v\d/.test(e.name)) continue;
    try {
      await fs.access(path.join(root, e.name, 'scene.json'));
      out.push(e.name);
    } catch {
      /* a folder named like a version without tables: not one */
    }
  }
  return out.sort();
}

export async function isNuScenesRoot(dir: string): Promise<boolean> {
  return (await nuScenesVersions(dir)).length > 0;
}

/** The nuScenes root a sweep folder sits in (`<root>/samples/LIDAR_TOP`, `<root>/sweeps/…`), if any. */
export async function enclosingNuScenesRoot(dir: string): Promise<string | undefined> {
  const abs = path.resolve(dir);
  const kind = path.basename(path.dirname(abs));
  if (kind !== 'samples' && kind !== 'sweeps') return undefined;
  const root = path.dirname(path.dirname(abs));
  return (await isNuScenesRoot(root)) ? root : undefined;
}

/**
 * A table's relative filename as a path inside the root; refuses absolute paths, `..` that climb
 * out, and names of another kind than expected (`prefix`, e.g. `samples/LIDAR_TOP/`).
 */
export function insideRoot(root: string, rel: unknown, table: string, what: string, prefixes: readonly string[]): string {
  if (typeof rel !== 'string' || rel === '' || rel.includes('\0')) throw new DataError(table, `${what} has no valid filename`);
  const normal = rel.replace(/\\/g, '/');
  if (path.isAbsolute(rel) || path.posix.isAbsolute(normal) || /^[a-zA-Z]:/.test(normal)) {
    throw new DataError(table, `${what}: filename ${JSON.stringify(rel)} is absolute; the tables name files relative to the dataset root`);
  }
  const abs = path.resolve(root, normal);
  const back = path.relative(path.resolve(root), abs);
  if (back.startsWith('..') || path.isAbsolute(back)) {
    throw new DataError(table, `${what}: filename ${JSON.stringify(rel)} leads outside the dataset root`);
  }
  const posix = back.split(path.sep).join('/');
  if (!prefixes.some((p) => posix.startsWith(p))) {
    throw new DataError(table, `${what}: filename ${JSON.stringify(rel)} is not under ${prefixes.join(' or ')}`);
  }
  return abs;
}
