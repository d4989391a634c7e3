"""Raw labels -> probe targets for clip-level tasks.

Every label must map to a class (after ``label_aliases``); anything else is a DataError naming the clip, the
value and the allowed classes. Unknown labels are never mapped to -1 (X-ARES's CREMA-D / VocalSound do that).
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


class _Problems:
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


def _class_fix(task: "TaskMetadata") -> str:
    return (f"the allowed classes are: {_shown(task.labels)}. Fix the labels in the data, add the missing classes to "
            "`labels` in the task spec, or map raw values to classes with `label_aliases`")


def encode_targets(task: "TaskMetadata", split: "SplitData") -> np.ndarray:
    """Targets of one split: int64 [N] class indices, float32 [N, C] multi-hot, or float32 [N] values.

    Only clip-level types; frame/ASR/retrieval targets depend on the probe (frame rate, tokenizer).
    """
    problems = _Problems(task, split)
    if task.type == "clip_classification":
        index = {name: i for i, name in enumerate(task.labels)}
        out = np.empty(len(split.labels), dtype=np.int64)
        for i, value in enumerate(split.labels):
            text = label_text(value)
            if text is None:
                problems.add(i, value, "missing or not a class label" if value is None or _is_nan(value)
                             else "not a single class label")
                continue
            text = task.label_aliases.get(text, text)
            if text not in index:
                problems.add(i, value, "label outside the class set")
                continue
            out[i] = index[text]
        problems.raise_if_any(_class_fix(task))
        return out

    if task.type == "clip_multilabel":
        index = {name: i for i, name in enumerate(task.labels)}
        out = np.zeros((len(split.labels), len(task.labels)), dtype=np.float32)
        for i, value in enumerate(split.labels):
            items = split_multilabel(value, index)
            if items is None:
                problems.add(i, value, "missing or not a list of labels")
                continue
            for item in items:
                text = label_text(item)
                text = task.label_aliases.get(text, text) if text is not None else None
                if text not in index:
                    problems.add(i, value, f"label {item!r} (in the clip's labels) is outside the class set")
                    break
                out[i, index[text]] = 1.0
        problems.raise_if_any(_class_fix(task) + " (a clip's labels are a list or a ';'-separated string)")
        return out

    if task.type == "clip_regression":
        out = np.empty(len(split.labels), dtype=np.float32)
        for i, value in enumerate(split.labels):
            number = _to_float(value)
            if number is None:
                problems.add(i, value, "missing, NaN or not a number")
                continue
            out[i] = number
        problems.raise_if_any("give every clip a finite numeric target")
        return out

    raise DataError(f"encode_targets handles clip-level tasks only, not type {task.type!r}", where=f"task {task.name}",
                    fix="build frame/ASR/retrieval targets in the probe that handles that task type")


def _is_nan(value: Any) -> bool:
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def _to_float(value: Any) -> float | None:
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


__all__ = ["encode_targets", "label_text", "split_multilabel"]
