"""OccWorld's VQ-VAE tokenizer (VAERes2D, ECCV 2024) in plain PyTorch: TokenScope's twin.

The same computation and the same parameter names as OccWorld's `model/VAE/vae_2d_resnet.py` and
`model/VAE/quantizer.py` (themselves derived from taming-transformers), written without mmengine,
so that an OccWorld state dict loads with `load_state_dict(strict=True)`, and a TokenScope export
(`model.safetensors` + `config.json`) loads here the same way.

    from occworld_vae import load_occworld
    model = load_occworld("exported")          # config.json (OccWorld's model dict) + model.safetensors
    ids = model.encode_ids(voxels)             # [B, X, Y, Z] int64 class ids -> [B, h, w] token ids
    logits = model.decode_ids(ids, voxels.shape[1:])  # -> [B, X, Y, Z, num_classes]

`config.json` is OccWorld's `model = dict(...)` from `config/train_vqvae.py` in JSON (tuples as
lists): `type` ('VAERes2D', or 'VAERes2DContinuous' for the continuous-BEV head TokenScope adds),
`encoder_cfg`, `decoder_cfg`, `num_classes`, `expansion`, `vqvae_cfg`.
"""
from __future__ import annotations

import json
import os
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn


def swish(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(x)


def group_norm(channels: int) -> nn.GroupNorm:
    # OccWorld's Normalize: channels // 4 groups up to 32 channels, 32 groups above.
    groups = channels // 4 if channels <= 32 else 32
    return nn.GroupNorm(num_groups=groups, num_channels=channels, eps=1e-6, affine=True)


class ResnetBlock(nn.Module):
    def __init__(self, cin: int, cout: int, dropout: float = 0.0):
        super().__init__()
        self.in_channels, self.out_channels = cin, cout
        self.norm1 = group_norm(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.norm2 = group_norm(cout)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        if cin != cout:
            self.nin_shortcut = nn.Conv2d(cin, cout, 1, 1, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(swish(self.norm1(x)))
        h = self.conv2(self.dropout(swish(self.norm2(h))))
        skip = self.nin_shortcut(x) if self.in_channels != self.out_channels else x
        return skip + h


class AttnBlock(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.norm = group_norm(c)
        self.q = nn.Conv2d(c, c, 1)
        self.k = nn.Conv2d(c, c, 1)
        self.v = nn.Conv2d(c, c, 1)
        self.proj_out = nn.Conv2d(c, c, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm(x)
        b, c, hh, ww = x.shape
        q = self.q(h).flatten(2).transpose(1, 2)  # b, hw, c
        k = self.k(h).flatten(2)  # b, c, hw
        v = self.v(h).flatten(2).transpose(1, 2)  # b, hw, c
        att = torch.softmax(torch.bmm(q, k) * (int(c) ** -0.5), dim=2)
        out = torch.bmm(att, v).transpose(1, 2).reshape(b, c, hh, ww)
        return x + self.proj_out(out)


class Downsample(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        # OccWorld pads 1 on every side (taming's asymmetric pad is commented out there).
        self.conv = nn.Conv2d(c, c, 3, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class Upsample(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 1, 1)

    def forward(self, x: torch.Tensor, shape: Sequence[int]) -> torch.Tensor:
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        dy, dx = shape[0] - x.shape[2], shape[1] - x.shape[3]
        x = F.pad(x, [dx // 2, dx - dx // 2, dy // 2, dy - dy // 2])
        return self.conv(x)


class Encoder2D(nn.Module):
    def __init__(self, *, ch, out_ch, ch_mult, num_res_blocks, attn_resolutions, in_channels, resolution,
                 z_channels, dropout=0.0, resamp_with_conv=True, double_z=True, **_ignored):
        super().__init__()
        assert resamp_with_conv, "only convolutional resampling"
        self.num_res_blocks = num_res_blocks
        self.conv_in = nn.Conv2d(in_channels, ch, 3, 1, 1)
        res, block_in = resolution, ch
        self.down = nn.ModuleList()
        for i, m in enumerate(ch_mult):
            level = nn.Module()
            level.block, level.attn = nn.ModuleList(), nn.ModuleList()
            for _ in range(num_res_blocks):
                level.block.append(ResnetBlock(block_in, ch * m, dropout))
                block_in = ch * m
                if res in attn_resolutions:
                    level.attn.append(AttnBlock(block_in))
            if i != len(ch_mult) - 1:
                level.downsample = Downsample(block_in)
                res //= 2
            self.down.append(level)
        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(block_in, block_in, dropout)
        self.mid.attn_1 = AttnBlock(block_in)
        self.mid.block_2 = ResnetBlock(block_in, block_in, dropout)
        self.norm_out = group_norm(block_in)
        self.conv_out = nn.Conv2d(block_in, 2 * z_channels if double_z else z_channels, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, List[Tuple[int, int]]]:
        shapes: List[Tuple[int, int]] = []
        h = self.conv_in(x)
        for i, level in enumerate(self.down):
            for j in range(self.num_res_blocks):
                h = level.block[j](h)
                if len(level.attn) > 0:
                    h = level.attn[j](h)
            if i != len(self.down) - 1:
                shapes.append((h.shape[2], h.shape[3]))
                h = level.downsample(h)
        h = self.mid.block_2(self.mid.attn_1(self.mid.block_1(h)))
        return self.conv_out(swish(self.norm_out(h))), shapes


class Decoder2D(nn.Module):
    def __init__(self, *, ch, out_ch, ch_mult, num_res_blocks, attn_resolutions, in_channels, resolution,
                 z_channels, dropout=0.0, resamp_with_conv=True, give_pre_end=False, **_ignored):
        super().__init__()
        assert resamp_with_conv and not give_pre_end
        self.num_res_blocks = num_res_blocks
        n = len(ch_mult)
        block_in = ch * ch_mult[-1]
        res = resolution // 2 ** (n - 1)
        self.conv_in = nn.Conv2d(z_channels, block_in, 3, 1, 1)
        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(block_in, block_in, dropout)
        self.mid.attn_1 = AttnBlock(block_in)
        self.mid.block_2 = ResnetBlock(block_in, block_in, dropout)
        levels: List[nn.Module] = []
        for i in reversed(range(n)):
            level = nn.Module()
            level.block, level.attn = nn.ModuleList(), nn.ModuleList()
            for _ in range(num_res_blocks):
                level.block.append(ResnetBlock(block_in, ch * ch_mult[i], dropout))
                block_in = ch * ch_mult[i]
                if res in attn_resolutions:
                    level.attn.append(AttnBlock(block_in))
            if i != 0:
                level.upsample = Upsample(block_in)
                res *= 2
            levels.insert(0, level)
        self.up = nn.ModuleList(levels)
        self.norm_out = group_norm(block_in)
        self.conv_out = nn.Conv2d(block_in, out_ch, 3, 1, 1)

    def forward(self, z: torch.Tensor, shapes: Optional[List[Tuple[int, int]]] = None) -> torch.Tensor:
        shapes = list(shapes) if shapes is not None else []
        h = self.conv_in(z)
        h = self.mid.block_2(self.mid.attn_1(self.mid.block_1(h)))
        for i in reversed(range(len(self.up))):
            level = self.up[i]
            for j in range(self.num_res_blocks):
                h = level.block[j](h)
                if len(level.attn) > 0:
                    h = level.attn[j](h)
            if i != 0:
                target = shapes.pop() if shapes else (h.shape[2] * 2, h.shape[3] * 2)
                h = level.upsample(h, target)
        return self.conv_out(swish(self.norm_out(h)))


class VectorQuantizer(nn.Module):
    def __init__(self, n_e, e_dim, beta, z_channels, legacy=True, use_voxel=False, **_ignored):
        super().__init__()
        assert not use_voxel
        self.n_e, self.e_dim, self.beta, self.legacy = n_e, e_dim, beta, legacy
        self.embedding = nn.Embedding(n_e, e_dim)
        self.embedding.weight.data.uniform_(-1.0 / n_e, 1.0 / n_e)
        self.quant_conv = nn.Conv2d(z_channels, e_dim, 1)
        self.post_quant_conv = nn.Conv2d(e_dim, z_channels, 1)

    def nearest(self, z: torch.Tensor) -> torch.Tensor:
        """Latents after quant_conv [B, e_dim, h, w] -> ids [B, h, w] (squared L2, OccWorld's expression)."""
        flat = z.permute(0, 2, 3, 1).reshape(-1, self.e_dim)
        w = self.embedding.weight
        d = flat.pow(2).sum(1, keepdim=True) + w.pow(2).sum(1) - 2 * flat @ w.t()
        return d.argmin(1).reshape(z.shape[0], z.shape[2], z.shape[3])

    def forward(self, z: torch.Tensor):
        z = self.quant_conv(z)
        ids = self.nearest(z)
        zq = self.embedding(ids).permute(0, 3, 1, 2)
        commit = torch.mean((zq.detach() - z) ** 2)
        codebook = torch.mean((zq - z.detach()) ** 2)
        loss = commit + self.beta * codebook if self.legacy else self.beta * commit + codebook
        zq = z + (zq - z).detach()
        return self.post_quant_conv(zq), loss, ids


class VAERes2D(nn.Module):
    """OccWorld's tokenizer. `type` 'VAERes2DContinuous' drops the class embedding (continuous BEV)."""

    def __init__(self, encoder_cfg: dict, decoder_cfg: dict, vqvae_cfg: dict, num_classes: int = 18,
                 expansion: int = 8, type: str = "VAERes2D", **_ignored):
        super().__init__()
        self.continuous = type == "VAERes2DContinuous"
        self.num_cls, self.expansion = num_classes, expansion
        self.encoder = Encoder2D(**strip_type(encoder_cfg))
        self.decoder = Decoder2D(**strip_type(decoder_cfg))
        if not self.continuous:
            self.class_embeds = nn.Embedding(num_classes, expansion)
        self.vqvae = VectorQuantizer(**strip_type(vqvae_cfg))

    def embed(self, voxels: torch.Tensor) -> torch.Tensor:
        """[B, X, Y, Z] class ids -> [B, Z·expansion, X, Y] (heights folded as OccWorld folds them)."""
        b, x, y, z = voxels.shape
        return self.class_embeds(voxels).reshape(b, x, y, z * self.expansion).permute(0, 3, 1, 2)

    def latents(self, x: torch.Tensor):
        """Encoder input -> (latents after quant_conv [B, e_dim, h, w], shapes)."""
        z, shapes = self.encoder(x)
        return self.vqvae.quant_conv(z), shapes

    def head(self, out: torch.Tensor, heights: int) -> torch.Tensor:
        """Decoder output [B, Z·E, X, Y] -> logits [B, X, Y, Z, num_classes]."""
        b, _, x, y = out.shape
        out = out.permute(0, 2, 3, 1).reshape(-1, heights, self.expansion)
        return torch.matmul(out, self.class_embeds.weight.t()).reshape(b, x, y, heights, self.num_cls)

    def forward(self, voxels: torch.Tensor):
        x = voxels if self.continuous else self.embed(voxels)
        z, shapes = self.encoder(x)
        zq, loss, ids = self.vqvae(z)
        out = self.decoder(zq, shapes)
        return (out if self.continuous else self.head(out, voxels.shape[3])), loss, ids

    @torch.no_grad()
    def encode_ids(self, voxels: torch.Tensor) -> torch.Tensor:
        z, _ = self.latents(voxels if self.continuous else self.embed(voxels))
        return self.vqvae.nearest(z)

    @torch.no_grad()
    def decode_ids(self, ids: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
        """Token ids [B, h, w] -> logits [B, X, Y, Z, classes] (or [B, C, H, W] continuous); size = (X, Y[, Z])."""
        zq = self.vqvae.embedding(ids).permute(0, 3, 1, 2)
        out = self.decoder(self.vqvae.post_quant_conv(zq), None)
        return out if self.continuous else self.head(out, size[2])


def strip_type(cfg: dict) -> dict:
    return {k: v for k, v in cfg.items() if k != "type"}


def model_dict(config: dict) -> dict:
    """OccWorld's model dict, from itself or from a whole config holding it under `model`."""
    return config["model"] if "encoder_cfg" not in config and "model" in config else config


def load_occworld(folder: str, strict: bool = True) -> VAERes2D:
    """config.json + model.safetensors (TokenScope's export) -> VAERes2D in eval mode."""
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        cfg = model_dict(json.load(f))
    model = VAERes2D(**cfg)
    from tokenscope_tokenizer import read_safetensors  # the same directory; torch only

    model.load_state_dict(read_safetensors(os.path.join(folder, "model.safetensors")), strict=strict)
    return model.eval()


def state_dict_of_checkpoint(obj) -> Dict[str, torch.Tensor]:
    """OccWorld saves {'state_dict': ..., 'optimizer': ..., 'epoch': ...}; strip DataParallel's `module.`."""
    sd = obj.get("state_dict", obj.get("model", obj)) if isinstance(obj, dict) else obj
    return {k[len("module."):] if k.startswith("module.") else k: v for k, v in sd.items()}


def lovasz_softmax(probs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Lovász-softmax (Berman et al., CVPR 2018) over probs [P, C] and labels [P], mean over the
    classes present in the labels, as OccWorld trains its tokenizer."""
    losses = []
    for c in range(probs.shape[1]):
        fg = (labels == c).float()
        if fg.sum() == 0:
            continue
        errors = (fg - probs[:, c]).abs()
        order = torch.argsort(errors, descending=True)
        fg_sorted = fg[order]
        gts = fg_sorted.sum()
        jaccard = 1.0 - (gts - fg_sorted.cumsum(0)) / (gts + (1.0 - fg_sorted).cumsum(0))
        grad = torch.cat([jaccard[:1], jaccard[1:] - jaccard[:-1]])
        losses.append(torch.dot(errors[order], grad))
    return torch.stack(losses).mean() if losses else probs.sum() * 0


def occworld_loss(logits: torch.Tensor, voxels: torch.Tensor, vq_loss: torch.Tensor, ce: float = 10.0, lovasz: float = 1.0) -> torch.Tensor:
    """OccWorld's tokenizer loss: ce × cross-entropy + lovasz × Lovász-softmax + the VQ loss.
    logits [B, X, Y, Z, C], voxels [B, X, Y, Z] class ids."""
    c = logits.shape[-1]
    loss = ce * F.cross_entropy(logits.reshape(-1, c), voxels.reshape(-1)) + vq_loss
    if lovasz > 0:
        loss = loss + lovasz * lovasz_softmax(logits.reshape(-1, c).softmax(-1), voxels.reshape(-1))
    return loss
