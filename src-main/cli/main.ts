/**
 * `tokenscope`: the service from a terminal. Each command lives in its own file; this one only
 * assembles them. Results go to stdout, progress and the backend banner to stderr.
 */
import { Command } from 'commander';
import { VERSION } from './paths';
import { addBackendOption } from './backend-option';
import { registerBackends } from './backends-command';
import { addGlobalOptions } from './global-options';
import { registerData } from './data-command';
import { registerInfo } from './info-command';
import { registerPredictCommands } from './predict-commands';
import { registerServe } from './serve-command';
import { registerTokenCommands } from './tokens-commands';
import { registerTrain } from './train-command';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('tokenscope')
    .description('Train, inspect and export VQ-VAE / FSQ tokenizers of bird’s-eye-view driving frames.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str.startsWith('error') ? `tokenscope: ${str}` : str) });
  addGlobalOptions(program);
  registerTrain(program);
  registerTokenCommands(program);
  registerInfo(program);
  registerPredictCommands(program);
  registerServe(program);
  registerBackends(program);
  addBackendOption(program);
  registerData(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
