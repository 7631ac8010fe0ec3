import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * The one naming scheme of TokenScope's temporary files and folders: `.<target name>.<12 hex>.tmp`
 * beside the target. A write renames it into place; a process killed in between (kill -9, power
 * loss) leaves it behind, and `removeStaleTemporaries` recognises it by this exact shape, so that
 * nobody else's files are ever touched.
 */
const OURS = /^\..+\.[0-9a-f]{12}\.tmp$/;

export function temporaryPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

export function isOurTemporaryName(name: string): boolean {
  return OURS.test(name);
}
