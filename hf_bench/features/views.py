"""Feature views: what a probe reads from the encoder's output, and how that output was computed.

A ``FeatureView`` is the *shape* of stored features: ``pooled`` (one vector per item and layer: the mean over its
valid frames) or ``frames`` (every valid frame), which layers, and the storage dtype. An ``Extraction`` is *how*
the encoder was run: the resampler, the padding policy and the crop policy. Both go into the store key, so two
probes (or two tasks) asking for the same view of the same audio share one stored copy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

DTYPES = ("float32", "float16")


@dataclass(frozen=True)
class FeatureView:
    kind: Literal["pooled", "frames"]
    layers: tuple[int, ...] | None = None   # None: every hidden state; else non-negative layer indices
    dtype: Literal["float32", "float16"] = "float32"

    def __post_init__(self):
        if self.kind not in ("pooled", "frames"):
            raise ValueError(f"unknown view kind {self.kind!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"unknown view dtype {self.dtype!r}")
        if self.kind == "pooled" and (self.layers is not None or self.dtype != "float32"):
            raise ValueError("pooled views keep every layer in float32 (pooled features are small)")

    def stored_layers(self, num_layers: int) -> tuple[int, ...]:
        return tuple(range(num_layers)) if self.layers is None else self.layers

    @property
    def np_dtype(self):
        return np.dtype(self.dtype)

    def key(self) -> dict:
        return {"kind": self.kind, "layers": None if self.layers is None else list(self.layers), "dtype": self.dtype}

    def describe(self) -> str:
        layers = "all layers" if self.layers is None else "layer " + ",".join(map(str, self.layers))
        return f"{self.kind} ({layers}, {self.dtype})"


POOLED = FeatureView("pooled")


@dataclass(frozen=True)
class AudioPolicy:
    """What a task asks of its audio before encoding: its native rate (None: any), downmixing, and the crop."""
    expected_sr: int | None = None
    downmix: bool = False
    crop_mode: str = "none"
    crop_s: float | None = None

    @classmethod
    def of(cls, task) -> "AudioPolicy":
        return cls(task.sample_rate, task.downmix, task.crop.mode, task.crop.length_s)

    def key(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Extraction:
    """How audio becomes encoder outputs (everything here can change the features, so it is keyed).

    - ``resampler``: "soxr" (default) or "torchaudio" (X-ARES's windowed sinc);
    - ``padding``: "masked" (default: clips of similar length batched, padded frames never stored or pooled) or
      "xares" (X-ARES: ``batch_items`` consecutive clips in data order, zero-padded to the longest, and every
      output frame kept, padding included);
    - ``pad_short_crops``: a clip shorter than one sequential crop is zero-padded to the crop length (X-ARES's
      ``pad_last``) instead of being kept whole;
    - ``dedup_crops``: of the crops of one clip that fall in the same encoder batch only the first is kept, each
      survivor an item of its own (X-ARES's duplicate WebDataset keys).
    """
    resampler: str = "soxr"
    padding: Literal["masked", "xares"] = "masked"
    batch_items: int = 16
    batch_seconds: float = 160.0
    pad_short_crops: bool = False
    dedup_crops: bool = False

    @property
    def data_order(self) -> bool:
        """Batches of ``batch_items`` consecutive pieces, as X-ARES forms them (its padding and its crop keys
        depend on which pieces share a batch)."""
        return self.padding == "xares" or self.dedup_crops

    def key(self) -> dict:
        d = asdict(self)
        d.pop("batch_seconds")  # masked length-sorted batches give the same features whatever their size
        if not self.data_order:
            d.pop("batch_items")
        return d


__all__ = ["FeatureView", "Extraction", "AudioPolicy", "POOLED", "DTYPES"]
