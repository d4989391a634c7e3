"""``hf-bench metrics list|install``, the installer itself, and the import-cost contract of hf_bench.metrics."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import hf_bench
import hf_bench.metrics as M
from hf_bench.cli import main
from hf_bench.errors import HFBenchError
from hf_bench.metrics import install

REPO = Path(__file__).resolve().parents[2]


def test_list_table(capsys):
    assert main(["metrics", "list"]) == 0
    out = capsys.readouterr().out
    for name, info in M.METRICS.items():
        line = next(x for x in out.splitlines() if x.startswith(name + " "))
        assert info.main_key in line and info.direction in line and info.reference in line
    assert "100..0" in out and "-1..1" in out  # CER worst..best, CCC range


def test_list_json(capsys):
    assert main(["metrics", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == list(M.METRICS)
    cer = next(r for r in rows if r["name"] == "cer")
    assert cer["direction"] == "lower" and cer["worst"] == 100.0 and cer["best"] == 0.0


def test_bare_metrics_command_prints_help(capsys):
    assert main(["metrics"]) == 2
    assert "install" in capsys.readouterr().out


def test_install_layout_and_stale_versions(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("HF_MODULES_CACHE", raising=False)
    cache = tmp_path / "modules"
    stale = cache / "evaluate_modules" / "metrics" / "hf_bench--accuracy" / ("0" * 64)
    stale.mkdir(parents=True)
    (stale / "accuracy.py").write_text("# an older version\n")
    assert main(["metrics", "install", "--cache-dir", str(cache), "accuracy", "cer"]) == 0
    out = capsys.readouterr().out
    assert "2 module(s)" in out
    assert f"export HF_MODULES_CACHE={cache}" in out  # not evaluate's default cache: say how to point at it
    for d in (cache, cache / "evaluate_modules", cache / "evaluate_modules" / "metrics"):
        assert (d / "__init__.py").is_file()
    mod_dir = cache / "evaluate_modules" / "metrics" / "hf_bench--accuracy"
    versions = [p for p in mod_dir.iterdir() if p.is_dir()]
    assert len(versions) == 1 and versions[0].name != "0" * 64  # the stale copy is gone: ours is the latest
    assert (versions[0] / "accuracy.py").read_bytes() == (REPO / "metrics" / "accuracy" / "accuracy.py").read_bytes()
    meta = json.loads((versions[0] / "accuracy.json").read_text())
    assert meta["local file path"] == str(versions[0] / "accuracy.py")
    assert not (cache / "evaluate_modules" / "metrics" / "hf_bench--iwer").exists()
    # installing twice is harmless
    assert main(["metrics", "install", "--cache-dir", str(cache), "accuracy"]) == 0
    assert [p.name for p in mod_dir.iterdir() if p.is_dir()] == [versions[0].name]


def test_install_unknown_name_is_a_user_error(tmp_path, capsys):
    assert main(["metrics", "install", "--cache-dir", str(tmp_path), "bleu"]) == 2
    err = capsys.readouterr().err
    assert "unknown metric module(s): bleu" in err and "fix:" in err


def test_every_registered_metric_has_a_module_folder():
    folders = {p.name for p in (REPO / "metrics").iterdir() if p.is_dir()}
    assert folders == set(M.METRICS)
    for name in M.METRICS:
        assert install.module_source(name).name == f"{name}.py"


def test_missing_module_sources_fail_clearly(monkeypatch, tmp_path):
    fake = tmp_path / "site-packages" / "hf_bench" / "__init__.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("")
    monkeypatch.setattr(hf_bench, "__file__", str(fake))
    with pytest.raises(HFBenchError, match="not next to the hf_bench package") as info:
        install.module_sources_dir()
    assert "pip install -e" in str(info.value)


def test_default_modules_cache_follows_evaluate_rules(monkeypatch, tmp_path):
    for var in ("HF_MODULES_CACHE", "HF_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    assert install.default_modules_cache() == Path("~/.cache/huggingface/modules").expanduser()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert install.default_modules_cache() == tmp_path / "xdg" / "huggingface" / "modules"
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    assert install.default_modules_cache() == tmp_path / "hf" / "modules"
    monkeypatch.setenv("HF_MODULES_CACHE", str(tmp_path / "mods"))
    assert install.default_modules_cache() == tmp_path / "mods"


def test_importing_the_metrics_is_cheap():
    code = ("import sys, hf_bench.metrics, hf_bench.metrics.cli; "
            "heavy = ['evaluate', 'torch', 'transformers', 'datasets', 'jiwer', 'sacrebleu', 'sklearn', 'scipy']; "
            "print([m for m in heavy if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_pure_functions_never_import_their_references():
    """The tests check the metrics against jiwer, sklearn, audmetric and sed_eval: the product must not use them."""
    code = ("import sys, hf_bench.metrics as M; M.iwer(['a b'], ['a c']); M.cer(['你好'], ['你们']); "
            "M.concept_error_rate([['a']], [['b']]); M.mean_average_precision([[0.1]], [[1]]); "
            "M.ccc([1, 2], [1, 3]); M.accuracy([1], [1]); "
            "M.segment_f1([[]], [[{'onset': 0, 'offset': 1, 'event_label': 'a'}]]); "
            "print(*[m in sys.modules for m in ('jiwer', 'sklearn', 'audmetric', 'sed_eval')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["False"] * 4
