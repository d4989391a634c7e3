"""Aggregates of already-computed scores: ``normalized_score`` and the X-ARES weighted average."""

from __future__ import annotations

import difflib
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass

from hf_bench.metrics._common import fail

PROBES = ("mlp", "knn")  # X-ARES's two result columns (its README tables and weighted averages)


def _number(x, where: str) -> float:
    if isinstance(x, bool):
        raise fail(f"{where} must be a number, got a bool", where=where)
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise fail(f"{where} must be a number, got {x!r}", where=where) from None
    if not math.isfinite(v):
        raise fail(f"{where} is {'NaN' if math.isnan(v) else 'infinite'}", where=where,
                   fix="a NaN score means the metric failed upstream; fix that run instead of aggregating it")
    return v


def normalized_score(score, worst, best) -> dict[str, float]:
    """X-ARES's normalisation ``(score - worst) / (best - worst)``, clipped to [0, 1].

    ``worst`` / ``best`` are the worst and best possible values of the metric; for a lower-is-better metric
    ``worst > best`` (e.g. CER: worst 100, best 0), so the same formula applies. Clipping follows X-ARES's
    ``iWER = max(1 - WER, 0)``: anything worse than ``worst`` scores 0. See ``METRICS[name].worst/best``.
    Returns ``{"normalized_score"}``.
    """
    s = _number(score, "score")
    lo = _number(worst, "worst")
    hi = _number(best, "best")
    if lo == hi:
        raise fail(f"worst and best are both {lo}; the normalisation divides by best - worst", where="worst/best",
                   fix="pass the metric's worst and best possible values (see hf-bench metrics list)")
    return {"normalized_score": min(1.0, max(0.0, (s - lo) / (hi - lo)))}


@dataclass(frozen=True)
class XaresTask:
    name: str
    formal_name: str
    metric: str          # hf_bench metric computing the task's main score
    xares_metric: str    # X-ARES's own metric name
    eval_weight: int
    do_knn: bool
    private: bool
    disabled: bool


# X-ARES's 5 private in-house tasks (no public data, so not in the task registry); they only matter for
# recomputing X-ARES's "all tasks" averages. From X-ARES 0.1.3 src/tasks/*.py.
_PRIVATE_TASKS = (
    # name, formal name, eval_weight, do_knn, disabled
    ("finger_snap", "Finger snap sound", 5000, True, True),
    ("inside_outside_car", "Inside/outside car", 5000, True, False),
    ("key_scratching", "Key scratching car", 5000, True, True),
    ("liveenv", "liveenv", 5000, False, True),
    ("subway_broadcast", "Subway broadcast", 5000, True, False),
)


def weighted_average(scores: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """The X-ARES aggregate: sum_t score_t * w_t / sum_t w_t over the tasks in ``scores`` (weight 0 drops out).

    Scores should already be normalised to [0, 1] (``normalized_score``). NaN when no task has weight.
    """
    num = den = 0.0
    for task, score in scores.items():
        w = float(weights.get(task, 0.0))
        if w > 0:
            num += float(score) * w
            den += w
    return num / den if den > 0 else math.nan


def _xares_metric_name(metric: str, args: Mapping) -> str:
    """X-ARES's own name (TaskConfig.metric) for one of our metrics, for messages."""
    if metric == "segment_f1":
        return f"segmentf1_{args.get('average', 'macro')}"
    return {"mean_average_precision": "mAP", "iwer": "WER_inv", "recall_at_k": "recallatk_r1",
            "audio_text_recall": "recallatk_r1"}.get(metric, metric)


@functools.lru_cache(maxsize=1)
def xares_tasks() -> dict[str, XaresTask]:
    """The X-ARES tasks (22 public from the task registry + 5 private) with their ``eval_weight``, by X-ARES name."""
    from hf_bench.tasks.xares import XARES_TASKS  # the single place the public X-ARES task facts live

    out = {t.name: XaresTask(t.name, t.display_name, t.metric, _xares_metric_name(t.metric, t.metric_args),
                             t.eval_weight, t.do_knn, False, False) for t in XARES_TASKS}
    for name, formal, weight, knn, disabled in _PRIVATE_TASKS:
        out[name] = XaresTask(name, formal, "accuracy", "accuracy", weight, knn, True, disabled)
    return out


def _unknown_task(name, where: str):
    tasks = xares_tasks()
    by_formal = {t.formal_name.lower(): t.name for t in tasks.values()}
    hint = by_formal.get(str(name).lower()) or next(iter(difflib.get_close_matches(str(name), list(tasks), n=1)),
                                                    None)
    fix = f"did you mean {hint!r}?" if hint else f"use X-ARES task names: {', '.join(sorted(tasks))}"
    return fail(f"{name!r} is not an X-ARES task", where=where, fix=fix)


def xares(scores: Mapping[str, Mapping[str, float]], *, require_all: bool = False) -> dict[str, float]:
    """Per-task normalised scores and weighted averages, exactly as X-ARES aggregates them.

    ``scores = {"mlp": {task: main score}, "knn": {task: main score}}`` with X-ARES task names (``"esc50"``,
    ``"librispeech"``...); either probe may be absent. The main score is the task's metric in [0, 1] (accuracy,
    mAP, segment F1, R@1 as a fraction, iWER). For each probe:

    - ``"<probe>/<task>"``: the task's normalised score (``normalized_score`` with the metric's worst/best; every
      X-ARES metric already spans [0, 1], so this is the score itself, as in X-ARES's code);
    - ``"<probe>/weighted_average"``: ``sum(score * eval_weight) / sum(eval_weight)`` over the given tasks;
    - ``"<probe>/weighted_average_public"``: the same over the given public tasks (differs only when private
      in-house tasks are given);
    - ``"<probe>/n_tasks"`` and ``"<probe>/weight_sum"``.

    kNN scores for tasks that X-ARES does not run kNN on are an error. With ``require_all=True`` every public task
    of each given probe (all 22 for MLP, the 16 kNN tasks for kNN) must be present.
    """
    from hf_bench.metrics.registry import METRICS

    if not isinstance(scores, Mapping) or not scores:
        raise fail("scores must be a non-empty dict {probe: {task: score}}", where="scores",
                   fix='e.g. {"mlp": {"esc50": 0.857}, "knn": {"esc50": 0.618}}')
    tasks = xares_tasks()
    out: dict[str, float] = {}
    for probe, per_task in scores.items():
        if probe not in PROBES:
            raise fail(f"unknown probe {probe!r}", where="scores", fix=f"use {' or '.join(PROBES)}")
        if not isinstance(per_task, Mapping) or not per_task:
            raise fail(f"scores[{probe!r}] must be a non-empty dict {{task: score}}", where=f"scores[{probe!r}]")
        normalized: dict[str, float] = {}
        by_formal = {t.formal_name.lower(): t.name for t in tasks.values()}
        given: dict[str, str] = {}
        for key, raw in per_task.items():
            where = f"scores[{probe!r}][{key!r}]"
            # X-ARES's formal names ("ESC-50", "LibriSpeech-MF", as its README's tables print them) are accepted
            name = key if key in tasks else by_formal.get(str(key).lower(), key)
            task = tasks.get(name)
            if task is None:
                raise _unknown_task(key, where)
            if name in given:
                raise fail(f"{given[name]!r} and {key!r} are both task {name!r}", where=where, fix="give each task once")
            given[name] = key
            if probe == "knn" and not task.do_knn:
                raise fail(f"X-ARES runs no kNN probe on {name!r}, so it has no kNN score", where=where,
                           fix="drop it from the kNN scores (it is excluded from the kNN average)")
            s = _number(raw, where)
            info = METRICS[task.metric]
            lo, hi = min(info.worst, info.best), max(info.worst, info.best)
            if not lo <= s <= hi:
                raise fail(f"{s} is outside the range of {name}'s metric {task.xares_metric} ({lo}..{hi})",
                           where=where, fix="pass the task's main score as a fraction (e.g. 0.857, not 85.7)")
            normalized[name] = normalized_score(s, info.worst, info.best)["normalized_score"]
            out[f"{probe}/{name}"] = normalized[name]
        if require_all:
            needed = [t.name for t in tasks.values() if not t.private and (probe == "mlp" or t.do_knn)]
            missing = [t for t in needed if t not in given]
            if missing:
                raise fail(f"{len(missing)} public X-ARES task(s) missing from {probe}: {', '.join(missing)}",
                           where=f"scores[{probe!r}]", fix="score every task, or pass require_all=False")
        weights = {name: tasks[name].eval_weight for name in normalized}
        out[f"{probe}/weighted_average"] = weighted_average(normalized, weights)
        public = {n: v for n, v in normalized.items() if not tasks[n].private}
        if public:  # absent when only private tasks were given
            out[f"{probe}/weighted_average_public"] = weighted_average(public, weights)
        out[f"{probe}/n_tasks"] = float(len(per_task))
        out[f"{probe}/weight_sum"] = float(sum(weights.values()))
    return out
