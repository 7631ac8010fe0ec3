#!/usr/bin/env node
// `npm start`: the Electron app on the embedded procedural scene when Electron's binary is
// installed; otherwise one line saying why, then the same UI in browser mode (build the web
// renderer, serve it, print the URL to open).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** The Electron executable, or the reason there is none. */
function findElectron() {
  try {
    const binary = require('electron'); // the npm package exports the binary's path
    if (typeof binary === 'string' && existsSync(binary)) return { binary };
    return { why: `the electron package is installed but its binary is missing (${binary})` };
  } catch (err) {
    const message = String(err?.message ?? err).split('\n')[0];
    return { why: /Cannot find module/.test(message) ? 'the electron package is not installed' : message };
  }
}

function run(command, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', ...opts });
    // Ctrl-C or a kill of `npm start` ends the app or server too, not just this script.
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', () => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 || signal === 'SIGINT' || signal === 'SIGTERM' ? resolve() : reject(new Error(`${path.basename(command)} ${args.join(' ')} exited with ${signal ?? code}`))));
  });
}

const bin = (name) => path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
const passThrough = process.argv.slice(2);

try {
  const electron = findElectron();
  if (electron.binary) {
    await run(bin('electron-vite'), ['build']);
    await run(electron.binary, ['.', ...passThrough]);
  } else {
    console.log(`tokenscope: Electron is not available (${electron.why}); starting the browser mode instead.`);
    await run(bin('vite'), ['build', '--config', 'vite.web.config.ts', '--logLevel', 'warn']);
    await run(process.execPath, [path.join(root, 'bin', 'tokenscope.mjs'), 'serve', ...passThrough]);
  }
} catch (err) {
  console.error(`tokenscope start: ${err.message}`);
  process.exit(1);
}
