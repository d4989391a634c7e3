"""Names shared by every ZeroSpeech module: benchmarks, sets, tasks, output files, metrics, archives."""

from __future__ import annotations

from dataclasses import dataclass

SLM21 = "sLM21"
PROSAUDIT = "prosAudit"
BENCHMARKS = (SLM21, PROSAUDIT)

SETS = ("dev", "test")
TASKS = {SLM21: ("lexical", "syntactic", "semantic"), PROSAUDIT: ("english",)}
SEMANTIC_TYPES = ("synthetic", "librispeech")

# Submission files (relative to the submission directory).
SCORE_FILES = {
    ("lexical", "dev"): "lexical/dev.txt",
    ("lexical", "test"): "lexical/test.txt",
    ("syntactic", "dev"): "syntactic/dev.txt",
    ("syntactic", "test"): "syntactic/test.txt",
    ("english", "dev"): "english_dev.txt",
    ("english", "test"): "english_test.txt",
}
META_FILE = "meta.yaml"
PARAMS_FILE = "params.yaml"
SCORES_DIR = "scores"
SCORES_JSON = "scores.json"
FEATURES_STAMP = "semantic/.hf_bench_features.json"

# Dataset files when there is no index.json (the official archive layout).
GOLD_FILES = {
    ("lexical", s): f"lexical/{s}/gold.csv" for s in SETS
} | {
    ("syntactic", s): f"syntactic/{s}/gold.csv" for s in SETS
} | {
    ("semantic", s): f"semantic/{s}/gold.csv" for s in SETS
} | {
    ("english", s): f"english/{s}/gold.csv" for s in SETS
}
PAIRS_FILES = {s: f"semantic/{s}/pairs.csv" for s in SETS}

# Gold columns read by name.
GOLD_COLUMNS = {
    "lexical": ("filename", "id", "voice", "frequency", "word", "length", "correct"),
    "syntactic": ("filename", "id", "voice", "type", "subtype", "correct", "transcription"),
    "english": ("filename", "id", "voice", "type", "correct"),
    "semantic": ("type", "filename", "word", "voice"),
}
PAIRS_COLUMNS = ("type", "dataset", "word_1", "word_2")
HUMAN_COLUMNS = ("similarity", "relatedness")

# The original's lexical frequency bands: half-open [a, b), so the labels do not match the bins (kept on purpose).
FREQUENCY_BINS = (0, 1, 5, 20, 100, float("inf"))
FREQUENCY_LABELS = ("oov", "1-5", "6-20", "21-100", ">100")

FLOAT_FORMAT = "%.4f"

# The 22 scipy.spatial.distance.cdist metric names the original accepts.
SEMANTIC_METRICS = (
    "braycurtis", "canberra", "chebyshev", "cityblock", "correlation", "cosine", "dice", "euclidean", "hamming",
    "jaccard", "jensenshannon", "kulczynski1", "mahalanobis", "matching", "minkowski", "rogerstanimoto",
    "russellrao", "seuclidean", "sokalmichener", "sokalsneath", "sqeuclidean", "yule",
)
SEMANTIC_POOLINGS = ("min", "max", "mean", "sum", "last", "lastlast")

# Output CSV names, as written by zerospeech-benchmarks 0.9.4 (overridable through params.yaml like there).
LEXICAL_RESULT_FILES = {
    s: {k: f"score_lexical_{s}_{k}.csv" for k in ("by_pair", "by_frequency", "by_length")} for s in SETS
}
SYNTACTIC_RESULT_FILES = {s: {k: f"score_syntactic_{s}_{k}.csv" for k in ("by_pair", "by_type")} for s in SETS}
SEMANTIC_RESULT_FILES = {
    s: {"pairs": f"score_semantic_{s}_pairs.csv", "correlations": f"score_semantic_{s}_correlation.csv"} for s in SETS
}
PROSODY_RESULT_PATTERN = "score_prosodic_{0}_{1}_{2}.csv"

# Leaderboard aggregates in scores.json, in this order.
SCORE_NAMES = {
    SLM21: ("lexical_all", "lexical_invocab", "syntactic", "semantic_synthetic_normal", "semantic_synthetic_weighted",
            "semantic_librispeech_normal", "semantic_librispeech_weighted"),
    PROSAUDIT: ("prosaudit_lexical", "prosaudit_protosyntax"),
}
SCORES_KIND = "hf_bench.zerospeech_scores"
SCORES_SCHEMA_VERSION = 1

# meta.yaml benchmark_name values the original accepts.
META_BENCHMARK_NAMES = ("sLM21", "prosAudit", "abxLS", "abx17", "tde17")


@dataclass(frozen=True)
class Archive:
    url: str | None
    md5: str | None
    dirname: str


# sLM21: URL used by the toolkit's repository index; md5 confirmed by the maintainers (zerospeech/benchmarks#11).
# ProsAudit: no public URL/checksum is known to us; `download --url URL [--md5 MD5]` is required for it.
ARCHIVES = {
    SLM21: Archive(url="https://download.zerospeech.com/datasets/sLM21.dataset.zip",
                   md5="713dd4c2c4ab266c846cb2804c8d9e12", dirname="sLM21-dataset"),
    PROSAUDIT: Archive(url=None, md5=None, dirname="prosaudit-dataset"),
}


def check_benchmark(name: str) -> str:
    """Return the canonical benchmark name (case-insensitive match) or raise naming the choices."""
    from hf_bench.errors import HFBenchError

    for b in BENCHMARKS:
        if name.lower() == b.lower():
            return b
    raise HFBenchError(f"unknown benchmark {name!r}", where="BENCHMARK", fix=f"use one of: {', '.join(BENCHMARKS)}")
