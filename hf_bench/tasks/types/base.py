"""The task-type adapter: what a type's targets are, and how probe outputs become the inputs of its metric.

One adapter per task type, registered in ``hf_bench.tasks.types.TYPES``. The pipeline never switches on a type
name: it asks the adapter for the targets of a split (frame types need the frame grid of the encoder's output),
the probe for scores, and the adapter again for ``(predictions, references)`` of the task metric and for the lines
of the predictions file.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Sequence

import numpy as np

if TYPE_CHECKING:
    from hf_bench.data import SplitData
    from hf_bench.tasks.schema import TaskMetadata
    from hf_bench.tasks.types.coding import Coding


@dataclass(frozen=True)
class FrameGrid:
    """The time axis of one split as the encoder saw it: ``frames[i]`` valid frames of ``hop_s`` seconds each and
    ``seconds[i]`` of (cropped) audio for item ``i``; ``label_rule`` says which frames an event covers
    ("center": those whose centre it contains; "xares": X-ARES's ceil(onset / hop) .. ceil(offset / hop) - 1)."""
    hop_s: float
    frames: np.ndarray    # int64 [N]
    seconds: np.ndarray   # float64 [N]
    label_rule: str = "center"

    def __len__(self) -> int:
        return len(self.frames)

    def take(self, index) -> "FrameGrid":
        return FrameGrid(self.hop_s, self.frames[index], self.seconds[index], self.label_rule)

    @staticmethod
    def concat(parts: Sequence["FrameGrid"]) -> "FrameGrid":
        return FrameGrid(parts[0].hop_s, np.concatenate([p.frames for p in parts]),
                         np.concatenate([p.seconds for p in parts]), parts[0].label_rule)


class TaskTypeAdapter(ABC):
    """Behaviour of one task type. Stateless: per-fold state (e.g. target standardisation) lives in the coding."""

    name: ClassVar[str]
    level: ClassVar[str]                     # "clip": one target per item; "frame": one per encoder frame
    metrics: ClassVar[dict[str, str]]        # metrics that apply (name -> main score key); the first is the default
    default_metric_args: ClassVar[dict[str, Any]] = {}
    summary: ClassVar[str]                   # one line for `hf-bench tasks` and docs

    @property
    def default_metric(self) -> tuple[str, str]:
        name = next(iter(self.metrics))
        return name, self.metrics[name]

    def check(self, task: "TaskMetadata", split: "SplitData") -> None:
        """Validate the raw labels of a split before any audio is decoded (DataError naming the item)."""
        self.targets(task, split, None)

    @abstractmethod
    def targets(self, task: "TaskMetadata", split: "SplitData", grid: FrameGrid | None) -> Any:
        """Targets of every item of ``split``; frame types place them on ``grid`` (None: clip types)."""

    def take(self, targets: Any, index: np.ndarray) -> Any:
        return targets[index]

    def concat(self, parts: Sequence[Any]) -> Any:
        return np.concatenate(parts)

    @abstractmethod
    def coding(self, task: "TaskMetadata", train_targets: Any) -> "Coding":
        """The output coding of a probe trained on ``train_targets`` (regression: their mean and std)."""

    @abstractmethod
    def metric_inputs(self, task: "TaskMetadata", coding: "Coding", scores: Any, targets: Any) -> tuple[Any, Any]:
        """``(predictions, references)`` for ``hf_bench.metrics.compute(task.metric, ...)``."""

    @abstractmethod
    def records(self, task: "TaskMetadata", coding: "Coding", scores: Any, targets: Any) -> list[dict]:
        """Per test item: JSON-ready ``{"target", "prediction", "scores"}`` for the predictions file."""

    def inputs_from_records(self, task: "TaskMetadata | None", records: Sequence[dict]) -> tuple[Any, Any]:
        """``(predictions, references)`` of the metric rebuilt from the predictions-file lines of one fold (what
        ``records`` wrote, read back from JSON), as ``metric_inputs`` gave them: how a paired comparison of two
        results is computed from their files alone. ``task`` may be None (the lines carry all the type needs).
        Types whose lines do not carry enough raise NotImplementedError."""
        raise NotImplementedError(f"task type {self.name!r} cannot rebuild its metric inputs from a predictions file")


def jsonable(x):
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    return x
