"""The evaluate modules: offline loading through both names, doctests, add_batch / compute / combine, cards.

Loading by name and the doctests run in a fresh interpreter (``evaluate_harness.py``) with a temporary modules
cache filled by the real ``hf-bench metrics install`` and a working directory outside the repository: evaluate
reads ``HF_MODULES_CACHE`` at import time and caches the ``evaluate_modules`` package, so this cannot be isolated
inside the test process.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import hf_bench.metrics as M

REPO = Path(__file__).resolve().parents[2]
NAMES = list(M.METRICS)
HF_BENCH_CLI = Path(sys.executable).with_name("hf-bench")


def _offline_env(cache: Path) -> dict:
    env = dict(os.environ)
    env.update(HF_MODULES_CACHE=str(cache), HF_EVALUATE_OFFLINE="1", HF_HUB_OFFLINE="1",
               HF_DATASETS_OFFLINE="1", HF_EVALUATE_CACHE=str(cache.parent / "evaluate_cache"))
    return env


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluate_offline")
    cache, elsewhere = root / "modules", root / "elsewhere"
    elsewhere.mkdir()
    env = _offline_env(cache)
    install = subprocess.run([str(HF_BENCH_CLI), "metrics", "install", "--cache-dir", str(cache)], cwd=elsewhere,
                             env=env, capture_output=True, text=True, timeout=120)
    assert install.returncode == 0, install.stderr
    out = root / "report.json"
    run = subprocess.run([sys.executable, str(Path(__file__).with_name("evaluate_harness.py")), str(REPO), str(out),
                          *NAMES], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(out.read_text())
    report["install_stdout"] = install.stdout
    report["root"] = root
    return report


def test_install_prints_what_it_did(harness):
    assert f"{len(NAMES)} module(s) in" in harness["install_stdout"]
    assert 'evaluate.load("hf_bench/<name>")' in harness["install_stdout"]
    # the cache is the one HF_MODULES_CACHE names, so no "export HF_MODULES_CACHE" note is needed
    assert "export HF_MODULES_CACHE" not in harness["install_stdout"]


def test_harness_ran_outside_the_repository_with_the_temporary_cache(harness):
    assert not Path(harness["cwd"]).resolve().is_relative_to(REPO)
    assert Path(harness["modules_cache"]) == harness["root"] / "modules"
    assert harness["evaluate_modules_name"] == "evaluate_modules"  # what install.py writes


@pytest.mark.parametrize("name", NAMES)
def test_loads_offline_as_hf_bench_name_from_any_directory(harness, name):
    entry = harness["modules"][name]
    assert "hub_name_error" not in entry, entry.get("hub_name_error")
    installed = Path(entry["hub_name_file"])
    assert installed.is_relative_to(harness["root"] / "modules" / "evaluate_modules" / "metrics" / f"hf_bench--{name}")
    # the installed copy is this repository's module, byte for byte
    assert installed.read_bytes() == (REPO / "metrics" / name / f"{name}.py").read_bytes()
    # and the same name resolves from the repository root too (where an hf_bench/ folder exists)
    assert "hub_name_from_repo_error" not in entry, entry.get("hub_name_from_repo_error")
    assert entry["hub_name_file_from_repo"] == entry["hub_name_file"]


@pytest.mark.parametrize("name", NAMES)
def test_loads_as_metrics_path_from_the_repository_root(harness, name):
    entry = harness["modules"][name]
    assert "local_name_error" not in entry, entry.get("local_name_error")
    assert (REPO / entry["local_name_source"]).resolve() == (REPO / "metrics" / name / f"{name}.py").resolve()


@pytest.mark.parametrize("name", NAMES)
def test_doctest_examples_run_and_pass(harness, name):
    result = harness["modules"][name]["doctest"]
    assert result["attempted"] > 1
    assert result["failed"] == 0, result["output"]


# ----------------------------------------------------------------------------------------------------------------
# in-process: instantiate each module class directly (no evaluate.load, no modules cache)


@pytest.fixture(scope="module")
def modules():
    import evaluate  # noqa: F401  (a core dependency: fail, do not skip, if it is missing)

    out = {}
    for name in NAMES:
        path = REPO / "metrics" / name / f"{name}.py"
        spec = importlib.util.spec_from_file_location(f"_hf_bench_metric_{name}", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        classes = [v for v in vars(mod).values() if isinstance(v, type) and v.__module__ == mod.__name__]
        assert len(classes) == 1, name
        out[name] = (mod, classes[0])
    return out


@pytest.mark.parametrize("name", NAMES)
def test_module_format(modules, name):
    mod, cls = modules[name]
    for attr in ("_CITATION", "_DESCRIPTION", "_KWARGS_DESCRIPTION"):
        assert isinstance(getattr(mod, attr), str) and getattr(mod, attr).strip()
    assert "Examples:" in mod._KWARGS_DESCRIPTION and f'evaluate.load("hf_bench/{name}")' in mod._KWARGS_DESCRIPTION
    assert cls.__doc__ and mod._KWARGS_DESCRIPTION.strip() in cls.__doc__
    params = inspect.signature(cls._compute).parameters.values()
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params), "evaluate forbids **kwargs in _compute"
    source = (REPO / "metrics" / name / f"{name}.py").read_text()
    # the module only wraps the pure function: it imports it and holds no formula of its own
    assert re.search(rf"^from hf_bench\.metrics import .*\b{name}\b", source, re.M)
    assert "numpy" not in source and "# From:" not in source


@pytest.mark.parametrize("name", NAMES)
def test_metric_card(name):
    card = (REPO / "metrics" / name / "README.md").read_text()
    assert card.startswith("---\n") and "- evaluate\n- metric\n" in card
    for section in ("## Metric description", "## How to use", "### Inputs", "### Output values", "## Citation"):
        assert section in card, f"{name}/README.md lacks {section}"
    assert re.search(r"^## Reference", card, re.M), f"{name}/README.md must say what it is checked against"
    assert "@" in card.split("## Citation")[1]


# small data per module: (list of batches of (predictions, references)), compute kwargs
BATCHES = {
    "iwer": ([(["a b c", "x"], ["a b d", "x y"]), (["hello"], ["Hello world"])], {}),
    "wer": ([(["le chat dort", ""], ["le chat noir dort", "à paris"]), (["Deux"], ["deux chambres"])], {}),
    "cer": ([(["你好世界"], ["你好，世间"]), (["天气", "abc"], ["天气很好", "ABD"])], {}),
    "corpus_bleu": ([(["the cat sat on the mat"], [["the cat sat on a mat", "a cat sat"]]),
                     (["hello there"], [["hello there friend"]])], {}),
    "ccc": ([([0.1, 0.4], [0.0, 0.5]), ([0.8, 0.9, 0.3], [1.0, 0.7, 0.2])], {}),
    "mean_average_precision": ([([[0.9, 0.1], [0.4, 0.6]], [[1, 0], [0, 1]]), ([[0.2, 0.3]], [[1, 1]])], {}),
    "segment_f1": ([([[{"onset": 0.0, "offset": 2.5, "event_label": "a"}]],
                     [[{"onset": 0.5, "offset": 2.0, "event_label": "a"}]]),
                    ([[], [{"onset": 1.0, "offset": 3.0, "event_label": "b"}]],
                     [[{"onset": 0.0, "offset": 1.0, "event_label": "b"}],
                      [{"onset": 1.5, "offset": 2.5, "event_label": "b"}]])], {"time_resolution": 0.5}),
    "recall_at_k": ([([[0.1, 0.9, 0.3]], [[1]]), ([[0.5, 0.2, 0.7], [0.3, 0.3, 0.3]], [[0, 1], [2]])], {"k": 2}),
    "audio_text_recall": ([([[0.1, 0.9, 0.3, 0.2]], [[1, 2]]), ([[0.5, 0.2, 0.7, 0.1]], [[0, 3]])], {"k": [1, 2]}),
    "concept_error_rate": ([([["a", "b"]], [["a", "c"]]), ([["d"], []], [["d"], ["e", "f"]])], {}),
    "accuracy": ([([1, 2], [1, 1]), ([0], [0])], {"labels": [0, 1, 2]}),
}


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_add_batch_then_compute_equals_the_pure_function(modules, name):
    _, cls = modules[name]
    batches, kwargs = BATCHES[name]
    metric = cls(keep_in_memory=True)
    for preds, refs in batches:
        metric.add_batch(predictions=preds, references=refs)
    got = metric.compute(**kwargs)
    all_preds = [p for b in batches for p in b[0]]
    all_refs = [r for b in batches for r in b[1]]
    expected = M.METRICS[name].fn(all_preds, all_refs, **kwargs)
    assert got.keys() == expected.keys()
    for k in got:
        assert got[k] == pytest.approx(expected[k], abs=1e-12)
    # one-shot compute gives the same, and add() item by item too
    assert cls(keep_in_memory=True).compute(predictions=all_preds, references=all_refs, **kwargs) == got
    one_by_one = cls(keep_in_memory=True)
    for p, r in zip(all_preds, all_refs):
        one_by_one.add(predictions=p, references=r)
    assert one_by_one.compute(**kwargs) == got


def test_return_ci_through_the_module(modules):
    _, cls = modules["accuracy"]
    rng = np.random.default_rng(0)
    refs = rng.integers(0, 3, 60).tolist()
    preds = [r if rng.random() < 0.7 else 0 for r in refs]
    got = cls(keep_in_memory=True).compute(predictions=preds, references=refs, return_ci=True, n_resamples=300,
                                           seed=4, level=0.9)
    ci = M.bootstrap_ci("accuracy", preds, refs, n_resamples=300, seed=4, level=0.9)
    assert (got["accuracy_ci_low"], got["accuracy_ci_high"]) == (ci["low"], ci["high"])


def test_combine(modules):
    import evaluate

    asr = evaluate.combine([modules["iwer"][1](keep_in_memory=True), modules["cer"][1](keep_in_memory=True)])
    preds, refs = ["the cat sat", "hello"], ["the cat sat down", "hello world"]
    out = asr.compute(predictions=preds, references=refs)
    assert out == {**M.iwer(preds, refs), **M.cer(preds, refs)}
    clf = evaluate.combine([modules["accuracy"][1](keep_in_memory=True), modules["ccc"][1](keep_in_memory=True)])
    clf.add_batch(predictions=[0, 1, 1], references=[0, 1, 2])
    out = clf.compute()
    assert out == {"accuracy": 2 / 3, **M.ccc([0, 1, 1], [0, 1, 2])}


def test_aggregate_modules(modules):
    norm = modules["normalized_score"][1](keep_in_memory=True)
    assert norm.compute(predictions=[30.0], worst=100.0, best=0.0) == {"normalized_score": 0.7}
    assert norm.compute(predictions=[0.5, 2.0], worst=-1.0, best=1.0) == {"normalized_score": [0.75, 1.0]}
    with pytest.raises(ValueError, match="needs worst= and best="):
        norm.compute(predictions=[0.5])
    xares = modules["xares"][1](keep_in_memory=True)
    out = xares.compute(predictions=[0.857, 0.618, 0.409], references=["esc50", "knn/esc50", "fsd50k"])
    assert out == M.xares({"mlp": {"esc50": 0.857, "fsd50k": 0.409}, "knn": {"esc50": 0.618}})
    knn_only = xares.compute(predictions=[0.618], references=["esc50"], probe="knn")
    assert knn_only["knn/weighted_average"] == 0.618
    with pytest.raises(ValueError, match="given twice"):
        xares.compute(predictions=[0.5, 0.6], references=["esc50", "mlp/esc50"])


def test_module_bad_input_reaches_the_user_as_value_error(modules):
    metric = modules["segment_f1"][1](keep_in_memory=True)
    bad = [[{"onset": 2.0, "offset": 1.0, "event_label": "a"}]]
    with pytest.raises(ValueError, match=r"references\[0\]\[0\] has offset <= onset"):
        metric.compute(predictions=[[]], references=bad)
    with pytest.raises(ValueError, match="empty inputs"):
        modules["iwer"][1](keep_in_memory=True).compute(predictions=[], references=[])


def test_installed_hash_directory_is_the_sha256_of_the_source(harness):
    for name in NAMES:
        digest = hashlib.sha256((REPO / "metrics" / name / f"{name}.py").read_bytes()).hexdigest()
        assert Path(harness["modules"][name]["hub_name_file"]).parent.name == digest
