"""Each LeBenchmark head learns its French embedded analogue end to end, from generated audio through the built-in
mfb encoder to the scorecard: clearly better than the task's trivial baseline, with a fixed seed. The tasks are the
registered ones on fewer clips (generation is prefix-consistent, so these are the first clips of the full splits)."""

from __future__ import annotations

import json

import pytest

from hf_bench.metrics import METRICS
from hf_bench.pipeline import RunConfig, evaluate_encoder
from hf_bench.tasks import get_task

# (task, sizes, probe overrides, the score it must beat: its trivial baseline moved by a clear margin). With a
# quarter of the data the heads need more epochs; SLU writes the concepts alone (5 units, not ~90), so its CTC steps
# can be 160 ms and 900 steps cost 2 minutes. Full-size figures: README "LeBenchmark".
CASES = {
    "fr_sentences": ({"train": 240, "valid": 40, "test": 60}, {}, 80.0),   # WER %; chance 98.3 (got 65.8)
    "fr_slu": ({"train": 240, "valid": 40, "test": 60},
               {"slu_output": "concepts", "stack_ms": 160.0, "epochs": 30}, 40.0),  # concept ER %; chance 45.7 (34.5)
    "fr_translation": ({"train": 240, "valid": 40, "test": 60}, {}, 6.0),   # BLEU; chance 2.5 (got 8.8)
    "fr_prosody": ({"train": 160, "valid": 40, "test": 60}, {}, 0.6),      # CCC; chance 0 (got 0.88)
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_head_learns_its_french_analogue(tmp_path, name):
    sizes, probe, bar = CASES[name]
    task = get_task(name)
    task = task.model_copy(update={"sizes": sizes, "eval_weight": sizes["test"],
                                   "probe": task.probe.model_copy(update=probe)})
    config = RunConfig(encoder="mfb", output_dir=tmp_path / "results", cache_dir=tmp_path / "cache",
                       data_dir=tmp_path / "data", bootstrap=0, progress=False)
    outcome = evaluate_encoder(config, [task], log=lambda m: None)
    [(key, result)] = outcome.tasks[0].results.items()
    assert key[1] == task.probes[0]
    score = result.scores.main_score
    if METRICS[task.metric].higher_is_better:
        assert score > bar, f"{name}: {score:.3f} (chance {task.chance_level})"
    else:
        assert score < bar, f"{name}: {score:.3f} (chance {task.chance_level})"
    lines = (tmp_path / "results" / "mfb" / key[1] / f"{name}.predictions.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    assert len(lines) == sizes["test"] and {"target", "prediction"} <= set(first)
    if task.type == "slu":
        assert {"target_concepts", "predicted_concepts"} <= set(first)
        assert "SOC" in first["target"] and "[" in first["target"]
        assert "concept markers alone" in result.probe.config["targets"]


# ------------------------------------------------------------------------------------------- the heads' parts
def test_vocabulary_is_trained_on_train_text_saved_and_counts_what_it_cannot_write():
    from hf_bench.probes.vocab import Vocabulary

    texts = ["deux chambres à paris", "une chambre à lyon", "trois nuits"] * 10
    v = Vocabulary.train(texts, 500, symbols=["SOC", "EOC", "[nombre-chambre]"])
    assert len(v) < 500  # a soft limit: the text cannot fill 500 units
    assert v.decode(v.encode("SOC deux chambres [nombre-chambre] EOC")) == "SOC deux chambres [nombre-chambre] EOC"
    assert "[nombre-chambre]" in [v._sp.id_to_piece(i) for i in v.encode("[nombre-chambre]")]  # one unit
    assert v.unknown_characters(["zéro kilo"]) == 3  # z, é and k never occur in the training text
    again = Vocabulary.train(texts, 500, symbols=["EOC", "SOC", "[nombre-chambre]"])
    assert again.model == v.model  # deterministic, whatever the symbol order
    assert Vocabulary.from_saved(v.saved()).model == v.model
    tiny = Vocabulary.train(texts, 8)
    assert len(tiny) >= len(set("".join(texts).replace(" ", "")))  # every character keeps a unit


def test_ctc_prefix_beam_search_finds_what_greedy_misses():
    import numpy as np

    from hf_bench.probes.ctc import greedy, prefix_beam

    # two steps, blank p=0.6 each: the best path is blank-blank (""), but "a" has 0.64 of the mass
    logp = np.log(np.array([[0.6, 0.4], [0.6, 0.4]]))
    assert greedy(logp) == [] and prefix_beam(logp, 4) == [0]
    # repeats merge unless a blank separates them
    logp = np.log(np.array([[0.05, 0.9, 0.05], [0.05, 0.9, 0.05], [0.9, 0.05, 0.05], [0.05, 0.9, 0.05]]))
    assert greedy(logp) == [0, 0] == prefix_beam(logp, 8)


def test_slu_and_translation_targets():
    import numpy as np

    from hf_bench.data import AudioRef, SplitData
    from hf_bench.errors import DataError
    from hf_bench.tasks.types import get_type
    from hf_bench.tasks.types.text import parse_concepts

    slu = get_task("fr_slu")
    split = SplitData("train", [AudioRef(id="a", origin="a")], [[
        {"concept": "command-tache", "words": "Je voudrais réserver"}, {"concept": "null", "words": "euh"},
        {"concept": "nombre-chambre", "words": "deux chambres"}]])
    targets = get_type("slu").targets(slu, split)
    assert targets.sequence(0) == ("SOC je voudrais réserver [command-tache] EOC euh SOC deux chambres "
                                   "[nombre-chambre] EOC")
    assert parse_concepts(targets.sequence(0)) == targets.concepts(0) == ["command-tache", "nombre-chambre"]
    bad = SplitData("train", [AudioRef(id="b", origin="b.wav")], [[{"concept": "chambre-couleur", "words": "x"}]])
    with pytest.raises(DataError, match="outside the task's concept set"):
        get_type("slu").targets(slu, bad)
    tr = get_task("fr_translation")
    split = SplitData("test", [AudioRef(id="a", origin="a"), AudioRef(id="b", origin="b")],
                      [{"translation": "The Cat", "source": "le chat"}, "a dog"])
    assert list(get_type("translation").targets(tr, split).text) == ["the cat", "a dog"]
    with pytest.raises(DataError, match="not a translation"):
        get_type("translation").targets(tr, SplitData("test", [AudioRef(id="c", origin="c.wav")], [{"fr": "x"}]))
    assert np.asarray(targets.segments).shape == (1,)


def test_frame_regression_scores_at_the_annotation_times():
    import numpy as np

    from hf_bench.tasks.types import FrameGrid
    from hf_bench.tasks.types.frame import CurveTargets

    # annotations every 40 ms, frames every 10 ms: predictions are read at the annotation times
    values = [np.array([0.0, 1.0, 0.0])]
    t = CurveTargets(values, np.array([0.04]), np.array([0.0]), FrameGrid(0.01, np.array([12]), np.array([0.12])))
    frames = (np.arange(12) + 0.5) * 0.01  # a prediction equal to the time
    np.testing.assert_allclose(t.at_annotations(0, frames), [0.005, 0.04, 0.08])
