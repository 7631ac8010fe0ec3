"""The PyTorch twin of TokenScope's hierarchical (VQ-VAE-2) tokenizer.

    from tokenscope_hierarchical import load_hierarchical
    model = load_hierarchical("export_dir")           # config.json + model.safetensors
    id_t, id_b = model.encode(x)                        # x: [B, C, H, W] -> top [B, H/8, W/8], bottom [B, H/4, W/4] int64
    y = model.decode_indices(id_t, id_b)                # -> [B, C_out, H, W] (class logits for class frames)

The network is rosinality/vq-vae-2-pytorch's ``VQVAE`` with ``n_res_block = 0`` and its module
names (each an ``nn.Sequential``): the bottom encoder ``enc_b`` (4x down), the top encoder
``enc_t`` (2x more), ``quantize_conv_t`` and the top codebook, ``dec_t`` decoding the top code to
the bottom grid, ``quantize_conv_b`` on cat(dec_t, enc_b) and the bottom codebook (the bottom is
conditioned on the top), ``upsample_t`` and the decoder ``dec`` on cat(upsample_t, quant_b).
The codebooks are ``quantizer.top`` and ``quantizer.bottom`` with vector-quantize-pytorch's
buffers (``embedding.weight`` [K, D], ``cluster_size``, ``embed_avg``).
"""

from __future__ import annotations

import json
import os
from typing import Tuple

import torch
from torch import nn

from tokenscope_tokenizer import VQ, read_safetensors


def _enc_b(cin: int, ch: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, ch // 2, 4, 2, 1), nn.ReLU(), nn.Conv2d(ch // 2, ch, 4, 2, 1), nn.ReLU(), nn.Conv2d(ch, ch, 3, 1, 1), nn.ReLU()
    )


def _enc_t(ch: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(ch, ch // 2, 4, 2, 1), nn.ReLU(), nn.Conv2d(ch // 2, ch, 3, 1, 1), nn.ReLU())


class HierarchicalTokenizer(nn.Module):
    def __init__(self, config: dict):
        super().__init__()
        self.config = config
        m, q = config["model"], config["quantizer"]
        cin, cout, ch, d = m["in_channels"], m["out_channels"], m["channel"], m["embed_dim"]
        if ch % 2:
            raise ValueError(f"model.channel must be even, got {ch}")
        self.enc_b = _enc_b(cin, ch)
        self.enc_t = _enc_t(ch)
        self.quantize_conv_t = nn.Sequential(nn.Conv2d(ch, d, 1))
        self.dec_t = nn.Sequential(nn.Conv2d(d, ch, 3, 1, 1), nn.ReLU(), nn.ConvTranspose2d(ch, d, 4, 2, 1))
        self.quantize_conv_b = nn.Sequential(nn.Conv2d(d + ch, d, 1))
        self.upsample_t = nn.Sequential(nn.ConvTranspose2d(d, d, 4, 2, 1))
        self.dec = nn.Sequential(
            nn.Conv2d(2 * d, ch, 3, 1, 1), nn.ReLU(), nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(ch // 2, cout, 4, 2, 1)
        )
        k = q["codebook_size"]
        self.quantizer = nn.ModuleDict({
            "top": VQ(d, k, ema=q.get("ema", False), cosine=q.get("cosine", False)),
            "bottom": VQ(d, k, ema=q.get("ema", False), cosine=q.get("cosine", False)),
        })

    def _normalization(self):
        return (self.config.get("input") or {}).get("normalization") or (self.config.get("train") or {}).get("normalization") or None

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        norm = self._normalization()
        if not norm:
            return x
        mean = torch.tensor(norm["mean"], dtype=x.dtype)[None, :, None, None]
        std = torch.tensor(norm["std"], dtype=x.dtype)[None, :, None, None]
        return (x - mean) / std

    def denormalize(self, y: torch.Tensor) -> torch.Tensor:
        norm = self._normalization()
        if not norm or y.shape[1] != len(norm["std"]):
            return y
        mean = torch.tensor(norm["mean"], dtype=y.dtype)[None, :, None, None]
        std = torch.tensor(norm["std"], dtype=y.dtype)[None, :, None, None]
        return y * std + mean

    @staticmethod
    def _quantize(vq: VQ, z: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        b, d, h, w = z.shape
        codes, idx = vq(z.permute(0, 2, 3, 1).reshape(-1, d))
        return codes.reshape(b, h, w, d).permute(0, 3, 1, 2), idx.reshape(b, h, w)

    def quantize(self, x: torch.Tensor):
        """rosinality's ``encode``: (quant_t, quant_b, id_t, id_b) of normalised frames."""
        enc_b = self.enc_b(x)
        quant_t, id_t = self._quantize(self.quantizer["top"], self.quantize_conv_t(self.enc_t(enc_b)))
        zb = self.quantize_conv_b(torch.cat([self.dec_t(quant_t), enc_b], 1))
        quant_b, id_b = self._quantize(self.quantizer["bottom"], zb)
        return quant_t, quant_b, id_t, id_b

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """[B, C, H, W] frames (frame units) -> (top ids [B, H/8, W/8], bottom ids [B, H/4, W/4]), int64."""
        _, _, id_t, id_b = self.quantize(self.normalize(x))
        return id_t, id_b

    def decode(self, quant_t: torch.Tensor, quant_b: torch.Tensor) -> torch.Tensor:
        return self.dec(torch.cat([self.upsample_t(quant_t), quant_b], 1))

    @torch.no_grad()
    def decode_indices(self, id_t: torch.Tensor, id_b: torch.Tensor) -> torch.Tensor:
        """Both grids' ids -> decoder output [B, C_out, H, W]: frame units, or class logits for class frames."""
        qt = self.quantizer["top"].indices_to_codes(id_t.long()).permute(0, 3, 1, 2)
        qb = self.quantizer["bottom"].indices_to_codes(id_b.long()).permute(0, 3, 1, 2)
        return self.denormalize(self.decode(qt, qb))

    def forward(self, x: torch.Tensor):
        """Frames -> (reconstruction, top ids, bottom ids), as TokenScope computes them."""
        quant_t, quant_b, id_t, id_b = self.quantize(self.normalize(x))
        return self.denormalize(self.decode(quant_t, quant_b)), id_t, id_b


def load_hierarchical(path: str, strict: bool = True) -> HierarchicalTokenizer:
    """Builds the module from an export folder's config.json and loads model.safetensors (strict by default)."""
    with open(os.path.join(path, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    if config.get("arch") != "hierarchical":
        raise ValueError(f"{path}: config.json is not a hierarchical TokenScope export (arch {config.get('arch')!r})")
    model = HierarchicalTokenizer(config)
    weights = config.get("weights", "model.safetensors")
    if os.path.basename(weights) != weights:
        raise ValueError(f"{path}: config.json's weights must be a file name in the folder, got {weights!r}")
    model.load_state_dict(read_safetensors(os.path.join(path, weights)), strict=strict)
    return model.eval()
