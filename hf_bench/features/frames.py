"""Frame features as probes read them: item by item, or in length-bucketed batches capped by frame count.

Nothing here loads a frame view whole: items are memory-mapped slices of the store, copied to float32 only when a
batch is built. ``batches`` keeps the number of batches per epoch fixed (the learning-rate schedule counts on it)
while grouping items of similar length, so that padding stays small.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from hf_bench.features.featurizer import select_layer
from hf_bench.features.store import StoredFeatures

# items sorted by length within windows of this many batches: little padding, still a fresh mix every epoch
BUCKET_WINDOW = 32


@dataclass
class FrameFeatures:
    parts: Sequence[StoredFeatures]
    locations: np.ndarray            # int64 [n, 2]: (part, item within the part)
    layer: str
    num_layers: int

    def __len__(self) -> int:
        return len(self.locations)

    @property
    def stored_layers(self) -> tuple[int, ...]:
        return self.parts[0].view.stored_layers(self.num_layers)

    @property
    def dim(self) -> int:
        return int(self.parts[0].entry.key["item_shape"][1])

    @property
    def layer_axis(self) -> int | None:
        """Number of layers each frame keeps for a learned mix (``--layer weighted``), else None."""
        return len(self.stored_layers) if self.layer == "weighted" else None

    def lengths(self) -> np.ndarray:
        return np.array([self.parts[p].index.frames[i] for p, i in self.locations], dtype=np.int64)

    def item(self, k: int) -> np.ndarray:
        """float32 [T, D] (or [T, L, D] for a learned layer mix)."""
        p, i = self.locations[k]
        raw = self.parts[p].frames(int(i))
        return np.asarray(select_layer(raw, self.layer, self.stored_layers, self.num_layers), dtype=np.float32)

    def take(self, index) -> "FrameFeatures":
        return FrameFeatures(self.parts, self.locations[np.asarray(index, dtype=np.int64)], self.layer,
                             self.num_layers)

    def batches(self, batch_size: int, max_frames: int, rng: np.random.Generator | None = None) -> list[list[int]]:
        """Batches of item positions: ``batch_size`` items at most, fewer when the longest item would exceed
        ``max_frames`` padded frames per batch; the same number of batches whatever ``rng`` does."""
        lengths = self.lengths()
        size = max(1, min(batch_size, max_frames // max(1, int(lengths.max(initial=1)))))
        order = rng.permutation(len(lengths)) if rng is not None else np.arange(len(lengths))
        out = []
        window = size * BUCKET_WINDOW
        for lo in range(0, len(order), window):
            chunk = order[lo:lo + window]
            chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
            out += [chunk[i:i + size].tolist() for i in range(0, len(chunk), size)]
        if rng is not None:
            out = [out[i] for i in rng.permutation(len(out))]
        return out

    def padded(self, batch: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """(features [B, T_max, ...] float32 zero-padded, mask [B, T_max] True on real frames)."""
        items = [self.item(k) for k in batch]
        t_max = max(len(x) for x in items)
        out = np.zeros((len(items), t_max) + items[0].shape[1:], dtype=np.float32)
        mask = np.zeros((len(items), t_max), dtype=bool)
        for row, x in enumerate(items):
            out[row, :len(x)] = x
            mask[row, :len(x)] = True
        return out, mask


class EpochBatches:
    """A batch sampler over frame items for a ``DataLoader``: the same number of batches each epoch, re-mixed from
    the seed and the epoch."""

    def __init__(self, features: FrameFeatures, batch_size: int, max_frames: int, seed: int):
        self.features, self.batch_size, self.max_frames, self.seed = features, batch_size, max_frames, seed
        self.epoch = 0
        self._n = len(features.batches(batch_size, max_frames, None))

    def __len__(self):
        return self._n

    def set_epoch(self, epoch: int):
        self.epoch = int(epoch)

    def __iter__(self):
        rng = np.random.default_rng([self.seed, self.epoch])
        self.epoch += 1  # a Trainer that never calls set_epoch still gets a new order each epoch
        yield from self.features.batches(self.batch_size, self.max_frames, rng)


__all__ = ["FrameFeatures", "EpochBatches", "BUCKET_WINDOW"]
