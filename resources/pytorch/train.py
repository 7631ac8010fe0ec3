#!/usr/bin/env python3
"""Train a TokenScope tokenizer with PyTorch's DistributedDataParallel, launched by torchrun.

    torchrun --standalone --nproc_per_node N train.py --steps S --out RUN [--data PATH]
    torchrun --nnodes 2 --nproc_per_node 8 --rdzv_backend c10d --rdzv_endpoint HOST:29400 \\
        train.py --steps S --out RUN --data PATH

Beside this file (a kit written by ``tokenscope export CHECKPOINT --train-kit DIR``): the twin
module, ``config.json`` (the tokenizer TokenScope designed), ``model.safetensors`` (its weights:
fine-tuning starts from them unless ``--from-scratch``) and ``data.json`` (what to train on).

``--batch-size`` is the global batch: each of the N processes takes B/N samples of it, and the
quantizer's statistics (EMA counts and sums, k-means, dead codes) are all-reduced, so N
processes follow the trajectory of one process with batch B. NCCL on GPUs, gloo on CPUs.
Rank 0 writes checkpoints in TokenScope's import format to RUN/checkpoints/ and the metrics to
RUN/metrics.jsonl; a relaunch resumes from the newest complete checkpoint.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from datetime import timedelta
from typing import Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.parallel import DistributedDataParallel as DDP  # noqa: E402
from torch.utils.data import DistributedSampler  # noqa: E402

import tokenscope_tokenizer as tt  # noqa: E402
from kit_data import DataError, crop_window, open_frames  # noqa: E402
from kit_quantizer import Comm, QuantizerTraining  # noqa: E402
from kit_run import MetricsLog, clean_partial, latest_checkpoint, write_checkpoint  # noqa: E402

HEALTH_WINDOW = 50  # batches, as the app's codebook-health window


def parse_args(argv: List[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, required=True, help="total optimisation steps of the run")
    p.add_argument("--out", required=True, help="run folder: checkpoints/ and metrics.jsonl")
    p.add_argument("--data", help="a .npy sequence, an Occ3D-nuScenes root, or a data.json (default: the kit's data.json)")
    p.add_argument("--split", help="Occ3D split to train on (train, val)")
    p.add_argument("--config", default=os.path.join(HERE, "config.json"), help="the tokenizer's config.json")
    p.add_argument("--weights", default=os.path.join(HERE, "model.safetensors"), help="weights to fine-tune from")
    p.add_argument("--from-scratch", action="store_true", help="fresh weights (seeded) instead of --weights")
    p.add_argument("--batch-size", type=int, help="global batch (split across processes); default: the config's")
    p.add_argument("--lr", type=float, help="Adam learning rate; default: the config's")
    p.add_argument("--crop", type=int, help="random crop size, 0 for whole frames; default: the config's")
    p.add_argument("--seed", type=int, help="default: the config's")
    p.add_argument("--checkpoint-every", type=int, help="steps between checkpoints (and at the end); default: the config's or 100")
    p.add_argument("--amp", action="store_true", help="mixed precision (bf16 autocast; fp16 + grad scaling on CUDA)")
    p.add_argument("--no-resume", action="store_true", help="ignore checkpoints already in --out")
    p.add_argument(
        "--dist-timeout",
        type=float,
        default=float(os.environ.get("TOKENSCOPE_KIT_DIST_TIMEOUT_S", "600")),
        help="seconds a collective may wait for the other ranks before the run fails (default 600)",
    )
    return p.parse_args(argv)


def setup_distributed(timeout_s: float) -> torch.device:
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        # A rank that dies leaves the others waiting in a collective, where gloo spins without
        # seeing torchrun's SIGTERM: the timeout makes them fail too, so the relaunch can resume.
        dist.init_process_group(backend=backend, timeout=timedelta(seconds=timeout_s))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        torch.cuda.set_device(local)
        return torch.device("cuda", local)
    per_node = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // per_node))
    return torch.device("cpu")


class TrainForward(nn.Module):
    """Frames -> (decoder output, latent rows, indices, quantizer loss, its parts): what DDP wraps."""

    def __init__(self, model: tt.TokenScopeTokenizer, qt: QuantizerTraining, comm: Comm):
        super().__init__()
        self.model, self.qt, self.comm = model, qt, comm

    def forward(self, x: torch.Tensor):
        m = self.model
        rows, (b, h, w) = m._rows(m.encoder(m.normalize(x)))
        if m.project_in is not None:
            rows = m.project_in(rows)
        zq, idx, qloss, parts = self.qt.forward(rows, self.comm, h * w)
        if m.project_out is not None:
            zq = m.project_out(zq)
        out = m.decoder(zq.reshape(b, h, w, -1).permute(0, 3, 1, 2))
        return out, rows, idx, qloss, parts


def recon_loss(out: torch.Tensor, target: torch.Tensor, encoding: dict) -> torch.Tensor:
    if encoding.get("kind") == "classes":
        k = int(encoding["numClasses"])
        b, c, h, w = out.shape
        logp = F.log_softmax(out.reshape(b, c // k, k, h, w), dim=2)
        return -(target.reshape(b, c // k, k, h, w) * logp).sum(2).mean()
    return (out - target).pow(2).mean()


class Health:
    """Utilization, perplexity and dead codes over the last HEALTH_WINDOW global batches (the app's)."""

    def __init__(self, codebook_size: int, depth: int):
        self.K, self.depth, self.window = codebook_size, depth, []

    def push(self, idx: torch.Tensor) -> None:
        self.window.append(idx.reshape(-1, self.depth).cpu())
        del self.window[:-HEALTH_WINDOW]

    def summary(self) -> Dict[str, float]:
        ids = torch.cat(self.window, 0)
        used, perp = 0, 0.0
        for lvl in range(self.depth):
            counts = torch.bincount(ids[:, lvl], minlength=self.K).double() if self.K <= 1 << 24 else None
            if counts is None:
                u = torch.unique(ids[:, lvl])
                used += len(u)
                continue
            used += int((counts > 0).sum())
            p = counts / counts.sum()
            perp += math.exp(float(-(p[p > 0] * p[p > 0].log()).sum()))
        return {"utilization": used / (self.K * self.depth), "perplexity": perp / self.depth, "deadCodes": self.K * self.depth - used}


def segmentation_scores(out: torch.Tensor, target: torch.Tensor, encoding: dict, comm: Comm) -> Dict[str, float]:
    k = int(encoding["numClasses"])
    free = encoding.get("freeClass")
    b, c, h, w = out.shape
    pred = out.reshape(b, c // k, k, h, w).argmax(2).reshape(-1)
    true = target.reshape(b, c // k, k, h, w).argmax(2).reshape(-1)
    conf = torch.bincount(true * k + pred, minlength=k * k).double().reshape(k, k)
    conf = comm.sum(conf.to(out.device)).cpu()
    tp = conf.diag()
    union = conf.sum(0) + conf.sum(1) - tp
    classes = [c_ for c_ in range(k) if c_ != free and union[c_] > 0]
    res: Dict[str, float] = {}
    if classes:
        res["miou"] = float(sum(tp[c_] / union[c_] for c_ in classes) / len(classes))
    if free is not None:
        occ_t, occ_p = true != free, pred != free
        inter = comm.sum(torch.tensor([float((occ_t & occ_p).sum()), float((occ_t | occ_p).sum())], device=out.device)).cpu()
        if inter[1] > 0:
            res["iou"] = float(inter[0] / inter[1])
    return res


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    device = setup_distributed(args.dist_timeout)
    comm = Comm()
    rank, world = comm.rank, comm.world
    try:
        with open(args.config, "r", encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise SystemExit(f"{args.config}: cannot read the tokenizer config: {e}")
    if config.get("format") != tt.FORMAT:
        raise SystemExit(f"{args.config}: not a TokenScope tokenizer config (format {config.get('format')!r})")
    train_cfg = config.get("train") or {}
    batch = args.batch_size or int(train_cfg.get("batchSize", 8))
    lr = args.lr if args.lr is not None else float(train_cfg.get("learningRate", 1e-3))
    crop = args.crop if args.crop is not None else int(train_cfg.get("crop", 0))
    seed = args.seed if args.seed is not None else int(train_cfg.get("seed", 0))
    every = args.checkpoint_every or int(train_cfg.get("checkpointEvery", 0) or 100)
    if batch % world:
        raise SystemExit(f"--batch-size {batch} is not divisible by the {world} processes")
    local_batch = batch // world

    inp = config.get("input") or {}
    encoding = inp.get("encoding") or {"kind": "continuous"}
    data = args.data or os.path.join(HERE, "data.json")
    try:
        frames = open_frames(data, encoding, int(config["model"]["in_channels"]), args.split)
    except DataError as e:
        raise SystemExit(str(e))
    n = len(frames)
    steps_per_epoch = n // batch
    if steps_per_epoch < 1:
        raise SystemExit(f"{data}: {n} frames is fewer than one global batch of {batch}")

    torch.manual_seed(seed)
    model = tt.TokenScopeTokenizer(config)
    if not args.from_scratch:
        sd = tt.read_safetensors(args.weights)
        own = model.state_dict()
        model.load_state_dict({k: v.to(own[k].dtype) if k in own else v for k, v in sd.items()}, strict=True)
    model.to(device).train()
    qt = QuantizerTraining(model.quantizer, config["quantizer"], seed)
    fwd = TrainForward(model, qt, comm)
    params = [p for p in model.parameters() if p.requires_grad]
    net = DDP(fwd, device_ids=[device.index] if device.type == "cuda" else None, broadcast_buffers=False) if comm.on else fwd
    # The codebook's own Adam parameter group when the config asks for one (codebookLearningRate).
    cb_lr = train_cfg.get("codebookLearningRate")
    cb_ids = {id(v.vq.embedding.weight) for v in qt.vqs if v.vq.embedding.weight.requires_grad}
    if cb_lr is not None and cb_ids:
        groups = [{"params": [p for p in params if id(p) not in cb_ids]}, {"params": [p for p in params if id(p) in cb_ids], "lr": float(cb_lr)}]
        opt = torch.optim.Adam(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8)
    else:
        opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8)
    scaler = torch.cuda.amp.GradScaler(enabled=args.amp and device.type == "cuda")
    amp_dtype = torch.float16 if device.type == "cuda" else torch.bfloat16

    q = config["quantizer"]
    depth = int(config.get("token_depth") or q.get("depth", 1) if q["kind"] in ("rvq", "gvq") else 1)
    health = Health(int(q.get("codebook_size", 2 ** int(q.get("dim", 1)))), depth)
    log = MetricsLog(args.out)
    start = 0
    if rank == 0:
        os.makedirs(args.out, exist_ok=True)
        clean_partial(args.out)
    if comm.on:
        dist.barrier()
    resume = None if args.no_resume else latest_checkpoint(args.out)
    if resume:
        sd = tt.read_safetensors(os.path.join(resume, "model.safetensors"))
        model.load_state_dict({k: v.to(device) for k, v in sd.items()}, strict=True)
        st = torch.load(os.path.join(resume, "trainer_state.pt"), map_location="cpu")
        opt.load_state_dict(st["optimizer"])
        qt.load(st["quantizer"])
        health.window = list(st["window"])
        start = int(st["step"])
        if rank == 0:
            log.truncate_after(start)
            print(f"resuming from {resume} (step {start})", file=sys.stderr)
    elif rank == 0:
        log.truncate_after(0)

    sampler = DistributedSampler(range(n), num_replicas=world, rank=rank, shuffle=True, seed=seed, drop_last=False)
    fail_at = int(os.environ.get("TOKENSCOPE_KIT_FAIL_AT_STEP", "0"))  # crash injection for the resume tests
    fail_rank = int(os.environ.get("TOKENSCOPE_KIT_FAIL_RANK", "-1"))
    ms_avg = 0.0
    reseeded, reseed_events = 0, 0
    epoch_cached, order = -1, []
    for step in range(start, args.steps):
        if fail_at and step + 1 == fail_at and rank == fail_rank:
            os._exit(17)
        t0 = time.perf_counter()
        epoch, pos = divmod(step, steps_per_epoch)
        if epoch != epoch_cached:
            sampler.set_epoch(epoch)
            order, epoch_cached = list(sampler), epoch
        mine = order[pos * local_batch : (pos + 1) * local_batch]
        xs = []
        for j, i in enumerate(mine):
            f = frames[i]
            top, left, hh, ww = crop_window(f.shape[1], f.shape[2], crop, seed, epoch, pos * batch + rank + world * j)
            xs.append(torch.from_numpy(np.array(f[:, top : top + hh, left : left + ww], dtype=np.float32)))
        x = torch.stack(xs).to(device)
        qt.set_step(step)
        with torch.autocast(device_type=device.type, dtype=amp_dtype, enabled=args.amp):
            out, rows, idx, qloss, parts = net(x)
            target = model.normalize(x) if encoding.get("kind") != "classes" else x
            rloss = recon_loss(out.float(), target, encoding)
            loss = rloss + qloss
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        qt.after_step(rows.detach().float(), idx, comm, rows.shape[0] // local_batch)
        reseeds = qt.take_reseeds()
        reseeded += sum(len(e["codes"]) for e in reseeds)
        reseed_events += len(reseeds)

        vals = torch.stack([loss.detach().float(), rloss.detach().float(), qloss.detach().float()] + [v.detach().float() for v in parts.values()])
        vals = comm.sum(vals) / world
        gidx = comm.gather_rows(idx.reshape(rows.shape[0], -1), rows.shape[0] // local_batch)
        health.push(gidx)
        seg = segmentation_scores(out.detach().float(), x, encoding, comm) if encoding.get("kind") == "classes" else {}
        ms = (time.perf_counter() - t0) * 1000
        ms_avg = ms if step == start else 0.9 * ms_avg + 0.1 * ms
        done = step + 1
        if rank == 0:
            v = vals.tolist()
            rec: Dict[str, object] = {
                "step": done,
                "totalSteps": args.steps,
                "loss": v[0],
                "reconLoss": v[1],
                "quantLoss": {"total": v[2], **{k: v[3 + i] for i, k in enumerate(parts)}},
                **health.summary(),
                "bitsPerToken": depth * math.log2(health.K),
                "msPerStep": ms,
                "etaSeconds": (args.steps - done) * ms_avg / 1000,
                "processes": world,
                "time": time.time(),
                **seg,
            }
            if not math.isfinite(v[0]):
                raise SystemExit(f"training diverged at step {done}: loss is {v[0]}")
            log.append(rec)
        if done % every == 0 or done == args.steps:
            if rank == 0:
                state = {"step": done, "optimizer": opt.state_dict(), "quantizer": qt.state(), "window": health.window}
                cfg = dict(config)
                cfg["train"] = {**train_cfg, "batchSize": batch, "learningRate": lr, "crop": crop, "seed": seed, "steps": args.steps}
                path = write_checkpoint(args.out, done, model, cfg, state)
                print(f"step {done}/{args.steps}  loss {v[0]:.5f}  -> {path}", file=sys.stderr)
            if comm.on:
                dist.barrier()
    if rank == 0 and (reseed_events or q.get("reseed") not in (None, "off") and (q.get("dead_code_threshold") or q.get("dead_after_steps"))):
        print(f"reseeding: {reseeded} codes in {reseed_events} events", file=sys.stderr)
    if comm.on:
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
