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


def _check_k(k, n_cand: int, where: str = "k") -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise fail(f"k must be an integer >= 1, got {k!r}", where=where)
    if k > n_cand:
        raise fail(f"k={k} is larger than the number of candidates ({n_cand}); recall@k would be 1 trivially",
                   where=where, fix=f"use k <= {n_cand}")
    return int(k)


def _relevance(refs: list, n_cand: int, name: str = "references") -> np.ndarray:
    """bool [n_queries, n_cand] from per-query lists of relevant candidate indices (validated)."""
    mask = np.zeros((len(refs), n_cand), dtype=bool)
    for q, r in enumerate(refs):
        if isinstance(r, (int, np.integer)) and not isinstance(r, bool):
            r = [r]
        if isinstance(r, str) or not hasattr(r, "__iter__"):
            raise fail(f"{name}[{q}] must be a list of candidate indices", where=f"{name}[{q}]")
        rel = int_array(list(r), f"{name}[{q}]")
        if rel.size == 0:
            raise fail(f"{name}[{q}] lists no relevant candidate", where=f"{name}[{q}]",
                       fix="every query needs at least one relevant candidate; drop queries without one")
        out = (rel < 0) | (rel >= n_cand)
        if out.any():
            bad = int(rel[np.flatnonzero(out)[0]])
            raise fail(f"{name}[{q}] contains candidate index {bad}, outside 0..{n_cand - 1}",
                       where=f"{name}[{q}]", fix="indices refer to columns of predictions (0-based)")
        mask[q, rel] = True
    return mask


def best_ranks(scores: np.ndarray, relevant: np.ndarray) -> np.ndarray:
    """1-based rank of each query's best relevant candidate (``scores``, ``relevant``: [n_queries, n_cand]).

    Ties count against the query: every non-relevant candidate scoring at least the best relevant score ranks
    above it, so a constant score vector earns nothing."""
    best = np.where(relevant, scores, -np.inf).max(axis=1)
    return 1 + np.count_nonzero(np.where(relevant, -np.inf, scores) >= best[:, None], axis=1)


def prepare_recall_at_k(predictions, references, *, k: int = 1) -> _Hits:
    preds = as_list(predictions, "predictions", item="score vector")
    refs = as_list(references, "references", item="list of relevant candidate indices")
    check_lengths(preds, refs, unit="queries")
    scores = float_array(preds, "predictions", ndim=2)
    k = _check_k(k, scores.shape[1])
    return _Hits(best_ranks(scores, _relevance(refs, scores.shape[1])) <= k)


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


DEFAULT_KS = (1, 5, 10)


class _Symmetric(Prepared):
    """Audio-to-text and text-to-audio hits at every k; resampling unit = audio clip (a drawn clip brings its
    captions along as text queries)."""

    def __init__(self, a2t_ranks: np.ndarray, t2a_ranks: np.ndarray, caption_owner: np.ndarray, ks: tuple[int, ...]):
        self.n = len(a2t_ranks)
        self.ks = ks
        self.keys = tuple(f"{d}recall@{k}" for k in ks for d in ("", "a2t_", "t2a_"))
        self.a2t, self.t2a = a2t_ranks, t2a_ranks
        # [n_captions, n_clips] one-hot owner: caption weights are their clip's weights
        self.owner = np.zeros((len(t2a_ranks), self.n))
        self.owner[np.arange(len(t2a_ranks)), caption_owner] = 1.0

    def batch(self, weights):
        caption_w = weights @ self.owner.T
        out = {}
        for k in self.ks:
            a = weighted_ratio(weights, (self.a2t <= k).astype(np.float64), np.ones(self.n))
            t = weighted_ratio(caption_w, (self.t2a <= k).astype(np.float64), np.ones(len(self.t2a)))
            out[f"a2t_recall@{k}"], out[f"t2a_recall@{k}"], out[f"recall@{k}"] = a, t, (a + t) / 2
        return out


def prepare_audio_text_recall(predictions, references, *, k=DEFAULT_KS) -> _Symmetric:
    preds = as_list(predictions, "predictions", item="row of caption scores")
    refs = as_list(references, "references", item="list of caption indices")
    check_lengths(preds, refs, unit="audio clips")
    scores = float_array(preds, "predictions", ndim=2)
    n_audio, n_text = scores.shape
    ks = (k,) if isinstance(k, (int, np.integer)) and not isinstance(k, bool) else tuple(k)
    if not ks:
        raise fail("k is empty", where="k", fix="pass one cut-off or several, e.g. k=[1, 5, 10]")
    ks = tuple(dict.fromkeys(_check_k(x, min(n_audio, n_text)) for x in ks))
    relevant = _relevance(refs, n_text)
    owned = relevant.any(axis=0)
    if not owned.all():
        c = int(np.flatnonzero(~owned)[0])
        raise fail(f"caption {c} is relevant to no audio clip, so it has no answer as a text query",
                   where="references", fix="list every caption (column of predictions) under its clip")
    return _Symmetric(best_ranks(scores, relevant), best_ranks(scores.T, relevant.T),
                      relevant.argmax(axis=0), ks)


def audio_text_recall(predictions, references, *, k=DEFAULT_KS, return_ci: bool = False, n_resamples: int = 1000,
                      seed: int = 0, level: float = 0.95) -> dict[str, float]:
    """Two-way audio-text retrieval recall: X-ARES's Clotho score is ``recall@1``.

    ``predictions[i][c]``: similarity of audio clip ``i`` and caption ``c`` (one row per clip, one column per
    caption of the whole test set); ``references[i]``: the caption indices of clip ``i`` (Clotho: 5). For each
    ``k`` (an int or a list, default 1, 5, 10) returns ``a2t_recall@k`` (clips whose best-ranked own caption is in
    their top k captions, as :func:`recall_at_k` with clips as queries), ``t2a_recall@k`` (captions whose clip is in
    their top k clips) and ``recall@k``, the mean of the two, in [0, 1]. Ties count against the query. A bootstrap
    resamples clips (each drawn clip brings its captions as text queries).
    """
    return finish(prepare_audio_text_recall(predictions, references, k=k), return_ci, n_resamples, seed, level)
