"""The two decoder-probe embedded tasks, generated in full and run with mfb and the real pretrained text models the
pip wheels ship (all-MiniLM-L6-v2 for captions, SmolLM2-135M-Instruct for sentences): clearly above their trivial
baseline and below ceiling, as docs/embedded_suite.md promises."""

from __future__ import annotations

import pytest
from synth_helpers import needs_tools

pytestmark = [needs_tools, pytest.mark.slow]

# (task, margin over the trivial baseline, ceiling)
CASES = [("captions", 0.08, 0.8),
         # ~11 minutes (600 utterances x 4 epochs through the 135M-parameter LM): outside CI, measured 0.413
         pytest.param("sentences", 0.15, 0.9, marks=pytest.mark.costly)]


@pytest.mark.timeout(1500)
@pytest.mark.parametrize("name,margin,ceiling", CASES, ids=["captions", "sentences"])
def test_mfb_lands_between_the_trivial_baseline_and_the_ceiling(tmp_path, name, margin, ceiling):
    from hf_bench.data.synth import generate
    from hf_bench.pipeline import RunConfig, evaluate_encoder
    from hf_bench.probes.pretrained import default_name, resolve
    from hf_bench.tasks import get_task

    task = get_task(name)
    kind = "causal_lm" if task.type == "asr" else "text_encoder"
    ref = resolve(default_name(kind, task.probe.decoder or task.probe.text_encoder, None), kind)
    if not ref.origin.startswith(("package", "hub cache")):
        pytest.skip(f"{ref.spec} is not installed (bash setup.sh install)")
    generate(task, tmp_path / "data" / "embedded" / task.name, progress=False)
    out = evaluate_encoder(RunConfig(encoder="mfb", output_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                                     data_dir=tmp_path / "data", progress=False, bootstrap=0), [task],
                           log=lambda m: None)
    score = out.scorecards["last"].scores[task.name]["mlp"]
    assert task.chance_level + margin < score < ceiling, (task.name, score, task.chance_level)
