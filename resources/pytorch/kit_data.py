"""The frames a training kit reads, with numpy only: the same data TokenScope opens.

- a ``.npy`` sequence: float ``[T, C, H, W]`` frames in frame units (continuous, or already
  one-hot class frames), or integer ``[T, H, W]`` class maps (one-hot with the config's classes);
- Occ3D-nuScenes: a dataset root holding ``annotations.json`` and ``gts/``, or a list of
  ``labels.npz`` files; each frame becomes TokenScope's height-folded one-hot
  (channel = z * num_classes + class, rows = y flipped, columns = x, as data/occupancy-bev.ts).

Nothing read here is executed: ``np.load`` runs with ``allow_pickle=False``, and paths named by
``annotations.json`` must stay inside the dataset root.
"""

from __future__ import annotations

import json
import os
from typing import List, Optional, Sequence

import numpy as np


class DataError(ValueError):
    """A data file that cannot be read as asked; the message names the file."""


def _inside(root: str, rel: str) -> str:
    full = os.path.realpath(os.path.join(root, rel))
    base = os.path.realpath(root)
    if os.path.commonpath([full, base]) != base:
        raise DataError(f"{root}: annotations name a file outside the dataset root: {rel!r}")
    return full


def occ3d_frames(root: str, split: Optional[str] = None) -> List[str]:
    """labels.npz paths of an Occ3D-nuScenes root, scene by scene in time order (annotations.json)."""
    ann_path = os.path.join(root, "annotations.json")
    try:
        with open(ann_path, "r", encoding="utf-8") as f:
            ann = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise DataError(f"{ann_path}: cannot read the Occ3D annotations: {e}") from e
    infos = ann.get("scene_infos")
    if not isinstance(infos, dict):
        raise DataError(f"{ann_path}: no 'scene_infos' object")
    wanted = None
    if split is not None:
        key = f"{split}_split"
        if not isinstance(ann.get(key), list):
            raise DataError(f"{ann_path}: no '{key}' list")
        wanted = set(ann[key])
    out: List[str] = []
    for scene in sorted(infos):
        if wanted is not None and scene not in wanted:
            continue
        samples = infos[scene]
        order = sorted(samples.items(), key=lambda kv: (kv[1].get("timestamp", 0), kv[0]))
        for token, info in order:
            rel = info.get("gt_path") or os.path.join("gts", scene, token, "labels.npz")
            full = _inside(root, rel)
            if os.path.isdir(full):
                full = os.path.join(full, "labels.npz")
            out.append(full)
    if not out:
        raise DataError(f"{ann_path}: no frames{'' if split is None else f' in split {split!r}'}")
    return out


def fold_occupancy(semantics: np.ndarray, num_classes: int, source: str) -> np.ndarray:
    """[X, Y, Z] class ids -> [Z * K, Y, X] float32 one-hot, TokenScope's height-folded layout."""
    if semantics.ndim != 3:
        raise DataError(f"{source}: 'semantics' has shape {semantics.shape}, expected [X, Y, Z]")
    if semantics.size and int(semantics.max()) >= num_classes:
        raise DataError(f"{source}: class id {int(semantics.max())} is not below {num_classes}")
    X, Y, Z = semantics.shape
    one = np.zeros((X, Y, Z, num_classes), dtype=np.float32)
    np.put_along_axis(one, semantics.astype(np.int64)[..., None], 1.0, axis=-1)
    folded = one.transpose(2, 3, 1, 0)[:, :, ::-1, :]  # [Z, K, Y (flipped), X]
    return np.ascontiguousarray(folded.reshape(Z * num_classes, Y, X))


class Frames:
    """A random-access list of ``[C, H, W]`` float32 frames."""

    def __init__(self, paths: Sequence[str], encoding: dict, channels: int):
        self.encoding = encoding
        self.channels = channels
        self._array: Optional[np.ndarray] = None
        self._npz: List[str] = []
        if len(paths) == 1 and paths[0].endswith(".npy"):
            self._array = self._open_npy(paths[0])
        else:
            self._npz = list(paths)

    def _open_npy(self, path: str) -> np.ndarray:
        try:
            a = np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as e:
            raise DataError(f"{path}: not a readable .npy file: {e}") from e
        if a.ndim == 3 and np.issubdtype(a.dtype, np.integer) and self.encoding.get("kind") == "classes":
            return a  # [T, H, W] class maps: one-hot on access
        if a.ndim != 4:
            raise DataError(f"{path}: shape {a.shape}, expected [T, C, H, W] frames or [T, H, W] class maps")
        if a.shape[1] != self.channels:
            raise DataError(f"{path}: frames have {a.shape[1]} channels but the model takes {self.channels}")
        return a

    def __len__(self) -> int:
        return len(self._array) if self._array is not None else len(self._npz)

    def __getitem__(self, i: int) -> np.ndarray:
        if self._array is not None:
            a = np.asarray(self._array[i])
            if a.ndim == 2:
                k = int(self.encoding["numClasses"])
                one = np.zeros((k,) + a.shape, dtype=np.float32)
                np.put_along_axis(one, a.astype(np.int64)[None], 1.0, axis=0)
                return one
            return a.astype(np.float32, copy=False)
        path = self._npz[i]
        try:
            with np.load(path, allow_pickle=False) as z:
                sem = z["semantics"]
        except (OSError, ValueError, KeyError) as e:
            raise DataError(f"{path}: not an Occ3D labels.npz with 'semantics': {e}") from e
        frame = fold_occupancy(sem, int(self.encoding.get("numClasses", 18)), path)
        if frame.shape[0] != self.channels:
            raise DataError(f"{path}: {frame.shape[0]} channels after folding, the model takes {self.channels}")
        return frame


def open_frames(data: str, encoding: dict, channels: int, split: Optional[str] = None) -> Frames:
    """A .npy sequence, an Occ3D root (annotations.json), or a data.json list written by the kit."""
    if os.path.isdir(data):
        return Frames(occ3d_frames(data, split), encoding, channels)
    if data.endswith(".json"):
        with open(data, "r", encoding="utf-8") as f:
            listing = json.load(f)
        base = os.path.dirname(os.path.abspath(data))
        files = listing.get("files") if isinstance(listing, dict) else None
        if not isinstance(files, list) or not files:
            raise DataError(f"{data}: expected {{'files': [...]}} listing the data")
        paths = [p if os.path.isabs(p) else os.path.join(base, p) for p in files]
        if len(paths) == 1 and os.path.isdir(paths[0]):
            return Frames(occ3d_frames(paths[0], split or listing.get("split")), encoding, channels)
        return Frames(paths, encoding, channels)
    return Frames([data], encoding, channels)


def crop_window(h: int, w: int, crop: int, seed: int, epoch: int, position: int):
    """The crop of one sample, drawn from (seed, epoch, global position): the same on any rank."""
    if crop <= 0 or (crop >= h and crop >= w):
        return 0, 0, h, w
    rng = np.random.default_rng([seed, epoch, position])
    top = int(rng.integers(0, h - crop + 1))
    left = int(rng.integers(0, w - crop + 1))
    return top, left, crop, crop
