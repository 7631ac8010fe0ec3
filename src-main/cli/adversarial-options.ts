import { Option, type Command } from 'commander';
import type { AdversarialConfig, TrainMetrics } from '../contract/index';
import { floatOption, intOption } from './options';

/**
 * `tokenscope train --gan …`: VQGAN's adversarial objective. Any of the options turns it on;
 * `--gan` alone takes the defaults (weight 0.8, hinge, from step 0, no feature matching,
 * discriminator of 2 layers × 32 filters).
 */
export interface AdversarialOptions {
  gan?: boolean;
  ganWeight?: number;
  ganStart?: number;
  ganLoss?: 'hinge' | 'non-saturating';
  featureMatching?: number;
  discLayers?: number;
  discChannels?: number;
}

export function addAdversarialOptions(cmd: Command): Command {
  return cmd
    .option('--gan', "train with VQGAN's adversarial objective (PatchGAN discriminator, adaptive weight)")
    .option('--gan-weight <x>', "weight of the adaptive generator loss (taming's disc_weight; implies --gan)", floatOption(0, 1000))
    .option('--gan-start <step>', "step the discriminator starts at (taming's disc_start; implies --gan)", intOption(0))
    .addOption(new Option('--gan-loss <kind>', 'GAN loss (implies --gan)').choices(['hinge', 'non-saturating']))
    .option('--feature-matching <x>', "weight of the L1 feature-matching loss on the discriminator's features (implies --gan)", floatOption(0, 1000))
    .option('--disc-layers <n>', "discriminator's stride-2 layers (taming's n_layers; implies --gan)", intOption(1, 6))
    .option('--disc-channels <n>', "discriminator's first-layer filters (taming's ndf; implies --gan)", intOption(1, 512));
}

/** The adversarial settings the options ask for, or undefined when none was given. */
export function adversarialFromOptions(o: AdversarialOptions): AdversarialConfig | undefined {
  const a: AdversarialConfig = {};
  if (o.ganWeight !== undefined) a.weight = o.ganWeight;
  if (o.ganStart !== undefined) a.startStep = o.ganStart;
  if (o.ganLoss !== undefined) a.loss = o.ganLoss;
  if (o.featureMatching !== undefined) a.featureMatchingWeight = o.featureMatching;
  if (o.discLayers !== undefined) a.discLayers = o.discLayers;
  if (o.discChannels !== undefined) a.discChannels = o.discChannels;
  return o.gan || Object.keys(a).length ? a : undefined;
}

/** The progress line's adversarial part: G and D losses and λ. */
export function adversarialMetricsText(m: TrainMetrics): string | null {
  const a = m.adversarial;
  return a ? `G ${a.gLoss.toFixed(3)}  D ${a.dLoss.toFixed(3)}  λ ${a.lambda.toPrecision(3)}` : null;
}
