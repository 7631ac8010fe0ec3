import { createRequire } from 'node:module';
import * as path from 'node:path';

/**
 * The folder holding tfjs-backend-wasm's .wasm binaries, found through Node's resolver (never
 * a hard-coded path, so it works from a clone, a packaged app's node_modules or a worker).
 * Ends with a separator, as setWasmPaths wants a prefix.
 */
export function wasmBinaryDir(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve('@tensorflow/tfjs-backend-wasm');
  return path.dirname(main) + path.sep;
}

