import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend } from '../backend';
import { readSafetensors } from '../checkpoint/safetensors';
import { disposeStateDict, safeFileToStateDict, type StateDict } from '../checkpoint/tensor-io';
import { probePython, runPython } from '../checkpoint/python-check';
import { classEncoding } from '../../data/palette';
import { occworldReconLoss } from './occworld-loss';
import { repoRoot } from '../quantizers/test-backend';
import { parseOccWorldConfig, type OccWorldConfig } from './occworld-config';
import { smallOccWorldConfig } from './test-configs';
import { OccWorldNet } from './occworld-net';
import { OccWorldQuantizer } from './occworld-quantizer';
import { loadOccWorldStateDict, OCCWORLD_CODEBOOK } from './occworld-state-dict';

/**
 * The OccWorld tokenizer against its PyTorch twin (resources/pytorch/occworld_vae.py, OccWorld's
 * names): random weights and voxels made by torch, the state dict loaded here as is; latents,
 * token ids, decoded logits and the gradients of one training step (10·CE + Lovász-softmax + the
 * VQ loss, as OccWorld trains it) must agree.
 */
const torch = probePython(['torch', 'numpy']);
const d = torch.ok ? describe : describe.skip;

const CONTINUOUS = String.raw`
import json, sys, torch, torch.nn.functional as F
sys.path.insert(0, sys.argv[2])
from occworld_vae import VAERes2D
from tokenscope_tokenizer import write_safetensors
out = sys.argv[1]
torch.manual_seed(3)
model = VAERes2D(**json.load(open(out + '/config.json'))).train()
x = torch.randn(2, 5, 32, 32)
with torch.no_grad():
    z, _ = model.latents(x)
    flat = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
    model.vqvae.embedding.weight.copy_(flat[torch.randperm(flat.shape[0])[: model.vqvae.n_e]])
o, vq, _ = model(x)
loss = F.mse_loss(o, x) + vq
loss.backward()
write_safetensors(out + '/model.safetensors', model.state_dict())
io = {'x': x.permute(0, 2, 3, 1).contiguous(), 'out': o.detach().permute(0, 2, 3, 1).contiguous(), 'loss': loss.detach().reshape(1)}
for n, p in model.named_parameters():
    io['grad.' + n] = p.grad
write_safetensors(out + '/io.safetensors', io)
`;

const SCRIPT = String.raw`
import json, sys, torch, torch.nn.functional as F
sys.path.insert(0, sys.argv[2])
from occworld_vae import VAERes2D, occworld_loss
from tokenscope_tokenizer import write_safetensors
out = sys.argv[1]
cfg = json.load(open(out + '/config.json'))
torch.manual_seed(0)
model = VAERes2D(**cfg)
B, X, Y, Z = 2, 32, 32, 4
# Blocky voxels (4x4 columns of one class) so that the scene has structure, like real occupancy.
vox = torch.randint(0, cfg['num_classes'], (B, X // 4, Y // 4, Z)).repeat_interleave(4, 1).repeat_interleave(4, 2)
vox = torch.where(torch.rand(B, X, Y, Z) < 0.1, torch.randint(0, cfg['num_classes'], (B, X, Y, Z)), vox)
model.eval()
with torch.no_grad():
    z, _ = model.latents(model.embed(vox))
    flat = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
    # Codes drawn near real latents, so the nearest-code search has real choices to make.
    pick = torch.randperm(flat.shape[0])[: model.vqvae.n_e]
    model.vqvae.embedding.weight.copy_(flat[pick] + 0.05 * torch.randn_like(flat[pick]))
    w = model.vqvae.embedding.weight
    dist = flat.pow(2).sum(1, keepdim=True) + w.pow(2).sum(1) - 2 * flat @ w.t()
    two = dist.topk(2, dim=1, largest=False).values
    ids = model.vqvae.nearest(z)
    logits = model.decode_ids(ids, (X, Y, Z))
model.train()
logits_t, vq_loss, _ = model(vox)
loss = occworld_loss(logits_t, vox, vq_loss)
loss.backward()
write_safetensors(out + '/model.safetensors', model.state_dict())
io = {'voxels': vox.int(), 'z': z.permute(0, 2, 3, 1).contiguous(), 'ids': ids.int(), 'gap': (two[:, 1] - two[:, 0]).contiguous(),
      'logits': logits.contiguous(), 'loss': torch.stack([loss, vq_loss]).detach()}
for n, p in model.named_parameters():
    io['grad.' + n] = p.grad
write_safetensors(out + '/io.safetensors', io)
print(json.dumps({'params': sum(p.numel() for p in model.parameters())}))
`;

async function arr(t: tf.Tensor): Promise<Float32Array | Int32Array> {
  return (await t.data()) as Float32Array | Int32Array;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

d(`OccWorld VAERes2D against PyTorch${torch.ok ? '' : ` (skipped: ${torch.reason})`}`, () => {
  let dir: string;
  let cfg: OccWorldConfig;
  let sd: StateDict;
  let io: StateDict;
  let net: OccWorldNet;
  let vq: OccWorldQuantizer;

  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
    dir = mkdtempSync(path.join(tmpdir(), 'ts-occworld-'));
    cfg = smallOccWorldConfig();
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
    const info = JSON.parse(runPython(SCRIPT, [dir, path.join(repoRoot, 'resources/pytorch')])) as { params: number };
    sd = safeFileToStateDict(await readSafetensors(path.join(dir, 'model.safetensors')), 'model.safetensors');
    io = safeFileToStateDict(await readSafetensors(path.join(dir, 'io.safetensors')), 'io.safetensors');
    net = new OccWorldNet(cfg, 1);
    vq = new OccWorldQuantizer(cfg.vqvae_cfg, 1);
    loadOccWorldStateDict(net, vq, sd, 'model.safetensors');
    expect(net.store.size() + vq.codebookSize * vq.dim).toBe(info.params);
  }, 120_000);

  afterAll(() => {
    net?.dispose();
    vq?.dispose();
    if (sd) disposeStateDict(sd);
    if (io) disposeStateDict(io);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same latents, token ids (but for near-ties) and decoded logits', async () => {
    const before = tf.memory().numTensors;
    const voxels = io.voxels as tf.Tensor4D;
    const [B, X, Y, Z] = voxels.shape;
    const ncls = cfg.num_classes!;
    const { z, ids, logits } = tf.tidy(() => {
      const { z } = net.latents(net.embedIds(voxels), false);
      const [b, h, w, e] = z.shape;
      const near = vq.nearestCodes(tf.reshape(z, [-1, e]) as tf.Tensor2D);
      const q = tf.reshape(vq.indicesToCodes(near.indices), [b, h, w, e]) as tf.Tensor4D;
      return { z, ids: near.indices, logits: net.decode(q, false) };
    });
    // Latents: same computation, float32 summation order apart.
    const [zt, zp] = [await arr(z), await arr(io.z!)];
    expect(maxAbsDiff(zt, zp)).toBeLessThan(1e-4 * Math.max(1, maxAbs(zp)));
    // Token ids: equal except where the two nearest codes are closer than rounding.
    const [it, ip, gap] = [await arr(ids), await arr(io.ids!), await arr(io.gap!)];
    const differ: number[] = [];
    for (let i = 0; i < ip.length; i++) if (it[i] !== ip[i]) differ.push(i);
    for (const i of differ) expect(gap[i]!, `cell ${i}: ids ${it[i]} vs ${ip[i]}, nearest-vs-second gap ${gap[i]}`).toBeLessThan(1e-4);
    console.log(`OccWorld small: ${ip.length - differ.length}/${ip.length} token ids equal to PyTorch${differ.map((i) => `; cell ${i} differs (gap ${gap[i]!.toExponential(2)})`).join('')}`);
    expect(new Set(Array.from(ip)).size).toBeGreaterThan(8);
    // Decoded logits from PyTorch's ids (so a near-tie cannot make them differ): within 1e-3.
    const qp = tf.tidy(() => net.decode(tf.reshape(vq.indicesToCodes(io.ids!), [B, X / 2, Y / 2, vq.dim]) as tf.Tensor4D, false));
    expect(qp.shape).toEqual([B, X, Y, Z * ncls]);
    const [lt, lp] = [await arr(qp), await arr(io.logits!)];
    expect(maxAbsDiff(lt, lp)).toBeLessThan(1e-3);
    console.log(`OccWorld small: max |latent diff| ${maxAbsDiff(zt, zp).toExponential(2)}, max |logit diff| ${maxAbsDiff(lt, lp).toExponential(2)}`);
    // Argmax per voxel equal on ≥ 99.9 %.
    let same = 0;
    for (let v = 0; v < lt.length / ncls; v++) {
      let [bt, bp] = [0, 0];
      for (let c = 1; c < ncls; c++) {
        if (lt[v * ncls + c]! > lt[v * ncls + bt]!) bt = c;
        if (lp[v * ncls + c]! > lp[v * ncls + bp]!) bp = c;
      }
      if (bt === bp) same++;
    }
    expect(same / (lt.length / ncls)).toBeGreaterThanOrEqual(0.999);
    tf.dispose([z, ids, logits, qp]);
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('gives the same loss and gradients in a training step (OccWorld\'s: 10·CE + Lovász-softmax + VQ loss)', async () => {
    const voxels = io.voxels as tf.Tensor4D;
    const ncls = cfg.num_classes!;
    const vars: Record<string, tf.Variable> = { ...Object.fromEntries(Object.keys(net.store.torchShapes()).map((k) => [k, net.store.get(k)])) };
    vars[OCCWORLD_CODEBOOK] = vq.trainableVariables()[0]!;
    const names = new Map(Object.entries(vars).map(([k, v]) => [v.name, k]));
    const { value, grads, parts } = tf.tidy(() => {
      let parts: tf.Tensor | undefined;
      const r = tf.variableGrads(() => {
        const { z } = net.latents(net.embedIds(voxels), true);
        const [b, h, w, e] = z.shape;
        const q = vq.quantize(tf.reshape(z, [-1, e]) as tf.Tensor2D, { training: true });
        const logits = net.decode(tf.reshape(q.quantized, [b, h, w, e]) as tf.Tensor4D, true);
        const target = tf.cast(tf.oneHot(tf.reshape(voxels, [-1]), ncls), 'float32');
        const recon = occworldReconLoss(logits, tf.reshape(target, logits.shape) as tf.Tensor4D, classEncoding(logits.shape[3] / ncls));
        const loss = tf.add(recon, q.loss) as tf.Scalar;
        parts = tf.keep(tf.stack([loss, q.loss]));
        return loss;
      }, Object.values(vars));
      return { ...r, parts: parts! };
    });
    const [pt, pp] = [await arr(parts), await arr(io.loss!)];
    expect(maxAbsDiff(pt, pp)).toBeLessThan(1e-4 * maxAbs(pp));
    let globalMax = 0;
    for (const name of Object.keys(vars)) globalMax = Math.max(globalMax, maxAbs(await arr(io[`grad.${name}`]!)));
    let checked = 0;
    for (const [vname, g] of Object.entries(grads)) {
      const name = names.get(vname)!;
      const ref = io[`grad.${name}`]!;
      // Ours are in tfjs layout: bring conv weights back to PyTorch's [out, in, kh, kw].
      const gt = g.rank === 4 ? tf.transpose(g, [3, 2, 0, 1]) : g;
      const [a, b] = [await arr(gt), await arr(ref)];
      // Relative to the tensor's own scale, but not below a thousandth of the largest gradient:
      // some are exactly zero in exact arithmetic (a key's bias shifts every logit of a softmax
      // row equally) and both sides hold only rounding noise there.
      const scale = Math.max(maxAbs(b), 1e-3 * globalMax);
      expect(maxAbsDiff(a, b) / scale, `gradient of ${name}`).toBeLessThan(2e-3);
      if (gt !== g) gt.dispose();
      checked++;
    }
    expect(checked).toBe(Object.keys(vars).length);
    tf.dispose([value, parts, ...Object.values(grads)]);
  }, 120_000);

  it('has a continuous head (VQGAN-style BEV features) equal to PyTorch: outputs and gradients of MSE + VQ', async () => {
    const small = smallOccWorldConfig();
    const cont = parseOccWorldConfig(
      { ...small, type: 'VAERes2DContinuous', encoder_cfg: { ...small.encoder_cfg, in_channels: 5 }, decoder_cfg: { ...small.decoder_cfg, in_channels: 5, out_ch: 5 } },
      'continuous config',
    );
    const cdir = path.join(dir, 'continuous');
    mkdirSync(cdir);
    writeFileSync(path.join(cdir, 'config.json'), JSON.stringify(cont));
    runPython(CONTINUOUS, [cdir, path.join(repoRoot, 'resources/pytorch')]);
    const csd = safeFileToStateDict(await readSafetensors(path.join(cdir, 'model.safetensors')), 'model.safetensors');
    const cio = safeFileToStateDict(await readSafetensors(path.join(cdir, 'io.safetensors')), 'io.safetensors');
    const cnet = new OccWorldNet(cont, 3);
    const cvq = new OccWorldQuantizer(cont.vqvae_cfg, 3);
    loadOccWorldStateDict(cnet, cvq, csd, 'model.safetensors');
    const vars = Object.fromEntries(Object.keys(cnet.store.torchShapes()).map((k) => [k, cnet.store.get(k)]));
    const names = new Map(Object.entries(vars).map(([k, v]) => [v.name, k]));
    const xN = cio.x as tf.Tensor4D; // NHWC
    const { value, grads, out } = tf.tidy(() => {
      let out: tf.Tensor | undefined;
      const r = tf.variableGrads(() => {
        const { z } = cnet.latents(cnet.input(xN), true);
        const [b, h, w, e] = z.shape;
        const q = cvq.quantize(tf.reshape(z, [-1, e]) as tf.Tensor2D, { training: true });
        const o = cnet.decode(tf.reshape(q.quantized, [b, h, w, e]) as tf.Tensor4D, true);
        out = tf.keep(o);
        return tf.add(occworldReconLoss(o, xN, { kind: 'continuous' }), q.loss) as tf.Scalar;
      }, Object.values(vars));
      return { ...r, out: out! };
    });
    const [ot, op] = [await arr(out), await arr(cio.out!)];
    expect(maxAbsDiff(ot, op)).toBeLessThan(1e-3 * Math.max(1, maxAbs(op)));
    expect(Math.abs((await arr(value))[0]! - (await arr(cio.loss!))[0]!)).toBeLessThan(1e-4);
    for (const [vname, g] of Object.entries(grads)) {
      const name = names.get(vname)!;
      const gt = g.rank === 4 ? tf.transpose(g, [3, 2, 0, 1]) : g;
      const ref = await arr(cio[`grad.${name}`]!);
      expect(maxAbsDiff(await arr(gt), ref) / Math.max(maxAbs(ref), 1e-4), `gradient of ${name}`).toBeLessThan(2e-3);
      if (gt !== g) gt.dispose();
    }
    tf.dispose([value, out, ...Object.values(grads)]);
    cnet.dispose();
    cvq.dispose();
    disposeStateDict(csd);
    disposeStateDict(cio);
  }, 120_000);
});

