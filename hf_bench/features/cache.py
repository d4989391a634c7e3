"""On-disk feature cache with a done marker per shard (HEAR style).

Layout::

    CACHE/features/<encoder_slug>/<task>/<split>-<key_hash>/
        key.json               the full key (encoder fingerprint, task + version, dataset fingerprint, split, crop, ...)
        shard-00000.npy        pooled features of items [0, SHARD) as float32 [n, L, D]
        shard-00000.done       written after the .npy is in place: a shard without it is recomputed
        ...
        complete.json          written last: number of items, shape, shard count

A killed run leaves finished shards behind, so the next run recomputes only the missing ones. Any change to an
input of the key (weights, task version, a data file, the crop policy, the pipeline version) gives a new
directory, so a stale entry is never read.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from hf_bench.utils.io import atomic_save_npy, atomic_write_json, ensure_dir, load_npy, slugify, stable_hash

SHARD_SIZE = 256


def default_cache_dir() -> Path:
    env = os.environ.get("HF_BENCH_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "hf_bench"


class FeatureCache:
    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root else default_cache_dir()

    def entry(self, key: dict) -> "CacheEntry":
        # keyed by what the encoder computes (its fingerprint), not how it was named on the command line
        identity = {k: v for k, v in key.items() if k != "encoder_id"}
        name = f"{key['split']}-{stable_hash(identity)}"
        return CacheEntry(self.root / "features" / slugify(key["encoder_fingerprint"]) / key["task"] / name, key)


class CacheEntry:
    def __init__(self, path: Path, key: dict):
        self.path = path
        self.key = key

    @property
    def complete(self) -> bool:
        return (self.path / "complete.json").is_file()

    def shard_done(self, index: int) -> bool:
        return (self.path / f"shard-{index:05d}.done").is_file()

    def write_shard(self, index: int, features: np.ndarray) -> None:
        ensure_dir(self.path)
        if not (self.path / "key.json").is_file():
            atomic_write_json(self.path / "key.json", self.key)
        atomic_save_npy(self.path / f"shard-{index:05d}.npy", features.astype(np.float32, copy=False))
        (self.path / f"shard-{index:05d}.done").touch()

    def read_shard(self, index: int) -> np.ndarray:
        return load_npy(self.path / f"shard-{index:05d}.npy")

    def finish(self, num_items: int, num_shards: int, shape: tuple[int, ...]) -> None:
        atomic_write_json(self.path / "complete.json",
                          {"num_items": num_items, "num_shards": num_shards, "shape": list(shape)})

    def invalidate(self) -> None:
        """Forget a damaged entry: its shards will be recomputed."""
        for marker in [self.path / "complete.json", *self.path.glob("shard-*.done")]:
            marker.unlink(missing_ok=True)

    def load(self) -> np.ndarray:
        info = json.loads((self.path / "complete.json").read_text())
        parts = [self.read_shard(i) for i in range(info["num_shards"])]
        return np.concatenate(parts, axis=0) if parts else np.zeros(info["shape"], np.float32)
