"""The feature store: sharded, resumable, ragged (HEAR-style done marker per shard).

Layout of one entry (one view of one split's audio through one encoder)::

    CACHE/features/<encoder fingerprint>/<view kind>-<key hash>/
        key.json                 everything the features depend on (see ``features.extract.store_key``)
        shard-00000.index.npy    int64 [n, 4] per stored item: source clip, valid frames, samples, first row
        shard-00000.values.npy   pooled view: float32 [n, layers, dim]
        shard-00000.values.bin   frames view: raw [rows, layers kept, dim] in the view's dtype, C order;
                                 item i's frames are rows [first_row, first_row + frames)
        shard-00000.done         JSON written after the files above: item/row counts, file sizes and BLAKE2b digests
        ...
        complete.json            written last, by whichever process finds every shard done

The key holds no task name: tasks (and runs) over the same audio with the same view share one entry. A shard
whose files do not match its done marker (truncated, replaced) is dropped with a warning and recomputed;
nothing else is lost. Frames are read through memory maps, one item at a time, so a frame view is never loaded
whole.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hf_bench.errors import HFBenchError
from hf_bench.features.views import FeatureView
from hf_bench.utils.io import (
    atomic_open,
    atomic_save_npy,
    atomic_write_json,
    ensure_dir,
    load_npy,
    slugify,
    stable_hash,
)

log = logging.getLogger("hf_bench")

INDEX_COLUMNS = ("clip", "frames", "samples", "first_row")
STORE_FORMAT = 2


def default_cache_dir() -> Path:
    env = os.environ.get("HF_BENCH_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "hf_bench"


class FeatureStore:
    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root else default_cache_dir()

    def entry(self, key: dict, view: FeatureView) -> "StoreEntry":
        # keyed by what the encoder computes (its fingerprint), not by how it was named on the command line
        identity = {k: v for k, v in key.items() if k != "encoder_id"}
        name = f"{view.kind}-{stable_hash({**identity, 'store_format': STORE_FORMAT})}"
        return StoreEntry(self.root / "features" / slugify(key["encoder_fingerprint"]) / name, key, view)


@dataclass
class ShardIndex:
    """Per stored item of a shard (or of a whole entry): see ``INDEX_COLUMNS``."""
    array: np.ndarray  # int64 [n, 4]

    @property
    def clip(self) -> np.ndarray:
        return self.array[:, 0]

    @property
    def frames(self) -> np.ndarray:
        return self.array[:, 1]

    @property
    def samples(self) -> np.ndarray:
        return self.array[:, 2]

    def __len__(self) -> int:
        return len(self.array)


def _digest(path: Path, chunk: int = 1 << 22) -> str:
    """BLAKE2b-128 of a file (fast: about 1 GB/s; a frame shard is read once per run to check it)."""
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


class StoreEntry:
    def __init__(self, path: Path, key: dict, view: FeatureView):
        self.path, self.key, self.view = path, key, view

    # ------------------------------------------------------------------ state
    def _file(self, shard: int, what: str) -> Path:
        return self.path / f"shard-{shard:05d}.{what}"

    @property
    def complete(self) -> bool:
        """Marked complete, and every shard still matches its done marker (a damaged shard un-completes it)."""
        if not (self.path / "complete.json").is_file():
            return False
        try:
            n = self.num_shards()
        except (OSError, ValueError, KeyError):
            (self.path / "complete.json").unlink(missing_ok=True)
            return False
        return all([self.shard_done(s) for s in range(n)])  # every shard: a damaged one forgets itself

    def shard_done(self, shard: int, *, content: bool = False) -> bool:
        """True when shard ``shard`` is on disk and matches its done marker: file sizes, and with ``content`` also
        the recorded BLAKE2b digests (a same-size overwrite, e.g. with NaN or zeros, passes the size check only);
        a mismatch forgets the shard, with a warning naming it."""
        marker = self._file(shard, "done")
        if not marker.is_file():
            return False
        try:
            info = json.loads(marker.read_text(encoding="utf-8"))
            ok = all((self.path / name).stat().st_size == size for name, size in info["bytes"].items())
            digests = info.get("blake2b") if content else None  # markers before digests were recorded: sizes
            ok = ok and (digests is None or all(_digest(self.path / name) == d for name, d in digests.items()))
        except (OSError, ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            log.warning("%s: shard %d does not match its done marker (truncated, replaced or changed on disk); it "
                        "will be recomputed", self.path, shard)
            self.forget(shard)
        return ok

    def forget(self, shard: int) -> None:
        self._file(shard, "done").unlink(missing_ok=True)
        (self.path / "complete.json").unlink(missing_ok=True)

    def _write_key(self) -> None:
        ensure_dir(self.path)
        if not (self.path / "key.json").is_file():
            atomic_write_json(self.path / "key.json", {**self.key, "view": self.view.key(),
                                                       "store_format": STORE_FORMAT})

    def _mark_done(self, shard: int, index: np.ndarray, rows: int, files: list[str]) -> None:
        atomic_write_json(self._file(shard, "done"), {
            "items": int(len(index)), "rows": int(rows),
            "bytes": {name: (self.path / name).stat().st_size for name in files},
            "blake2b": {name: _digest(self.path / name) for name in files}}, indent=None)

    # ------------------------------------------------------------------ writing
    def write_pooled(self, shard: int, index: np.ndarray, values: np.ndarray) -> None:
        self._write_key()
        atomic_save_npy(self._file(shard, "values.npy"), values.astype(np.float32, copy=False))
        atomic_save_npy(self._file(shard, "index.npy"), index.astype(np.int64, copy=False))
        self._mark_done(shard, index, len(index), [f"shard-{shard:05d}.values.npy", f"shard-{shard:05d}.index.npy"])

    def frame_writer(self, shard: int, num_items: int, num_layers: int, dim: int) -> "FrameShardWriter":
        self._write_key()
        return FrameShardWriter(self, shard, num_items, num_layers, dim)

    def finish(self, num_shards: int) -> bool:
        """Write ``complete.json`` when every shard is done (idempotent; any process may call it)."""
        if self.complete:
            return True
        if not all(self.shard_done(s) for s in range(num_shards)):
            return False
        items = rows = 0
        for s in range(num_shards):
            info = json.loads(self._file(s, "done").read_text(encoding="utf-8"))
            items += info["items"]
            rows += info["rows"]
        atomic_write_json(self.path / "complete.json", {"num_shards": num_shards, "num_items": items, "rows": rows})
        return True

    def clear_partial(self, shard: int) -> None:
        """Delete the temporary files a killed writer of ``shard`` left behind (frame shards can be large)."""
        for tmp in self.path.glob(f".shard-{shard:05d}.*.tmp"):
            tmp.unlink(missing_ok=True)

    # ------------------------------------------------------------------ reading
    def num_shards(self) -> int:
        return int(json.loads((self.path / "complete.json").read_text(encoding="utf-8"))["num_shards"])

    def read(self) -> "StoredFeatures":
        """The complete entry, every shard checked against its recorded digest (HFBenchError when a shard is
        damaged: the caller recomputes it)."""
        n = self.num_shards()
        if not all([self.shard_done(s, content=True) for s in range(n)]):
            raise HFBenchError("a shard of a complete feature entry is damaged", where=self.path,
                               fix="rerun: the damaged shard is recomputed")
        return StoredFeatures(self, n)


class FrameShardWriter:
    """Appends each item's frames to the shard's values file as soon as they exist (memory: one batch)."""

    def __init__(self, entry: StoreEntry, shard: int, num_items: int, num_layers: int, dim: int):
        self.entry, self.shard = entry, shard
        self.dtype = entry.view.np_dtype
        self.index = np.full((num_items, 4), -1, dtype=np.int64)
        self.rows = 0
        self._cm = atomic_open(entry._file(shard, "values.bin"), "wb")
        self._f = self._cm.__enter__()
        self._shape = (num_layers, dim)

    def add(self, position: int, clip: int, samples: int, frames: np.ndarray) -> None:
        """``frames`` [T, layers kept, dim] of the item stored at ``position`` of this shard."""
        if frames.shape[1:] != self._shape:
            raise ValueError(f"frames of shape {frames.shape} do not fit the view {self._shape}")
        data = np.ascontiguousarray(frames, dtype=self.dtype)
        if not np.isfinite(data).all():
            raise HFBenchError(f"frame features overflow {self.dtype} (values up to "
                               f"{float(np.abs(frames).max()):.3g})", where=self.entry.path,
                               fix="store frames in float32 (--frame-dtype float32)")
        self._f.write(data.tobytes())
        self.index[position] = (clip, len(frames), samples, self.rows)
        self.rows += len(frames)

    def close(self) -> None:
        if (self.index[:, 0] < 0).any():
            raise RuntimeError("frame shard closed before every item was written")  # a bug, not user error
        self._cm.__exit__(None, None, None)
        e, s = self.entry, self.shard
        atomic_save_npy(e._file(s, "index.npy"), self.index)
        e._mark_done(s, self.index, self.rows, [f"shard-{s:05d}.values.bin", f"shard-{s:05d}.index.npy"])

    def abort(self, error: BaseException) -> None:
        """Drop the half-written values file (nothing of this shard is marked done)."""
        self._cm.__exit__(type(error), error, error.__traceback__)


class StoredFeatures:
    """Read access to a complete entry: the index of every item, pooled values, or frames item by item."""

    def __init__(self, entry: StoreEntry, num_shards: int):
        self.entry = entry
        self.view = entry.view
        parts = [load_npy(entry._file(s, "index.npy")) for s in range(num_shards)]
        self.shard_of = np.concatenate([np.full(len(p), s, np.int64) for s, p in enumerate(parts)]) \
            if parts else np.zeros(0, np.int64)
        self.index = ShardIndex(np.concatenate(parts) if parts else np.zeros((0, 4), np.int64))
        self._num_shards = num_shards
        self._maps: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.index)

    def pooled(self) -> np.ndarray:
        """float32 [N, layers, dim] (pooled views are small: they are read into memory)."""
        parts = [load_npy(self.entry._file(s, "values.npy")) for s in range(self._num_shards)]
        return np.concatenate(parts, axis=0)

    def _map(self, shard: int) -> np.ndarray:
        if shard not in self._maps:
            path = self.entry._file(shard, "values.bin")
            info = json.loads(self.entry._file(shard, "done").read_text(encoding="utf-8"))
            width = tuple(self.entry.key["item_shape"])  # [layers kept, dim]: every frames key records it
            self._maps[shard] = (np.memmap(path, dtype=self.view.np_dtype, mode="r", shape=(info["rows"],) + width)
                                 if info["rows"] else np.zeros((0,) + width, self.view.np_dtype))
        return self._maps[shard]

    def frames(self, i: int) -> np.ndarray:
        """[T_i, layers kept, dim] of stored item ``i``: a read-only memory map, not a copy."""
        _, n, _, first = self.index.array[i]
        return self._map(int(self.shard_of[i]))[first:first + n]



__all__ = ["FeatureStore", "StoreEntry", "StoredFeatures", "ShardIndex", "default_cache_dir", "INDEX_COLUMNS"]
