import { parseOccWorldConfig, type OccWorldConfig } from './occworld-config';

/** Tests only: small enough for seconds on wasm (ch 32, ch_mult [1, 2]: GroupNorm with channels / 4 groups at 32 channels and 32 groups at 64; attention at 16; 32×32×4 voxels). */
export function smallOccWorldConfig(): OccWorldConfig {
  const net = { ch: 32, ch_mult: [1, 2], num_res_blocks: 1, attn_resolutions: [16], dropout: 0, resamp_with_conv: true, in_channels: 32, resolution: 32, z_channels: 16 };
  return parseOccWorldConfig(
    {
      type: 'VAERes2D',
      encoder_cfg: { type: 'Encoder2D', ...net, out_ch: 32, double_z: false },
      decoder_cfg: { type: 'Decoder2D', ...net, out_ch: 32, give_pre_end: false },
      num_classes: 18,
      expansion: 8,
      vqvae_cfg: { type: 'VectorQuantizer', n_e: 64, e_dim: 8, beta: 0.5, z_channels: 16, use_voxel: false },
    },
    'small config',
  );
}

