"""``hf-bench zerospeech init|validate|run``: exit codes and what the user sees."""

from __future__ import annotations

import json

import pytest
import zs_data

from hf_bench.cli import main


def test_init_then_validate_reports_template_and_missing_files(tmp_path, capsys):
    ds = zs_data.build_prosaudit_dataset(tmp_path / "ds")
    sub = tmp_path / "sub"
    assert main(["zerospeech", "init", "prosAudit", str(sub)]) == 0
    out = capsys.readouterr().out
    assert "english_dev.txt" in out and "meta.yaml" in out
    assert main(["zerospeech", "validate", "prosAudit", str(sub), "--dataset", str(ds), "-q"]) == 1
    out = capsys.readouterr().out
    assert "error: meta.yaml:" in out and "still have the value from the template" in out
    assert "error: english_dev.txt: 16 of the 16 english/dev ids have no line" in out
    assert "error: english_test.txt:" in out
    assert main(["zerospeech", "init", "prosAudit", str(sub)]) == 2  # never overwrites
    assert "not an empty directory" in capsys.readouterr().err


def test_run_writes_scores_and_prints_the_table(tmp_path, capsys):
    ds = zs_data.build_slm21_dataset(tmp_path / "ds")
    sub = zs_data.build_slm21_submission(tmp_path / "sub")
    out_dir = tmp_path / "out"
    code = main(["zerospeech", "run", "sLM21", str(sub), "--dataset", str(ds), "-o", str(out_dir),
                 "--sets", "dev", "--tasks", "lexical", "syntactic", "-q"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "lexical_all" in captured.out and "0.6250" in captured.out and "0.6500" in captured.out
    doc = json.loads((out_dir / "scores.json").read_text())
    assert doc["scores"]["lexical_all"] == {"dev": 0.625, "test": None}
    assert doc["scores"]["semantic_librispeech_normal"] == {"dev": None, "test": None}
    assert sorted(p.name for p in out_dir.glob("*.csv")) == [
        "score_lexical_dev_by_frequency.csv", "score_lexical_dev_by_length.csv", "score_lexical_dev_by_pair.csv",
        "score_syntactic_dev_by_pair.csv", "score_syntactic_dev_by_type.csv"]
    assert not (sub / "scores/scores.json").exists()


def test_run_exit_code_1_on_validation_errors(tmp_path, capsys):
    ds = zs_data.build_slm21_dataset(tmp_path / "ds")
    sub = zs_data.build_slm21_submission(tmp_path / "sub")
    (sub / "syntactic/dev.txt").write_text("sg1A\t1\n")
    assert main(["zerospeech", "run", "sLM21", str(sub), "--dataset", str(ds), "-q"]) == 1
    captured = capsys.readouterr()
    assert "TAB" in captured.out and "nothing was scored" in captured.err


def test_bad_arguments(tmp_path, capsys):
    ds = zs_data.build_prosaudit_dataset(tmp_path / "ds")
    sub = zs_data.build_prosaudit_submission(tmp_path / "sub")
    assert main(["zerospeech", "run", "prosAudit", str(sub), "--dataset", str(ds), "--tasks", "lexical"]) == 2
    assert "prosAudit has no task(s) lexical" in capsys.readouterr().err
    assert main(["zerospeech", "validate", "sLM21", str(sub), "--dataset", str(ds)]) == 2
    assert "does not look like the sLM21 dataset" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["zerospeech", "init", "sLM99", str(tmp_path / "x")])
    assert e.value.code == 2
    assert "unknown benchmark 'sLM99'" in capsys.readouterr().err
