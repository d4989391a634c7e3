"""The metric registry: one ``MetricInfo`` per public metric name, and ``compute`` dispatching by name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from hf_bench.metrics import aggregate, classification, events, regression, retrieval, text
from hf_bench.metrics._common import fail


@dataclass(frozen=True)
class MetricInfo:
    """What a metric returns and how to read it.

    ``worst`` / ``best`` are the possible range used by ``normalized_score`` (for error rates, which are unbounded
    above, ``worst`` is 100 % as in X-ARES's ``iWER = max(1 - WER, 0)``). ``unit`` names the items a bootstrap
    resamples; ``prepare`` is None for aggregates of already-computed scores (no bootstrap).
    """

    name: str
    fn: Callable[..., dict]
    main_key: str
    keys: tuple[str, ...]
    higher_is_better: bool
    worst: float
    best: float
    reference: str
    description: str
    unit: str | None
    prepare: Callable | None = None

    @property
    def direction(self) -> str:
        return "higher" if self.higher_is_better else "lower"


METRICS: dict[str, MetricInfo] = {m.name: m for m in [
    MetricInfo("iwer", text.iwer, "iwer", ("iwer", "wer"), True, 0.0, 1.0,
               "jiwer.wer on lower-cased text (X-ARES WER_inv)",
               "inverted WER max(1 - WER, 0); WER as a fraction", "utterance", text.prepare_iwer),
    MetricInfo("wer", text.wer, "wer", ("wer", "cer"), False, 100.0, 0.0,
               "jiwer.wer / jiwer.cer (whitespace removed)", "word error rate in % (and CER), case-sensitive",
               "utterance", text.prepare_wer),
    MetricInfo("cer", text.cer, "cer", ("cer",), False, 100.0, 0.0,
               "jiwer.cer after wenet compute-cer.py normalisation",
               "character error rate in %, wenet-style normalisation", "utterance", text.prepare_cer),
    MetricInfo("corpus_bleu", text.corpus_bleu, "bleu", ("bleu", "chrf"), True, 0.0, 100.0,
               "sacrebleu.corpus_bleu / corpus_chrf", "corpus BLEU and chrF (0-100)", "segment",
               text.prepare_corpus_bleu),
    MetricInfo("ccc", regression.ccc, "ccc", ("ccc",), True, -1.0, 1.0, "audmetric.concordance_cc",
               "concordance correlation coefficient (population statistics)", "item", regression.prepare_ccc),
    MetricInfo("mean_average_precision", classification.mean_average_precision, "map", ("map",), True, 0.0, 1.0,
               "sklearn.metrics.average_precision_score(average='macro')", "macro mAP over classes (multi-label)",
               "clip", classification.prepare_mean_average_precision),
    MetricInfo("segment_f1", events.segment_f1, "f1", ("f1", "precision", "recall"), True, 0.0, 1.0,
               "sed_eval.sound_event.SegmentBasedMetrics (zero_score)",
               "segment-based F1 of sound events (macro or micro)", "file", events.prepare_segment_f1),
    MetricInfo("recall_at_k", retrieval.recall_at_k, "recall@k", ("recall@k",), True, 0.0, 1.0,
               "brute-force ranking loop", "fraction of queries with a relevant candidate in the top k", "query",
               retrieval.prepare_recall_at_k),
    MetricInfo("audio_text_recall", retrieval.audio_text_recall, "recall@1",
               tuple(f"{d}recall@{k}" for k in retrieval.DEFAULT_KS for d in ("", "a2t_", "t2a_")), True, 0.0, 1.0,
               "recall_at_k in each direction; X-ARES clap_metrics ranking",
               "mean of audio-to-text and text-to-audio recall@k (X-ARES Clotho R@1)", "clip",
               retrieval.prepare_audio_text_recall),
    MetricInfo("concept_error_rate", text.concept_error_rate, "concept_error_rate", ("concept_error_rate",), False,
               100.0, 0.0, "jiwer.wer on joined concept tokens", "100 (S + D + I) / N over concept sequences",
               "utterance", text.prepare_concept_error_rate),
    MetricInfo("accuracy", classification.accuracy, "accuracy", ("accuracy",), True, 0.0, 1.0,
               "sklearn.metrics.accuracy_score", "fraction of exact class matches", "clip",
               classification.prepare_accuracy),
    MetricInfo("normalized_score", aggregate.normalized_score, "normalized_score", ("normalized_score",), True,
               0.0, 1.0, "X-ARES paper eq. 1", "(score - worst) / (best - worst), clipped to [0, 1]", None),
    MetricInfo("xares", aggregate.xares, "mlp/weighted_average", ("mlp/weighted_average", "knn/weighted_average"),
               True, 0.0, 1.0, "X-ARES README averages from its per-task numbers",
               "X-ARES per-task normalised scores and eval_weight-weighted averages", None),
]}


def normalization_range(name: str) -> tuple[float, float]:
    """(worst, best) that ``normalized_score`` maps to (0, 1) for metric ``name``, in every weighted average.

    The metric's possible range, except that on a higher-is-better metric whose range extends below 0 (CCC:
    -1..1) 0 is the worst: chance is 0 there, and mapping it to 0.5 would reward chance (a negative CCC counts
    as 0). The one definition: scorecards, the leaderboard and ``docs/metrics.md`` use it.
    """
    info = get_metric(name)
    if info.higher_is_better and info.worst < 0 < info.best:
        return 0.0, info.best
    return info.worst, info.best


def get_metric(name: str) -> MetricInfo:
    try:
        return METRICS[name]
    except (KeyError, TypeError):
        raise fail(f"unknown metric {name!r}", where="name", fix=f"use one of: {', '.join(METRICS)}") from None


def compute(name: str, predictions=None, references=None, **kwargs) -> dict[str, float]:
    """Compute metric ``name``; ``kwargs`` are its options (and ``return_ci``/``n_resamples``/``seed``/``level``).

    The aggregates take their inputs differently: ``compute("normalized_score", score, worst=..., best=...)``
    and ``compute("xares", {"mlp": {...}, "knn": {...}})``; they have no references.
    """
    info = get_metric(name)
    if info.prepare is None:
        if references is not None:
            raise fail(f"metric {name!r} takes no references", where="references")
        return info.fn(predictions, **kwargs)
    return info.fn(predictions, references, **kwargs)
