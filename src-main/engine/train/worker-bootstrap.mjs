// Entry of TokenScope's worker threads when running from TypeScript sources (tsx, vitest, the
// CLI from a clone): a worker thread does not inherit the parent's TypeScript loader, so this
// plain-JS file registers tsx's loader and then imports the worker module named in workerData.
// A bundled build points its workers at the compiled .js files instead and never loads this.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
