"""The PyTorch twin of a TokenScope tokenizer, for inference in a world model's own code.

    from tokenscope_tokenizer import load_tokenscope
    model = load_tokenscope("export_dir")      # config.json + model.safetensors
    idx = model.encode(x)                        # x: [B, C, H, W] float32 -> [B, h, w] (or [B, h, w, depth]) int64
    y = model.decode_indices(idx)                # -> [B, C_out, H, W] (class logits for class frames)

The layout is the one TokenScope exports (see its DESIGN.md): an encoder and a decoder that are
each an ``nn.Sequential`` called ``net`` (Conv2d / ConvTranspose2d / ReLU, described layer by layer
in config.json), and a quantizer whose buffers follow vector-quantize-pytorch's conventions:
``embedding.weight`` [K, D], EMA buffers ``cluster_size`` [K] and ``embed_avg`` [K, D]; FSQ's
mixed-radix index with dimension 0 least significant; LFQ / BSQ bit indices with dimension 0 most
significant; residual VQ greedy on each residual; grouped VQ one codebook per channel group.

Only torch (and numpy, if the ``safetensors`` package is missing) are needed: a tiny built-in
safetensors reader/writer stands in for the package.
"""

from __future__ import annotations

import json
import math
import os
import struct
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from torch import nn

FORMAT = "tokenscope-tokenizer"
FORMAT_VERSION = 1

# --------------------------------------------------------------------------------------------
# safetensors, by hand (used when the ``safetensors`` package is not installed)
# --------------------------------------------------------------------------------------------

_ST_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}
_ST_NAMES = {v: k for k, v in _ST_DTYPES.items()}


def read_safetensors(path: str) -> Dict[str, torch.Tensor]:
    """Reads a safetensors file into CPU tensors, checking the header against the file size."""
    try:
        from safetensors.torch import load_file  # type: ignore

        return load_file(path)
    except ImportError:
        pass
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    data = raw[8 + n :]
    out: Dict[str, torch.Tensor] = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        dtype = _ST_DTYPES[e["dtype"]]
        if end > len(data):
            raise ValueError(f"{path}: tensor {name} runs past the end of the file")
        buf = bytearray(data[begin:end])  # writable copy, so torch owns aligned memory
        t = torch.frombuffer(buf, dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(e["shape"]).clone()
    return out


def write_safetensors(path: str, tensors: Dict[str, torch.Tensor], metadata: Optional[Dict[str, str]] = None) -> None:
    """Writes tensors as safetensors (widest dtype first, header padded with spaces to 8 bytes)."""
    items = sorted(tensors.items(), key=lambda kv: (-kv[1].element_size(), kv[0]))
    header: Dict[str, object] = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    blobs: List[bytes] = []
    off = 0
    for name, t in items:
        t = t.detach().contiguous().cpu()
        b = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": _ST_NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------------
# Encoder / decoder
# --------------------------------------------------------------------------------------------


def _build_net(layers: List[dict]) -> nn.Sequential:
    mods: List[nn.Module] = []
    for spec in layers:
        kind = spec["type"]
        if kind == "conv2d":
            mods.append(nn.Conv2d(spec["in"], spec["out"], spec["kernel"], spec["stride"], spec["padding"]))
        elif kind == "conv_transpose2d":
            mods.append(nn.ConvTranspose2d(spec["in"], spec["out"], spec["kernel"], spec["stride"], spec["padding"]))
        elif kind == "relu":
            mods.append(nn.ReLU())
        else:
            raise ValueError(f"unknown layer type {kind!r}")
    return nn.Sequential(*mods)


def reference_layers(in_channels: int, out_channels: int, hidden: int, latent_dim: int, stages: int) -> Dict[str, List[dict]]:
    """DESIGN.md's reference architecture, for building a fresh model without a config.json."""
    enc: List[dict] = []
    c = in_channels
    for _ in range(stages):
        enc += [{"type": "conv2d", "in": c, "out": hidden, "kernel": 4, "stride": 2, "padding": 1}, {"type": "relu"}]
        c = hidden
    enc.append({"type": "conv2d", "in": hidden, "out": latent_dim, "kernel": 3, "stride": 1, "padding": 1})
    dec: List[dict] = []
    c = latent_dim
    for _ in range(stages):
        dec += [{"type": "conv_transpose2d", "in": c, "out": hidden, "kernel": 4, "stride": 2, "padding": 1}, {"type": "relu"}]
        c = hidden
    dec.append({"type": "conv_transpose2d", "in": hidden, "out": out_channels, "kernel": 3, "stride": 1, "padding": 1})
    return {"encoder": enc, "decoder": dec}


class Encoder(nn.Module):
    def __init__(self, layers: List[dict]):
        super().__init__()
        self.net = _build_net(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class Decoder(nn.Module):
    def __init__(self, layers: List[dict]):
        super().__init__()
        self.net = _build_net(layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


# --------------------------------------------------------------------------------------------
# Quantizers: [N, D] latents in, (codes [N, D], indices [N] or [N, depth]) out
# --------------------------------------------------------------------------------------------


class VQ(nn.Module):
    """Nearest-code vector quantizer; with ``cosine`` both sides are L2-normalised first."""

    def __init__(self, dim: int, codebook_size: int, ema: bool = False, cosine: bool = False):
        super().__init__()
        self.dim, self.codebook_size, self.cosine = dim, codebook_size, cosine
        self.embedding = nn.Embedding(codebook_size, dim)
        # As vector-quantize-pytorch's EuclideanCodebook: the EMA counts and sums behind the
        # codebook are always buffers (TokenScope keeps them even without EMA, for usage stats).
        self.register_buffer("cluster_size", torch.ones(codebook_size) if ema else torch.zeros(codebook_size))
        self.register_buffer("embed_avg", self.embedding.weight.detach().clone())

    def codebook(self) -> torch.Tensor:
        w = self.embedding.weight
        return F.normalize(w, dim=-1) if self.cosine else w

    def forward(self, x: torch.Tensor):
        cb = self.codebook()
        if self.cosine:
            x = F.normalize(x, dim=-1)
            idx = (x @ cb.t()).argmax(dim=-1)
        else:
            d = x.pow(2).sum(-1, keepdim=True) - 2 * x @ cb.t() + cb.pow(2).sum(-1)[None, :]
            idx = d.argmin(dim=-1)
        return cb[idx], idx

    def indices_to_codes(self, idx: torch.Tensor) -> torch.Tensor:
        return self.codebook()[idx]


class FSQ(nn.Module):
    """Finite scalar quantization (Mentzer et al.), exactly vector-quantize-pytorch's rounding."""

    def __init__(self, levels: List[int]):
        super().__init__()
        self.levels = list(levels)
        lv = torch.tensor(levels, dtype=torch.int64)
        self.register_buffer("_levels", lv, persistent=False)
        basis = torch.cumprod(torch.tensor([1] + list(levels[:-1]), dtype=torch.int64), dim=0)
        self.register_buffer("_basis", basis, persistent=False)
        self.dim = len(levels)
        self.codebook_size = int(math.prod(levels))

    def bound(self, z: torch.Tensor, eps: float = 1e-3) -> torch.Tensor:
        half_l = (self._levels - 1) * (1 + eps) / 2
        offset = torch.where(self._levels % 2 == 0, 0.5, 0.0)
        shift = (offset / half_l).atanh()
        return (z + shift).tanh() * half_l - offset

    def forward(self, z: torch.Tensor):
        half_width = self._levels // 2
        codes = torch.round(self.bound(z)) / half_width  # torch.round: half to even, as the reference
        return codes, self.codes_to_indices(codes)

    def codes_to_indices(self, codes: torch.Tensor) -> torch.Tensor:
        half_width = self._levels // 2
        level_idx = (codes * half_width + half_width).round().long()
        return (level_idx * self._basis).sum(dim=-1)

    def indices_to_codes(self, idx: torch.Tensor) -> torch.Tensor:
        level_idx = (idx[..., None] // self._basis) % self._levels
        half_width = self._levels // 2
        return (level_idx - half_width).float() / half_width


class LFQ(nn.Module):
    """Lookup-free quantization: sign per dimension, index bits with dimension 0 most significant."""

    def __init__(self, dim: int, spherical: bool = False):
        super().__init__()
        self.dim, self.spherical = dim, spherical
        self.codebook_size = 2**dim
        # Persistent (vector-quantize-pytorch's is not) because TokenScope's state dict carries it.
        self.register_buffer("mask", 2 ** torch.arange(dim - 1, -1, -1, dtype=torch.int64))

    def _scale(self) -> float:
        return 1.0 / math.sqrt(self.dim) if self.spherical else 1.0

    def forward(self, x: torch.Tensor):
        if self.spherical:  # BSQ: onto the unit sphere first
            x = F.normalize(x, dim=-1)
        pos = x > 0
        codes = torch.where(pos, 1.0, -1.0) * self._scale()
        return codes, (pos.long() * self.mask).sum(dim=-1)

    def indices_to_codes(self, idx: torch.Tensor) -> torch.Tensor:
        bits = (idx[..., None] // self.mask) % 2
        return (bits.float() * 2 - 1) * self._scale()


class ResidualVQ(nn.Module):
    """Greedy residual VQ: each layer quantizes what the previous ones left."""

    def __init__(self, dim: int, codebook_size: int, depth: int, ema: bool = False, cosine: bool = False):
        super().__init__()
        self.dim, self.codebook_size, self.depth = dim, codebook_size, depth
        self.layers = nn.ModuleList([VQ(dim, codebook_size, ema, cosine) for _ in range(depth)])

    def forward(self, x: torch.Tensor):
        residual, out, ids = x, torch.zeros_like(x), []
        for layer in self.layers:
            q, i = layer(residual)
            residual = residual - q
            out = out + q
            ids.append(i)
        return out, torch.stack(ids, dim=-1)

    def indices_to_codes(self, idx: torch.Tensor) -> torch.Tensor:
        return sum(layer.indices_to_codes(idx[..., k]) for k, layer in enumerate(self.layers))


class GroupedVQ(nn.Module):
    """Product quantization: the D channels split into G groups, one codebook each."""

    def __init__(self, dim: int, codebook_size: int, groups: int, ema: bool = False, cosine: bool = False):
        super().__init__()
        if dim % groups:
            raise ValueError(f"latent dim {dim} is not divisible by {groups} groups")
        self.dim, self.codebook_size, self.depth = dim, codebook_size, groups
        self.groups = nn.ModuleList([VQ(dim // groups, codebook_size, ema, cosine) for _ in range(groups)])

    def forward(self, x: torch.Tensor):
        outs, ids = [], []
        for g, chunk in zip(self.groups, x.chunk(len(self.groups), dim=-1)):
            q, i = g(chunk)
            outs.append(q)
            ids.append(i)
        return torch.cat(outs, dim=-1), torch.stack(ids, dim=-1)

    def indices_to_codes(self, idx: torch.Tensor) -> torch.Tensor:
        return torch.cat([g.indices_to_codes(idx[..., k]) for k, g in enumerate(self.groups)], dim=-1)


class ResidualFSQ(nn.Module):
    """vector-quantize-pytorch's ResidualFSQ (v1.31): the input soft-clamped once (tanh(x/c)·c,
    c = 1 + 1/(L-1)), then level q quantizes residual / L^-q with the symmetry-preserving FSQ
    (hard clamp to [-1, 1], k = floor((L-1)(x+1)/2 + 1/2), code = k·2/(L-1) - 1) and adds back
    code · L^-q. Ids: mixed radix of k, dimension 0 least significant, one per level."""

    def __init__(self, levels: List[int], depth: int):
        super().__init__()
        self.levels, self.depth = list(levels), depth
        self.dim = len(levels)
        self.codebook_size = int(math.prod(levels))
        lv = torch.tensor(levels, dtype=torch.float32)
        self.register_buffer("_lv", lv, persistent=False)
        basis = torch.cumprod(torch.tensor([1] + list(levels[:-1]), dtype=torch.int64), dim=0)
        self.register_buffer("_basis", basis, persistent=False)
        self.register_buffer("scales", torch.stack([lv ** -q for q in range(depth)]), persistent=False)

    def _code(self, k: torch.Tensor) -> torch.Tensor:
        return k * (2.0 / (self._lv - 1)) - 1.0

    def forward(self, x: torch.Tensor):
        c = 1 + 1 / (self._lv - 1)
        residual = (x / c).tanh() * c
        out, ids = torch.zeros_like(x), []
        for q in range(self.depth):
            s = self.scales[q]
            z = (residual / s).clamp(-1.0, 1.0)
            k = torch.floor((self._lv - 1) * (z + 1) / 2.0 + 0.5)
            code = self._code(k) * s
            residual = residual - code
            out = out + code
            ids.append((k.long() * self._basis).sum(dim=-1))
        return out, torch.stack(ids, dim=-1)

    def indices_to_codes(self, idx: torch.Tensor) -> torch.Tensor:
        out = 0
        for q in range(self.depth):
            k = ((idx[..., q, None] // self._basis) % self._lv.long()).float()
            out = out + self._code(k) * self.scales[q]
        return out


class ResidualLFQ(nn.Module):
    """vector-quantize-pytorch's ResidualLFQ: level q signs the residual, codes ±2^-q; ids one bit
    per dimension (dimension 0 most significant), one per level. No persistent buffers."""

    def __init__(self, dim: int, depth: int):
        super().__init__()
        self.dim, self.depth = dim, depth
        self.codebook_size = 2**dim
        self.register_buffer("_mask", 2 ** torch.arange(dim - 1, -1, -1, dtype=torch.int64), persistent=False)

    def forward(self, x: torch.Tensor):
        residual, out, ids = x, torch.zeros_like(x), []
        for q in range(self.depth):
            pos = residual > 0
            code = torch.where(pos, 1.0, -1.0) * 2.0**-q
            residual = residual - code
            out = out + code
            ids.append((pos.long() * self._mask).sum(dim=-1))
        return out, torch.stack(ids, dim=-1)

    def indices_to_codes(self, idx: torch.Tensor) -> torch.Tensor:
        out = 0
        for q in range(self.depth):
            bits = (idx[..., q, None] // self._mask) % 2
            out = out + (bits.float() * 2 - 1) * 2.0**-q
        return out


class _HeadVQ(VQ):
    """One head of a multi-head VQ: ``project_in`` [d, D] (no bias) then its own codebook [K, d]."""

    def __init__(self, dim: int, head_dim: int, codebook_size: int, ema: bool, cosine: bool):
        super().__init__(head_dim, codebook_size, ema, cosine)
        self.project_in = nn.Linear(dim, head_dim, bias=False)


class MultiHeadVQ(nn.Module):
    """Multi-head VQ: head h quantizes project_in_h(x) with its own codebook; the heads' codes are
    concatenated (d = D / heads) or summed (d = D). With identity projections and concat this is
    vector-quantize-pytorch's VectorQuantize(heads = M, separate_codebook_per_head = True)."""

    def __init__(self, dim: int, codebook_size: int, heads: int, compose: str = "concat", ema: bool = False, cosine: bool = False):
        super().__init__()
        if compose not in ("concat", "sum"):
            raise ValueError(f"compose must be concat or sum, got {compose!r}")
        if compose == "concat" and dim % heads:
            raise ValueError(f"latent dim {dim} is not divisible by {heads} heads")
        head_dim = dim // heads if compose == "concat" else dim
        self.dim, self.codebook_size, self.depth, self.compose = dim, codebook_size, heads, compose
        self.heads = nn.ModuleList([_HeadVQ(dim, head_dim, codebook_size, ema, cosine) for _ in range(heads)])

    def _compose(self, codes: List[torch.Tensor]) -> torch.Tensor:
        return torch.cat(codes, dim=-1) if self.compose == "concat" else sum(codes)

    def forward(self, x: torch.Tensor):
        outs, ids = [], []
        for head in self.heads:
            q, i = VQ.forward(head, head.project_in(x))
            outs.append(q)
            ids.append(i)
        return self._compose(outs), torch.stack(ids, dim=-1)

    def indices_to_codes(self, idx: torch.Tensor) -> torch.Tensor:
        return self._compose([h.indices_to_codes(idx[..., k]) for k, h in enumerate(self.heads)])
# --------------------------------------------------------------------------------------------
# Relaxed assignment in training (TokenScope's ``assignment``: "soft" / "gumbel"); hard at inference
# --------------------------------------------------------------------------------------------


def temperature_at(schedule: dict, step: int, run_steps: int) -> float:
    """TokenScope's temperature schedule: tau after ``step`` steps, linear or exponential
    (the default) from ``start`` to ``end`` over ``steps`` (default: the run's steps), then ``end``."""
    start, end = float(schedule.get("start", 1.0)), float(schedule.get("end", 1.0 / 16))
    n = schedule.get("steps", run_steps)
    if step >= n:
        return end
    f = max(0, step) / n
    if schedule.get("schedule", "exponential") == "linear":
        return start + (end - start) * f
    return start * (end / start) ** f


class SoftVQ(VQ):
    """VQ trained with soft assignment z_q = sum_k softmax(-d_k / tau) e_k; ``forward`` (inference,
    what ``encode`` uses) is the plain VQ's hard argmin, so the state dict is a plain VQ's."""

    def forward_soft(self, x: torch.Tensor, tau: float):
        """(soft codes [N, D], hard ids [N]) with gradient to x and the codebook, as TokenScope
        trains: squared distances as |x|^2 - 2 x.c + |c|^2 clamped at 0."""
        cb = self.codebook()
        if self.cosine:
            x = F.normalize(x, dim=-1)
        d = (x.pow(2).sum(-1, keepdim=True) - 2 * x @ cb.t() + cb.pow(2).sum(-1)[None, :]).clamp_min(0)
        p = torch.softmax(-d / tau, dim=-1)
        return p @ cb, d.detach().argmin(dim=-1)


def gumbel_softmax_with_noise(logits: torch.Tensor, gumbels: torch.Tensor, tau: float, hard: bool):
    """``F.gumbel_softmax`` over the last axis with the Gumbel noise given (so runs can be compared)."""
    y_soft = ((logits + gumbels) / tau).softmax(-1)
    index = y_soft.argmax(-1)
    if hard:
        y_hard = torch.zeros_like(y_soft).scatter_(-1, index[:, None], 1.0)
        return y_hard - y_soft.detach() + y_soft, index
    return y_soft, index


class GumbelQuantize(nn.Module):
    """taming-transformers' GumbelQuantize (DALL-E dVAE style) on [N, D] rows: a 1x1 projection
    ``proj`` to K logits, Gumbel-softmax at tau, codes from ``embedding`` (taming: ``embed``), KL to
    the uniform prior. Inference is hardened: id = argmax of the logits, no noise."""

    def __init__(self, dim: int, codebook_size: int, hard: bool = True, kl_weight: float = 0.1):
        super().__init__()
        self.dim, self.codebook_size, self.hard, self.kl_weight = dim, codebook_size, hard, kl_weight
        self.proj = nn.Conv2d(dim, codebook_size, 1)
        self.embedding = nn.Embedding(codebook_size, dim)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.proj.weight.flatten(1), self.proj.bias)

    def forward(self, x: torch.Tensor):
        idx = self.logits(x).argmax(dim=-1)
        return self.embedding.weight[idx], idx

    def forward_train(self, x: torch.Tensor, tau: float, gumbels: Optional[torch.Tensor] = None):
        """(codes [N, D], kl_weight * KL, ids [N]) of the training pass; noise drawn when not given.
        The ids are the noise-free argmax (the tokens inference gives), as TokenScope's usage
        metrics count them; taming returns the sample's argmax instead."""
        logits = self.logits(x)
        if gumbels is None:
            gumbels = -torch.empty_like(logits).exponential_().log()
        y, _sample = gumbel_softmax_with_noise(logits, gumbels, tau, self.hard)
        qy = logits.softmax(-1)
        kl = (qy * torch.log(qy * self.codebook_size + 1e-10)).sum(-1).mean()
        return y @ self.embedding.weight, self.kl_weight * kl, logits.detach().argmax(-1)

    def indices_to_codes(self, idx: torch.Tensor) -> torch.Tensor:
        return self.embedding.weight[idx]


def build_quantizer(q: dict, latent_dim: int) -> nn.Module:
    kind = q["kind"]
    ema, cosine = bool(q.get("ema", False)), bool(q.get("cosine", False))
    if kind == "vq" and q.get("assignment") == "gumbel":
        return GumbelQuantize(latent_dim, q["codebook_size"], bool(q.get("gumbel_hard", True)), float(q.get("kl_weight", 0.1)))
    if kind == "vq" and q.get("assignment") == "soft":
        return SoftVQ(latent_dim, q["codebook_size"], ema, cosine)
    if kind == "vq":
        return VQ(latent_dim, q["codebook_size"], ema, cosine)
    if kind == "fsq":
        return FSQ(q["levels"])
    if kind == "lfq":
        return LFQ(latent_dim)
    if kind == "bsq":
        return LFQ(latent_dim, spherical=True)
    if kind == "rvq":
        return ResidualVQ(latent_dim, q["codebook_size"], q["depth"], ema, cosine)
    if kind == "gvq":
        return GroupedVQ(latent_dim, q["codebook_size"], q["depth"], ema, cosine)
    if kind == "rfsq":
        return ResidualFSQ(q["levels"], q["depth"])
    if kind == "rlfq":
        return ResidualLFQ(latent_dim, q["depth"])
    if kind == "mhvq":
        return MultiHeadVQ(latent_dim, q["codebook_size"], q["depth"], q.get("compose", "concat"), ema, cosine)
    raise ValueError(f"unknown quantizer kind {kind!r}")


# --------------------------------------------------------------------------------------------
# The tokenizer
# --------------------------------------------------------------------------------------------


class TokenScopeTokenizer(nn.Module):
    def __init__(self, config: dict):
        super().__init__()
        self.config = config
        m = config["model"]
        self.encoder = Encoder(m["encoder"])
        self.decoder = Decoder(m["decoder"])
        q = config["quantizer"]
        qdim = q.get("dim", m["latent_dim"])
        if qdim != m["latent_dim"]:
            # Latent and code dimensions differ (e.g. FSQ levels fewer than latent channels):
            # linear projections in and out, as vector-quantize-pytorch does.
            self.project_in = nn.Linear(m["latent_dim"], qdim)
            self.project_out = nn.Linear(qdim, m["latent_dim"])
        else:
            self.project_in = self.project_out = None
        self.quantizer = build_quantizer(q, qdim)

    # latents are channel-first [B, D, h, w]; the quantizer sees [N, D] channel-last rows
    def _rows(self, z: torch.Tensor):
        b, d, h, w = z.shape
        return z.permute(0, 2, 3, 1).reshape(-1, d), (b, h, w)

    def quantize(self, z: torch.Tensor):
        rows, (b, h, w) = self._rows(z)
        if self.project_in is not None:
            rows = self.project_in(rows)
        codes, idx = self.quantizer(rows)
        if self.project_out is not None:
            codes = self.project_out(codes)
        zq = codes.reshape(b, h, w, -1).permute(0, 3, 1, 2)
        idx = idx.reshape(b, h, w, -1) if idx.dim() == 2 else idx.reshape(b, h, w)
        return zq, idx

    def _normalization(self):
        """The export's per-channel statistics (``input.normalization``, else ``train.normalization``), or None."""
        norm = (self.config.get("input") or {}).get("normalization")
        return norm or (self.config.get("train") or {}).get("normalization") or None

    def _stats(self, x: torch.Tensor):
        norm = self._normalization()
        mean = torch.tensor(norm["mean"], dtype=x.dtype, device=x.device)[None, :, None, None]
        std = torch.tensor(norm["std"], dtype=x.dtype, device=x.device)[None, :, None, None]
        return mean, std

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """Frames in frame units -> what the encoder sees: (x - mean) / std per channel when the
        export records normalisation statistics, else x. ``encode`` and ``forward`` apply it."""
        if not self._normalization():
            return x
        mean, std = self._stats(x)
        return (x - mean) / std

    def denormalize(self, y: torch.Tensor) -> torch.Tensor:
        """Decoder output -> frame units (y * std + mean), the inverse of ``normalize``;
        ``decode_indices`` and ``forward`` apply it. Class logits are never normalised."""
        if not self._normalization() or y.shape[1] != len(self._normalization()["std"]):
            return y
        mean, std = self._stats(y)
        return y * std + mean

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C, H, W] frames (frame units) -> int64 token ids [B, h, w] ([B, h, w, depth] for rvq / gvq / rfsq / rlfq / mhvq)."""
        return self.quantize(self.encoder(self.normalize(x)))[1]

    @torch.no_grad()
    def indices_to_latents(self, idx: torch.Tensor) -> torch.Tensor:
        b, h, w = idx.shape[:3]
        flat = idx.reshape(b * h * w, *idx.shape[3:])
        codes = self.quantizer.indices_to_codes(flat)
        if self.project_out is not None:
            codes = self.project_out(codes)
        return codes.reshape(b, h, w, -1).permute(0, 3, 1, 2)

    @torch.no_grad()
    def decode_indices(self, idx: torch.Tensor) -> torch.Tensor:
        """Token ids -> decoder output [B, C_out, H, W]: frame units, or class logits for class frames."""
        return self.denormalize(self.decoder(self.indices_to_latents(idx.long())))

    def forward(self, x: torch.Tensor):
        """Frames -> (reconstruction in frame units, token ids), as TokenScope's tokenizer computes them."""
        zq, idx = self.quantize(self.encoder(self.normalize(x)))
        return self.denormalize(self.decoder(zq)), idx


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def load_tokenscope(path: str, strict: bool = True) -> TokenScopeTokenizer:
    """Rebuilds the tokenizer from ``path/config.json`` and loads ``path/model.safetensors``."""
    with open(os.path.join(path, "config.json"), "r", encoding="utf-8") as f:
        config = json.load(f)
    if config.get("format") != FORMAT:
        raise ValueError(f"{path}/config.json: not a TokenScope export (format {config.get('format')!r})")
    model = TokenScopeTokenizer(config)
    sd = read_safetensors(os.path.join(path, config.get("weights", "model.safetensors")))
    own = model.state_dict()
    sd = {k: v.to(own[k].dtype) if k in own else v for k, v in sd.items()}
    for k, v in own.items():
        if k.endswith(".mask") and k not in sd:  # LFQ/BSQ bit weights: derived from dim, optional in files
            sd[k] = v
    model.load_state_dict(sd, strict=strict)
    return model.eval()


def save_tokenscope(model: TokenScopeTokenizer, path: str) -> None:
    """Writes ``config.json`` + ``model.safetensors`` in the layout TokenScope imports."""
    os.makedirs(path, exist_ok=True)
    write_safetensors(os.path.join(path, "model.safetensors"), dict(model.state_dict()), {"format": "pt"})
    cfg = dict(model.config)
    cfg.setdefault("format", FORMAT)
    cfg.setdefault("version", FORMAT_VERSION)
    cfg.setdefault("weights", "model.safetensors")
    tmp = os.path.join(path, "config.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2)
    os.replace(tmp, os.path.join(path, "config.json"))


def make_config(
    in_channels: int,
    hidden: int,
    latent_dim: int,
    stages: int,
    quantizer: dict,
    height: int,
    width: int,
    out_channels: Optional[int] = None,
    channel_names: Optional[List[str]] = None,
) -> dict:
    """A config.json for a model built in PyTorch (continuous frames), to save and open in TokenScope."""
    out_channels = out_channels or in_channels
    layers = reference_layers(in_channels, out_channels, hidden, latent_dim, stages)
    f = 2**stages
    q = dict(quantizer)
    if q["kind"] == "fsq":
        q.setdefault("dim", len(q["levels"]))
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "weights": "model.safetensors",
        "model": {
            "in_channels": in_channels,
            "out_channels": out_channels,
            "hidden": hidden,
            "latent_dim": latent_dim,
            "stages": stages,
            "output": "continuous",
            **layers,
        },
        "quantizer": q,
        "input": {
            "height": height,
            "width": width,
            "channels": in_channels,
            "channel_names": channel_names or [f"c{i}" for i in range(in_channels)],
            "encoding": {"kind": "continuous"},
            "normalization": None,
        },
        "token_grid": [height // f, width // f],
    }
