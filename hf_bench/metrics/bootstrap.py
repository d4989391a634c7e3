"""Bootstrap confidence intervals and paired bootstrap comparisons for every item-level metric.

Items (utterances, clips, queries, files: whatever the metric's ``unit`` is) are resampled with replacement,
``n_resamples`` times, from ``numpy.random.default_rng(seed)``. A resample is represented by multinomial counts,
i.e. item weights, and scored by the same ``Prepared.batch`` code that gives the point estimate; corpus-level
metrics (WER, BLEU, segment F1, mAP) are therefore recomputed at corpus level on every resample, never averaged
from per-item scores. The interval is the percentile interval of the resampled values.

With the same seed and the same number of items, every metric and every system sees the *same* resamples, so
``paired_bootstrap`` can compare two systems on the same test set.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from hf_bench.metrics._common import Prepared, fail

# resamples whose metric is undefined (e.g. CCC when a resample draws one item n times) are dropped; more than
# this fraction of them means the test set is too small for a meaningful interval
MAX_UNDEFINED_FRACTION = 0.10
_CHUNK_ELEMENTS = 2_000_000


def _check_args(n_items: int, n_resamples: int, level: float, seed: int = 0) -> None:
    if n_items < 2:
        raise fail(f"a bootstrap needs at least 2 items, got {n_items}", where="predictions/references",
                   fix="score more items, or drop return_ci")
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) or n_resamples < 10:
        raise fail(f"n_resamples must be an integer >= 10, got {n_resamples!r}", where="n_resamples",
                   fix="use e.g. n_resamples=1000")
    if not isinstance(level, (int, float)) or not 0 < level < 1:
        raise fail(f"level must be in (0, 1), got {level!r}", where="level", fix="use e.g. level=0.95")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise fail(f"seed must be an integer >= 0, got {seed!r}", where="seed",
                   fix="pass a fixed seed: intervals must be reproducible")


def resample_weights(n_items: int, n_resamples: int, seed: int) -> Iterator[np.ndarray]:
    """Yield [r, n_items] blocks of multinomial counts, n_resamples rows in total, deterministic in seed."""
    rng = np.random.default_rng(seed)
    p = np.full(n_items, 1.0 / n_items)
    chunk = max(1, min(n_resamples, _CHUNK_ELEMENTS // n_items))
    done = 0
    while done < n_resamples:
        r = min(chunk, n_resamples - done)
        yield rng.multinomial(n_items, p, size=r).astype(np.float64)
        done += r


def replicates(prepared: Prepared, n_resamples: int, seed: int) -> dict[str, np.ndarray]:
    """Metric values on each resample, NaN where undefined."""
    from tqdm.auto import tqdm

    parts: dict[str, list[np.ndarray]] = {k: [] for k in prepared.keys}
    # the bar appears only if the work lasts (e.g. mAP on 10k clips x 200 classes: ~60 ms per resample)
    with tqdm(total=n_resamples, desc="bootstrap", unit="resample", delay=2.0, leave=False) as bar:
        for w in resample_weights(prepared.n, n_resamples, seed):
            out = prepared.batch(w)
            for k in prepared.keys:
                parts[k].append(np.asarray(out[k], dtype=np.float64))
            bar.update(len(w))
    return {k: np.concatenate(v) for k, v in parts.items()}


def _valid(values: np.ndarray, n_resamples: int) -> np.ndarray:
    ok = values[np.isfinite(values)]
    if ok.size < (1 - MAX_UNDEFINED_FRACTION) * n_resamples:
        raise fail(f"the metric is undefined on {n_resamples - ok.size} of {n_resamples} bootstrap resamples "
                   "(too few distinct items)", where="predictions/references",
                   fix="score more items before asking for a confidence interval")
    return ok


def percentile_ci(values: np.ndarray, n_resamples: int, level: float) -> dict[str, float]:
    ok = _valid(values, n_resamples)
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(ok, [alpha, 1.0 - alpha])
    return {"low": float(low), "high": float(high), "level": float(level), "n_resamples": int(ok.size)}


def ci_for_prepared(prepared: Prepared, *, n_resamples: int = 1000, seed: int = 0, level: float = 0.95,
                    keys: tuple[str, ...] | None = None) -> dict[str, dict[str, float]]:
    _check_args(prepared.n, n_resamples, level, seed)
    reps = replicates(prepared, n_resamples, seed)
    return {k: percentile_ci(reps[k], n_resamples, level) for k in (keys or prepared.keys)}


def finish(prepared: Prepared, return_ci: bool, n_resamples: int, seed: int, level: float) -> dict[str, float]:
    """Point estimate, plus ``<key>_ci_low`` / ``<key>_ci_high`` for every key when ``return_ci``."""
    result = prepared.score()
    if return_ci:
        for k, ci in ci_for_prepared(prepared, n_resamples=n_resamples, seed=seed, level=level).items():
            result[f"{k}_ci_low"] = ci["low"]
            result[f"{k}_ci_high"] = ci["high"]
    return result


def _resolve(name: str, key: str | None):
    from hf_bench.metrics.registry import get_metric

    info = get_metric(name)
    if info.prepare is None:
        raise fail(f"metric {name!r} aggregates already-computed scores; it has no items to resample",
                   where=name, fix="bootstrap the item-level metric of each task instead")
    key = key or info.main_key
    if key not in info.keys:
        raise fail(f"metric {name!r} has no key {key!r}", where="key", fix=f"use one of: {', '.join(info.keys)}")
    return info, key


def bootstrap_ci(name: str, predictions, references, *, n_resamples: int = 1000, seed: int = 0,
                 level: float = 0.95, key: str | None = None, **kwargs) -> dict[str, float]:
    """Percentile bootstrap confidence interval of metric ``name`` (resampling items with replacement).

    ``kwargs`` are the metric's own options (e.g. ``k=5`` for ``recall_at_k``). ``key`` picks the result key
    (default: the metric's main key). Returns ``{"low", "high", "level", "n_resamples"}`` where
    ``n_resamples`` counts the resamples on which the metric was defined.
    """
    info, key = _resolve(name, key)
    prepared = info.prepare(predictions, references, **kwargs)
    return ci_for_prepared(prepared, n_resamples=n_resamples, seed=seed, level=level, keys=(key,))[key]


def fold_mean_bootstrap_ci(name: str, folds, *, n_resamples: int = 1000, seed: int = 0, level: float = 0.95,
                           key: str | None = None, **kwargs) -> dict[str, float]:
    """Confidence interval of a k-fold score reported as the mean of per-fold metrics.

    ``folds`` is a sequence of ``(predictions, references)``, one per fold. Items are resampled within each fold
    (fold i with seed ``seed + i``) and the per-fold metrics averaged, exactly as the point estimate is computed;
    pooling all folds into one bootstrap would bracket a different number. One fold = ``bootstrap_ci``.
    """
    _point, reps, _sizes = fold_mean_replicates(name, folds, n_resamples=n_resamples, seed=seed, level=level,
                                                key=key, **kwargs)
    return percentile_ci(reps, n_resamples, level)


def paired_bootstrap(name: str, predictions_a, predictions_b, references, *, n_resamples: int = 1000,
                     seed: int = 0, level: float = 0.95, key: str | None = None, **kwargs) -> dict[str, float]:
    """Paired bootstrap of ``metric(a) - metric(b)`` on the same references (same resamples for both systems).

    Returns ``{"difference", "low", "high", "p_value", "level", "n_resamples"}``. ``p_value`` is the two-sided
    bootstrap p-value of "no difference": twice the (+1 smoothed) fraction of resamples on the far side of zero,
    capped at 1.
    If ``low <= 0 <= high`` the two systems are not significantly different at this level.
    """
    info, key = _resolve(name, key)
    pa = info.prepare(predictions_a, references, **kwargs)
    pb = info.prepare(predictions_b, references, **kwargs)
    _check_args(pa.n, n_resamples, level, seed)
    diff_point = pa.score()[key] - pb.score()[key]
    # same seed and item count: both systems are scored on the very same resamples
    return paired_summary(diff_point, replicates(pa, n_resamples, seed)[key] - replicates(pb, n_resamples, seed)[key],
                          n_resamples, level)


def paired_summary(diff_point: float, d: np.ndarray, n_resamples: int, level: float) -> dict[str, float]:
    """The result of a paired bootstrap from the point difference and the per-resample differences ``d`` (NaN
    where undefined): the same dict, p-value and interval as ``paired_bootstrap``."""
    d = _valid(np.asarray(d, dtype=np.float64), n_resamples)
    ci = percentile_ci(d, n_resamples, level)
    # +1 smoothing: a finite number of resamples never proves p = 0
    m = d.size
    p = 2.0 * min((np.sum(d <= 0) + 1) / (m + 1), (np.sum(d >= 0) + 1) / (m + 1))
    return {"difference": float(diff_point), "low": ci["low"], "high": ci["high"],
            "p_value": float(min(1.0, p)), "level": float(level), "n_resamples": ci["n_resamples"]}


def fold_mean_replicates(name: str, folds, *, n_resamples: int = 1000, seed: int = 0, level: float = 0.95,
                         key: str | None = None, **kwargs) -> tuple[float, np.ndarray, tuple[int, ...]]:
    """``(point, replicates, items per fold)`` of a score reported as the mean of per-fold metrics: the fold mean
    of the point estimates, and of the per-fold replicates (fold i resampled with seed ``seed + i``, as
    ``fold_mean_bootstrap_ci`` does). Two systems with the same items per fold get the very same resamples, so
    the difference of their replicates is a paired bootstrap (``paired_summary``)."""
    info, key = _resolve(name, key)
    points, reps, sizes = [], [], []
    for i, (predictions, references) in enumerate(folds):
        prepared = info.prepare(predictions, references, **kwargs)
        _check_args(prepared.n, n_resamples, level, seed)
        points.append(float(prepared.score()[key]))
        reps.append(replicates(prepared, n_resamples, seed + i)[key])
        sizes.append(int(prepared.n))
    if not reps:
        raise fail("no folds given", where="folds", fix="pass one (predictions, references) pair per fold")
    return float(np.mean(points)), np.mean(reps, axis=0), tuple(sizes)


def paired_fold_mean_bootstrap(name: str, folds_a, folds_b, *, n_resamples: int = 1000, seed: int = 0,
                               level: float = 0.95, key: str | None = None, **kwargs) -> dict[str, float]:
    """Paired bootstrap of ``fold_mean(metric(a)) - fold_mean(metric(b))`` for a k-fold task.

    ``folds_a`` and ``folds_b`` are sequences of ``(predictions, references)``, one per fold, in the same fold
    order and with the same test items in the same order within each fold (the caller checks the references
    match). Within fold i both systems are scored on the same resamples (seed ``seed + i``, as
    ``fold_mean_bootstrap_ci``); the per-resample fold means are subtracted. Returns the dict of
    ``paired_bootstrap`` (``difference``, ``low``, ``high``, ``p_value``, ``level``, ``n_resamples``); one fold
    gives exactly ``paired_bootstrap``'s numbers.
    """
    folds_a, folds_b = list(folds_a), list(folds_b)
    if len(folds_a) != len(folds_b):
        raise fail(f"system a has {len(folds_a)} folds, system b {len(folds_b)}", where="folds_b",
                   fix="pass both systems' outputs on the same folds, in the same order")
    opts = dict(n_resamples=n_resamples, seed=seed, level=level, key=key, **kwargs)
    point_a, reps_a, sizes_a = fold_mean_replicates(name, folds_a, **opts)
    point_b, reps_b, sizes_b = fold_mean_replicates(name, folds_b, **opts)
    if sizes_a != sizes_b:
        raise fail(f"the folds hold {list(sizes_a)} items for system a but {list(sizes_b)} for system b",
                   where="folds_b", fix="a paired comparison needs both systems scored on the same test items")
    return paired_summary(point_a - point_b, reps_a - reps_b, n_resamples, level)


def fold_mean_replicates_many(name: str, systems, *, n_resamples: int = 1000, seed: int = 0, level: float = 0.95,
                              key: str | None = None, **kwargs) -> list[tuple[float, np.ndarray]]:
    """``fold_mean_replicates`` (point, replicates) of several systems scored on the same folds and items, with
    each block of resamples drawn once for all of them (the same numbers, faster when drawing the multinomial
    counts dominates: accuracy on 100k+ items). ``systems`` is a sequence of fold sequences of
    ``(predictions, references)``."""
    info, key = _resolve(name, key)
    systems = [list(s) for s in systems]
    if not systems or not systems[0]:
        raise fail("no systems or no folds given", where="systems",
                   fix="pass, per system, one (predictions, references) pair per fold")
    if len({len(s) for s in systems}) != 1:
        raise fail("the systems have different numbers of folds", where="systems",
                   fix="pass every system's outputs on the same folds, in the same order")
    points: list[list[float]] = [[] for _ in systems]
    reps: list[list[np.ndarray]] = [[] for _ in systems]
    for i in range(len(systems[0])):
        prepared = [info.prepare(*s[i], **kwargs) for s in systems]
        n = prepared[0].n
        if any(p.n != n for p in prepared):
            raise fail(f"fold {i} holds {sorted({p.n for p in prepared})} items across the systems", where="systems",
                       fix="score every system on the same test items")
        _check_args(n, n_resamples, level, seed)
        parts: list[list[np.ndarray]] = [[] for _ in systems]
        for w in resample_weights(n, n_resamples, seed + i):
            for j, p in enumerate(prepared):
                parts[j].append(np.asarray(p.batch(w)[key], dtype=np.float64))
        for j, p in enumerate(prepared):
            points[j].append(float(p.score()[key]))
            reps[j].append(np.concatenate(parts[j]))
    return [(float(np.mean(pt)), np.mean(r, axis=0)) for pt, r in zip(points, reps)]
