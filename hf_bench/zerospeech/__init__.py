"""ZeroSpeech sLM21 (sWUGGY, sBLIMP, sSIMI) and ProsAudit: a drop-in for zerospeech-benchmarks 0.9.4.

Same submission layout, same output files and numbers as the original ``zrc`` toolkit, minus its bugs: gold
columns read by name, items paired by (id, voice), every file validated, no network at import, pandas 3 support.
See docs/zerospeech.md. The public API is imported lazily so that ``import hf_bench.zerospeech`` stays cheap.
"""

from __future__ import annotations

import importlib

_API = {
    "init_submission": "hf_bench.zerospeech.submission",
    "load_params": "hf_bench.zerospeech.submission",
    "read_score_file": "hf_bench.zerospeech.submission",
    "write_score_file": "hf_bench.zerospeech.submission",
    "ZeroSpeechDataset": "hf_bench.zerospeech.dataset",
    "load_dataset": "hf_bench.zerospeech.dataset",
    "validate_submission": "hf_bench.zerospeech.validate",
    "ValidationReport": "hf_bench.zerospeech.report",
    "Issue": "hf_bench.zerospeech.report",
    "run_benchmark": "hf_bench.zerospeech.run",
    "RunResult": "hf_bench.zerospeech.run",
    "extract_semantic_features": "hf_bench.zerospeech.features",
    "download_dataset": "hf_bench.zerospeech.download",
    "score_lexical": "hf_bench.zerospeech.scoring",
    "score_syntactic": "hf_bench.zerospeech.scoring",
    "score_prosody": "hf_bench.zerospeech.scoring",
    "semantic_distances": "hf_bench.zerospeech.scoring",
    "semantic_correlations": "hf_bench.zerospeech.scoring",
}

__all__ = sorted(_API)


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'hf_bench.zerospeech' has no attribute {name!r}")
