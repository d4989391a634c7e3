"""paired_fold_mean_bootstrap: the paired bootstrap of a k-fold score (a difference of fold means)."""

from __future__ import annotations

import numpy as np
import pytest

from hf_bench import metrics
from hf_bench.metrics.bootstrap import paired_fold_mean_bootstrap


def _systems(rng, n, p_a, p_b, k=5):
    ref = rng.integers(0, k, n)
    a = np.where(rng.random(n) < p_a, ref, (ref + 1) % k)
    b = np.where(rng.random(n) < p_b, ref, (ref + 2) % k)
    return a, b, ref


@pytest.mark.parametrize("name,key", [("accuracy", None), ("ccc", None)])
def test_one_fold_is_paired_bootstrap(name, key):
    rng = np.random.default_rng(0)
    if name == "ccc":
        ref = rng.normal(size=80)
        a, b = ref + 0.3 * rng.normal(size=80), ref + 0.8 * rng.normal(size=80)
    else:
        a, b, ref = _systems(rng, 120, 0.8, 0.7)
    want = metrics.paired_bootstrap(name, a, b, ref, n_resamples=300, seed=4)
    got = paired_fold_mean_bootstrap(name, [(a, ref)], [(b, ref)], n_resamples=300, seed=4)
    assert got == pytest.approx(want)
    assert set(got) == {"difference", "low", "high", "p_value", "level", "n_resamples"}


def test_accuracy_matches_a_brute_force_loop():
    rng = np.random.default_rng(1)
    sizes = (40, 55, 61)
    folds = [_systems(rng, n, 0.75, 0.65) for n in sizes]
    n_res, seed, level = 400, 11, 0.9
    got = paired_fold_mean_bootstrap("accuracy", [(a, r) for a, _, r in folds], [(b, r) for _, b, r in folds],
                                     n_resamples=n_res, seed=seed, level=level)
    # brute force: fold i draws its multinomial counts from default_rng(seed + i), the same for both systems
    per_fold = []
    for i, (a, b, r) in enumerate(folds):
        counts = np.random.default_rng(seed + i).multinomial(len(r), np.full(len(r), 1 / len(r)), size=n_res)
        acc_a = (counts * (a == r)).sum(1) / len(r)
        acc_b = (counts * (b == r)).sum(1) / len(r)
        per_fold.append(acc_a - acc_b)
    d = np.mean(per_fold, axis=0)
    point = np.mean([(a == r).mean() - (b == r).mean() for a, b, r in folds])
    low, high = np.quantile(d, [(1 - level) / 2, 1 - (1 - level) / 2])
    p = min(1.0, 2 * min((np.sum(d <= 0) + 1) / (n_res + 1), (np.sum(d >= 0) + 1) / (n_res + 1)))
    assert got["difference"] == pytest.approx(point)
    assert (got["low"], got["high"], got["p_value"]) == pytest.approx((low, high, p))
    assert got["n_resamples"] == n_res and got["level"] == level


def test_folds_must_match():
    rng = np.random.default_rng(2)
    a, b, r = _systems(rng, 30, 0.8, 0.7)
    with pytest.raises(metrics.MetricInputError, match="folds"):
        paired_fold_mean_bootstrap("accuracy", [(a, r)], [(b, r), (b, r)], n_resamples=50)
    with pytest.raises(metrics.MetricInputError, match="items"):
        paired_fold_mean_bootstrap("accuracy", [(a, r)], [(b[:20], r[:20])], n_resamples=50)
    with pytest.raises(metrics.MetricInputError, match="no folds"):
        paired_fold_mean_bootstrap("accuracy", [], [], n_resamples=50)


@pytest.mark.parametrize("name", ["accuracy", "mean_average_precision"])
def test_many_systems_at_once_give_each_ones_replicates(name):
    from hf_bench.metrics.bootstrap import fold_mean_replicates, fold_mean_replicates_many

    rng = np.random.default_rng(3)
    systems = []
    for s in range(3):
        folds = []
        for n in (30, 45):
            if name == "accuracy":
                a, _, r = _systems(rng, n, 0.5 + 0.1 * s, 0.5)
                folds.append((a, r))
            else:
                r = (rng.random((n, 4)) < 0.4).astype(np.float32)
                folds.append((np.clip(r * 0.3 * s + rng.random((n, 4)), 0, 1), r))
        systems.append(folds)
    many = fold_mean_replicates_many(name, systems, n_resamples=120, seed=9)
    for folds, (point, reps) in zip(systems, many):
        want_point, want_reps, _ = fold_mean_replicates(name, folds, n_resamples=120, seed=9)
        assert point == pytest.approx(want_point)
        np.testing.assert_allclose(reps, want_reps)
