"""PyTorch timing of TokenScope's reference step, for `npm run bench`.

The same model as src-main/engine/model (DESIGN.md's reference architecture) with a plain VQ
(codebook + beta * commitment loss, straight-through), trained with Adam on MSE. It prints
one JSON line: {"step_ms": ..., "encode_fps": ..., "threads": ..., "device": ...}. float32, on the
CPU or, with device=cuda, on the GPU (timings synchronised; encoded frames start on the CPU and
their ids come back to it, as ours do). Arguments are key=value pairs.
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def parse_args(argv):
    args = {"batch": 8, "size": 64, "channels": 16, "hidden": 64, "latent": 32,
            "codebook": 512, "stages": 2, "steps": 10, "warmup": 2, "encode_frames": 64, "encode_batch": 8,
            "threads": os.cpu_count() or 1, "device": "cpu"}
    for a in argv:
        k, v = a.split("=", 1)
        args[k] = v if k == "device" else int(v)
    return args


class Encoder(nn.Module):
    def __init__(self, cin, hidden, latent, stages):
        super().__init__()
        layers = []
        c = cin
        for _ in range(stages):
            layers += [nn.Conv2d(c, hidden, 4, 2, 1), nn.ReLU()]
            c = hidden
        layers.append(nn.Conv2d(c, latent, 3, 1, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class Decoder(nn.Module):
    def __init__(self, cout, hidden, latent, stages):
        super().__init__()
        layers = []
        c = latent
        for _ in range(stages):
            layers += [nn.ConvTranspose2d(c, hidden, 4, 2, 1), nn.ReLU()]
            c = hidden
        layers.append(nn.ConvTranspose2d(c, cout, 3, 1, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class VQ(nn.Module):
    def __init__(self, k, d, beta=0.25):
        super().__init__()
        self.embedding = nn.Embedding(k, d)
        self.beta = beta

    def indices(self, z):  # z [N, D]
        w = self.embedding.weight
        dist = (z * z).sum(1, keepdim=True) - 2 * z @ w.t() + (w * w).sum(1)[None]
        return dist.argmin(1)

    def forward(self, z):
        idx = self.indices(z)
        q = self.embedding(idx)
        loss = F.mse_loss(q, z.detach()) + self.beta * F.mse_loss(z, q.detach())
        return z + (q - z).detach(), idx, loss


class Model(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.encoder = Encoder(a["channels"], a["hidden"], a["latent"], a["stages"])
        self.quantizer = VQ(a["codebook"], a["latent"])
        self.decoder = Decoder(a["channels"], a["hidden"], a["latent"], a["stages"])

    def encode(self, x):
        z = self.encoder(x)
        b, d, h, w = z.shape
        flat = z.permute(0, 2, 3, 1).reshape(-1, d)
        return self.quantizer.indices(flat).reshape(b, h, w)

    def forward(self, x):
        z = self.encoder(x)
        b, d, h, w = z.shape
        flat = z.permute(0, 2, 3, 1).reshape(-1, d)
        q, idx, qloss = self.quantizer(flat)
        q = q.reshape(b, h, w, d).permute(0, 3, 1, 2)
        out = self.decoder(q)
        return F.mse_loss(out, x) + qloss


def main():
    a = parse_args(sys.argv[1:])
    torch.set_num_threads(a["threads"])
    torch.manual_seed(0)
    dev = torch.device(a["device"])
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    model = Model(a).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(a["batch"], a["channels"], a["size"], a["size"], device=dev)

    def step():
        opt.zero_grad()
        loss = model(x)
        loss.backward()
        opt.step()

    for _ in range(a["warmup"]):
        step()
    sync()
    t0 = time.perf_counter()
    for _ in range(a["steps"]):
        step()
    sync()
    step_ms = (time.perf_counter() - t0) * 1000 / a["steps"]

    frames = torch.rand(a["encode_frames"], a["channels"], a["size"], a["size"])
    with torch.no_grad():
        eb = a["encode_batch"]
        model.encode(frames[:eb].to(dev)).cpu()
        t0 = time.perf_counter()
        for i in range(0, a["encode_frames"], eb):
            model.encode(frames[i : i + eb].to(dev)).cpu()
        encode_fps = a["encode_frames"] / (time.perf_counter() - t0)
    print(json.dumps({"step_ms": step_ms, "encode_fps": encode_fps, "threads": a["threads"], "device": a["device"]}))


if __name__ == "__main__":
    main()
