import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

/** The repository (or installed package) root, found from this file rather than the working directory. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const VERSION: string = (createRequire(import.meta.url)(path.join(PACKAGE_ROOT, 'package.json')) as { version: string }).version;

/** The browser-mode renderer, built by `npm run build:web`. */
export const DIST_WEB = path.join(PACKAGE_ROOT, 'dist-web');
