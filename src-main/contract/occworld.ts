/**
 * OccWorld's model settings (its `config/train_vqvae.py`'s `model = dict(...)`, in JSON with
 * tuples as lists): the `occworld` field of a ModelConfig whose `arch` is 'occworld'. Types
 * only; the engine checks them (engine/occworld/occworld-config.ts).
 */

export interface OccWorldNetConfig {
  ch: number;
  out_ch: number;
  ch_mult: number[];
  num_res_blocks: number;
  attn_resolutions: number[];
  dropout: number;
  resamp_with_conv: boolean;
  in_channels: number;
  resolution: number;
  z_channels: number;
  /** Encoder only. */
  double_z?: boolean;
  /** Decoder only (OccWorld's tokenizers have it off). */
  give_pre_end?: boolean;
}

export interface OccWorldVqConfig {
  n_e: number;
  e_dim: number;
  beta: number;
  z_channels: number;
  /** OccWorld's default (true): loss = ‖sg(q) − z‖² + β·‖q − sg(z)‖², the β on the codebook term. */
  legacy: boolean;
}

export type OccWorldHead = 'classes' | 'continuous';

export interface OccWorldConfig {
  type: 'VAERes2D' | 'VAERes2DContinuous';
  encoder_cfg: OccWorldNetConfig;
  decoder_cfg: OccWorldNetConfig;
  /** Class head only. */
  num_classes?: number;
  /** Class head only: values per voxel of `class_embeds`. */
  expansion?: number;
  vqvae_cfg: OccWorldVqConfig;
}

