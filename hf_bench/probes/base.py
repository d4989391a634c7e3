"""The probe protocol: what every probe is, whatever it trains and whatever it reads.

A probe module defines one ``Probe`` subclass and registers it in ``hf_bench.probes.registry``. The pipeline
asks it which feature view it needs (or none, for a probe that reads live waveforms), gives it one ``Fold`` at
a time, and scores what ``predict`` returns with the task type's metric. A probe never switches on a task type:
the type's ``coding`` (``hf_bench.tasks.types.coding``) tells it the output size, the loss and the score space.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Iterator

import numpy as np

if TYPE_CHECKING:
    from hf_bench.features.views import FeatureView
    from hf_bench.tasks.schema import TaskMetadata
    from hf_bench.tasks.types.coding import Coding


@dataclass
class ProbeData:
    """Items handed to a probe: ids, the task type's targets, and features of the probe's view.

    ``features``: a NumPy array (pooled view: [n, L, D]) or a ``FrameFeatures`` (frames view); None for probes
    that read waveforms (``refs``: the items' ``AudioRef``s, decoded by the probe itself).
    """
    ids: list[str]
    targets: Any
    features: Any = None
    refs: list | None = None

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Fold:
    """One train/test partition. ``valid`` picks what the probe selects (the best epoch); ``pool`` is every
    training item (train plus a validation part carved out of it), for probes that select nothing."""
    name: str
    train: ProbeData
    valid: ProbeData
    pool: ProbeData
    test: ProbeData


def selection_rule(task: "TaskMetadata", select_on_test: bool) -> str:
    """How the validation data of a fold is chosen (recorded in every result of a probe that selects)."""
    if select_on_test and (task.folds is not None or task.splits[1] == task.splits[2]):
        return "best epoch on the test " + ("fold" if task.folds is not None else "split") + " (X-ARES)"
    carved = task.folds is not None or task.splits[1] == task.splits[2]
    return "best epoch on validation split" + (" (seeded 10% of training data)" if carved else "")


@dataclass(frozen=True)
class ProbeSettings:
    """Run-level choices a probe may read: the layer choice and the X-ARES-faithful switches."""
    layer: str = "last"
    num_layers: int = 1
    frame_dtype: str = "float32"
    knn_normalization: str = "per_sample"   # X-ARES: "per_dimension"
    select_on_test: bool = False            # X-ARES: the best epoch is chosen on the test split/fold
    label_raster: str = "center"            # frame labels on the frame grid; X-ARES: "xares"
    max_frames: int = 65536                 # padded frames per training batch of a frame probe
    hop_ms: float = 10.0                    # the encoder's frame hop
    device: str = "cpu"
    cache_dir: str | None = None            # where probes keep what they compute once (text embeddings, ...)
    progress: bool = False
    decoder: str | None = None              # asr: --decoder (None: the task's, else the built-in default)
    text_encoder: str | None = None         # retrieval: --text-encoder
    asr_select: str = "loss"                # "loss" | "wer" | X-ARES: "xares" (teacher-forced argmax)
    asr_adapter: str = "stacked"            # LayerNorm + frames stacked to stack_ms; X-ARES: "xares"
    asr_text: str = "normalized"            # train on normalised transcripts; X-ARES: "raw"
    asr_layout: str = "packed"              # [audio; text] per row; X-ARES: "xares" (audio padded, then text)
    asr_max_tokens: str = "auto"            # generation cap from the training transcripts; X-ARES: "200"
    text_tower: str = "frozen"              # frozen sentence encoder + projection; X-ARES: "xares"
    contrastive: str = "masked"             # cosine InfoNCE, same-clip captions masked; X-ARES: "xares"
    lora_model: str | None = None           # lora: --lora-model (Whisper / Qwen2-Audio); None: the speech LLM


class Probe(ABC):
    """One probe for one task. ``fit`` then ``predict``, once per fold (a fresh instance each time), unless the
    probe overrides ``fit_predict`` to train every fold at once."""

    name: ClassVar[str]                       # the --probe name and the scorecard / leaderboard column
    label: ClassVar[str]                      # how tables print that column ("MLP", "kNN")
    task_types: ClassVar[frozenset[str]]      # task types it serves
    summary: ClassVar[str]                    # one line for --help, the README and result files
    by_default: ClassVar[bool] = True         # False: runs only where a task names it (TaskMetadata.probes) or
                                              # --probe does (LeBenchmark's heads never join an X-ARES task)

    def __init__(self, task: "TaskMetadata", settings: ProbeSettings):
        self.task, self.settings = task, settings

    @classmethod
    def serves(cls, task: "TaskMetadata") -> bool:
        return task.type in cls.task_types

    @abstractmethod
    def view(self) -> "FeatureView | None":
        """The stored features it reads (None: it decodes waveforms itself)."""

    @abstractmethod
    def config(self) -> dict:
        """Every resolved setting that can move a score: recorded in results and part of the result key."""

    @abstractmethod
    def fit(self, fold: Fold, coding: "Coding", *, seed: int) -> dict:
        """Train on ``fold``; return what was selected on validation data (JSON-ready)."""

    @abstractmethod
    def predict(self, test: ProbeData) -> Any:
        """Per test item, outputs in the coding's score space (an array, or one array per item for frames)."""

    def fit_predict(self, folds: Iterable[tuple[Fold, "Coding"]], *, seed: int) -> Iterator[tuple[dict, Any]]:
        """(what was selected, test predictions) per fold, in order. By default a fresh instance per fold, the
        folds built one at a time (a frame probe never holds two folds' features); a probe whose folds are cheap
        to hold together overrides this to train them in one model (the clip MLP)."""
        for fold, coding in folds:
            probe = type(self)(self.task, self.settings)
            selected = probe.fit(fold, coding, seed=seed)
            yield selected, probe.predict(fold.test)


def as_array(x) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float32)


__all__ = ["Probe", "ProbeData", "Fold", "ProbeSettings", "as_array", "selection_rule"]
