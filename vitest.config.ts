import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Unit tests run in plain Node on the wasm backend; e2e tests are Playwright's (e2e/).
export default defineConfig({
  // The renderer's stores (`*.svelte.ts`, runes) are unit-tested against a fake client: compile them.
  plugins: [svelte({ compilerOptions: { runes: true } })],
  test: {
    include: ['src-main/**/*.test.ts', 'src-renderer/src/**/*.test.ts', 'bench/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    // Generous on purpose: on a busy 2-core machine a worker start or a short training run takes
    // several times as long as on a quiet one, and a limit is only there to end a hang.
    testTimeout: 300_000,
    // A failed test runs once more. One that then passes is flaky: the run passes, and the skip
    // summary reporter records it so that `npm test`'s summary names it at the end of the log.
    retry: 1,
    hookTimeout: 300_000,
    pool: 'forks',
    poolOptions: { forks: { singleFork: false, maxForks: 2 } },
    // The second one lists every skipped test and why at the end of the run, and records the
    // failed and flaky tests for `npm test`'s summary (scripts/failure-list.ts).
    reporters: ['default', './scripts/skip-summary-reporter.ts'],
  },
});
