"""Fixtures for the leaderboard tests (helpers live in lb_helpers.py: `conftest` is not a unique module name)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lb_helpers import populate_results


@pytest.fixture
def results_dir(tmp_path) -> Path:
    """Result files as `hf-bench run` / `hf-bench zerospeech run` lay them out (see lb_helpers.populate_results)."""
    return populate_results(tmp_path / "results")


@pytest.fixture
def artifacts_dir() -> Path:
    root = Path(os.environ.get("HF_BENCH_ARTIFACTS_DIR") or Path(__file__).resolve().parents[2] / "test-artifacts")
    path = root / "leaderboard"
    path.mkdir(parents=True, exist_ok=True)
    return path
