"""Metrics of hf_bench: pure functions, each the single source of truth for its number.

Every function takes ``predictions`` and ``references`` (except the aggregates ``normalized_score`` and ``xares``)
and returns a ``dict`` of floats. Item-level metrics also accept ``return_ci=True`` (with ``n_resamples``,
``seed``, ``level``) and then add ``<key>_ci_low`` / ``<key>_ci_high``: a percentile bootstrap over items.
Bad input raises ``MetricInputError`` (a ``ValueError``) naming the argument and item at fault; no metric returns
NaN.

The ``evaluate`` modules in the repository's ``metrics/`` folder only wrap these functions. Importing this package
is cheap (numpy only); jiwer is not needed, sacrebleu is imported by ``corpus_bleu`` when called.
"""

from hf_bench.metrics._common import MetricInputError
from hf_bench.metrics.aggregate import XaresTask, normalized_score, weighted_average, xares, xares_tasks
from hf_bench.metrics.bootstrap import bootstrap_ci, fold_mean_bootstrap_ci, paired_bootstrap
from hf_bench.metrics.classification import accuracy, mean_average_precision
from hf_bench.metrics.events import frames_to_events, segment_f1
from hf_bench.metrics.registry import METRICS, MetricInfo, compute, get_metric, normalization_range
from hf_bench.metrics.regression import ccc
from hf_bench.metrics.retrieval import audio_text_recall, recall_at_k
from hf_bench.metrics.text import cer, cer_tokens, concept_error_rate, corpus_bleu, edit_distance, iwer, wer

__all__ = [
    "normalization_range",
    "METRICS",
    "MetricInfo",
    "MetricInputError",
    "XaresTask",
    "accuracy",
    "audio_text_recall",
    "bootstrap_ci",
    "fold_mean_bootstrap_ci",
    "ccc",
    "cer",
    "cer_tokens",
    "compute",
    "concept_error_rate",
    "corpus_bleu",
    "edit_distance",
    "frames_to_events",
    "get_metric",
    "iwer",
    "mean_average_precision",
    "normalized_score",
    "paired_bootstrap",
    "recall_at_k",
    "weighted_average",
    "wer",
    "segment_f1",
    "xares",
    "xares_tasks",
]
