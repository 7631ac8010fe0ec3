import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The Electron build: main → out/main/index.js (package.json "main"), preload → out/preload/index.cjs
 * (a sandboxed preload must be CommonJS), renderer → out/renderer (the same Svelte app as the browser
 * mode; it finds `window.tokenscope` from the preload and uses IPC instead of a WebSocket).
 */
export default defineConfig({
  main: {
    build: {
      outDir: resolve(here, 'out/main'),
      externalizeDeps: true,
      // The worker threads are entries of their own, so they exist as out/main/<name>.js beside
      // index.js (the engine starts them by URL; a bundled main cannot start a .ts file).
      rollupOptions: {
        input: {
          index: resolve(here, 'src-main/app/main.ts'),
          'train-worker': resolve(here, 'src-main/engine/train/train-worker.ts'),
          'infer-worker': resolve(here, 'src-main/engine/infer/infer-worker.ts'),
          'predictor-worker': resolve(here, 'src-main/engine/predict/predictor-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(here, 'out/preload'),
      externalizeDeps: true,
      rollupOptions: {
        input: { index: resolve(here, 'src-main/app/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(here, 'src-renderer'),
    base: './',
    plugins: [svelte()],
    worker: { format: 'es' },
    build: {
      outDir: resolve(here, 'out/renderer'),
      target: 'es2022',
      chunkSizeWarningLimit: 2000,
      rollupOptions: { input: { index: resolve(here, 'src-renderer/index.html') } },
    },
  },
});
