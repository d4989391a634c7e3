"""Test-wide settings: offline by default, private caches, markers."""

from __future__ import annotations

import os

import pytest

# Tests never touch the network: make every HF library fail fast instead of trying.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_EVALUATE_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pytest_collection_modifyitems(config, items):
    # (marker, switch): tests that need the internet, and the few that take over ten minutes (kept out of CI's
    # 30-minute budget; their figures are measured by benchmarks/run_stages.py and recorded in the README)
    for marker, env, why in (("network", "HF_BENCH_NETWORK", "needs the network"),
                             ("costly", "HF_BENCH_COSTLY", "takes over ten minutes")):
        if os.environ.get(env) == "1":
            continue
        skip = pytest.mark.skip(reason=f"{why}; set {env}=1 to run")
        for item in items:
            if marker in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def hf_bench_cache(tmp_path_factory):
    """A cache directory shared by the whole session (generated audio, features)."""
    path = tmp_path_factory.mktemp("hf_bench_cache")
    os.environ["HF_BENCH_CACHE"] = str(path)
    return path
