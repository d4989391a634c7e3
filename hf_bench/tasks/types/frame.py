"""Frame-level task types: sound events / notes (multi-label per frame) and value curves (regression per frame).

Labels are times in seconds, so they do not depend on the encoder: they are checked once when the data is read
(``check``) and placed on the encoder's frame grid after extraction (``targets``). A frame ``t`` covers
``[t * hop, (t + 1) * hop)``; it is active for an event when its centre ``(t + 0.5) * hop`` lies in
``[onset, offset)`` (X-ARES instead activates frames ``ceil(onset / hop)`` to ``ceil(offset / hop) - 1``: the
``label_raster="xares"`` setting of ``--compat xares``).

Scoring (``frame_multilabel``): frame probabilities above 0.5 become events (``metrics.frames_to_events``) and are
compared with the *labelled* events, not with their rasterised frames, by ``metrics.segment_f1``; so the reference
does not move with the encoder's hop. ``frame_regression`` resamples each item's per-frame predictions to its
annotation times and computes the CCC once on the concatenation of every test item (LeBenchmark's
``testConcated``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Sequence

import numpy as np

from hf_bench.data.targets import Problems, class_fix, label_text, split_multilabel, to_float
from hf_bench.errors import DataError
from hf_bench.tasks.types.base import FrameGrid, TaskTypeAdapter, jsonable
from hf_bench.tasks.types.coding import LabelSetCoding, ValueCoding

if TYPE_CHECKING:
    from hf_bench.data import SplitData
    from hf_bench.tasks.schema import TaskMetadata

# an event may end this far past the end of its audio (annotation rounding) and is cut there; further is an error
END_TOLERANCE_S = 0.25
RASTER_RULES = ("center", "xares")
THRESHOLD = 0.5


def _raster_range(onset: float, offset: float, hop: float, rule: str) -> tuple[int, int]:
    if rule == "xares":  # X-ARES desed/maestro_task.py: sec_to_frames = ceil(sec / hop)
        return math.ceil(onset / hop), math.ceil(offset / hop)
    # frame centres in [onset, offset); the tiny epsilon absorbs float error in times like 0.3 / 0.1
    return math.ceil(onset / hop - 0.5 - 1e-9), math.ceil(offset / hop - 0.5 - 1e-9)


@dataclass
class EventTargets:
    """Per item, its events as an array [k, 3] of (onset s, offset s, class index), plus the frame grid."""
    events: list[np.ndarray]
    num_classes: int
    grid: FrameGrid | None = None

    def __len__(self) -> int:
        return len(self.events)

    def take(self, index) -> "EventTargets":
        index = np.asarray(index, dtype=np.int64)
        return replace(self, events=[self.events[i] for i in index],
                       grid=None if self.grid is None else self.grid.take(index))

    def frames(self, i: int) -> np.ndarray:
        """float32 [T_i, C] frame targets of item ``i`` (computed on demand: never all in memory at once)."""
        n, hop = int(self.grid.frames[i]), self.grid.hop_s
        out = np.zeros((n, self.num_classes), dtype=np.float32)
        for onset, offset, c in self.events[i]:
            a, b = _raster_range(onset, offset, hop, self.grid.label_rule)
            out[max(0, a):max(0, min(n, b)), int(c)] = 1.0
        return out

    def reference(self, i: int, labels: Sequence[str]) -> list[dict]:
        return [{"onset": float(on), "offset": float(off), "event_label": labels[int(c)]}
                for on, off, c in self.events[i]]


@dataclass
class CurveTargets:
    """Per item, a value curve sampled every ``hop_s[i]`` seconds from ``start_s[i]``, plus the frame grid."""
    values: list[np.ndarray]
    hop_s: np.ndarray
    start_s: np.ndarray
    grid: FrameGrid | None = None

    def __len__(self) -> int:
        return len(self.values)

    def take(self, index) -> "CurveTargets":
        index = np.asarray(index, dtype=np.int64)
        return replace(self, values=[self.values[i] for i in index], hop_s=self.hop_s[index],
                       start_s=self.start_s[index], grid=None if self.grid is None else self.grid.take(index))

    def frames(self, i: int) -> np.ndarray:
        """float32 [T_i] values at the frame centres (linear interpolation, held constant past either end)."""
        n, hop = int(self.grid.frames[i]), self.grid.hop_s
        v = self.values[i]
        times = self.start_s[i] + self.hop_s[i] * np.arange(len(v))
        return np.interp((np.arange(n) + 0.5) * hop, times, v).astype(np.float32)

    def at_annotations(self, i: int, frame_values) -> np.ndarray:
        """Per-frame predictions of item ``i`` resampled to its annotation times (LeBenchmark AER resamples its
        predictions to the annotation length): the score never depends on the encoder's hop."""
        pred = np.asarray(frame_values, dtype=np.float64).reshape(-1)
        times = self.start_s[i] + self.hop_s[i] * np.arange(len(self.values[i]))
        if len(pred) == 0:
            return np.zeros(len(times))
        return np.interp(times, (np.arange(len(pred)) + 0.5) * self.grid.hop_s, pred)

    def all_values(self) -> np.ndarray:
        return np.concatenate([self.frames(i) for i in range(len(self))]) if self.grid is not None else \
            np.concatenate(self.values)


class FrameMultilabel(TaskTypeAdapter):
    name = "frame_multilabel"
    level = "frame"
    metrics = {"segment_f1": "f1"}
    default_metric_args = {"average": "macro", "time_resolution": 1.0}
    summary = "sound events or notes with onset/offset, several classes at a time"

    def parse(self, task: "TaskMetadata", split: "SplitData") -> list[np.ndarray]:
        keys = task.event_fields
        problems = Problems(task, split)
        index = {name: i for i, name in enumerate(task.labels)}
        out = []
        for i, value in enumerate(split.labels):
            rows = []
            if not isinstance(value, (list, tuple)):
                problems.add(i, value, "not a list of events")
                out.append(np.zeros((0, 3)))
                continue
            for ev in value:
                if not isinstance(ev, dict) or keys.onset not in ev or keys.offset not in ev or keys.label not in ev:
                    problems.add(i, ev, f"not an event {{{keys.onset!r}, {keys.offset!r}, {keys.label!r}}}")
                    break
                on, off = to_float(ev[keys.onset]), to_float(ev[keys.offset])
                if on is None or off is None:
                    problems.add(i, ev, "event times must be finite numbers of seconds")
                    break
                if on < 0:
                    problems.add(i, ev, f"event starts before the audio ({keys.onset} = {on} < 0)")
                    break
                if off <= on:
                    problems.add(i, ev, f"event ends before it starts ({keys.offset} {off} <= {keys.onset} {on})")
                    break
                names = split_multilabel(ev[keys.label], index)
                if not names:
                    problems.add(i, ev, f"event has no class under {keys.label!r}")
                    break
                for name in names:
                    text = label_text(name)
                    text = task.label_aliases.get(text, text) if text is not None else None
                    if text not in index:
                        problems.add(i, ev, f"event class {name!r} is outside the class set")
                        break
                    rows.append((on, off, index[text]))
            out.append(np.asarray(rows, dtype=np.float64).reshape(-1, 3))
        problems.raise_if_any(class_fix(task) + "; each event needs a start before its end, in seconds from the "
                              "start of the clip")
        return out

    def check(self, task, split) -> None:
        self.parse(task, split)

    def targets(self, task, split, grid):
        events = self.parse(task, split)
        if grid is not None:
            events = _fit_to_audio(task, split, events, grid, lambda ev: ev[:, 1] if len(ev) else ev[:, 0])
        return EventTargets(events, task.num_classes, grid)

    def take(self, targets, index):
        return targets.take(index)

    def concat(self, parts):
        return EventTargets([e for p in parts for e in p.events], parts[0].num_classes,
                            FrameGrid.concat([p.grid for p in parts]))

    def coding(self, task, train_targets):
        return LabelSetCoding(task.num_classes, task.probe.pos_weight)

    def metric_inputs(self, task, coding, scores, targets):
        from hf_bench.metrics import frames_to_events

        hop = targets.grid.hop_s
        predictions = [frames_to_events(s, hop, task.labels, THRESHOLD) for s in scores]
        references = [targets.reference(i, task.labels) for i in range(len(targets))]
        return predictions, references

    def records(self, task, coding, scores, targets):
        preds, refs = self.metric_inputs(task, coding, scores, targets)
        return [{"target": r, "prediction": p, "scores": None} for p, r in zip(preds, refs)]

    def inputs_from_records(self, task, records):
        """Exact: the lines hold the predicted and the labelled events themselves."""
        return [r["prediction"] for r in records], [r["target"] for r in records]


class FrameRegression(TaskTypeAdapter):
    name = "frame_regression"
    level = "frame"
    metrics = {"ccc": "ccc"}
    summary = "a value curve over time (e.g. continuous emotion), scored on every frame"

    def parse(self, task, split):
        problems = Problems(task, split)
        values, hops, starts = [], [], []
        for i, value in enumerate(split.labels):
            ok = isinstance(value, dict) and isinstance(value.get("values"), (list, tuple)) and value["values"]
            hop = to_float(value.get("hop_s")) if ok else None
            start = to_float(value.get("start_s", 0.0)) if ok else None
            v = [to_float(x) for x in value["values"]] if ok else []
            if not ok or hop is None or hop <= 0 or start is None or start < 0 or any(x is None for x in v):
                problems.add(i, value, "not a curve {'hop_s': seconds > 0, 'values': [finite numbers], "
                                       "'start_s': seconds >= 0 (optional)}")
                v, hop, start = [0.0], 1.0, 0.0
            values.append(np.asarray(v, dtype=np.float64))
            hops.append(hop)
            starts.append(start)
        problems.raise_if_any("give every clip a curve of finite values at a fixed hop")
        return values, np.asarray(hops, np.float64), np.asarray(starts, np.float64)

    def check(self, task, split) -> None:
        self.parse(task, split)

    def targets(self, task, split, grid):
        values, hops, starts = self.parse(task, split)
        if grid is not None:
            ends = [np.array([s + h * (len(v) - 1)]) for v, h, s in zip(values, hops, starts)]
            _fit_to_audio(task, split, ends, grid, lambda e: e)
        return CurveTargets(values, hops, starts, grid)

    def take(self, targets, index):
        return targets.take(index)

    def concat(self, parts):
        return CurveTargets([v for p in parts for v in p.values], np.concatenate([p.hop_s for p in parts]),
                            np.concatenate([p.start_s for p in parts]), FrameGrid.concat([p.grid for p in parts]))

    def coding(self, task, train_targets):
        return ValueCoding.fit(train_targets.all_values())

    def metric_inputs(self, task, coding, scores, targets):
        return (np.concatenate([targets.at_annotations(i, s) for i, s in enumerate(scores)]),
                np.concatenate(targets.values).astype(np.float64))

    def records(self, task, coding, scores, targets):
        return [{"target": jsonable(np.round(targets.values[i], 6)),
                 "prediction": jsonable(np.round(targets.at_annotations(i, s), 6)), "scores": None}
                for i, s in enumerate(scores)]

    def inputs_from_records(self, task, records):
        """The curves as the lines hold them: rounded to 6 decimals, so the CCC agrees with ``metric_inputs``'s to
        about 1e-6, not bit for bit."""
        if not records:
            return np.zeros(0), np.zeros(0)
        return (np.concatenate([np.asarray(r["prediction"], dtype=np.float64).reshape(-1) for r in records]),
                np.concatenate([np.asarray(r["target"], dtype=np.float64).reshape(-1) for r in records]))


def _fit_to_audio(task, split, items, grid: FrameGrid, ends_of):
    """Cut events a little past the end of their audio (annotation rounding); further is an error."""
    cropped = task.crop.mode != "none"  # labels past a crop were cut on purpose by the task: drop them quietly
    bad = []
    out = []
    for i, ev in enumerate(items):
        end = float(grid.seconds[i])
        ends = ends_of(ev)
        if len(ends) and not cropped and float(np.max(ends)) > end + END_TOLERANCE_S:
            bad.append((i, float(np.max(ends)), end))
        if ev.ndim == 2 and ev.shape[1] == 3 and len(ev):
            ev = ev[ev[:, 0] < end].copy()
            ev[:, 1] = np.minimum(ev[:, 1], end)
        out.append(ev)
    if bad:
        shown = "\n    ".join(f"{split.refs[i].origin} (id {split.refs[i].id!r}): labels run to {last:.3f} s but "
                              f"the audio lasts {end:.3f} s" for i, last, end in bad[:5])
        more = f"\n    ... and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise DataError(f"{len(bad)} of {len(items)} items in split {split.name!r} have labels past the end of "
                        f"their audio (by more than {END_TOLERANCE_S} s):\n    {shown}{more}",
                        where=f"task {task.name}",
                        fix="fix the event times (seconds from the start of each clip) or the audio files")
    return out


__all__ = ["FrameMultilabel", "FrameRegression", "EventTargets", "CurveTargets", "END_TOLERANCE_S", "RASTER_RULES"]
