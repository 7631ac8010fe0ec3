import { describe, expect, it, beforeAll } from 'vitest';
import { createProceduralSequence } from '../data/procedural-scene';
import { openPath } from '../data/open-path';
import type { FrameSequence } from '../data/frame';
import { LIDAR_SAMPLE, OCC3D_SAMPLE } from '../data/test-paths';
import { defaultTrainConfigFor, resolveTrainConfig } from './train-config';

describe('training config with model.arch "occworld"', () => {
  let occ3d: FrameSequence;
  let lidar: FrameSequence;
  beforeAll(async () => {
    occ3d = await openPath(OCC3D_SAMPLE);
    lidar = await openPath(LIDAR_SAMPLE);
  });

  it("builds OccWorld's model dict for Occ3D frames from the form's sizes", () => {
    const cfg = resolveTrainConfig({ model: { arch: 'occworld', hidden: 16, latentDim: 32 }, quantizer: { codebookSize: 256 } }, defaultTrainConfigFor(occ3d), occ3d);
    const o = cfg.model.occworld!;
    expect(cfg.model).toMatchObject({ arch: 'occworld', inChannels: 288, hidden: 16, latentDim: 32, stages: 2 });
    expect(o.type).toBe('VAERes2D');
    expect([o.num_classes, o.expansion, o.encoder_cfg.in_channels, o.decoder_cfg.out_ch]).toEqual([18, 8, 128, 128]);
    expect(o.encoder_cfg.ch_mult).toEqual([1, 2, 4]);
    expect(o.encoder_cfg.attn_resolutions).toEqual([50]);
    expect([o.vqvae_cfg.n_e, o.vqvae_cfg.e_dim, o.vqvae_cfg.z_channels, o.vqvae_cfg.beta]).toEqual([256, 32, 32, 1]);
    expect(cfg.quantizer).toEqual({ kind: 'vq', codebookSize: 256, beta: 1 });
  });

  it('uses the continuous head on continuous frames, and keeps a given dict and loss weights', () => {
    expect(lidar.encoding.kind).toBe('continuous');
    const cont = resolveTrainConfig({ model: { arch: 'occworld', hidden: 8, latentDim: 8 } }, defaultTrainConfigFor(lidar), lidar);
    expect(cont.model.occworld!.type).toBe('VAERes2DContinuous');
    expect([cont.model.occworld!.encoder_cfg.in_channels, cont.model.occworld!.decoder_cfg.out_ch, cont.model.inChannels]).toEqual([20, 20, 20]);
    const first = resolveTrainConfig({ model: { arch: 'occworld', hidden: 8, latentDim: 8 } }, defaultTrainConfigFor(occ3d), occ3d);
    const again = resolveTrainConfig({ model: { ...first.model, occworldLoss: { ce: 10, lovasz: 0 } } }, defaultTrainConfigFor(occ3d), occ3d);
    expect(again.model.occworld).toEqual(first.model.occworld);
    expect(again.model.occworldLoss).toEqual({ ce: 10, lovasz: 0 });
  });

  it('refuses a bad dict, or one for other frames, naming the field', () => {
    const base = defaultTrainConfigFor(occ3d);
    expect(() => resolveTrainConfig({ model: { arch: 'occworld', occworld: { encoder_cfg: {} } } }, base, occ3d)).toThrow('startTraining: model.occworld: encoder_cfg.ch must be an integer');
    const first = resolveTrainConfig({ model: { arch: 'occworld', hidden: 8, latentDim: 8 } }, base, occ3d);
    const scene = createProceduralSequence({ frames: 1, size: 32 });
    expect(() => resolveTrainConfig({ model: first.model }, defaultTrainConfigFor(scene), scene)).toThrow(
      `startTraining: OccWorld's model dict takes 288 channels but "${scene.name}" has ${scene.channels}`,
    );
  });
});
