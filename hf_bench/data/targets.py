"""Reading raw labels: class names from scalars, label sets from lists or strings, numbers, and error reports.

The task-type adapters (``hf_bench.tasks.types``) build targets with these helpers. Every label must map to a
class (after ``label_aliases``); anything else is a DataError naming the clip, the value and the allowed classes.
Unknown labels are never mapped to -1 (X-ARES's CREMA-D / VocalSound do that).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from hf_bench.errors import DataError

if TYPE_CHECKING:
    from hf_bench.data import SplitData
    from hf_bench.tasks.schema import TaskMetadata

_MAX_SHOWN = 5


def label_text(value: Any) -> str | None:
    """The class-name form of a raw scalar label: strings as is, integers (also 3.0) as ``str(int)``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if math.isfinite(value) and float(value).is_integer() else None
    if isinstance(value, str):
        return value
    return None


def split_multilabel(value: Any, known: Any = ()) -> list[Any] | None:
    """A multi-label value as a list: lists/tuples as is; strings split on ';' (or ',' when there is no ';').

    A string that is itself one of the ``known`` class names is not split (class names may contain commas).
    """
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        if value.strip() in known:
            return [value.strip()]
        sep = ";" if ";" in value else ","
        return [part.strip() for part in value.split(sep) if part.strip()]
    if label_text(value) is not None:
        return [value]
    return None


def _shown(classes: tuple[str, ...]) -> str:
    if len(classes) <= 20:
        return ", ".join(classes)
    return ", ".join(classes[:20]) + f", ... ({len(classes)} classes)"


class Problems:
    """Collects bad items so that one error reports the first few and the total."""

    def __init__(self, task: "TaskMetadata", split: "SplitData"):
        self.task, self.split, self.items = task, split, []

    def add(self, i: int, value: Any, why: str):
        self.items.append((i, value, why))

    def raise_if_any(self, fix: str):
        if not self.items:
            return
        lines = [f"{self.split.refs[i].origin} (id {self.split.refs[i].id!r}): {why}: {value!r}"
                 for i, value, why in self.items[:_MAX_SHOWN]]
        more = len(self.items) - _MAX_SHOWN
        problem = (f"{len(self.items)} of {len(self.split.refs)} labels in split {self.split.name!r} are unusable:\n    "
                   + "\n    ".join(lines) + (f"\n    ... and {more} more" if more > 0 else ""))
        raise DataError(problem, where=f"task {self.task.name} (label key {self.task.label_key!r})", fix=fix)


def class_fix(task: "TaskMetadata") -> str:
    return (f"the allowed classes are: {_shown(task.labels)}. Fix the labels in the data, add the missing classes to "
            "`labels` in the task spec, or map raw values to classes with `label_aliases`")


def encode_targets(task: "TaskMetadata", split: "SplitData", grid=None):
    """Targets of one split, as the task type's adapter builds them (``hf_bench.tasks.types``).

    Clip types need no ``grid``: int64 [N] class indices, float32 [N, C] multi-hot, or float32 [N] values.
    Frame types place their events / curves on the encoder's frame grid; without one they are only validated.
    """
    from hf_bench.tasks.types import get_type

    adapter = get_type(task.type, where=f"task {task.name}")
    if adapter.level != "clip" and grid is None:
        adapter.check(task, split)
        return None
    return adapter.targets(task, split, grid)


def is_nan(value: Any) -> bool:
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def to_float(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
    elif isinstance(value, str):
        try:
            v = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return v if math.isfinite(v) else None


__all__ = ["encode_targets", "label_text", "split_multilabel", "Problems", "class_fix", "is_nan", "to_float"]
