import { promises as fs, type Dirent } from 'node:fs';
import { DataError } from './errors';
import { fsProblem } from './read-bytes';
import { printableBytes } from './printable-name';

/**
 * A folder's entries for the readers, with names that are valid UTF-8. Node turns the bytes of
 * a name that is not UTF-8 into U+FFFD when it lists a folder, and then cannot open the file by
 * that name ("no such file" for a file that is right there). Such a name that looks like one
 * of ours (`want`) is a clear error naming the folder and the name, escaped for printing;
 * other files are none of our business and are left out.
 */
export async function listFolder(dir: string, want: RegExp = /\.(npy|npz|bin|json)$/i): Promise<Dirent[]> {
  let raw: Dirent<Buffer>[];
  try {
    raw = await fs.readdir(dir, { withFileTypes: true, encoding: 'buffer' });
  } catch (err) {
    throw fsProblem(dir, err);
  }
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const bad: string[] = [];
  const out: Dirent[] = [];
  for (const e of raw) {
    let name: string;
    try {
      name = utf8.decode(e.name);
    } catch {
      const shown = printableBytes(e.name);
      if (want.test(e.name.toString('latin1'))) bad.push(shown);
      continue;
    }
    // A Dirent keeps its type; only the name changes to the decoded string.
    out.push(Object.assign(Object.create(Object.getPrototypeOf(e) as object) as Dirent, e, { name }));
  }
  if (bad.length > 0) {
    throw new DataError(dir, `${bad.length} file name${bad.length === 1 ? ' is' : 's are'} not valid UTF-8 (${bad.slice(0, 3).map((n) => `"${n}"`).join(', ')}): rename ${bad.length === 1 ? 'it' : 'them'} to open this folder`);
  }
  return out;
}
