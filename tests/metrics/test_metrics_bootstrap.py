"""Bootstrap confidence intervals: the weighted fast path equals literal resampling, and the intervals behave."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import hf_bench.metrics as M
from hf_bench.metrics.bootstrap import resample_weights


def _events(rng, n_files):
    out = []
    for _ in range(n_files):
        evs = []
        for _ in range(int(rng.integers(0, 4))):
            on = float(rng.uniform(0, 8))
            evs.append({"onset": on, "offset": on + float(rng.uniform(0.1, 3)),
                        "event_label": str(rng.choice(["a", "b", "c"]))})
        out.append(evs)
    out[0] = out[0] + [{"onset": 0.0, "offset": 1.0, "event_label": "a"}]  # never all-empty
    return out


def _dataset(name: str, rng, n: int = 30):
    words = ["a", "b", "c", "d"]
    if name in ("iwer", "wer"):
        refs = [" ".join(rng.choice(words, int(rng.integers(1, 6)))) for _ in range(n)]
        return [" ".join(rng.choice(words, int(rng.integers(0, 6)))) for _ in range(n)], refs, {}
    if name == "cer":
        chars = list("你好世界天气")
        refs = ["".join(rng.choice(chars, int(rng.integers(1, 6)))) for _ in range(n)]
        return ["".join(rng.choice(chars, int(rng.integers(0, 6)))) for _ in range(n)], refs, {}
    if name == "concept_error_rate":
        refs = [list(rng.choice(words, int(rng.integers(1, 4)))) for _ in range(n)]
        return [list(rng.choice(words, int(rng.integers(0, 4)))) for _ in range(n)], refs, {}
    if name == "corpus_bleu":
        refs = [" ".join(rng.choice(words, int(rng.integers(2, 8)))) for _ in range(n)]
        return [" ".join(rng.choice(words, int(rng.integers(1, 8)))) for _ in range(n)], refs, {}
    if name == "ccc":
        y = rng.normal(size=n)
        return (y + rng.normal(size=n)).tolist(), y.tolist(), {}
    if name == "accuracy":
        r = rng.integers(0, 3, n)
        return np.where(rng.random(n) < 0.6, r, rng.integers(0, 3, n)).tolist(), r.tolist(), {"labels": [0, 1, 2]}
    if name == "mean_average_precision":
        return np.round(rng.random((n, 4)), 1).tolist(), (rng.random((n, 4)) < 0.3).astype(int).tolist(), {}
    if name == "audio_text_recall":
        caps = int(rng.integers(1, 4))
        return rng.random((n, n * caps)).tolist(), [list(range(i * caps, (i + 1) * caps)) for i in range(n)], {}
    if name == "recall_at_k":
        return rng.random((n, 10)).tolist(), [[int(rng.integers(0, 10))] for _ in range(n)], {"k": 3}
    if name == "segment_f1":
        return _events(rng, n), _events(rng, n), {"time_resolution": 0.5}
    raise AssertionError(name)


ITEM_METRICS = [n for n, info in M.METRICS.items() if info.prepare is not None]


def _resampled_two_way(scores, refs, idx, ks):
    """audio_text_recall of a literal resample of clips ``idx``: a2t queries are the drawn clips, t2a queries the
    captions of the drawn clips; candidates are all clips / captions (recall_at_k per direction)."""
    owner = {c: i for i, cs in enumerate(refs) for c in cs}
    caption_queries = [c for i in idx for c in refs[i]]
    out = {}
    for k in ks:
        a = M.recall_at_k(scores[idx].tolist(), [refs[i] for i in idx], k=k)["recall@k"]
        t = M.recall_at_k(scores.T[caption_queries].tolist(), [[owner[c]] for c in caption_queries], k=k)["recall@k"]
        out.update({f"a2t_recall@{k}": a, f"t2a_recall@{k}": t, f"recall@{k}": (a + t) / 2})
    return out


@pytest.mark.parametrize("name", ITEM_METRICS)
def test_weighted_resamples_equal_literal_resampling(name):
    """Scoring a resample as item weights gives exactly the metric of the resampled data set."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    preds, refs, kw = _dataset(name, rng)
    info = M.METRICS[name]
    prepared = info.prepare(preds, refs, **kw)
    weights = next(resample_weights(len(refs), 12, seed=3))
    fast = prepared.batch(weights)
    for r, w in enumerate(weights):
        idx = np.repeat(np.arange(len(refs)), w.astype(int))
        if name == "audio_text_recall":  # drawn clips are the queries, every clip and caption stays a candidate
            slow = _resampled_two_way(np.asarray(preds), refs, idx, (1, 5, 10))
            for k, v in slow.items():
                assert abs(fast[k][r] - v) <= 1e-9, (name, k, r)
            continue
        try:
            slow = info.fn([preds[i] for i in idx], [refs[i] for i in idx], **kw)
        except ValueError:  # undefined on this resample: the fast path must say NaN, not make a number up
            assert all(np.isnan(fast[k][r]) for k in info.keys if k in fast)
            continue
        for k, v in slow.items():
            assert abs(fast[k][r] - v) <= 1e-9, (name, k, r)


@pytest.mark.parametrize("name", ITEM_METRICS)
def test_ci_is_deterministic_and_brackets_the_estimate(name):
    rng = np.random.default_rng(7)
    preds, refs, kw = _dataset(name, rng, n=40)
    main = M.METRICS[name].main_key
    a = M.compute(name, preds, refs, return_ci=True, n_resamples=200, seed=5, **kw)
    b = M.compute(name, preds, refs, return_ci=True, n_resamples=200, seed=5, **kw)
    assert a == b
    assert a[f"{main}_ci_low"] <= a[main] <= a[f"{main}_ci_high"]
    assert a[f"{main}_ci_low"] < a[f"{main}_ci_high"]
    for k in M.METRICS[name].keys:
        assert f"{k}_ci_low" in a and f"{k}_ci_high" in a
    ci = M.bootstrap_ci(name, preds, refs, n_resamples=200, seed=5, **kw)
    assert (ci["low"], ci["high"]) == (a[f"{main}_ci_low"], a[f"{main}_ci_high"])
    assert ci["level"] == 0.95 and ci["n_resamples"] == 200
    other = M.bootstrap_ci(name, preds, refs, n_resamples=200, seed=6, **kw)
    assert (other["low"], other["high"]) != (ci["low"], ci["high"])


def test_accuracy_ci_covers_the_true_rate_about_95_percent_of_the_time():
    hits, trials = 0, 60
    for t in range(trials):
        rng = np.random.default_rng(100 + t)
        correct = (rng.random(150) < 0.7).astype(int)
        ci = M.bootstrap_ci("accuracy", correct.tolist(), [1] * 150, n_resamples=500, seed=t)
        hits += ci["low"] <= 0.7 <= ci["high"]
    assert hits >= 0.85 * trials  # nominal 95 %; percentile intervals run a little narrow at n = 150


def test_ci_narrows_with_more_items_and_widens_with_level():
    rng = np.random.default_rng(0)
    small = (rng.random(50) < 0.7).astype(int).tolist()
    large = (rng.random(2000) < 0.7).astype(int).tolist()
    w_small = M.bootstrap_ci("accuracy", small, [1] * 50)
    w_large = M.bootstrap_ci("accuracy", large, [1] * 2000)
    assert (w_large["high"] - w_large["low"]) < (w_small["high"] - w_small["low"]) / 3
    w99 = M.bootstrap_ci("accuracy", small, [1] * 50, level=0.99)
    assert w99["low"] <= w_small["low"] and w99["high"] >= w_small["high"]


def test_corpus_level_metrics_are_recomputed_not_averaged():
    # one long utterance with many errors and many short perfect ones: the corpus WER of a resample weighs
    # utterances by their length, a mean of per-utterance WERs would not
    refs = ["a b c d e f g h i j"] + ["a"] * 9
    preds = [""] + ["a"] * 9
    weights = np.ones((1, 10))
    out = M.METRICS["iwer"].prepare(preds, refs).batch(weights)
    assert out["wer"][0] == pytest.approx(10 / 19)


def test_paired_bootstrap():
    rng = np.random.default_rng(1)
    refs = rng.integers(0, 4, 300).tolist()
    good = [r if rng.random() < 0.8 else (r + 1) % 4 for r in refs]
    bad = [r if rng.random() < 0.5 else (r + 1) % 4 for r in refs]
    out = M.paired_bootstrap("accuracy", good, bad, refs)
    assert out["difference"] == pytest.approx(M.accuracy(good, refs)["accuracy"] - M.accuracy(bad, refs)["accuracy"])
    assert 0 < out["low"] <= out["difference"] <= out["high"]
    assert out["p_value"] < 0.01
    same = M.paired_bootstrap("accuracy", good, good, refs)
    assert same["difference"] == same["low"] == same["high"] == 0.0 and same["p_value"] == 1.0
    # same accuracy, different errors (20 items fixed, 20 others broken): not significantly different
    right = [i for i, (g, r) in enumerate(zip(good, refs)) if g == r][:20]
    wrong = [i for i, (g, r) in enumerate(zip(good, refs)) if g != r][:20]
    other = list(good)
    for i in right:
        other[i] = (refs[i] + 1) % 4
    for i in wrong:
        other[i] = refs[i]
    tie = M.paired_bootstrap("accuracy", good, other, refs)
    assert tie["difference"] == 0.0
    assert tie["low"] < 0 < tie["high"] and tie["p_value"] > 0.5


def test_fold_mean_bootstrap_ci_brackets_the_mean_of_fold_scores():
    from hf_bench.metrics import bootstrap_ci, ccc, fold_mean_bootstrap_ci

    rng = np.random.default_rng(0)
    folds = []
    for shift in (0.0, 5.0, -5.0):  # folds with different target means (speakers, sessions)
        y = rng.normal(size=60) + shift
        folds.append((y + rng.normal(scale=0.5, size=60), y))
    one = fold_mean_bootstrap_ci("ccc", folds[:1], n_resamples=200, seed=3)
    assert one == bootstrap_ci("ccc", *folds[0], n_resamples=200, seed=3)  # one fold = the plain bootstrap
    mean = np.mean([ccc(p, r)["ccc"] for p, r in folds])
    ci = fold_mean_bootstrap_ci("ccc", folds, n_resamples=200, seed=3)
    assert ci["low"] <= mean <= ci["high"]
    pooled = bootstrap_ci("ccc", np.concatenate([p for p, _ in folds]), np.concatenate([r for _, r in folds]),
                          n_resamples=200, seed=3)
    assert pooled["low"] > ci["high"]  # pooling rewards the between-fold spread: a different, higher number
