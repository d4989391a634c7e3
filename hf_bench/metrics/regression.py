"""Regression metrics: concordance correlation coefficient (LeBenchmark emotion recognition on RECOLA/AlloSat)."""

from __future__ import annotations

import numpy as np

from hf_bench.metrics._common import Prepared, as_list, check_lengths, fail, float_array
from hf_bench.metrics.bootstrap import finish


class _CCC(Prepared):
    keys = ("ccc",)
    undefined = ("CCC is undefined: predictions and references are the same constant, so both variances and the "
                 "mean difference are 0")
    undefined_fix = "check that the predictions are not a copy of constant references; a CCC needs variation"

    def __init__(self, x: np.ndarray, y: np.ndarray):
        self.n = x.size
        self.x, self.y = x, y

    def batch(self, weights):
        w = weights / weights.sum(axis=1, keepdims=True)
        mx, my = w @ self.x, w @ self.y
        # two-pass population (ddof=0) moments, like audmetric.concordance_cc
        dx = self.x[None, :] - mx[:, None]
        dy = self.y[None, :] - my[:, None]
        vx = (w * dx * dx).sum(axis=1)
        vy = (w * dy * dy).sum(axis=1)
        cov = (w * dx * dy).sum(axis=1)
        den = vx + vy + (mx - my) ** 2
        # undefined exactly when every drawn item has x = y = the same constant
        drawn = weights > 0
        lo = np.minimum(np.where(drawn, self.x, np.inf).min(axis=1), np.where(drawn, self.y, np.inf).min(axis=1))
        hi = np.maximum(np.where(drawn, self.x, -np.inf).max(axis=1), np.where(drawn, self.y, -np.inf).max(axis=1))
        ok = (hi > lo) & (den > 0)
        out = np.full(den.shape, np.nan)
        out[ok] = 2 * cov[ok] / den[ok]
        return {"ccc": out}


def prepare_ccc(predictions, references) -> _CCC:
    preds = as_list(predictions, "predictions", item="value")
    refs = as_list(references, "references", item="value")
    n = check_lengths(preds, refs, unit="items")
    if n < 2:
        raise fail(f"CCC needs at least 2 items, got {n}", where="predictions/references",
                   fix="score the whole test set at once")
    return _CCC(float_array(preds, "predictions", ndim=1), float_array(refs, "references", ndim=1))


def ccc(predictions, references, *, return_ci: bool = False, n_resamples: int = 1000, seed: int = 0,
        level: float = 0.95) -> dict[str, float]:
    """Concordance correlation coefficient with population statistics (Lin, 1989; audmetric.concordance_cc).

    ``ccc = 2 cov(x, y) / (var(x) + var(y) + (mean(x) - mean(y))^2)``, all moments with ``ddof=0``.
    Returns ``{"ccc"}`` in [-1, 1]. Undefined (a ``ValueError``) when both sides are the same constant.
    """
    return finish(prepare_ccc(predictions, references), return_ci, n_resamples, seed, level)
