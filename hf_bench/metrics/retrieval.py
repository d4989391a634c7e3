"""Retrieval metric: recall@k (X-ARES Clotho audio-text retrieval)."""

from __future__ import annotations

import numpy as np

from hf_bench.metrics._common import Prepared, as_list, check_lengths, fail, float_array, int_array, weighted_ratio
from hf_bench.metrics.bootstrap import finish


class _Hits(Prepared):
    keys = ("recall@k",)

    def __init__(self, hits: np.ndarray):
        self.n = hits.size
        self.hits = hits.astype(np.float64)

    def batch(self, weights):
        return {"recall@k": weighted_ratio(weights, self.hits, np.ones(self.n))}


def prepare_recall_at_k(predictions, references, *, k: int = 1) -> _Hits:
    preds = as_list(predictions, "predictions", item="score vector")
    refs = as_list(references, "references", item="list of relevant candidate indices")
    n = check_lengths(preds, refs, unit="queries")
    scores = float_array(preds, "predictions", ndim=2)
    n_cand = scores.shape[1]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise fail(f"k must be an integer >= 1, got {k!r}", where="k")
    if k > n_cand:
        raise fail(f"k={k} is larger than the number of candidates ({n_cand}); recall@k would be 1 trivially",
                   where="k", fix=f"use k <= {n_cand}")
    hits = np.zeros(n, dtype=bool)
    for q in range(n):
        r = refs[q]
        if isinstance(r, (int, np.integer)) and not isinstance(r, bool):
            r = [r]
        if isinstance(r, str) or not hasattr(r, "__iter__"):
            raise fail(f"references[{q}] must be a list of candidate indices", where=f"references[{q}]")
        rel = int_array(list(r), f"references[{q}]")
        if rel.size == 0:
            raise fail(f"references[{q}] lists no relevant candidate", where=f"references[{q}]",
                       fix="every query needs at least one relevant candidate; drop queries without one")
        out = (rel < 0) | (rel >= n_cand)
        if out.any():
            bad = int(rel[np.flatnonzero(out)[0]])
            raise fail(f"references[{q}] contains candidate index {bad}, outside 0..{n_cand - 1}",
                       where=f"references[{q}]", fix="indices refer to columns of predictions (0-based)")
        s = scores[q]
        mask = np.zeros(n_cand, dtype=bool)
        mask[rel] = True
        best = s[mask].max()
        # ties count against the query: a constant score vector must not earn hits
        rank = 1 + int(np.count_nonzero(s[~mask] >= best))
        hits[q] = rank <= k
    return _Hits(hits)


def recall_at_k(predictions, references, *, k: int = 1, return_ci: bool = False, n_resamples: int = 1000,
                seed: int = 0, level: float = 0.95) -> dict[str, float]:
    """Fraction of queries with at least one relevant candidate among the top ``k`` by score.

    ``predictions[q]``: scores of every candidate for query ``q`` (higher = more similar; one row per query, all
    rows the same length). ``references[q]``: indices of the candidates relevant to ``q`` (e.g. the 5 captions of
    a Clotho clip for audio-to-text, the one clip for text-to-audio). Ties are broken against the query: a
    non-relevant candidate scoring *equal* to the best relevant one ranks above it. Returns ``{"recall@k"}`` in
    [0, 1] (X-ARES reports R@1 as a fraction: the mean of audio-to-text and text-to-audio R@1).
    """
    return finish(prepare_recall_at_k(predictions, references, k=k), return_ci, n_resamples, seed, level)
