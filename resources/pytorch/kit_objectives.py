"""Objectives on a VQ codebook, as TokenScope's engine computes them
(src-main/engine/quantizers/codebook-objectives.ts; formulas and references in
docs/design-notes/codebook-objectives.md). ``config.json``'s ``quantizer.codebook_objectives``
holds the weights (snake_case); a weight of 0 or absent turns a term off.

Under torchrun the used-code mask of the orthogonality term is taken over the *global* batch
(counts all-reduced), and the max-codes draw comes from the kit's seeded generator, the same on
every rank; the other terms are functions of the codebook (identical on every rank) or means over
the local batch (DDP's gradient average makes them the global mean).
"""

from __future__ import annotations

from typing import Callable, Dict, Optional

import torch
import torch.nn.functional as F

PARTS = ("orthogonal", "norm", "repulsion", "variance_hinge", "infonce", "vicreg_variance", "vicreg_covariance")
# The names the metrics use (TokenScope's loss-part names, camelCase).
METRIC_NAME = {
    "orthogonal": "orthogonal",
    "norm": "norm",
    "repulsion": "repulsion",
    "variance_hinge": "varianceHinge",
    "infonce": "infonce",
    "vicreg_variance": "vicregVariance",
    "vicreg_covariance": "vicregCovariance",
}


def orthogonal_loss(cb: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
    """sum_ij m_i m_j cos_ij^2 / n^2 - 1/n (vector-quantize-pytorch's orthogonal_loss_fn with a mask)."""
    e = F.normalize(cb, p=2, dim=-1)
    cos2 = (e @ e.t()).pow(2)
    if mask is None:
        n = cb.shape[0]
        return cos2.sum() / n**2 - 1 / n
    n = mask.sum().clamp(min=1)
    return (cos2 * mask[:, None] * mask[None, :]).sum() / n**2 - 1 / n


def norm_loss(cb: torch.Tensor, target: float) -> torch.Tensor:
    return ((cb.pow(2).sum(-1) + 1e-12).sqrt() - target).pow(2).mean()


def repulsion_loss(cb: torch.Tensor, sigma: float) -> torch.Tensor:
    k = cb.shape[0]
    d2 = (cb.pow(2).sum(-1)[:, None] - 2 * cb @ cb.t() + cb.pow(2).sum(-1)[None, :]).clamp(min=0)
    g = torch.exp(-d2 / sigma**2)
    off = 1 - torch.eye(k, dtype=cb.dtype, device=cb.device)
    return (g * off).sum() / (k * (k - 1))


def variance_hinge_loss(cb: torch.Tensor, gamma: float) -> torch.Tensor:
    std = (cb.var(dim=0, unbiased=False) + 1e-8).sqrt()
    return F.relu(gamma - std).pow(2).mean()


def vicreg_variance_loss(cb: torch.Tensor) -> torch.Tensor:
    return F.relu(1 - torch.sqrt(cb.var(dim=0) + 1e-4)).mean()


def vicreg_covariance_loss(cb: torch.Tensor) -> torch.Tensor:
    k, d = cb.shape
    c = cb - cb.mean(dim=0)
    cov = c.t() @ c / (k - 1)
    off = 1 - torch.eye(d, dtype=cb.dtype, device=cb.device)
    return (cov * off).pow(2).sum() / d


def infonce_loss(x: torch.Tensor, cb: torch.Tensor, idx: torch.Tensor, temperature: float) -> torch.Tensor:
    logits = F.normalize(x, dim=-1) @ F.normalize(cb, dim=-1).t() / temperature
    return F.cross_entropy(logits, idx)


class CodebookObjectives:
    """The weights of one quantizer's config and the terms they switch on."""

    def __init__(self, q: dict):
        o = q.get("codebook_objectives") or {}
        self.w = {k: float(o.get(k, 0.0) or 0.0) for k in PARTS}
        self.active_only = bool(o.get("orthogonal_active_only", True))
        self.max_codes = o.get("orthogonal_max_codes")
        self.norm_target = float(o.get("norm_target", 1.0))
        self.sigma = float(o.get("repulsion_sigma", 1.0))
        self.gamma = float(o.get("variance_gamma", 1.0))
        self.tau = float(o.get("infonce_temperature", 0.1))

    def any(self) -> bool:
        return any(v > 0 for v in self.w.values())

    def __call__(
        self,
        cb: torch.Tensor,
        x: torch.Tensor,
        idx: torch.Tensor,
        global_counts: Callable[[], torch.Tensor],
        gen: torch.Generator,
    ) -> Dict[str, torch.Tensor]:
        """Unweighted values of the active terms, by metric name. ``cb`` the codebook as used for lookup."""
        out: Dict[str, torch.Tensor] = {}
        K = cb.shape[0]
        for k in PARTS:
            if self.w[k] <= 0:
                continue
            if k == "orthogonal":
                mask = (global_counts() > 0).to(cb.dtype) if self.active_only else torch.ones(K, dtype=cb.dtype, device=cb.device)
                if self.max_codes is not None and int(self.max_codes) < K:
                    # As TokenScope: a uniform draw among the used codes (unused ones ranked last).
                    r = torch.rand(K, generator=gen).to(cb.device)
                    picks = torch.topk(r + mask - 1, int(self.max_codes)).indices
                    v = orthogonal_loss(cb[picks], mask[picks])
                else:
                    v = orthogonal_loss(cb, mask if self.active_only else None)
            elif k == "norm":
                v = norm_loss(cb, self.norm_target)
            elif k == "repulsion":
                v = repulsion_loss(cb, self.sigma)
            elif k == "variance_hinge":
                v = variance_hinge_loss(cb, self.gamma)
            elif k == "infonce":
                v = infonce_loss(x, cb, idx, self.tau)
            elif k == "vicreg_variance":
                v = vicreg_variance_loss(cb)
            else:
                v = vicreg_covariance_loss(cb)
            out[METRIC_NAME[k]] = v
        return out

    def weighted(self, parts: Dict[str, torch.Tensor]) -> torch.Tensor:
        total = None
        for k in PARTS:
            name = METRIC_NAME[k]
            if name in parts:
                t = self.w[k] * parts[name]
                total = t if total is None else total + t
        assert total is not None
        return total
