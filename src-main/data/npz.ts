/**
 * NumPy `.npz` archives (np.savez / np.savez_compressed): a zip of `.npy` members. fflate does
 * the zip work (stored and deflate members, zip64 headers as numpy writes them); its filter
 * lets us inflate only the members asked for, which matters for multi-array archives.
 */
import { unzipSync } from 'fflate';
import { DataError } from './errors';
import { parseNpy, type NpyArray } from './npy';
import { readBytes } from './read-bytes';

/** Member name as numpy's `np.load(...)[key]` sees it: the zip entry without `.npy`. */
function keyOf(entry: string): string {
  return entry.endsWith('.npy') ? entry.slice(0, -4) : entry;
}

/** Names of the arrays in an archive, without inflating any. */
export function listNpzMembers(bytes: Uint8Array, source: string): string[] {
  const names: string[] = [];
  unzipOrFail(bytes, source, (name) => {
    if (!name.endsWith('/')) names.push(keyOf(name));
    return false;
  });
  return names;
}

/** Parses an in-memory .npz; `members` (keys, with or without `.npy`) limits what is inflated. */
export function parseNpz(bytes: Uint8Array, source: string, members?: string[]): Record<string, NpyArray> {
  const wanted = members ? new Set(members.map(keyOf)) : undefined;
  const present: string[] = [];
  const files = unzipOrFail(bytes, source, (name) => {
    if (name.endsWith('/')) return false;
    present.push(keyOf(name));
    return !wanted || wanted.has(keyOf(name));
  });
  if (wanted) {
    const missing = [...wanted].filter((m) => !present.includes(m));
    if (missing.length > 0) {
      throw new DataError(
        source,
        `no member ${missing.map((m) => `'${m}'`).join(', ')} in the archive; it holds ${
          present.length ? present.map((m) => `'${m}'`).join(', ') : 'nothing'
        }`,
      );
    }
  }
  const out: Record<string, NpyArray> = {};
  for (const [name, data] of Object.entries(files)) {
    out[keyOf(name)] = parseNpy(data, `${source}[${keyOf(name)}]`);
  }
  return out;
}

export async function readNpz(path: string, members?: string[]): Promise<Record<string, NpyArray>> {
  return parseNpz(await readBytes(path), path, members);
}

function unzipOrFail(bytes: Uint8Array, source: string, filter: (name: string) => boolean): Record<string, Uint8Array> {
  let unsupported: string | undefined;
  let files: Record<string, Uint8Array> | undefined;
  let failure: unknown;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        const take = filter(f.name);
        // fflate throws a bare "unknown compression type" for anything but stored/deflate.
        if (take && f.compression !== 0 && f.compression !== 8) {
          unsupported ??= `${f.name} (method ${f.compression})`;
          return false;
        }
        return take;
      },
    });
  } catch (err) {
    failure = err;
  }
  if (unsupported) throw new DataError(source, `zip member ${unsupported} uses a compression other than stored or deflate`);
  if (!files) throw new DataError(source, `not a readable .npz (zip) archive: ${(failure as Error).message}`);
  return files;
}
