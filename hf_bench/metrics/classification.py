"""Clip classification metrics: accuracy (single-label) and macro mean average precision (multi-label)."""

from __future__ import annotations

import numpy as np

from hf_bench.metrics._common import (
    Prepared,
    as_list,
    check_labels,
    check_lengths,
    fail,
    float_array,
    int_array,
    weighted_ratio,
)
from hf_bench.metrics.bootstrap import finish


class _Accuracy(Prepared):
    keys = ("accuracy",)

    def __init__(self, correct: np.ndarray):
        self.n = correct.size
        self.correct = correct.astype(np.float64)

    def batch(self, weights):
        return {"accuracy": weighted_ratio(weights, self.correct, np.ones(self.n))}


def prepare_accuracy(predictions, references, *, labels=None) -> _Accuracy:
    preds = as_list(predictions, "predictions", item="class id")
    refs = as_list(references, "references", item="class id")
    check_lengths(preds, refs, unit="clips")
    p = int_array(preds, "predictions")
    r = int_array(refs, "references")
    if labels is not None:
        check_labels(r, labels, "references")
        check_labels(p, labels, "predictions")
    return _Accuracy(p == r)


def accuracy(predictions, references, *, labels=None, return_ci: bool = False, n_resamples: int = 1000,
             seed: int = 0, level: float = 0.95) -> dict[str, float]:
    """Fraction of items whose predicted class id equals the reference class id.

    ``labels`` (optional) is the task's class set: any prediction or reference outside it is an error.
    Returns ``{"accuracy"}`` in [0, 1].
    """
    return finish(prepare_accuracy(predictions, references, labels=labels), return_ci, n_resamples, seed, level)


class _AveragePrecision(Prepared):
    """Per-class average precision with item weights, from scores sorted once.

    AP = sum over distinct thresholds (descending) of (R_k - R_{k-1}) * P_k, as scikit-learn computes it: tied
    scores form one threshold. Equivalently, every positive item contributes weight / total positive weight times
    the precision at the end of its tie group. A class with no positive weight gets AP = 0 (scikit-learn's value:
    recall is set to 1 at every threshold and precision at the lowest threshold is 0).
    """

    keys = ("map",)

    def __init__(self, scores: np.ndarray, targets: np.ndarray):
        self.n, self.c = scores.shape
        order = np.argsort(-scores, axis=0, kind="stable")
        s = np.take_along_axis(scores, order, axis=0)
        self.order = order
        self.y = np.take_along_axis(targets, order, axis=0).astype(np.float64)
        # index of the last item of each item's tie group, per class
        is_last = np.ones_like(s, dtype=bool)
        is_last[:-1] = s[:-1] != s[1:]
        self.ties = not is_last.all()
        idx = np.where(is_last, np.arange(self.n)[:, None], self.n)
        self.group_end = np.minimum.accumulate(idx[::-1], axis=0)[::-1] if self.ties else None

    def batch(self, weights):
        out = np.empty(weights.shape[0])
        cols = np.arange(self.c)[None, :]
        for r, w in enumerate(weights):
            ws = w[self.order]                      # [N, C] weights in each class's score order
            pos = ws * self.y
            tp = np.cumsum(pos, axis=0)
            seen = np.cumsum(ws, axis=0)
            if self.ties:
                tp_end, seen_end = tp[self.group_end, cols], seen[self.group_end, cols]
            else:
                tp_end, seen_end = tp, seen
            prec = np.zeros_like(tp_end)
            np.divide(tp_end, seen_end, out=prec, where=seen_end > 0)
            total_pos = tp[-1]
            ap = np.zeros(self.c)
            has = total_pos > 0
            ap[has] = (pos[:, has] * prec[:, has]).sum(axis=0) / total_pos[has]
            out[r] = ap.mean()
        return {"map": out}


def prepare_mean_average_precision(predictions, references) -> _AveragePrecision:
    preds = as_list(predictions, "predictions", item="score vector")
    refs = as_list(references, "references", item="multi-hot vector")
    check_lengths(preds, refs, unit="clips")
    scores = float_array(preds, "predictions", ndim=2)
    targets = float_array(refs, "references", ndim=2)
    if scores.shape != targets.shape:
        raise fail(f"predictions have shape {scores.shape} but references have shape {targets.shape}",
                   where="predictions/references",
                   fix="give one score per class for every clip, with the same class order as the references")
    bad = (targets != 0) & (targets != 1)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise fail(f"references[{i}][{j}] = {targets[i, j]:g} is not 0 or 1", where=f"references[{i}][{j}]",
                   fix="references must be multi-hot vectors (1 = class present)")
    if scores.shape[1] == 0:
        raise fail("predictions have no classes (0 columns)", where="predictions")
    return _AveragePrecision(scores, targets)


def mean_average_precision(predictions, references, *, return_ci: bool = False, n_resamples: int = 1000,
                           seed: int = 0, level: float = 0.95) -> dict[str, float]:
    """Macro mean average precision for multi-label clips (X-ARES FSD50k; scikit-learn ``average_precision_score``).

    ``predictions`` [N, C]: per-clip class scores (logits or probabilities; only their order matters).
    ``references`` [N, C]: multi-hot 0/1 vectors. Ties in scores form one threshold. A class with no positive clip
    gets AP = 0 and still counts in the macro mean (scikit-learn's behaviour, hence X-ARES's); the result is never
    NaN. Returns ``{"map"}`` in [0, 1].
    """
    prepared = prepare_mean_average_precision(predictions, references)
    return finish(prepared, return_ci, n_resamples, seed, level)
