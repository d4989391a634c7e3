"""Shared fixtures for the embedded-suite generator tests: every task generated once, a few clips per split."""

from __future__ import annotations

import pytest
from synth_helpers import HAVE_TOOLS, LIMIT


@pytest.fixture(scope="session")
def tasks():
    from hf_bench.tasks.embedded import EMBEDDED_FULL_TASKS

    return {t.name: t for t in EMBEDDED_FULL_TASKS}


@pytest.fixture(scope="session")
def generated(tmp_path_factory, tasks):
    """{task name: folder} with every embedded task generated with limit_per_split=LIMIT."""
    if not HAVE_TOOLS:
        pytest.skip("synthesis tools missing (bash setup.sh install)")
    from hf_bench.data.synth import generate

    root = tmp_path_factory.mktemp("embedded")
    for name, task in tasks.items():
        generate(task, root / name, limit_per_split=LIMIT, progress=False)
    return {name: root / name for name in tasks}
