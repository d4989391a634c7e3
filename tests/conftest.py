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
    if os.environ.get("HF_BENCH_NETWORK") == "1":
        return
    skip = pytest.mark.skip(reason="needs the network; set HF_BENCH_NETWORK=1 to run")
    for item in items:
        if "network" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def hf_bench_cache(tmp_path_factory):
    """A cache directory shared by the whole session (generated audio, features)."""
    path = tmp_path_factory.mktemp("hf_bench_cache")
    os.environ["HF_BENCH_CACHE"] = str(path)
    return path
