import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { probePython, runPython } from '../checkpoint/python-check';
import { repoRoot } from '../quantizers/test-backend';
import { occworldFactor, occworldFrameChannels, occworldPaperConfig, parseOccWorldConfig } from './occworld-config';
import { OccWorldNet } from './occworld-net';
import { OccWorldQuantizer } from './occworld-quantizer';
import { loadOccWorldStateDict, occworldStateDict, occworldTorchShapes } from './occworld-state-dict';
import { smallOccWorldConfig } from './test-configs';

const torch = probePython(['torch']);

describe('OccWorld model config', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  it('reads OccWorld\'s own model dict (train_vqvae.py in JSON), also under "model"', () => {
    const paper = occworldPaperConfig();
    const json = JSON.parse(JSON.stringify({ model: { ...paper, vqvae_cfg: { type: 'VectorQuantizer', ...paper.vqvae_cfg, use_voxel: false } } })) as unknown;
    const c = parseOccWorldConfig(json, 'config.json');
    expect(c).toEqual(paper);
    expect(occworldFactor(c)).toBe(4);
    expect(occworldFrameChannels(c)).toBe(16 * 18);
  });

  it('refuses bad fields, naming the file and the field', () => {
    const p = occworldPaperConfig();
    const bad = (patch: object, msg: string) => expect(() => parseOccWorldConfig({ ...p, ...patch }, 'cfg.json')).toThrow(`cfg.json: ${msg}`);
    bad({ encoder_cfg: { ...p.encoder_cfg, ch: 0 } }, 'encoder_cfg.ch must be an integer in 1..1024, got 0');
    bad({ encoder_cfg: { ...p.encoder_cfg, ch_mult: [1, 2] } }, 'encoder_cfg.ch_mult [1,2] and decoder_cfg.ch_mult [1,2,4] differ');
    bad({ decoder_cfg: { ...p.decoder_cfg, attn_resolutions: 'x' } }, 'decoder_cfg.attn_resolutions must be a list');
    bad({ vqvae_cfg: { ...p.vqvae_cfg, z_channels: 64 } }, "vqvae_cfg.z_channels (64) must equal the encoder's output channels (128)");
    bad({ vqvae_cfg: undefined }, 'vqvae_cfg is missing');
    bad({ expansion: 7 }, 'encoder_cfg.in_channels (128) must be a multiple of expansion (7)');
    bad({ type: 'Evil' }, 'model type must be VAERes2D or VAERes2DContinuous');
    expect(() => parseOccWorldConfig([], 'cfg.json')).toThrow('cfg.json: the config must be an object');
  });

  it('loads a state dict only when every tensor is there with its shape, and nothing else', async () => {
    const cfg = smallOccWorldConfig();
    const [a, qa] = [new OccWorldNet(cfg, 1), new OccWorldQuantizer(cfg.vqvae_cfg, 1)];
    const [b, qb] = [new OccWorldNet(cfg, 2), new OccWorldQuantizer(cfg.vqvae_cfg, 2)];
    const before = tf.memory().numTensors;
    const sd = occworldStateDict(a, qa);
    expect(Object.keys(sd).sort()).toEqual(Object.keys(occworldTorchShapes(a, qa)).sort());
    const name = 'encoder.down.0.block.0.conv1.weight';
    const { [name]: dropped, ...missing } = sd;
    expect(() => loadOccWorldStateDict(b, qb, missing, 'm.pth')).toThrow(`m.pth: ${name} is missing (expected [32, 32, 3, 3])`);
    const wrong = { ...sd, [name]: tf.zeros([32, 32, 1, 1]) };
    expect(() => loadOccWorldStateDict(b, qb, wrong, 'm.pth')).toThrow(`m.pth: ${name} is [32, 32, 1, 1] but the model needs [32, 32, 3, 3]`);
    const extra = { ...sd, 'encoder.evil.weight': tf.zeros([2]) };
    expect(() => loadOccWorldStateDict(b, qb, extra, 'm.pth')).toThrow('m.pth: encoder.evil.weight [2] is not part of the configured OccWorld model');
    const cb = { ...sd, 'vqvae.embedding.weight': tf.zeros([65, 8]) };
    expect(() => loadOccWorldStateDict(b, qb, cb, 'm.pth')).toThrow('m.pth: vqvae.embedding.weight is [65, 8] but the model needs [64, 8]');
    // Nothing was assigned by the refused loads; a good one copies every value.
    loadOccWorldStateDict(b, qb, sd, 'm.pth');
    const again = occworldStateDict(b, qb);
    const diffs = tf.tidy(() => Object.keys(sd).map((k) => tf.max(tf.abs(tf.sub(sd[k]!, again[k]!)))));
    expect(Math.max(...(await Promise.all(diffs.map(async (t) => (await t.data())[0]!))))).toBe(0);
    tf.dispose([dropped!, wrong[name]!, extra['encoder.evil.weight']!, cb['vqvae.embedding.weight']!, ...Object.values(sd), ...Object.values(again), ...diffs]);
    expect(tf.memory().numTensors).toBe(before);
    [a, qa, b, qb].forEach((m) => m.dispose());
  });

  it.skipIf(!torch.ok)(`has the PyTorch twin's names and shapes at OccWorld's size (~14 M parameters)${torch.ok ? '' : ` (skipped: ${torch.reason})`}`, () => {
    const cfg = occworldPaperConfig();
    const net = new OccWorldNet(cfg, 0);
    const vq = new OccWorldQuantizer(cfg.vqvae_cfg, 0);
    const ours = occworldTorchShapes(net, vq);
    const script = String.raw`
import json, sys
sys.path.insert(0, sys.argv[2])
from occworld_vae import VAERes2D
m = VAERes2D(**json.loads(sys.argv[1]))
print(json.dumps({k: list(v.shape) for k, v in m.state_dict().items()}))
`;
    const theirs = JSON.parse(runPython(script, [JSON.stringify(cfg), `${repoRoot}/resources/pytorch`])) as Record<string, number[]>;
    expect(ours).toEqual(theirs);
    const count = Object.values(ours).reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
    expect(count).toBeGreaterThan(13e6);
    expect(count).toBeLessThan(15e6);
    net.dispose();
    vq.dispose();
  }, 60_000);
});
