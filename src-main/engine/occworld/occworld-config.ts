/**
 * OccWorld's model settings, as its `config/train_vqvae.py` writes them (`model = dict(type=
 * 'VAERes2D', encoder_cfg=dict(...), decoder_cfg=dict(...), num_classes, expansion,
 * vqvae_cfg=dict(...))`), read from the same nested dict in JSON (tuples as lists). Every field
 * is checked against sane bounds here; `occworld-shapes.ts` derives from it the state dict the
 * model must have, so a checkpoint is checked against it tensor by tensor.
 *
 * Two heads share the network: OccWorld's class head (`VAERes2D`: a class embedding per voxel
 * in, class logits by similarity to the same embedding out) and a continuous head
 * (`VAERes2DContinuous`, TokenScope's name for the same family without the class embedding:
 * `conv_in` on the BEV's channels, `conv_out` back to them, an MSE), the VQGAN-style tokenizer of
 * continuous BEV features.
 */
import type { OccWorldConfig, OccWorldNetConfig, OccWorldVqConfig } from '../../contract/occworld';

export type { OccWorldConfig, OccWorldHead, OccWorldNetConfig, OccWorldVqConfig } from '../../contract/occworld';

export function occworldHead(c: OccWorldConfig): 'classes' | 'continuous' {
  return c.type === 'VAERes2D' ? 'classes' : 'continuous';
}

/** Spatial downsampling factor: one stride-2 convolution between consecutive levels. */
export function occworldFactor(c: OccWorldConfig): number {
  return 2 ** (c.encoder_cfg.ch_mult.length - 1);
}

/** Channels the encoder's output has (what `vqvae.quant_conv` takes). */
export function encoderOutChannels(c: OccWorldConfig): number {
  return c.encoder_cfg.z_channels * (c.encoder_cfg.double_z ? 2 : 1);
}

/** OccWorld's own tokenizer (config/train_vqvae.py): ~14 M parameters, 200×200×16 → 50×50 tokens. */
export function occworldPaperConfig(): OccWorldConfig {
  const net = (outCh: number): OccWorldNetConfig => ({
    ch: 64,
    out_ch: outCh,
    ch_mult: [1, 2, 4],
    num_res_blocks: 2,
    attn_resolutions: [50],
    dropout: 0,
    resamp_with_conv: true,
    in_channels: 128,
    resolution: 200,
    z_channels: 128,
  });
  return {
    type: 'VAERes2D',
    encoder_cfg: { ...net(64), double_z: false },
    decoder_cfg: { ...net(128), give_pre_end: false },
    num_classes: 18,
    expansion: 8,
    vqvae_cfg: { n_e: 512, e_dim: 128, beta: 1, z_channels: 128, legacy: true },
  };
}

const MAX_CHANNELS = 4096;

class ConfigError extends Error {}

function fail(source: string, msg: string): never {
  throw new ConfigError(`${source}: ${msg}`);
}

function obj(v: unknown, source: string, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(source, `${what} must be an object, got ${JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

function int(o: Record<string, unknown>, key: string, source: string, where: string, lo: number, hi: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    fail(source, `${where}.${key} must be an integer in ${lo}..${hi}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function num(o: Record<string, unknown>, key: string, source: string, where: string, lo: number, hi: number, dflt?: number): number {
  const v = o[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
    fail(source, `${where}.${key} must be a number in ${lo}..${hi}, got ${JSON.stringify(o[key])}`);
  }
  return v;
}

function bool(o: Record<string, unknown>, key: string, source: string, where: string, dflt: boolean): boolean {
  const v = o[key] ?? dflt;
  if (typeof v !== 'boolean') fail(source, `${where}.${key} must be true or false, got ${JSON.stringify(o[key])}`);
  return v;
}

function intList(o: Record<string, unknown>, key: string, source: string, where: string, lo: number, hi: number, maxLen: number, minLen: number): number[] {
  const v = o[key];
  if (!Array.isArray(v) || v.length < minLen || v.length > maxLen || v.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < lo || x > hi)) {
    fail(source, `${where}.${key} must be a list of ${minLen}..${maxLen} integers in ${lo}..${hi}, got ${JSON.stringify(v)}`);
  }
  return [...(v as number[])];
}

function net(v: unknown, source: string, where: 'encoder_cfg' | 'decoder_cfg'): OccWorldNetConfig {
  const o = obj(v, source, where);
  if (o.type !== undefined && o.type !== (where === 'encoder_cfg' ? 'Encoder2D' : 'Decoder2D')) {
    fail(source, `${where}.type must be ${where === 'encoder_cfg' ? 'Encoder2D' : 'Decoder2D'}, got ${JSON.stringify(o.type)}`);
  }
  const cfg: OccWorldNetConfig = {
    ch: int(o, 'ch', source, where, 1, 1024),
    out_ch: int(o, 'out_ch', source, where, 1, MAX_CHANNELS),
    ch_mult: intList(o, 'ch_mult', source, where, 1, 16, 6, 2),
    num_res_blocks: int(o, 'num_res_blocks', source, where, 1, 8),
    attn_resolutions: intList(o, 'attn_resolutions', source, where, 1, 4096, 8, 0),
    dropout: num(o, 'dropout', source, where, 0, 0.99, 0),
    resamp_with_conv: bool(o, 'resamp_with_conv', source, where, true),
    in_channels: int(o, 'in_channels', source, where, 1, MAX_CHANNELS),
    resolution: int(o, 'resolution', source, where, 1, 4096),
    z_channels: int(o, 'z_channels', source, where, 1, MAX_CHANNELS),
  };
  if (!cfg.resamp_with_conv) fail(source, `${where}.resamp_with_conv = false (average-pool resampling) is not supported`);
  if (cfg.ch * Math.max(...cfg.ch_mult) > MAX_CHANNELS) fail(source, `${where}: ch × max(ch_mult) = ${cfg.ch * Math.max(...cfg.ch_mult)} channels is more than ${MAX_CHANNELS}`);
  if (where === 'encoder_cfg') cfg.double_z = bool(o, 'double_z', source, where, true);
  else {
    cfg.give_pre_end = bool(o, 'give_pre_end', source, where, false);
    if (cfg.give_pre_end) fail(source, 'decoder_cfg.give_pre_end = true (no output head) is not supported');
  }
  return cfg;
}

/**
 * The model dict of an OccWorld config, checked. Accepts the dict itself or an object holding it
 * under `model` (a whole config file in JSON). Throws one error naming `source` and the field.
 */
export function parseOccWorldConfig(json: unknown, source: string): OccWorldConfig {
  let o = obj(json, source, 'the config');
  if (o.encoder_cfg === undefined && o.model !== undefined) o = obj(o.model, source, 'model');
  const type = o.type ?? 'VAERes2D';
  if (type !== 'VAERes2D' && type !== 'VAERes2DContinuous') fail(source, `model type must be VAERes2D or VAERes2DContinuous, got ${JSON.stringify(type)}`);
  const encoder = net(o.encoder_cfg, source, 'encoder_cfg');
  const decoder = net(o.decoder_cfg, source, 'decoder_cfg');
  if (o.vqvae_cfg === undefined || o.vqvae_cfg === null) fail(source, 'vqvae_cfg is missing: only the VQ tokenizer is supported (not the continuous VAE)');
  const vq = obj(o.vqvae_cfg, source, 'vqvae_cfg');
  if (vq.type !== undefined && vq.type !== 'VectorQuantizer') fail(source, `vqvae_cfg.type must be VectorQuantizer, got ${JSON.stringify(vq.type)}`);
  if (vq.use_voxel === true) fail(source, 'vqvae_cfg.use_voxel = true (3D quantizer convolutions) is not supported: OccWorld uses false');
  if (vq.remap !== undefined && vq.remap !== null) fail(source, 'vqvae_cfg.remap (index remapping from a file) is not supported');
  const vqvae_cfg: OccWorldVqConfig = {
    n_e: int(vq, 'n_e', source, 'vqvae_cfg', 2, 65536),
    e_dim: int(vq, 'e_dim', source, 'vqvae_cfg', 1, MAX_CHANNELS),
    beta: num(vq, 'beta', source, 'vqvae_cfg', 0, 100),
    z_channels: int(vq, 'z_channels', source, 'vqvae_cfg', 1, MAX_CHANNELS),
    legacy: bool(vq, 'legacy', source, 'vqvae_cfg', true),
  };
  const cfg: OccWorldConfig = { type, encoder_cfg: encoder, decoder_cfg: decoder, vqvae_cfg };
  if (type === 'VAERes2D') {
    cfg.num_classes = int(o, 'num_classes', source, 'model', 2, 256);
    cfg.expansion = int(o, 'expansion', source, 'model', 1, 256);
  }
  checkConsistency(cfg, source);
  return cfg;
}

function checkConsistency(c: OccWorldConfig, source: string): void {
  const e = c.encoder_cfg;
  const d = c.decoder_cfg;
  if (e.ch_mult.join() !== d.ch_mult.join()) fail(source, `encoder_cfg.ch_mult ${JSON.stringify(e.ch_mult)} and decoder_cfg.ch_mult ${JSON.stringify(d.ch_mult)} differ`);
  if (e.ch !== d.ch) fail(source, `encoder_cfg.ch (${e.ch}) and decoder_cfg.ch (${d.ch}) differ`);
  if (c.vqvae_cfg.z_channels !== encoderOutChannels(c)) {
    fail(source, `vqvae_cfg.z_channels (${c.vqvae_cfg.z_channels}) must equal the encoder's output channels (${encoderOutChannels(c)})`);
  }
  if (d.z_channels !== c.vqvae_cfg.z_channels) fail(source, `decoder_cfg.z_channels (${d.z_channels}) must equal vqvae_cfg.z_channels (${c.vqvae_cfg.z_channels})`);
  if (c.type === 'VAERes2D') {
    const x = c.expansion!;
    if (e.in_channels % x !== 0) fail(source, `encoder_cfg.in_channels (${e.in_channels}) must be a multiple of expansion (${x}): heights × expansion`);
    if (d.out_ch !== e.in_channels) fail(source, `decoder_cfg.out_ch (${d.out_ch}) must equal encoder_cfg.in_channels (${e.in_channels}): heights × expansion`);
  } else if (d.out_ch !== e.in_channels) {
    fail(source, `decoder_cfg.out_ch (${d.out_ch}) must equal encoder_cfg.in_channels (${e.in_channels}): the BEV's channels`);
  }
}

/** Height slices per column of the class head (in_channels / expansion). */
export function occworldHeights(c: OccWorldConfig): number {
  return c.type === 'VAERes2D' ? c.encoder_cfg.in_channels / c.expansion! : 1;
}

/** The BEV frame channels the model takes: heights × classes (class head, one-hot) or in_channels. */
export function occworldFrameChannels(c: OccWorldConfig): number {
  return c.type === 'VAERes2D' ? occworldHeights(c) * c.num_classes! : c.encoder_cfg.in_channels;
}
