import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * Resolves a URL path to a file inside the built renderer folder, refusing anything that would
 * step outside it (`..`, encoded slashes, NUL bytes). Returns null when there is no such file.
 */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export async function resolveStaticFile(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const absRoot = path.resolve(root);
  const target = path.resolve(absRoot, relative);
  if (target !== absRoot && !target.startsWith(absRoot + path.sep)) return null;
  try {
    const stat = await fs.stat(target);
    if (stat.isFile()) return target;
    if (stat.isDirectory()) {
      const index = path.join(target, 'index.html');
      const indexStat = await fs.stat(index).catch(() => null);
      return indexStat?.isFile() ? index : null;
    }
  } catch {
    return null;
  }
  return null;
}
