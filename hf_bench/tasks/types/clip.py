"""Clip-level task types: one class, a set of classes, or one value per clip."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hf_bench.data.targets import Problems, class_fix, is_nan, label_text, split_multilabel, to_float
from hf_bench.tasks.types.base import TaskTypeAdapter, jsonable
from hf_bench.tasks.types.coding import ClassCoding, LabelSetCoding, ValueCoding

if TYPE_CHECKING:
    from hf_bench.data import SplitData
    from hf_bench.tasks.schema import TaskMetadata


class _Clip(TaskTypeAdapter):
    level = "clip"

    def metric_inputs(self, task, coding, scores, targets):
        return coding.decide(scores), targets

    # dtypes of (predictions, references) as metric_inputs gives them (JSON floats of float32 targets round-trip)
    _dtypes: tuple = (np.float64, np.float32)

    def inputs_from_records(self, task, records):
        pred_dtype, ref_dtype = self._dtypes
        return (np.asarray([r["prediction"] for r in records], dtype=pred_dtype),
                np.asarray([r["target"] for r in records], dtype=ref_dtype))

    def records(self, task, coding, scores, targets):
        """Per item: target and prediction as the probe sees them (class index, label vector, value), their class
        names beside them (``target_label`` / ``prediction_label``; for label sets ``target_labels`` /
        ``predicted_labels``, the labels scored above 0.5), and the scores."""
        decided = coding.decide(scores)
        names = list(task.labels or ())
        out = []
        for i in range(len(targets)):
            rec = {"target": jsonable(targets[i]), "prediction": jsonable(decided[i])}
            if names and isinstance(coding, ClassCoding):
                rec["target_label"], rec["prediction_label"] = names[int(targets[i])], names[int(decided[i])]
            elif names and isinstance(coding, LabelSetCoding):
                rec["target_labels"] = [n for n, on in zip(names, targets[i]) if on > 0.5]
                rec["predicted_labels"] = [n for n, p in zip(names, decided[i]) if p > 0.5]
            rec["scores"] = jsonable(np.round(scores[i], 6))
            out.append(rec)
        return out


class ClipClassification(_Clip):
    name = "clip_classification"
    metrics = {"accuracy": "accuracy"}
    summary = "one class per clip"
    _dtypes = (np.int64, np.int64)

    def targets(self, task: "TaskMetadata", split: "SplitData", grid=None) -> np.ndarray:
        """int64 [N] class indices."""
        problems = Problems(task, split)
        index = {name: i for i, name in enumerate(task.labels)}
        out = np.empty(len(split.labels), dtype=np.int64)
        for i, value in enumerate(split.labels):
            text = label_text(value)
            if text is None:
                problems.add(i, value, "missing or not a class label" if value is None or is_nan(value)
                             else "not a single class label")
                continue
            text = task.label_aliases.get(text, text)
            if text not in index:
                problems.add(i, value, "label outside the class set")
                continue
            out[i] = index[text]
        problems.raise_if_any(class_fix(task))
        return out

    def coding(self, task, train_targets):
        return ClassCoding(task.num_classes)


class ClipMultilabel(_Clip):
    name = "clip_multilabel"
    metrics = {"mean_average_precision": "map"}
    summary = "a set of classes per clip"

    def targets(self, task: "TaskMetadata", split: "SplitData", grid=None) -> np.ndarray:
        """float32 [N, C] multi-hot."""
        problems = Problems(task, split)
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
        problems.raise_if_any(class_fix(task) + " (a clip's labels are a list or a ';'-separated string)")
        return out

    def coding(self, task, train_targets):
        return LabelSetCoding(task.num_classes, task.probe.pos_weight)


class ClipRegression(_Clip):
    name = "clip_regression"
    metrics = {"ccc": "ccc"}
    summary = "one value per clip"

    def targets(self, task: "TaskMetadata", split: "SplitData", grid=None) -> np.ndarray:
        """float32 [N] values."""
        problems = Problems(task, split)
        out = np.empty(len(split.labels), dtype=np.float32)
        for i, value in enumerate(split.labels):
            number = to_float(value)
            if number is None:
                problems.add(i, value, "missing, NaN or not a number")
                continue
            out[i] = number
        problems.raise_if_any("give every clip a finite numeric target")
        return out

    def coding(self, task, train_targets):
        return ValueCoding.fit(train_targets)


__all__ = ["ClipClassification", "ClipMultilabel", "ClipRegression"]
