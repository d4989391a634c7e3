"""Sound event detection: segment-based F1 (sed_eval semantics) and frame posteriors -> events.

Segment-based metrics (Mesaros et al., 2016) cut each file into fixed segments of ``time_resolution`` seconds; a
class is active in a segment if any of its events overlaps it. True positives, false positives and false negatives
are counted per (segment, class) and summed over files (the resampling unit of the bootstrap).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from hf_bench.metrics._common import (
    Prepared,
    as_list,
    check_lengths,
    check_options,
    check_positive,
    fail,
    float_array,
)
from hf_bench.metrics.bootstrap import finish

# tolerance, in segments, on segment boundaries: sed_eval computes floor(0.3 / 0.1) = 2 (float error) and
# so marks a 0.3-0.4 s event active in two 0.1 s segments; one part per million of a segment absorbs that
_BOUNDARY_TOL = 1e-6
AVERAGES = ("macro", "micro")


def _event_fields(ev, where: str) -> tuple[float, float, str]:
    if not isinstance(ev, Mapping):
        raise fail(f"{where} must be a dict with onset, offset and event_label, got {type(ev).__name__}",
                   where=where)
    on = ev.get("onset", ev.get("event_onset"))
    off = ev.get("offset", ev.get("event_offset"))
    label = ev.get("event_label")
    if on is None or off is None or label is None:
        raise fail(f"{where} lacks {'onset' if on is None else 'offset' if off is None else 'event_label'}",
                   where=where, fix="each event is {'onset': s, 'offset': s, 'event_label': str}")
    try:
        on, off = float(on), float(off)
    except (TypeError, ValueError):
        raise fail(f"{where} onset/offset must be numbers (seconds)", where=where) from None
    if not (math.isfinite(on) and math.isfinite(off)):
        raise fail(f"{where} has a NaN or infinite onset/offset", where=where)
    if on < 0:
        raise fail(f"{where} has a negative onset ({on})", where=where, fix="times are seconds from the file start")
    if off <= on:
        raise fail(f"{where} has offset <= onset ({off} <= {on})", where=where,
                   fix="every event must end after it starts; drop zero-length events")
    if not isinstance(label, str) or not label:
        raise fail(f"{where} event_label must be a non-empty string, got {label!r}", where=where)
    return on, off, label


def _file_events(x, name: str, i: int) -> list[tuple[float, float, str]]:
    if isinstance(x, Mapping):
        # a file given as columns {"onset": [...], "offset": [...], "event_label": [...]} (datasets' layout)
        cols = [[] if x.get(k) is None else list(x.get(k)) for k in ("onset", "offset", "event_label")]
        if len({len(c) for c in cols}) != 1:
            raise fail(f"{name}[{i}] has onset/offset/event_label columns of different lengths",
                       where=f"{name}[{i}]")
        x = [{"onset": a, "offset": b, "event_label": c} for a, b, c in zip(*cols)]
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise fail(f"{name}[{i}] must be the list of events of one file", where=f"{name}[{i}]",
                   fix="pass one list of {onset, offset, event_label} dicts per file ([] for no events)")
    return [_event_fields(ev, f"{name}[{i}][{j}]") for j, ev in enumerate(x)]


def _segment_range(on: float, off: float, res: float) -> tuple[int, int]:
    a = math.floor(on / res + _BOUNDARY_TOL)
    b = math.ceil(off / res - _BOUNDARY_TOL)
    return a, max(b, a + 1)


def _activity(events, classes: dict[str, int], res: float) -> dict[int, set[int]]:
    active: dict[int, set[int]] = {}
    for on, off, label in events:
        a, b = _segment_range(on, off, res)
        active.setdefault(classes[label], set()).update(range(a, b))
    return active


class _SegmentCounts(Prepared):
    keys = ("f1", "precision", "recall")
    undefined = "segment F1 is undefined: the references contain no event at all"
    undefined_fix = "score files that contain reference events (F1 needs at least one positive segment)"

    def __init__(self, counts: np.ndarray, average: str):
        # counts [files, classes, 3] = (true positives, reference-active, system-active) segments
        self.n = counts.shape[0]
        self.counts = counts
        self.average = average

    def batch(self, weights):
        tot = np.einsum("rf,fck->rck", weights, self.counts)  # [R, C, 3]
        if self.average == "micro":
            tot = tot.sum(axis=1, keepdims=True)
        tp, nref, nsys = tot[..., 0], tot[..., 1], tot[..., 2]
        # sed_eval with empty_system_output_handling="zero_score": P = 0 when nothing is predicted,
        # R undefined (NaN) without reference activity, F = 0 when P = R = 0
        prec = np.zeros_like(tp)
        np.divide(tp, nsys, out=prec, where=nsys > 0)
        rec = np.full_like(tp, np.nan)
        np.divide(tp, nref, out=rec, where=nref > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where((prec == 0) & (rec == 0), 0.0, 2 * prec * rec / (prec + rec))
        defined = ~np.isnan(rec)
        any_defined = defined.any(axis=1)

        def nanmean(a):
            num = np.where(np.isnan(a), 0.0, a).sum(axis=1)
            cnt = (~np.isnan(a)).sum(axis=1)
            out = np.full(a.shape[0], np.nan)
            np.divide(num, cnt, out=out, where=cnt > 0)
            return out

        res = {"f1": nanmean(f), "precision": nanmean(prec), "recall": nanmean(rec)}
        for k in res:
            res[k][~any_defined] = np.nan
        return res


def prepare_segment_f1(predictions, references, *, time_resolution: float = 1.0, average: str = "macro",
                       labels=None) -> _SegmentCounts:
    check_options("average", average, AVERAGES)
    res = check_positive("time_resolution", time_resolution)
    preds = as_list(predictions, "predictions", item="per-file event list")
    refs = as_list(references, "references", item="per-file event list")
    check_lengths(preds, refs, unit="files")
    pred_ev = [_file_events(x, "predictions", i) for i, x in enumerate(preds)]
    ref_ev = [_file_events(x, "references", i) for i, x in enumerate(refs)]
    if labels is None:
        names = sorted({e[2] for f in ref_ev + pred_ev for e in f})
        if not names:
            raise fail("no events at all in references or predictions", where="references",
                       fix="segment F1 needs reference events; pass labels=[...] and files with events")
    else:
        names = list(as_list(labels, "labels", item="class name"))
        if not names or any(not isinstance(x, str) for x in names) or len(set(names)) != len(names):
            raise fail("labels must be a non-empty list of distinct class-name strings", where="labels")
        allowed = set(names)
        for name, files in (("references", ref_ev), ("predictions", pred_ev)):
            for i, f in enumerate(files):
                for j, e in enumerate(f):
                    if e[2] not in allowed:
                        raise fail(f"{name}[{i}][{j}] has event_label {e[2]!r}, which is not in labels",
                                   where=f"{name}[{i}][{j}]", fix="fix the label, or add it to labels")
    classes = {c: k for k, c in enumerate(names)}
    counts = np.zeros((len(refs), len(names), 3))
    for i, (pf, rf) in enumerate(zip(pred_ev, ref_ev)):
        ra, sa = _activity(rf, classes, res), _activity(pf, classes, res)
        for c in set(ra) | set(sa):
            r, s = ra.get(c, set()), sa.get(c, set())
            counts[i, c] = (len(r & s), len(r), len(s))
    return _SegmentCounts(counts, average)


def segment_f1(predictions, references, *, time_resolution: float = 1.0, average: str = "macro", labels=None,
               return_ci: bool = False, n_resamples: int = 1000, seed: int = 0,
               level: float = 0.95) -> dict[str, float]:
    """Segment-based F1, precision and recall of sound events (sed_eval ``SegmentBasedMetrics``).

    ``predictions[i]`` / ``references[i]``: the events of file ``i``, each ``{"onset": s, "offset": s,
    "event_label": str}``. ``time_resolution``: segment length in seconds (X-ARES: 1.0 for DESED, 0.1 for
    MAESTRO). ``labels``: the class set (default: every label seen); events outside it are errors.

    - ``average="micro"``: F1 from the counts summed over classes (sed_eval "overall").
    - ``average="macro"``: mean of class-wise F1 (sed_eval "class-wise average"). As in sed_eval, classes with no
      reference activity have undefined recall/F1 and are left out of the F1 and recall means; precision is 0
      for a class never predicted (sed_eval ``empty_system_output_handling="zero_score"``), so a system cannot gain
      by staying silent on a class.

    Segment boundaries use a 1e-6-segment tolerance (sed_eval's plain floor puts a 0.3 s onset in segment 2 of
    0.1 s, because 0.3 / 0.1 = 2.9999999999999996). Returns ``{"f1", "precision", "recall"}`` in [0, 1].
    """
    prepared = prepare_segment_f1(predictions, references, time_resolution=time_resolution, average=average,
                                  labels=labels)
    return finish(prepared, return_ci, n_resamples, seed, level)


def frames_to_events(posteriors, hop_s: float, labels, threshold=0.5, *, start_s: float = 0.0) -> list[dict]:
    """Turn frame posteriors [T, C] into events: each maximal run of frames above ``threshold`` is one event.

    Frame ``t`` covers ``[start_s + t * hop_s, start_s + (t + 1) * hop_s)``. A frame is active when its posterior
    is strictly greater than ``threshold`` (X-ARES rounds sigmoid outputs, and 0.5 rounds to 0). ``threshold`` is
    one number or one per class. Binary frame targets (0/1) give the reference events the same way.

    Returns ``[{"onset", "offset", "event_label"}]`` sorted by onset then class order. With
    ``time_resolution`` a whole multiple of ``hop_s``, ``segment_f1`` on these events equals segment F1
    computed by max-pooling the frames into segments.
    """
    hop = check_positive("hop_s", hop_s)
    p = float_array(posteriors, "posteriors", ndim=2)
    names = as_list(labels, "labels", item="class name")
    if len(names) != p.shape[1]:
        raise fail(f"posteriors have {p.shape[1]} classes (columns) but labels has {len(names)} names",
                   where="labels", fix="pass one label per posterior column, in column order")
    if any(not isinstance(x, str) or not x for x in names) or len(set(names)) != len(names):
        raise fail("labels must be distinct non-empty strings", where="labels")
    thr = float_array(threshold, "threshold")
    if thr.ndim > 1 or (thr.ndim == 1 and thr.size != p.shape[1]):
        raise fail(f"threshold must be one number or {p.shape[1]} numbers (one per class)", where="threshold")
    try:
        start = float(start_s)
    except (TypeError, ValueError):
        raise fail(f"start_s must be a number, got {start_s!r}", where="start_s") from None
    if not math.isfinite(start) or start < 0:
        raise fail(f"start_s must be a finite number >= 0, got {start_s!r}", where="start_s")
    active = p > thr
    padded = np.zeros((p.shape[0] + 2, p.shape[1]), dtype=np.int8)
    padded[1:-1] = active
    edges = np.diff(padded, axis=0)
    events = []
    for c, name in enumerate(names):
        starts = np.flatnonzero(edges[:, c] == 1)
        ends = np.flatnonzero(edges[:, c] == -1)
        for a, b in zip(starts, ends):
            # rounding to 1 ns keeps JSON tidy (0.3, not 0.30000000000000004)
            events.append({"onset": round(start + int(a) * hop, 9), "offset": round(start + int(b) * hop, 9),
                           "event_label": name, "_c": c})
    events.sort(key=lambda e: (e["onset"], e["_c"]))
    for e in events:
        del e["_c"]
    return events
