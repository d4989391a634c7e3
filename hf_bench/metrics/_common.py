"""Input checking and the weighted-statistics contract shared by every metric.

Every item-level metric is split in two steps:

1. ``prepare``: validate the inputs once and reduce them to per-item statistics (edit counts, n-gram matches,
   segment counts, sorted scores...);
2. ``Prepared.batch(W)``: the metric for each row of item weights ``W [R, N]``.

Plain evaluation is ``W = ones``; a bootstrap resample is a row of multinomial counts (resampling items with
replacement is the same as weighting each item by how often it was drawn). Both paths run the same code, so the
confidence interval is always computed by the function that gives the point estimate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hf_bench.errors import HFBenchError


class MetricInputError(HFBenchError, ValueError):
    """Bad input to a metric. A ``ValueError`` too, so ``except ValueError`` callers keep working."""


def fail(problem: str, where: str | None = None, fix: str | None = None) -> MetricInputError:
    if where and problem.startswith(where):
        # the problem already names the place: keep .where for callers, do not print it twice
        err = MetricInputError(problem, fix=fix)
        err.where = where
        return err
    return MetricInputError(problem, where=where, fix=fix)


class Prepared:
    """Validated inputs of one metric call, reduced to per-item statistics.

    Subclasses set ``n`` (number of resampling units: utterances, clips, queries, files), ``keys`` (result keys)
    and implement ``batch``. ``undefined`` explains why the metric has no value on the full data, when
    ``batch`` returns NaN for the all-ones weights.
    """

    n: int
    keys: tuple[str, ...]
    undefined: str = "the metric is undefined for these inputs"
    undefined_fix: str | None = None

    def batch(self, weights: np.ndarray) -> dict[str, np.ndarray]:
        """Metric values for each row of ``weights`` [R, n]; NaN marks a row where the metric is undefined."""
        raise NotImplementedError

    def score(self) -> dict[str, float]:
        out = self.batch(np.ones((1, self.n)))
        result = {k: float(out[k][0]) for k in self.keys}
        bad = [k for k, v in result.items() if not math.isfinite(v)]
        if bad:
            raise fail(self.undefined, fix=self.undefined_fix)
        return result


# ---------------------------------------------------------------------------------------------------------------
# sequence checks


def as_list(x: Any, name: str, *, item: str = "item") -> list:
    """A list from a sequence of items; rejects None, a bare string and non-sequences."""
    if x is None:
        raise fail(f"{name} is missing", where=name, fix=f"pass {name} as a list with one {item} per element")
    if isinstance(x, (str, bytes)):
        raise fail(f"{name} is a single string, not a list of {item}s", where=name,
                   fix=f"wrap it in a list: {name}=[...]")
    if not isinstance(x, (list, tuple, np.ndarray)) and hasattr(x, "__array__"):
        x = np.asarray(x)  # torch CPU tensors, pandas Series
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            raise fail(f"{name} is a single value, not a list", where=name, fix=f"wrap it in a list: {name}=[...]")
        return list(x) if x.ndim > 1 else x.tolist()
    if isinstance(x, Mapping):
        raise fail(f"{name} must be a list, got {type(x).__name__}", where=name)
    try:
        return list(x)
    except TypeError:
        raise fail(f"{name} must be a list, got {type(x).__name__}", where=name) from None


def check_lengths(predictions: Sequence, references: Sequence, *, unit: str = "items") -> int:
    n_p, n_r = len(predictions), len(references)
    if n_p != n_r:
        raise fail(f"length mismatch: {n_p} predictions but {n_r} references", where="predictions/references",
                   fix=f"pass exactly one prediction per reference ({unit} must be aligned one to one)")
    if n_p == 0:
        raise fail("empty inputs: no predictions and no references", where="predictions/references",
                   fix=f"pass at least one {unit[:-1] if unit.endswith('s') else unit}")
    return n_p


def float_array(x: Any, name: str, *, ndim: int | None = None) -> np.ndarray:
    """float64 array with every value finite; errors name the first bad index."""
    if isinstance(x, (str, bytes)):
        raise fail(f"{name} must be numbers, got a string", where=name)
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise fail(f"{name} must be numbers with a regular shape ({e})", where=name,
                   fix="pass plain numbers (a list, or a list of equal-length lists)") from None
    if ndim is not None and arr.ndim != ndim:
        shape = "a list of numbers" if ndim == 1 else "a list of equal-length lists of numbers (one row per item)"
        raise fail(f"{name} has {arr.ndim} dimension(s), expected {ndim}", where=name, fix=f"pass {shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        loc = f"{name}[{']['.join(map(str, idx))}]" if idx else name
        what = "NaN" if np.isnan(arr[idx]) else "an infinite value"
        raise fail(f"{loc} is {what}", where=loc, fix="remove or fix non-finite values before scoring")
    return arr


def int_array(x: Any, name: str) -> np.ndarray:
    """1-D int64 array; integral floats are accepted, anything else (NaN, 1.5, strings) is an error."""
    if isinstance(x, (str, bytes)):
        raise fail(f"{name} must be integer class labels, got a string", where=name)
    items = list(x)
    for i, v in enumerate(items):
        if isinstance(v, (bool, np.bool_)):
            continue
        if isinstance(v, (int, np.integer)):
            continue
        if isinstance(v, (float, np.floating)):
            if math.isnan(v):
                raise fail(f"{name}[{i}] is NaN", where=f"{name}[{i}]", fix="every label must be an integer")
            if float(v).is_integer():
                continue
        raise fail(f"{name}[{i}] = {v!r} is not an integer class label", where=f"{name}[{i}]",
                   fix="map class names to integer ids first (e.g. with the task's class list)")
    return np.asarray([int(v) for v in items], dtype=np.int64)


def check_labels(values: np.ndarray, labels: Any, name: str) -> None:
    """Every value must belong to ``labels`` (the class set)."""
    allowed = int_array(labels, "labels")
    if allowed.size == 0:
        raise fail("labels is empty", where="labels", fix="pass the full list of class ids, or labels=None")
    if len(np.unique(allowed)) != allowed.size:
        raise fail("labels contains duplicates", where="labels", fix="pass each class id once")
    outside = ~np.isin(values, allowed)
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise fail(f"{name}[{i}] = {int(values[i])} is not in the class set labels "
                   f"({_short(allowed.tolist())}); {int(outside.sum())} value(s) are outside it",
                   where=f"{name}[{i}]", fix="fix the label mapping, or pass the complete class set as labels")


def check_text(x: Any, name: str, i: int) -> str:
    if not isinstance(x, str):
        raise fail(f"{name}[{i}] must be a string, got {type(x).__name__}", where=f"{name}[{i}]",
                   fix="pass one transcript string per utterance")
    return x


def check_options(name: str, value: Any, allowed: Sequence[Any]) -> None:
    if value not in allowed:
        raise fail(f"{name}={value!r} is not supported", where=name,
                   fix=f"use one of: {', '.join(repr(a) for a in allowed)}")


def check_positive(name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise fail(f"{name} must be a number, got {value!r}", where=name) from None
    if not math.isfinite(v) or v <= 0:
        raise fail(f"{name} must be a finite number > 0, got {value!r}", where=name)
    return v


def _short(items: list, n: int = 8) -> str:
    text = ", ".join(map(str, items[:n]))
    return text + (", ..." if len(items) > n else "")


def weighted_ratio(weights: np.ndarray, num: np.ndarray, den: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """sum_w(num) / sum_w(den) per row; NaN where the denominator is 0."""
    top = weights @ num
    bottom = weights @ den
    out = np.full(top.shape, np.nan)
    np.divide(top, bottom, out=out, where=bottom != 0)
    return out * scale
