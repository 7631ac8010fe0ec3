"""Training semantics of TokenScope's quantizers around the twin's modules, made distributed.

The twin (``tokenscope_tokenizer.py``) holds the quantizers' parameters and buffers with
TokenScope's names; this file adds what training does to them, as TokenScope's engine does
(src-main/engine/quantizers): the straight-through estimator, the codebook and commitment losses,
LFQ's factorised entropy, and for VQ codebooks the EMA update with Laplace smoothing, k-means
initialisation and dead-code reseeding.

Everything that looks at a batch's latents outside the gradient is computed on the *global*
batch: counts and sums are all-reduced, and the rows that k-means or reseeding pick from are
all-gathered in the order one process with the whole batch would see them. So N processes with
per-rank batch B/N follow the trajectory of one process with batch B (up to summation order),
and every rank draws the same random numbers from the same seeded generator.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import torch
import torch.distributed as dist
import torch.nn.functional as F

import tokenscope_tokenizer as tt
from kit_objectives import CodebookObjectives


class Comm:
    """The collective operations the quantizers need; a no-op world of one without torch.distributed."""

    def __init__(self) -> None:
        self.on = dist.is_available() and dist.is_initialized()
        self.world = dist.get_world_size() if self.on else 1
        self.rank = dist.get_rank() if self.on else 0

    def sum(self, t: torch.Tensor) -> torch.Tensor:
        if self.on:
            dist.all_reduce(t, op=dist.ReduceOp.SUM)
        return t

    def gather_rows(self, rows: torch.Tensor, per_sample: int) -> torch.Tensor:
        """Local rows (sample-major, ``per_sample`` rows each) -> the global batch's rows in global order.

        Rank r holds the samples at global positions r, r + N, r + 2N, … of the batch (the
        DistributedSampler's interleaving), so the gathered blocks are interleaved sample by sample.
        """
        if not self.on:
            return rows
        parts = [torch.empty_like(rows) for _ in range(self.world)]
        dist.all_gather(parts, rows.contiguous())
        n_local = rows.shape[0] // per_sample
        stacked = torch.stack([p.reshape(n_local, per_sample, -1) for p in parts], dim=1)  # [n_local, N, per, D]
        return stacked.reshape(-1, rows.shape[-1])


def _mse(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a - b).pow(2).mean()


def _binary_entropy(p: torch.Tensor) -> torch.Tensor:
    eps = 1e-5
    return -(p * (p + eps).log() + (1 - p) * (1 - p + eps).log())


class VQTraining:
    """One VQ codebook (also each level of residual VQ and each group of grouped VQ)."""

    def __init__(self, vq: tt.VQ, q: dict, gen: torch.Generator):
        self.vq = vq
        self.beta = float(q.get("beta", 0.25))
        self.ema = bool(q.get("ema", False))
        self.decay = float(q.get("ema_decay", 0.99))
        self.eps = 1e-5
        self.entropy_weight = float(q.get("entropy_weight", 0.0) or 0.0)
        self.threshold = float(q.get("dead_code_threshold", 0.0) or 0.0)
        self.reseed = q.get("reseed", "random") or "random"
        self.kmeans_pending = bool(q.get("kmeans_init", False))
        self.kmeans_iters = 10
        self.recent_max = int(q.get("reseed_pool_size", 4096) or 4096)
        self.recent: Optional[torch.Tensor] = None
        self.gen = gen
        self.objectives = CodebookObjectives(q)
        self.vq.embedding.weight.requires_grad_(not self.ema)
        # Codebook dynamics (TokenScope's docs/design-notes/codebook-dynamics.md).
        self.pool_kind = q.get("reseed_pool", "fifo") or "fifo"
        self.dead_after = int(q.get("dead_after_steps", 0) or 0)
        self.reseed_noise = float(q.get("reseed_noise", 0.0) or 0.0)
        self.jitter = float(q.get("jitter", 0.0) or 0.0)
        self.rotation_trick = bool(q.get("rotation_trick", False))
        self.beta_schedule = q.get("beta_schedule")
        self.step = 0
        self.seen = 0
        self.since_used = torch.zeros(self.vq.codebook_size, device=self.vq.cluster_size.device)
        self.reseeds: List[Dict[str, object]] = []

    def _prep(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(x, dim=-1) if self.vq.cosine else x

    def forward(self, x: torch.Tensor, comm: Comm, per_sample: int):
        if self.kmeans_pending:
            self._kmeans(comm.gather_rows(self._prep(x).detach(), per_sample))
            self.kmeans_pending = False
        if self.jitter > 0:
            # Noise on the latents before the search (a constant: the gradient reaches x unchanged).
            # Drawn per rank from the shared generator, so N processes do not follow one exactly.
            x = x + self.jitter * torch.randn(x.shape, generator=self.gen).to(x.device, x.dtype)
        xin = self._prep(x)
        cb = self.vq.codebook()
        with torch.autocast(device_type=x.device.type, enabled=False):
            xf, cbf = xin.float(), cb.float()
            d = xf.pow(2).sum(-1, keepdim=True) - 2 * xf @ cbf.t() + cbf.pow(2).sum(-1)[None, :]
            idx = d.argmin(dim=-1)
        codes = cb[idx]
        commitment = _mse(xin, codes.detach())
        parts = {"commitment": commitment}
        loss = commitment_weight(self.beta, self.beta_schedule, self.step) * commitment
        if not self.ema:
            parts["codebook"] = _mse(xin.detach(), codes)
            loss = loss + parts["codebook"]
        if self.entropy_weight > 0:
            p = torch.softmax(-d, dim=-1)
            ent = _entropy(p).mean() - _entropy(p.mean(0))
            parts["entropy"] = ent
            loss = loss + self.entropy_weight * ent
        if self.objectives.any():
            K = cb.shape[0]
            obj = self.objectives(cb, xin, idx, lambda: comm.sum(F.one_hot(idx, K).float().sum(0)), self.gen)
            parts.update(obj)
            loss = loss + self.objectives.weighted(obj)
        zq = rotate_to(xin, codes) if self.rotation_trick else xin + (codes - xin).detach()
        return zq, idx, loss, parts

    @torch.no_grad()
    def after_step(self, x: torch.Tensor, idx: torch.Tensor, comm: Comm, per_sample: int) -> None:
        vq, K = self.vq, self.vq.codebook_size
        xin = self._prep(x.detach()).float()
        one = F.one_hot(idx, K).float()
        counts = comm.sum(one.sum(0))
        w = 1 - self.decay
        vq.cluster_size.lerp_(counts, w)
        if self.ema:
            embed_sum = comm.sum(one.t() @ xin)
            vq.embed_avg.lerp_(embed_sum, w)
            total = vq.cluster_size.sum()
            smoothed = (vq.cluster_size + self.eps) / (total + K * self.eps) * total
            embed = vq.embed_avg / smoothed[:, None]
            vq.embedding.weight.data.copy_(F.normalize(embed, dim=-1) if vq.cosine else embed)
        if self.dead_after > 0:
            self.since_used = torch.where(counts > 0, torch.zeros_like(self.since_used), self.since_used + 1)
        if (self.threshold > 0 or self.dead_after > 0) and self.reseed != "off":
            rows = comm.gather_rows(xin, per_sample)
            if self.reseed == "random":
                self._remember(rows)
            self._reseed(rows)

    def _remember(self, rows: torch.Tensor) -> None:
        """The pool of recent latents: the newest rows (fifo) or Vitter's reservoir sample of all seen."""
        pool = rows if self.recent is None else torch.cat([self.recent, rows], 0)
        n_pool = 0 if self.recent is None else self.recent.shape[0]
        if self.pool_kind != "reservoir":
            self.recent = pool[-self.recent_max :].clone()
        else:
            slots = list(range(n_pool))
            for r in range(rows.shape[0]):
                i = self.seen + r
                if len(slots) < self.recent_max:
                    slots.append(n_pool + r)
                else:
                    j = int(torch.randint(0, i + 1, (1,), generator=self.gen))
                    if j < self.recent_max:
                        slots[j] = n_pool + r
            self.recent = pool[torch.tensor(slots, dtype=torch.long, device=pool.device)].clone()
        self.seen += rows.shape[0]

    def _reseed(self, rows: torch.Tensor) -> None:
        vq, K = self.vq, self.vq.codebook_size
        dead = vq.cluster_size < self.threshold if self.threshold > 0 else torch.zeros(K, dtype=torch.bool, device=rows.device)
        if self.dead_after > 0:
            dead = dead | (self.since_used >= self.dead_after)
        if not bool(dead.any()):
            return
        seed_count = self.threshold if self.threshold > 0 else 1.0
        counts = torch.full_like(vq.cluster_size, seed_count)
        shared_cs, shared_avg = vq.cluster_size, vq.embed_avg
        parents = None
        if self.reseed == "split":
            # The j-th dead code (code order) splits the j-th most used live code whose count is at
            # least twice the reseed count (so both halves stay alive); parent and child share its
            # EMA count and sum. Dead codes without a parent wait for a later step.
            eligible = ~dead & (vq.cluster_size >= 2 * seed_count)
            order = torch.where(eligible, vq.cluster_size, torch.full_like(vq.cluster_size, -1.0)).topk(K).indices
            rank = dead.long().cumsum(0) - 1
            dead = dead & (rank < int(eligible.sum()))
            if not bool(dead.any()):
                return
            parents = order[rank.clamp(0, K - 1)]
            splits = (F.one_hot(parents, K).float() * dead.float()[:, None]).sum(0)
            share = 1.0 / (1.0 + splits)
            shared_cs = vq.cluster_size * share
            shared_avg = vq.embed_avg * share[:, None]
            counts = shared_cs[parents]
            cand = vq.embedding.weight.data[parents].float()
        elif self.reseed == "random":
            pool = self.recent if self.recent is not None else rows
            picks = torch.randint(0, pool.shape[0], (K,), generator=self.gen)
            cand = pool[picks.to(pool.device)]
        else:
            cb = vq.codebook().float()
            err = (rows.pow(2).sum(-1, keepdim=True) - 2 * rows @ cb.t() + cb.pow(2).sum(-1)[None]).min(-1).values
            k = min(K, rows.shape[0])
            worst = err.topk(k).indices
            rank = (dead.long().cumsum(0) - 1).remainder(k).clamp(min=0)
            cand = rows[worst[rank]]
        if self.reseed_noise > 0:
            cand = cand + self.reseed_noise * torch.randn((K, cand.shape[1]), generator=self.gen).to(cand.device)
        if vq.cosine:
            cand = F.normalize(cand, dim=-1)
        d2 = dead[:, None]
        vq.embedding.weight.data.copy_(torch.where(d2, cand, vq.embedding.weight.data))
        vq.embed_avg.copy_(torch.where(d2, cand * counts[:, None], shared_avg))
        vq.cluster_size.copy_(torch.where(dead, counts, shared_cs))
        if self.dead_after > 0:
            self.since_used = torch.where(dead, torch.zeros_like(self.since_used), self.since_used)
        codes = dead.nonzero().flatten().tolist()
        event: Dict[str, object] = {"step": self.step + 1, "codes": codes, "source": {"split": "split", "random": "reservoir"}.get(self.reseed, "batch")}
        if parents is not None:
            event["from"] = parents[dead].tolist()
        self.reseeds.append(event)

    def _kmeans(self, samples: torch.Tensor) -> None:
        vq, K = self.vq, self.vq.codebook_size
        n = samples.shape[0]
        if n >= K:
            picks = torch.randperm(n, generator=self.gen)[:K]
        else:
            picks = torch.randint(0, n, (K,), generator=self.gen)
        means = samples[picks.to(samples.device)].clone()
        bins = torch.zeros(K, device=samples.device)
        for _ in range(self.kmeans_iters):
            d = samples.pow(2).sum(-1, keepdim=True) - 2 * samples @ means.t() + means.pow(2).sum(-1)[None]
            one = F.one_hot(d.argmin(-1), K).float()
            bins = one.sum(0)
            m = (one.t() @ samples) / bins.clamp(min=1)[:, None]
            if vq.cosine:
                m = F.normalize(m, dim=-1)
            means = torch.where((bins == 0)[:, None], means, m)
        with torch.no_grad():
            vq.embedding.weight.data.copy_(means)
            vq.embed_avg.copy_(means)
            vq.cluster_size.copy_(bins)

    def state(self) -> Dict[str, object]:
        return {"kmeans_pending": self.kmeans_pending, "recent": self.recent, "since_used": self.since_used, "seen": self.seen}

    def load(self, s: Dict[str, object]) -> None:
        self.kmeans_pending = bool(s["kmeans_pending"])
        self.recent = s["recent"]  # type: ignore[assignment]
        if "since_used" in s:
            self.since_used = s["since_used"].to(self.since_used.device)  # type: ignore[union-attr]
            self.seen = int(s["seen"])  # type: ignore[arg-type]


def commitment_weight(beta: float, schedule: Optional[dict], step: int) -> float:
    """β for the step about to run (``step`` done so far): linear from start to end over steps, then end."""
    if not schedule:
        return beta
    t = min(max(step, 0) / float(schedule["steps"]), 1.0)
    return float(schedule["start"]) + (float(schedule["end"]) - float(schedule["start"])) * t


def rotate_to(z: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """The rotation trick (Fifty et al. 2024; vector-quantize-pytorch's rotate_to): the value is q,
    the gradient reaches z through the detached rotation-and-rescale that maps z onto q."""
    nz = z.norm(dim=-1, keepdim=True).clamp(min=1e-6)
    nq = q.norm(dim=-1, keepdim=True).clamp(min=1e-6)
    u, qq = (z / nz).detach(), (q / nq).detach()
    w = F.normalize(u + qq, p=2, dim=1, eps=1e-6).detach()
    e = z[:, None, :]
    r = (e - 2 * (e @ w[:, :, None] @ w[:, None, :]) + 2 * (e @ u[:, :, None] @ qq[:, None, :])).squeeze(1)
    return r * (nq / nz).detach()


def _entropy(p: torch.Tensor) -> torch.Tensor:
    return -(p * (p + 1e-5).log()).sum(-1)


class QuantizerTraining:
    """The twin's quantizer (any kind) with TokenScope's training rules."""

    def __init__(self, quantizer: torch.nn.Module, q: dict, seed: int):
        self.q, self.kind = quantizer, q["kind"]
        self.gen = torch.Generator().manual_seed(seed)
        self.beta = float(q.get("beta", 0.25))
        self.entropy_weight = float(q.get("entropy_weight", 0.1 if self.kind in ("lfq", "bsq") else 0.0) or 0.0)
        self.vqs: List[VQTraining] = []
        if self.kind == "vq":
            self.vqs = [VQTraining(quantizer, q, self.gen)]
        elif self.kind == "rvq":
            self.vqs = [VQTraining(l, q, self.gen) for l in quantizer.layers]
        elif self.kind == "gvq":
            self.vqs = [VQTraining(g, q, self.gen) for g in quantizer.groups]

    def forward(self, x: torch.Tensor, comm: Comm, per_sample: int) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, Dict[str, torch.Tensor]]:
        """[N, D] latents -> (straight-through codes, indices, quantizer loss, its parts)."""
        if self.kind == "vq":
            return self.vqs[0].forward(x, comm, per_sample)
        if self.kind == "rvq":
            residual, out, ids, loss, parts = x, torch.zeros_like(x), [], x.new_zeros(()), {}
            for v in self.vqs:
                zq, i, l, p = v.forward(residual, comm, per_sample)
                codes = v.vq.codebook()[i]
                residual = residual - codes.detach()
                out = out + codes
                ids.append(i)
                loss = loss + l
                for k, t in p.items():
                    parts[k] = parts.get(k, 0) + t
            return x + (out - x).detach(), torch.stack(ids, -1), loss, parts
        if self.kind == "gvq":
            outs, ids, losses, parts = [], [], [], {}
            for v, chunk in zip(self.vqs, x.chunk(len(self.vqs), dim=-1)):
                zq, i, l, p = v.forward(chunk, comm, per_sample)
                outs.append(zq)
                ids.append(i)
                losses.append(l)
                for k, t in p.items():
                    parts[k] = parts.get(k, 0) + t / len(self.vqs)
            return torch.cat(outs, -1), torch.stack(ids, -1), sum(losses) / len(losses), parts
        if self.kind == "fsq":
            fsq = self.q
            bounded = fsq.bound(x)
            rounded = bounded + (torch.round(bounded) - bounded).detach()
            codes = rounded / (fsq._levels // 2)
            return codes, fsq.codes_to_indices(codes.detach()), x.new_zeros(()), {}
        if self.kind in ("lfq", "bsq"):
            lfq = self.q
            u = F.normalize(x, dim=-1) if lfq.spherical else x
            s = lfq._scale()
            pos = u > 0
            codes = torch.where(pos, 1.0, -1.0) * s
            idx = (pos.long() * lfq.mask).sum(-1)
            commitment = _mse(u, codes.detach())
            parts = {"commitment": commitment}
            loss = self.beta * commitment
            if self.entropy_weight > 0:
                scale = 4 * 100 * (s if lfq.spherical else 1.0)
                p = torch.sigmoid(u * scale)
                ent = _binary_entropy(p).sum(1).mean() - _binary_entropy(p.mean(0)).sum()
                parts["entropy"] = ent
                loss = loss + self.entropy_weight * ent
            return u + (codes - u).detach(), idx, loss, parts
        raise ValueError(f"unknown quantizer kind {self.kind!r}")

    @torch.no_grad()
    def after_step(self, x: torch.Tensor, idx: torch.Tensor, comm: Comm, per_sample: int) -> None:
        if self.kind == "vq":
            self.vqs[0].after_step(x, idx, comm, per_sample)
        elif self.kind == "rvq":
            residual = x.detach()
            for k, v in enumerate(self.vqs):
                v.after_step(residual, idx[:, k], comm, per_sample)
                residual = residual - v.vq.codebook()[idx[:, k]]
        elif self.kind == "gvq":
            for k, (v, chunk) in enumerate(zip(self.vqs, x.detach().chunk(len(self.vqs), dim=-1))):
                v.after_step(chunk, idx[:, k], comm, per_sample)

    def set_step(self, step: int) -> None:
        """Steps done so far, before each forward (the commitment weight's schedule)."""
        for v in self.vqs:
            v.step = step

    def take_reseeds(self) -> List[Dict[str, object]]:
        """The reseeding events since the last call (``level`` for residual levels / groups)."""
        out: List[Dict[str, object]] = []
        for i, v in enumerate(self.vqs):
            for e in v.reseeds:
                out.append({**e, "level": i} if len(self.vqs) > 1 or self.kind != "vq" else e)
            v.reseeds = []
        return out

    def state(self) -> Dict[str, object]:
        return {"gen": self.gen.get_state(), "vqs": [v.state() for v in self.vqs]}

    def load(self, s: Dict[str, object]) -> None:
        self.gen.set_state(s["gen"])  # type: ignore[arg-type]
        for v, vs in zip(self.vqs, s["vqs"]):  # type: ignore[arg-type]
            v.load(vs)
