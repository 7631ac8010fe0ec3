import { InvalidArgumentError, type Command } from 'commander';
import { BACKEND_ENV, BACKEND_NAMES, isBackendName } from '../engine/backend/backend-order';

/**
 * `--backend NAME`, accepted before or after any command. It is passed on as TOKENSCOPE_BACKEND,
 * which the workspace and every worker thread it starts (training, the inference pool, the
 * predictor) read when they pick their backend; a forced backend that cannot load falls back and
 * the banner says why.
 */
export function addBackendOption(program: Command): void {
  program
    .option('--backend <name>', `compute backend to use first: ${BACKEND_NAMES.join(', ')} (default: the fastest usable; also ${BACKEND_ENV})`, (v: string) => {
      if (v !== 'auto' && !isBackendName(v)) throw new InvalidArgumentError(`expected one of ${BACKEND_NAMES.join(', ')}.`);
      return v;
    })
    .configureHelp({ showGlobalOptions: true })
    .hook('preAction', (cmd) => {
      const b = cmd.opts<{ backend?: string }>().backend;
      if (b) process.env[BACKEND_ENV] = b;
    });
}
