/**
 * NumPy `.npz` archives (np.savez / np.savez_compressed): a zip of `.npy` members. The zip work
 * is zip-archive.ts's (bounded, checked); here each member asked for is checked against the
 * memory budget by its declared size before it is inflated, and only those members are inflated.
 */
import { DataError } from './errors';
import { checkMemory } from './memory-budget';
import { parseNpy, type NpyArray } from './npy';
import { printableName } from './printable-name';
import { readBytes } from './read-bytes';
import { extractZipMember, readZipDirectory, type ZipMember } from './zip-archive';

/** Member name as numpy's `np.load(...)[key]` sees it: the zip entry without `.npy`. */
function keyOf(entry: string): string {
  return entry.endsWith('.npy') ? entry.slice(0, -4) : entry;
}

function arrayMembers(bytes: Uint8Array, source: string): ZipMember[] {
  return readZipDirectory(bytes, source).filter((m) => !m.name.endsWith('/'));
}

/** Names of the arrays in an archive, without inflating any. */
export function listNpzMembers(bytes: Uint8Array, source: string): string[] {
  return arrayMembers(bytes, source).map((m) => keyOf(m.name));
}

/** Parses an in-memory .npz; `members` (keys, with or without `.npy`) limits what is inflated. */
export function parseNpz(bytes: Uint8Array, source: string, members?: string[]): Record<string, NpyArray> {
  const all = arrayMembers(bytes, source);
  const wanted = members ? new Set(members.map(keyOf)) : undefined;
  const present = all.map((m) => keyOf(m.name));
  if (wanted) {
    const missing = [...wanted].filter((m) => !present.includes(m));
    if (missing.length > 0) {
      throw new DataError(
        source,
        `no member ${missing.map((m) => `'${printableName(m)}'`).join(', ')} in the archive; it holds ${
          present.length ? present.map((m) => `'${printableName(m)}'`).join(', ') : 'nothing'
        }`,
      );
    }
  }
  const take = all.filter((m) => !wanted || wanted.has(keyOf(m.name)));
  // Each member is inflated, then copied once more by parseNpy: twice its declared size.
  let total = 0;
  for (const m of take) {
    checkMemory(`${source}[${keyOf(m.name)}]`, 2 * m.size, `member '${printableName(keyOf(m.name))}' (${m.size} bytes declared uncompressed)`);
    total += 2 * m.size;
  }
  checkMemory(source, total, `the ${take.length} members together`);
  const out: Record<string, NpyArray> = {};
  for (const m of take) out[keyOf(m.name)] = parseNpy(extractZipMember(bytes, m, source), `${source}[${keyOf(m.name)}]`);
  return out;
}

export async function readNpz(path: string, members?: string[]): Promise<Record<string, NpyArray>> {
  return parseNpz(await readBytes(path), path, members);
}
