import { InvalidArgumentError, type Command } from 'commander';
import { BACKEND_ENV, BACKEND_NAMES, isBackendName } from '../engine/backend/backend-order';
import { ENCODE_ENGINE_ENV, ENCODE_ENGINES } from '../engine/onnx/encode-engine-choice';

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
    .option(
      '--encode-engine <name>',
      `what encodes whole sequences and datasets: ${ENCODE_ENGINES.join(', ')} (default auto: ONNX Runtime's CPU kernels for reference-architecture, OccWorld VAERes2D, hierarchical (VQ-VAE-2) and TiTok tokenizers, every quantizer, on a CPU backend not named by --backend, else TensorFlow.js; also ${ENCODE_ENGINE_ENV})`,
      (v: string) => {
        if (!(ENCODE_ENGINES as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${ENCODE_ENGINES.join(', ')}.`);
        return v;
      },
    )
    .configureHelp({ showGlobalOptions: true })
    .hook('preAction', (cmd) => {
      const o = cmd.opts<{ backend?: string; encodeEngine?: string }>();
      if (o.backend) process.env[BACKEND_ENV] = o.backend;
      if (o.encodeEngine) process.env[ENCODE_ENGINE_ENV] = o.encodeEngine;
    });
}
