"""TokenScope's TiTok-style 1D tokenizer in PyTorch: the twin of src-main/engine/titok/.

    import sys; sys.path.insert(0, "resources/pytorch")
    from titok_tokenizer import load_titok
    model = load_titok("exported")        # config.json (arch "titok") + model.safetensors
    ids = model.encode(frames)            # [B, C, H, W] float32 -> [B, N] int64
    recon = model.decode_indices(ids)     # -> [B, C_out, H, W]
    attn = model.attention(frames)        # -> [B, N, h, w]: where each token looked

Encoder: the reference conv stem ([Conv2d(c, hidden, 4, 2, 1), ReLU] x stages) gives an h x w grid
of features plus a learned position embedding; N learnable queries cross-attend to it (pre-norm
blocks: attention, then a GELU MLP), LayerNorm + Linear -> N latents, quantized to N ids.
Decoder: the quantized tokens (Linear + token position embedding) are the context for one mask
token per grid cell (+ the grid's position embedding); LayerNorm, then the reference transposed
convolutions back to frames.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from tokenscope_tokenizer import build_quantizer, read_safetensors


class CrossAttention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.proj = (nn.Linear(width, width) for _ in range(4))

    def forward(self, x, ctx):
        b, n, c = x.shape
        m, h = ctx.shape[1], self.heads
        q = self.q(x).reshape(b, n, h, c // h).transpose(1, 2)
        k = self.k(ctx).reshape(b, m, h, c // h).transpose(1, 2)
        v = self.v(ctx).reshape(b, m, h, c // h).transpose(1, 2)
        attn = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(c // h), dim=-1)
        out = (attn @ v).transpose(1, 2).reshape(b, n, c)
        return self.proj(out), attn.mean(1)


class CrossAttentionBlock(nn.Module):
    def __init__(self, width, heads, mlp_ratio=4):
        super().__init__()
        self.norm_q, self.norm_kv, self.norm_mlp = nn.LayerNorm(width), nn.LayerNorm(width), nn.LayerNorm(width)
        self.attn = CrossAttention(width, heads)
        self.mlp = nn.Module()
        self.mlp.fc1, self.mlp.fc2 = nn.Linear(width, width * mlp_ratio), nn.Linear(width * mlp_ratio, width)

    def forward(self, x, ctx):
        a, attn = self.attn(self.norm_q(x), self.norm_kv(ctx))
        x = x + a
        x = x + self.mlp.fc2(F.gelu(self.mlp.fc1(self.norm_mlp(x)), approximate="tanh"))
        return x, attn


def _stem(cin, hidden, stages):
    layers, c = [], cin
    for _ in range(stages):
        layers += [nn.Conv2d(c, hidden, 4, 2, 1), nn.ReLU()]
        c = hidden
    return nn.Sequential(*layers)


def _head(hidden, cout, stages):
    layers = []
    for _ in range(stages):
        layers += [nn.ConvTranspose2d(hidden, hidden, 4, 2, 1), nn.ReLU()]
    layers.append(nn.ConvTranspose2d(hidden, cout, 3, 1, 1))
    return nn.Sequential(*layers)


class TiTokTokenizer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        m = config["model"]
        c, n, (gh, gw) = m["hidden"], m["tokens"], m["grid"]
        self.tokens, self.grid, self.latent_dim = n, (gh, gw), m["latent_dim"]
        self.encoder = nn.Module()
        self.encoder.stem = _stem(m["in_channels"], c, m["stages"])
        self.encoder.pos_embed = nn.Parameter(torch.zeros(gh * gw, c))
        self.encoder.queries = nn.Parameter(torch.zeros(n, c))
        self.encoder.blocks = nn.ModuleList(CrossAttentionBlock(c, m["heads"], m.get("mlp_ratio", 4)) for _ in range(m["layers"]))
        self.encoder.norm_out = nn.LayerNorm(c)
        self.encoder.to_latent = nn.Linear(c, m["latent_dim"])
        self.decoder = nn.Module()
        self.decoder.from_latent = nn.Linear(m["latent_dim"], c)
        self.decoder.token_pos = nn.Parameter(torch.zeros(n, c))
        self.decoder.mask_token = nn.Parameter(torch.zeros(1, c))
        self.decoder.pos_embed = nn.Parameter(torch.zeros(gh * gw, c))
        self.decoder.blocks = nn.ModuleList(CrossAttentionBlock(c, m["heads"], m.get("mlp_ratio", 4)) for _ in range(m["layers"]))
        self.decoder.norm_out = nn.LayerNorm(c)
        self.decoder.head = _head(c, m["out_channels"], m["stages"])
        self.quantizer = build_quantizer(config["quantizer"], m["latent_dim"])

    def _encode(self, x):
        f = self.encoder.stem(x)
        b, c, h, w = f.shape
        if (h, w) != self.grid:
            raise ValueError(f"the model takes a {self.grid} grid of features, got {(h, w)} from {tuple(x.shape[2:])} frames")
        ctx = f.flatten(2).transpose(1, 2) + self.encoder.pos_embed
        q = self.encoder.queries.expand(b, -1, -1)
        attn = None
        for blk in self.encoder.blocks:
            q, attn = blk(q, ctx)
        return self.encoder.to_latent(self.encoder.norm_out(q)), attn.reshape(b, self.tokens, h, w)

    def attention(self, x):
        return self._encode(x)[1]

    def encode(self, x):
        z, _ = self._encode(x)
        b = z.shape[0]
        _, idx = self.quantizer(z.reshape(b * self.tokens, -1))
        return idx.reshape(b, self.tokens, *idx.shape[1:])

    def decode_indices(self, idx):
        b = idx.shape[0]
        codes = self.quantizer.indices_to_codes(idx.reshape(b * self.tokens, *idx.shape[2:])).reshape(b, self.tokens, -1)
        t = self.decoder.from_latent(codes) + self.decoder.token_pos
        cells = (self.decoder.mask_token + self.decoder.pos_embed).expand(b, -1, -1)
        for blk in self.decoder.blocks:
            cells, _ = blk(cells, t)
        gh, gw = self.grid
        g = self.decoder.norm_out(cells).transpose(1, 2).reshape(b, -1, gh, gw)
        return self.decoder.head(g)


def load_titok(path, strict=True):
    with open(os.path.join(path, "config.json"), "r", encoding="utf-8") as f:
        config = json.load(f)
    if config.get("arch") != "titok":
        raise ValueError(f"{path}/config.json: not a TokenScope TiTok export (arch {config.get('arch')!r})")
    model = TiTokTokenizer(config)
    sd = read_safetensors(os.path.join(path, config.get("weights", "model.safetensors")))
    own = model.state_dict()
    sd = {k: v.to(own[k].dtype) if k in own else v for k, v in sd.items()}
    model.load_state_dict(sd, strict=strict)
    return model.eval()
