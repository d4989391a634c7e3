"""What every generator of the embedded suite is: a pure function of (task seed, split role, clip index).

A clip's label comes from a cheap *label stream* and its audio from a separate *audio stream*, both seeded from
``(seed, role, index)``; so labels (and chance levels) can be computed without rendering anything, clip ``i`` is
the same whatever the split size or ``limit_per_split`` (prefix consistency), and clips can be rendered in any
order, on any thread.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

# The three split roles; the task's own split names map onto them in order (train, valid, test).
ROLES = ("train", "valid", "test")
_LABEL_STREAM, _AUDIO_STREAM, _BLOCK_STREAM, _PARTITION_STREAM = 0, 1, 2, 3


def role_id(role: str) -> int:
    if role not in ROLES:
        raise ValueError(f"unknown split role {role!r} (expected one of {ROLES})")
    return ROLES.index(role)


def partition(items: tuple, seed: int, tag: int, fractions: tuple[float, float, float]) -> dict[str, tuple]:
    """Split ``items`` into disjoint train/valid/test pools (e.g. voices, programs), reproducibly from ``seed``.

    Every pool gets at least one item; ``fractions`` are the approximate shares of train and valid and test.
    """
    if len(items) < 3:
        raise ValueError("need at least 3 items to make three disjoint pools")
    order = np.random.default_rng([seed, _PARTITION_STREAM, tag]).permutation(len(items))
    shuffled = [items[i] for i in order]
    n_test = max(1, int(round(fractions[2] * len(items))))
    n_valid = max(1, int(round(fractions[1] * len(items))))
    n_train = len(items) - n_test - n_valid
    if n_train < 1:
        raise ValueError("too few items for the requested fractions")
    return {"train": tuple(shuffled[:n_train]), "valid": tuple(shuffled[n_train:n_train + n_valid]),
            "test": tuple(shuffled[n_train + n_valid:])}


class Generator(ABC):
    """One task's generator. Subclasses set the class attributes and implement ``_label`` and ``_render``."""

    name: str                          # the task name (key in GENERATORS)
    kind: str                          # "classification" | "multilabel" | "regression" | "events"
    tools: tuple[str, ...]             # "espeak-ng", "flite", "fluidsynth"
    clip_s: float                      # every clip has exactly this duration
    labels: tuple[str, ...] | None = None
    target_range: tuple[float, float] | None = None
    metric_args: dict = {}             # events: the segment-F1 settings the task is scored with

    def label(self, seed: int, role: str, index: int) -> Any:
        """The label of clip ``index`` of split ``role``: str, list[str] or float (no audio is rendered)."""
        if self.kind == "classification":
            # balanced by construction: every block of len(labels) consecutive clips holds each class once
            k = len(self.labels)
            perm = np.random.default_rng([seed, _BLOCK_STREAM, role_id(role), index // k]).permutation(k)
            return self.labels[int(perm[index % k])]
        return self._label(np.random.default_rng([seed, _LABEL_STREAM, role_id(role), index]), role)

    def __call__(self, seed: int, role: str, index: int) -> tuple[Any, np.ndarray]:
        """(label, audio): audio is float32 mono at 16 kHz, exactly ``clip_s`` long, peak below 1."""
        label = self.label(seed, role, index)
        rng = np.random.default_rng([seed, _AUDIO_STREAM, role_id(role), index])
        audio = self._render(label, rng, seed, role)
        n = int(round(self.clip_s * 16000))
        if audio.shape != (n,):  # a generator bug, not a user error
            raise AssertionError(f"{self.name}: rendered shape {audio.shape}, expected ({n},)")
        return label, audio

    def _label(self, rng: np.random.Generator, role: str) -> Any:
        raise NotImplementedError(f"{self.name}: multi-label and regression generators implement _label")

    @abstractmethod
    def _render(self, label: Any, rng: np.random.Generator, seed: int, role: str) -> np.ndarray:
        """Render the clip for ``label`` using only ``rng`` (and ``seed``/``role`` for fixed pools)."""
