#!/usr/bin/env node
// The `tokenscope` command: runs the TypeScript CLI (src-main/cli/main.ts) through tsx's loader,
// in this process, so that a clone works without a build step (`npx tokenscope`, `npm run cli`).
import { register } from 'tsx/esm/api';

register();
await import('../src-main/cli/main.ts');
