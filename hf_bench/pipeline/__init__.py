"""The evaluation pipeline: ``config`` (what to run, protocols, layer variants), ``folds`` (index arrays),
``run`` (audio -> encoder -> stored features -> probe -> predictions -> metric -> result -> scorecard)."""

from hf_bench.pipeline.config import PROTOCOLS, Protocol, RunConfig, Variant, variants_for
from hf_bench.pipeline.run import Run, RunOutcome, TaskOutcome, evaluate_encoder
from hf_bench.results.scorecard import render_table, score_range, summary_json, weighted_averages

__all__ = ["PROTOCOLS", "Protocol", "RunConfig", "Variant", "variants_for", "Run", "RunOutcome", "TaskOutcome",
           "evaluate_encoder", "render_table", "score_range", "summary_json", "weighted_averages"]
