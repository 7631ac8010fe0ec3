import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The renderer built as a plain web app for the browser mode (`tokenscope serve` serves dist-web/).
 * `base: './'` keeps every asset URL relative, so the page works behind any path and keeps its
 * `?token=` query; the worker is emitted as an ES module so the strict CSP ('self') allows it.
 */
export default defineConfig({
  root: resolve(here, 'src-renderer'),
  base: './',
  plugins: [svelte()],
  worker: { format: 'es' },
  build: {
    outDir: resolve(here, 'dist-web'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    sourcemap: false,
  },
});
