/**
 * `tokenscope train` options of the composite quantizers (multi-head VQ; residual FSQ / LFQ use
 * --levels and --depth like fsq and rvq), kept in their own file so train-command.ts only gains
 * two calls.
 */
import { Option, type Command } from 'commander';
import { floatOption, intOption } from './options';

export interface CompositeCliOptions {
  heads?: number;
  compose?: 'concat' | 'sum';
  projection?: 'identity' | 'learned';
  disentangle?: number;
}

export function addCompositeOptions(cmd: Command): Command {
  return cmd
    .option('--heads <n>', 'mhvq: number of heads (the same as --depth for mhvq)', intOption(1, 16))
    .addOption(new Option('--compose <how>', "mhvq: how the heads' codes are composed (concat: D/heads each; sum: D each)").choices(['concat', 'sum']))
    .addOption(new Option('--projection <kind>', 'mhvq: per-head projection of the latent: fixed channel selectors (identity) or trained').choices(['identity', 'learned']))
    .option('--disentangle <weight>', 'mhvq: weight of the disentanglement regulariser mean cos(q_h, q_h\')² between heads', floatOption(0, 100));
}

/** The quantizer fields these options ask for. */
export function compositeQuantizerOptions(o: CompositeCliOptions): Record<string, unknown> {
  const q: Record<string, unknown> = {};
  if (o.heads !== undefined) q.depth = o.heads;
  if (o.compose !== undefined) q.compose = o.compose;
  if (o.projection !== undefined) q.projection = o.projection;
  if (o.disentangle !== undefined) q.disentangleWeight = o.disentangle;
  return q;
}
