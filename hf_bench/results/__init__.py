"""Results: one self-describing JSON per (encoder, task, probe), plus a scorecard per run."""

from hf_bench.results.schema import SCHEMA_VERSION, EncoderInfo, ProbeInfo, Scorecard, Scores, TaskResult

__all__ = ["SCHEMA_VERSION", "EncoderInfo", "ProbeInfo", "Scorecard", "Scores", "TaskResult"]
