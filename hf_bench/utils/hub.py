"""Pretrained files on disk: content hashes, the weight files transformers loads, the local Hub cache.

Shared by the ``hf:`` encoders and the pretrained parts of probes (decoder LMs, text encoders), so that every model
is fingerprinted the same way: by the bytes transformers will read.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

_FILE_HASHES: dict[tuple[str, int, int], str] = {}


def sha256_cached(path: Path) -> str:
    """sha256 of a file, memoised per process on (real path, size, mtime)."""
    from hf_bench.utils.io import sha256_file

    real = os.path.realpath(path)
    st = os.stat(real)
    key = (real, st.st_size, st.st_mtime_ns)
    if key not in _FILE_HASHES:
        if st.st_size > 256 << 20:
            from tqdm.auto import tqdm

            h = hashlib.sha256()
            with open(real, "rb") as f, tqdm(total=st.st_size, unit="B", unit_scale=True,
                                             desc=f"hashing {Path(path).name}", leave=False) as bar:
                while block := f.read(8 << 20):
                    h.update(block)
                    bar.update(len(block))
            _FILE_HASHES[key] = h.hexdigest()
        else:
            _FILE_HASHES[key] = sha256_file(real)
    return _FILE_HASHES[key]


def weight_files(folder: Path) -> list[Path]:
    """The weight files transformers loads from ``folder`` (safetensors first, as transformers prefers)."""
    for index, single in (("model.safetensors.index.json", "model.safetensors"),
                          ("pytorch_model.bin.index.json", "pytorch_model.bin")):
        if (folder / index).is_file():
            with open(folder / index, encoding="utf-8") as f:
                shards = sorted(set(json.load(f).get("weight_map", {}).values()))
            return [folder / index] + [folder / s for s in shards]
        if (folder / single).is_file():
            return [folder / single]
    return []


def is_connection_error(e: BaseException) -> bool:
    """Whether a transformers / huggingface_hub failure means "not cached here and no network"."""
    text = str(e).lower()
    return any(s in text for s in ("couldn't connect", "could not connect", "offline", "connection",
                                   "name or service not known", "cannot find the requested files in the",
                                   "outgoing traffic has been disabled", "local_files_only"))


def cached_snapshot(hub_id: str, revision: str | None = None) -> Path | None:
    """The local snapshot folder of ``hub_id`` in the Hugging Face cache (None when it is not cached)."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(hub_id, "config.json", revision=revision)
    return Path(found).parent if isinstance(found, str) else None


__all__ = ["sha256_cached", "weight_files", "is_connection_error", "cached_snapshot"]
