import type { TrainConfig } from '../contract/index';
import type { FrameSequence } from '../data/frame';
import { parseOccWorldConfig, type OccWorldConfig } from '../engine/occworld/occworld-config';
import { occworldModelConfig } from '../engine/occworld/occworld-model-config';
import { ArgumentError } from './errors';

/**
 * Training settings for `model.arch: 'occworld'`: OccWorld's model dict, either given whole
 * (`model.occworld`, e.g. from a config.json) or built for the open sequence from the form's
 * sizes: hidden → ch, latentDim → e_dim (= z_channels, as OccWorld has it), stages → ch_mult
 * [1, 2, 4, …], codebookSize → n_e, attention at the lowest level; OccWorld's own values
 * (ch 64, e_dim 128, ch_mult [1, 2, 4], n_e 512, 2 blocks) where the form says nothing. Class
 * frames get OccWorld's class head (heights = the frames' height groups), continuous ones the
 * continuous head. Its quantizer is OccWorld's VQ (β 1, legacy order).
 */
export function applyOccWorldModel(cfg: TrainConfig, asked: Record<string, unknown>, askedQuantizer: Record<string, unknown>, base: TrainConfig, seq: FrameSequence): void {
  let occ: OccWorldConfig;
  try {
    occ = asked.occworld !== undefined ? parseOccWorldConfig(asked.occworld, 'model.occworld') : buildFor(asked, askedQuantizer, base, seq);
  } catch (err) {
    throw new ArgumentError('startTraining', (err as Error).message);
  }
  const model = occworldModelConfig(occ);
  if (model.inChannels !== seq.channels) {
    throw new ArgumentError('startTraining', `OccWorld's model dict takes ${model.inChannels} channels but "${seq.name}" has ${seq.channels}`);
  }
  cfg.model = { ...model, ...(asked.occworldLoss !== undefined ? { occworldLoss: asked.occworldLoss as { ce: number; lovasz: number } } : base.model.occworldLoss ? { occworldLoss: base.model.occworldLoss } : {}) };
  cfg.quantizer = { kind: 'vq', codebookSize: occ.vqvae_cfg.n_e, beta: occ.vqvae_cfg.beta };
}

function buildFor(asked: Record<string, unknown>, askedQuantizer: Record<string, unknown>, base: TrainConfig, seq: FrameSequence): OccWorldConfig {
  const prev = base.model.arch === 'occworld' ? base.model.occworld : undefined;
  const pick = (v: unknown, fallback: number) => (typeof v === 'number' ? v : fallback);
  const ch = pick(asked.hidden, prev?.encoder_cfg.ch ?? 64);
  const eDim = pick(asked.latentDim, prev?.vqvae_cfg.e_dim ?? 128);
  const levels = pick(asked.stages, prev ? prev.encoder_cfg.ch_mult.length - 1 : 2) + 1;
  const nE = pick(askedQuantizer.codebookSize, prev?.vqvae_cfg.n_e ?? 512);
  const classes = seq.encoding.kind === 'classes' ? seq.encoding : null;
  const expansion = 8;
  const inCh = classes ? classes.groups * expansion : seq.channels;
  const resolution = Math.max(seq.height, seq.width);
  const net = {
    ch,
    ch_mult: Array.from({ length: levels }, (_, i) => 2 ** i),
    num_res_blocks: prev?.encoder_cfg.num_res_blocks ?? 2,
    attn_resolutions: [Math.floor(resolution / 2 ** (levels - 1))],
    dropout: 0,
    resamp_with_conv: true,
    in_channels: inCh,
    resolution,
    z_channels: eDim,
  };
  return parseOccWorldConfig(
    {
      type: classes ? 'VAERes2D' : 'VAERes2DContinuous',
      encoder_cfg: { ...net, out_ch: ch, double_z: false },
      decoder_cfg: { ...net, out_ch: inCh },
      ...(classes ? { num_classes: classes.numClasses, expansion } : {}),
      vqvae_cfg: { n_e: nE, e_dim: eDim, beta: 1, z_channels: eDim },
    },
    'model (arch occworld)',
  );
}
