"""audio -> encoder -> cached features.

Each clip of a split is decoded once (soundfile + soxr, in ``hf_bench.audio``), cropped per the task's policy,
batched with clips of similar length (little padding), encoded once, and reduced to one vector per hidden layer
by a *masked* mean: frames past an item's true length are never pooled (X-ARES pools them; see README).
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

import numpy as np

from hf_bench.errors import HFBenchError
from hf_bench.features.cache import SHARD_SIZE, FeatureCache
from hf_bench.utils.io import atomic_save_npy, ensure_dir, load_npy, slugify, stable_hash

if TYPE_CHECKING:
    from hf_bench.data import AudioRef, SplitData
    from hf_bench.encoders.base import Encoder
    from hf_bench.tasks.schema import TaskMetadata

# Bump when a change here can change features (pooling, batching that changes numerics, cropping).
PIPELINE_VERSION = 1
POOLING = "masked_mean"


@dataclass
class StageTimes:
    decode_s: float = 0.0
    encode_s: float = 0.0
    cached: bool = True
    clips_decoded: int = 0
    clips_encoded: int = 0
    per_split: dict = field(default_factory=dict)

    def add(self, other: "StageTimes") -> None:
        self.decode_s += other.decode_s
        self.encode_s += other.encode_s
        self.cached = self.cached and other.cached
        self.clips_decoded += other.clips_decoded
        self.clips_encoded += other.clips_encoded


def length_batches(lengths: Sequence[int], *, max_items: int, max_samples: int,
                   exact: bool = False) -> list[list[int]]:
    """Group indices of similar length: sorted by length, each batch's padded size stays under ``max_samples``.
    ``exact``: only equal lengths share a batch (no padding at all), for encoders whose outputs see padding."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        longest = lengths[i]  # sorted ascending: the newcomer is the longest so far
        if current and (len(current) >= max_items or longest * (len(current) + 1) > max_samples
                        or (exact and lengths[current[-1]] != longest)):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def _padded(waves: list[np.ndarray]):
    """Zero-padded float32 batch [B, N_max] and the true lengths [B]."""
    import torch

    lengths = torch.tensor([len(w) for w in waves], dtype=torch.long)
    batch = torch.zeros(len(waves), int(lengths.max()), dtype=torch.float32)
    for row, w in enumerate(waves):
        batch[row, : len(w)] = torch.from_numpy(w)
    return batch, lengths


def _exact_batches(encoder: "Encoder") -> bool:
    # X-ARES modules never see the true lengths: padding would leak into their frames (and make features
    # depend on batch composition, which no cache key covers)
    return not getattr(encoder, "padding_invariant", True)


def _pool_batch(encoder: "Encoder", waves: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Encode one batch; return masked-mean features [B, L, D] and valid frame counts [B]."""
    import torch

    out = encoder.encode(*_padded(waves))
    hidden = torch.stack(out.hidden_states, dim=1)  # [B, L, T, D]
    frames = out.lengths.clamp(min=1)
    mask = (torch.arange(hidden.shape[2])[None, :] < frames[:, None]).to(hidden.dtype)  # [B, T]
    pooled = (hidden * mask[:, None, :, None]).sum(dim=2) / frames[:, None, None].to(hidden.dtype)
    return pooled.numpy().astype(np.float32), frames.numpy()


def crop_wave(wave: np.ndarray, task: "TaskMetadata", sr: int) -> list[np.ndarray]:
    """Apply the task's crop policy: one or several pieces of the clip."""
    crop = task.crop
    if crop.mode == "none":
        return [wave]
    size = max(1, int(round(crop.length_s * sr)))
    if crop.mode == "truncate":
        return [wave[:size]]
    # sequential crops drop the remainder like X-ARES, but a clip shorter than one crop is kept whole (no padding)
    count = max(1, len(wave) // size)
    return [wave[k * size:(k + 1) * size] if len(wave) >= size else wave for k in range(count)]


def _decode_all(refs: Sequence["AudioRef"], task: "TaskMetadata", sr: int) -> list[np.ndarray]:
    from hf_bench.audio import decode

    def one(ref):
        return decode(ref, target_sr=sr, expected_sr=task.sample_rate, downmix=task.downmix)

    workers = min(4, os.cpu_count() or 1)
    if workers == 1 or len(refs) < 8:
        return [one(r) for r in refs]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, refs))


def _encode_clips(encoder: "Encoder", pieces_per_clip: list[list[np.ndarray]], *, max_items: int,
                  max_seconds: float) -> np.ndarray:
    """Pooled [n_clips, L, D]; a clip cut into several crops is the frame-weighted mean of its crops."""
    flat = [(c, p) for c, pieces in enumerate(pieces_per_clip) for p in pieces]
    waves = [p for _, p in flat]
    sums = np.zeros((len(pieces_per_clip), encoder.num_layers, encoder.dim), np.float64)
    weights = np.zeros(len(pieces_per_clip), np.float64)
    max_samples = int(max_seconds * encoder.sampling_rate)
    for batch in length_batches([len(w) for w in waves], max_items=max_items, max_samples=max_samples,
                                exact=_exact_batches(encoder)):
        pooled, frames = _pool_batch(encoder, [waves[i] for i in batch])
        for row, i in enumerate(batch):
            clip = flat[i][0]
            sums[clip] += pooled[row] * frames[row]
            weights[clip] += frames[row]
    return (sums / weights[:, None, None]).astype(np.float32)


def cache_key(encoder: "Encoder", task: "TaskMetadata", split: str, dataset_fp: str) -> dict:
    return {
        "encoder_id": encoder.id, "encoder_fingerprint": encoder.fingerprint(), "sampling_rate": encoder.sampling_rate,
        "task": task.name, "task_version": task.version, "dataset_fingerprint": dataset_fp, "split": split,
        "crop": task.crop.model_dump(), "downmix": task.downmix, "expected_sr": task.sample_rate,
        "layers": "all", "pooling": POOLING, "pipeline_version": PIPELINE_VERSION, "shard_size": SHARD_SIZE,
    }


def extract_pooled(encoder: "Encoder", task: "TaskMetadata", split: "SplitData", *, dataset_fp: str,
                   cache: FeatureCache, progress: bool = True, max_batch_items: int = 16,
                   max_batch_seconds: float = 160.0) -> tuple[np.ndarray, StageTimes]:
    """Pooled features of every clip of ``split``: float32 [N, num_layers, dim], from cache when possible."""
    from tqdm.auto import tqdm

    times = StageTimes()
    entry = cache.entry(cache_key(encoder, task, split.name, dataset_fp))
    if entry.complete:
        try:
            feats = entry.load()
            if feats.shape[0] == len(split.refs):
                return feats, times
        except (HFBenchError, OSError, ValueError):
            pass
        entry.invalidate()  # truncated or foreign files (disk full, a killed copy): recompute, never trust
    times.cached = False
    n = len(split.refs)
    num_shards = (n + SHARD_SIZE - 1) // SHARD_SIZE
    bar = tqdm(total=n, desc=f"{task.name}/{split.name}: encode", unit="clip", disable=not progress, leave=False)
    for s in range(num_shards):
        lo, hi = s * SHARD_SIZE, min(n, (s + 1) * SHARD_SIZE)
        if entry.shard_done(s):
            bar.update(hi - lo)
            continue
        t0 = time.perf_counter()
        waves = _decode_all(split.refs[lo:hi], task, encoder.sampling_rate)
        pieces = [crop_wave(w, task, encoder.sampling_rate) for w in waves]
        t1 = time.perf_counter()
        feats = _encode_clips(encoder, pieces, max_items=max_batch_items, max_seconds=max_batch_seconds)
        t2 = time.perf_counter()
        entry.write_shard(s, feats)
        times.decode_s += t1 - t0
        times.encode_s += t2 - t1
        times.clips_decoded += hi - lo
        times.clips_encoded += hi - lo
        bar.update(hi - lo)
    bar.close()
    entry.finish(n, num_shards, (n, encoder.num_layers, encoder.dim))
    return entry.load(), times


def select_layer(features: np.ndarray, layer: str) -> np.ndarray:
    """[N, L, D] -> [N, D] for 'last', 'mean' or an index; 'weighted' keeps [N, L, D] for a learned mix."""
    num_layers = features.shape[1]
    if layer == "weighted":
        return features
    if layer == "last":
        return features[:, -1]
    if layer == "mean":
        return features.mean(axis=1)
    try:
        index = int(layer)
    except ValueError:
        raise HFBenchError(f"unknown layer choice {layer!r}", where="--layer",
                           fix="use last, weighted, all, mean or a layer index") from None
    if not -num_layers <= index < num_layers:
        raise HFBenchError(f"layer {index} does not exist: the encoder returns {num_layers} hidden states (0..{num_layers - 1})",
                           where="--layer", fix=f"pick an index between 0 and {num_layers - 1}, or last/weighted/all")
    return features[:, index]


def iter_frame_features(encoder: "Encoder", paths: Sequence[str | os.PathLike], *, layer: str = "last",
                        cache_dir: str | os.PathLike | None = None, batch_size: int = 8,
                        progress: bool = True) -> Iterator[tuple[Path, np.ndarray]]:
    """Frame-level features [T, D] (float32) of one hidden layer per audio file, in input order.

    Each file is decoded and encoded once per (encoder fingerprint, file identity, layer); results are cached as
    ``CACHE/features/frames/<encoder>/<hash>.npy`` so an interrupted job resumes.
    """
    from tqdm.auto import tqdm

    from hf_bench.audio import decode
    from hf_bench.data import AudioRef

    if layer in ("weighted", "all", "mean"):
        raise HFBenchError(f"layer {layer!r} is not available for frame features", where="--layer",
                           fix="pass 'last' or a layer index")
    select_layer(np.zeros((1, encoder.num_layers, 1), np.float32), layer)  # a clear error for a missing layer
    index = -1 if layer == "last" else int(layer)
    fp = encoder.fingerprint()
    root = ensure_dir(Path(cache_dir or FeatureCache().root) / "features" / "frames" / slugify(fp))
    paths = [Path(p) for p in paths]

    def cache_file(path: Path) -> Path:
        st = path.stat()
        key = {"enc": fp, "path": str(path.resolve()), "size": st.st_size, "mtime": st.st_mtime_ns, "layer": layer,
               "pipeline_version": PIPELINE_VERSION}
        return root / f"{stable_hash(key, 24)}.npy"

    bar = tqdm(total=len(paths), desc="frame features", unit="file", disable=not progress)
    for start in range(0, len(paths), batch_size):
        chunk = paths[start:start + batch_size]
        targets = [cache_file(p) for p in chunk]
        todo = [i for i, t in enumerate(targets) if not t.is_file()]
        if todo:
            waves = [decode(AudioRef(id=chunk[i].stem, origin=str(chunk[i]), path=chunk[i]),
                            target_sr=encoder.sampling_rate, expected_sr=None, downmix=True) for i in todo]
            lens = [len(w) for w in waves]
            for group in length_batches(lens, max_items=len(waves), max_samples=sum(lens),
                                        exact=_exact_batches(encoder)):
                out = encoder.encode(*_padded([waves[g] for g in group]))
                hidden = out.hidden_states[index]
                for row, g in enumerate(group):
                    frames = hidden[row, : int(out.lengths[row])].numpy().astype(np.float32)
                    atomic_save_npy(targets[todo[g]], frames)
        for p, t in zip(chunk, targets):
            yield p, load_npy(t)
        bar.update(len(chunk))
    bar.close()
