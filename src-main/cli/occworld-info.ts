import { occworldFactor, occworldHead, parseOccWorldConfig, type OccWorldConfig } from '../engine/occworld/occworld-config';

/** `tokenscope info` of an OccWorld export folder (or a bare OccWorld model dict + weights). */
export function occworldExportInfo(raw: unknown, cfgFile: string, dir: string, size: string): { lines: string[]; json: unknown } {
  const occ = parseOccWorldConfig(raw, cfgFile);
  const o = raw as { input?: { height: number; width: number } | null };
  const f = occworldFactor(occ);
  const side = o.input ? [o.input.height, o.input.width] : [occ.encoder_cfg.resolution, occ.encoder_cfg.resolution];
  return {
    lines: [`export      ${dir}`, `size        ${size}`, ...occworldModelLines(occ), `token grid  ${side.map((s) => Math.floor(s / f)).join(' × ')}`],
    json: raw,
  };
}

/** The model and quantizer lines of an OccWorld model. */
export function occworldModelLines(occ: OccWorldConfig): string[] {
  const e = occ.encoder_cfg;
  const head = occworldHead(occ) === 'classes' ? `${occ.num_classes} classes × ${e.in_channels / occ.expansion!} heights (expansion ${occ.expansion})` : `${e.in_channels} continuous channels`;
  return [
    `model       OccWorld VAERes2D: ${head}, ch ${e.ch} × [${e.ch_mult.join(', ')}], ${e.num_res_blocks} res blocks, attention at [${e.attn_resolutions.join(', ')}], z ${e.z_channels} (${occworldFactor(occ)}× down)`,
    `quantizer   vq, codebook ${occ.vqvae_cfg.n_e} × ${occ.vqvae_cfg.e_dim}, β ${occ.vqvae_cfg.beta}${occ.vqvae_cfg.legacy ? ' (legacy order)' : ''}, ${Math.log2(occ.vqvae_cfg.n_e).toFixed(1)} bits/token`,
  ];
}
