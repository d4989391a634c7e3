"""The two frame-level embedded tasks, generated in full and run with mfb: clearly above their trivial baseline
(every class active all the time) and clearly below ceiling, as docs/embedded_suite.md promises."""

from __future__ import annotations

import pytest
from synth_helpers import needs_tools

pytestmark = [needs_tools, pytest.mark.slow]


@pytest.mark.timeout(900)
def test_mfb_lands_between_the_trivial_baseline_and_the_ceiling(tmp_path):
    from hf_bench.data.synth import generate
    from hf_bench.pipeline import RunConfig, evaluate_encoder
    from hf_bench.tasks import get_task

    tasks = [get_task("notes"), get_task("events")]
    for task in tasks:
        generate(task, tmp_path / "data" / "embedded" / task.name, progress=False)
    out = evaluate_encoder(RunConfig(encoder="mfb", output_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                                     data_dir=tmp_path / "data", progress=False, bootstrap=0), tasks,
                           log=lambda m: None)
    for task in tasks:
        score = out.scorecards["last"].scores[task.name]["mlp"]
        assert task.chance_level + 0.15 < score < 0.8, (task.name, score, task.chance_level)
