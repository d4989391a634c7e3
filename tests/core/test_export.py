"""dataset_scripts/export_task.py: a task's data becomes an HF parquet dataset that hf_bench can read back."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

from hf_bench.data import encode_targets, load_task_data
from hf_bench.tasks import get_task

ROOT = Path(__file__).resolve().parents[2]


def _export_module():
    spec = importlib.util.spec_from_file_location("export_task", ROOT / "dataset_scripts" / "export_task.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_export_round_trip(tmp_path, tone_task):
    out = tmp_path / "hub_layout"
    written = _export_module().export(str(tone_task), out, tmp_path / "data")
    assert sorted(written) == ["test", "train", "valid"]
    assert (out / "data" / "train-00000-of-00001.parquet").is_file()
    card = (out / "README.md").read_text()
    assert card.startswith("---") and "hf_bench task `tones`" in card
    evalyaml = yaml.safe_load((out / "eval.yaml").read_text())
    assert evalyaml["evaluation_framework"] == "hf_bench" and {t["id"] for t in evalyaml["tasks"]} == {"tones_mlp", "tones_knn"}

    spec = tmp_path / "back.yaml"
    spec.write_text(_export_module().spec_snippet(str(tone_task), out))  # what main() prints
    original, back = get_task(str(tone_task)), get_task(str(spec))
    a = load_task_data(original, data_root=tmp_path / "data", progress=False)
    b = load_task_data(back, data_root=tmp_path / "data", progress=False)
    for split in ("train", "valid", "test"):
        assert [r.id for r in a[split].refs] == [r.id for r in b[split].refs]
        assert (encode_targets(original, a[split]) == encode_targets(back, b[split])).all()


def test_export_prints_the_spec_snippet_it_promises(tmp_path, tone_task, capsys):
    out = tmp_path / "exported"
    assert _export_module().main([str(tone_task), "--out", str(out), "--data-dir", str(tmp_path / "data")]) == 0
    printed = capsys.readouterr().out.split("spec snippet", 1)[1].split("\n", 2)[2]
    spec = yaml.safe_load(printed)
    assert spec["data"]["format"] == "parquet" and spec["data"]["root"] == str(out.resolve())
    (tmp_path / "snippet.yaml").write_text(printed)
    assert get_task(str(tmp_path / "snippet.yaml")).labels == get_task(str(tone_task)).labels
