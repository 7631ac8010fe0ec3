"""A run folder, as TokenScope follows it: checkpoints that land whole, and metrics as JSON lines.

    RUN/checkpoints/step-000010/   config.json + model.safetensors (TokenScope's import format)
                                   + trainer_state.pt (optimizer, generator, window: for resuming)
    RUN/metrics.jsonl              one object per step, with the app's metric names

A checkpoint is written into a temporary folder beside its final name and renamed into place,
so a reader (TokenScope, or a resuming rank) never sees one half-written; temporaries left by a
killed writer are removed at the next start.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
from typing import Dict, List, Optional

import torch

import tokenscope_tokenizer as tt

STEP_DIR = re.compile(r"^step-(\d{6,})$")
TMP_MARK = ".partial-"


def checkpoints_dir(run: str) -> str:
    return os.path.join(run, "checkpoints")


def clean_partial(run: str) -> List[str]:
    """Removes temporaries of our own naming left by a writer that was killed."""
    d = checkpoints_dir(run)
    removed = []
    if os.path.isdir(d):
        for name in os.listdir(d):
            if TMP_MARK in name and STEP_DIR.match(name.split(TMP_MARK)[0]):
                shutil.rmtree(os.path.join(d, name), ignore_errors=True)
                removed.append(name)
    return removed


def latest_checkpoint(run: str) -> Optional[str]:
    """The newest complete checkpoint folder of a run, or None."""
    d = checkpoints_dir(run)
    if not os.path.isdir(d):
        return None
    best, best_step = None, -1
    for name in os.listdir(d):
        m = STEP_DIR.match(name)
        full = os.path.join(d, name)
        if m and all(os.path.isfile(os.path.join(full, f)) for f in ("config.json", "model.safetensors", "trainer_state.pt")):
            if int(m.group(1)) > best_step:
                best, best_step = full, int(m.group(1))
    return best


def write_checkpoint(run: str, step: int, model: torch.nn.Module, config: dict, trainer_state: Dict[str, object]) -> str:
    """Writes step-NNNNNN/ whole, then renames it into place (rank 0 only)."""
    d = checkpoints_dir(run)
    os.makedirs(d, exist_ok=True)
    final = os.path.join(d, f"step-{step:06d}")
    tmp = f"{final}{TMP_MARK}{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    tt.write_safetensors(os.path.join(tmp, "model.safetensors"), state, {"format": "pt", "step": str(step)})
    cfg = dict(config)
    cfg["weights"] = "model.safetensors"
    cfg["codebook"] = None
    cfg["run"] = {"step": step}
    with open(os.path.join(tmp, "config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2)
    torch.save(trainer_state, os.path.join(tmp, "trainer_state.pt"))
    if os.path.exists(final):  # the same step written again after a resume: replace it whole
        shutil.rmtree(final)
    os.rename(tmp, final)
    return final


class MetricsLog:
    """metrics.jsonl, appended a line per step and flushed; truncated to a step when resuming."""

    def __init__(self, run: str):
        self.path = os.path.join(run, "metrics.jsonl")

    def truncate_after(self, step: int) -> None:
        if not os.path.exists(self.path):
            return
        keep = []
        with open(self.path, "r", encoding="utf-8") as f:
            for line in f:
                try:
                    if json.loads(line).get("step", math.inf) <= step:
                        keep.append(line if line.endswith("\n") else line + "\n")
                except json.JSONDecodeError:
                    break  # a torn last line from a killed writer
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.writelines(keep)
        os.replace(tmp, self.path)

    def append(self, record: Dict[str, object]) -> None:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()
