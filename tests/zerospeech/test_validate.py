"""Each validation error (and warning): its code, the file, the lines or ids it names."""

from __future__ import annotations

import numpy as np
import pytest
import zs_data

from hf_bench.errors import HFBenchError
from hf_bench.zerospeech.validate import validate_submission


def _validate(ds, sub, **kw):
    return validate_submission(kw.pop("benchmark", "sLM21"), sub, ds, progress=False, **kw)


def _issue(report, code):
    found = [i for i in report.issues if i.code == code]
    assert found, f"no {code} in:\n{report.render()}"
    return found[0] if len(found) == 1 else found


def _rewrite(path, fn):
    lines = path.read_text().splitlines()
    path.write_text("\n".join(fn(lines)) + "\n")


def test_valid_submission_has_no_issue(slm21, prosaudit):
    assert _validate(*slm21).issues == []
    assert _validate(*prosaudit, benchmark="prosAudit").issues == []


def test_missing_and_extra_ids_are_both_reported(slm21):
    ds, sub = slm21
    _rewrite(sub / "lexical/dev.txt", lambda ls: [x for x in ls if not x.startswith(("lw2A ", "ln7B "))]
             + ["ghost1 0.5", "ghost2 -1"])
    report = _validate(ds, sub)
    missing, extra = _issue(report, "missing_ids"), _issue(report, "extra_ids")
    assert missing.where == extra.where == "lexical/dev.txt"
    assert set(missing.items) == {"lw2A", "ln7B"} and "2 of the 24 lexical/dev ids" in missing.problem
    assert extra.items == ("ghost1", "ghost2")
    assert not report.ok


def test_duplicate_ids_name_their_lines(slm21):
    ds, sub = slm21
    lines = (sub / "syntactic/test.txt").read_text().splitlines()
    (sub / "syntactic/test.txt").write_text("\n".join(lines + [lines[0]]) + "\n")
    issue = _issue(_validate(ds, sub), "duplicate_ids")
    ident = lines[0].split()[0]
    assert issue.items == (ident,) and f"(lines 1, {len(lines) + 1})" in issue.problem


def test_not_a_number_nan_tab_and_bad_lines(slm21):
    ds, sub = slm21
    def corrupt(ls):
        ls[0] = ls[0].split()[0] + " abc"
        ls[1] = ls[1].split()[0] + " NaN"
        ls[2] = ls[2].split()[0] + "\t-1.5"
        ls[3] = ls[3].split()[0] + "  -1.5"
        ls[4] = ls[4] + " extra"
        return ls
    _rewrite(sub / "lexical/test.txt", corrupt)
    report = _validate(ds, sub)
    assert "line 1 (" in _issue(report, "not_a_number").problem
    assert "line 2 (" in _issue(report, "nan_score").problem
    assert _issue(report, "tab_separated").items == ("3",)
    assert [i.split(" ")[1] for i in _issue(report, "bad_line").items] == ["4", "5"]
    assert "missing_ids" not in report.codes()  # the malformed lines still name their ids
    assert all(i.where == "lexical/test.txt" for i in report.issues)


def test_infinite_scores_are_a_warning(slm21):
    ds, sub = slm21
    _rewrite(sub / "lexical/dev.txt", lambda ls: [ls[0].split()[0] + " -inf"] + ls[1:])
    report = _validate(ds, sub)
    assert report.ok and _issue(report, "inf_score").level == "warning"


def test_missing_score_file(slm21):
    ds, sub = slm21
    (sub / "syntactic/dev.txt").unlink()
    issue = _issue(_validate(ds, sub), "file_missing")
    assert issue.where == "syntactic/dev.txt"


def test_every_set_and_the_prosaudit_dev_file_are_validated(prosaudit):
    ds, sub = prosaudit
    _rewrite(sub / "english_dev.txt", lambda ls: ls[1:])  # the original never validates this file
    _rewrite(sub / "english_test.txt", lambda ls: ls + ["zzz 1.0"])
    report = _validate(ds, sub, benchmark="prosAudit")
    assert {(i.code, i.where) for i in report.errors} == {("missing_ids", "english_dev.txt"),
                                                          ("extra_ids", "english_test.txt")}


def test_sets_and_tasks_selection(slm21):
    ds, sub = slm21
    (sub / "lexical/test.txt").unlink()
    assert _validate(ds, sub, sets=["dev"]).ok
    assert _validate(ds, sub, tasks=["syntactic", "semantic"]).ok
    assert not _validate(ds, sub).ok
    with pytest.raises(HFBenchError, match="no task"):
        _validate(ds, sub, tasks=["english"])


def test_feature_dtype_rank_unreadable_nonfinite(slm21):
    ds, sub = slm21
    d = sub / "semantic/dev/synthetic"
    np.save(d / "dS1.npy", np.zeros((2, 2), np.float32))
    np.save(d / "dS2.npy", np.zeros(2, np.float64))
    (d / "dS3.npy").write_bytes(b"not numpy at all")
    np.save(d / "dS4.npy", np.array([[np.nan, 1.0]]))
    np.save(d / "dS5.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    report = _validate(ds, sub)
    assert _issue(report, "npy_dtype").where == "semantic/dev/synthetic/dS1.npy"
    assert "must be float64" in _issue(report, "npy_dtype").problem
    assert _issue(report, "npy_rank").where == "semantic/dev/synthetic/dS2.npy"
    unreadable = _issue(report, "npy_unreadable")
    assert unreadable.where == "semantic/dev/synthetic" and set(unreadable.items) == {"dS3.npy", "dS5.npy"}
    assert _issue(report, "npy_nonfinite").where == "semantic/dev/synthetic/dS4.npy"


def test_feature_dimension_must_be_consistent_across_sets(slm21):
    ds, sub = slm21
    np.save(sub / "semantic/test/librispeech/tL2.npy", np.zeros((3, 5)))
    issue = _issue(_validate(ds, sub), "dim_mismatch")
    assert issue.items == ("semantic/test/librispeech/tL2.npy",) and "(5)" in issue.problem


def test_missing_and_extra_feature_files_and_txt_hint(slm21):
    ds, sub = slm21
    d = sub / "semantic/test/librispeech"
    (d / "tL1.npy").unlink()
    (d / "tL1.txt").write_text("1 2\n")
    np.save(d / "stray.npy", np.zeros((1, 2)))
    report = _validate(ds, sub)
    missing = _issue(report, "missing_ids")
    assert missing.items == ("tL1",) and ".txt files but params.yaml expects .npy" in missing.problem
    assert _issue(report, "extra_ids").items == ("stray",)


def test_feature_directory_missing(slm21):
    import shutil

    ds, sub = slm21
    shutil.rmtree(sub / "semantic/test/synthetic")
    assert _issue(_validate(ds, sub), "file_missing").where == "semantic/test/synthetic"


def test_lastlast_pooling_needs_two_frames(slm21):
    ds, sub = slm21
    (sub / "params.yaml").write_text("semantic: {pooling: lastlast}\n")
    issues = [i for i in _validate(ds, sub).issues if i.code == "npy_frames"]
    assert all("needs at least 2" in i.problem for i in issues)
    # single-frame tokens, in every set and type: L2, L3, S1, S2, S4, S5, S6, S7
    assert sorted(x for i in issues for x in i.items) == sorted(
        f"{s}{n}.npy" for s in "dt" for n in ("L2", "L3", "S1", "S2", "S4", "S5", "S6", "S7"))


def test_txt_features_when_params_ask_for_them(slm21):
    ds, sub = slm21
    (sub / "params.yaml").write_text("syntactic: {score_files_type: .txt}\n")
    for npy in (sub / "semantic").rglob("*.npy"):
        np.savetxt(npy.with_suffix(".txt"), np.load(npy))
        npy.unlink()
    assert _validate(ds, sub).ok


@pytest.mark.parametrize("text, loc, words", [
    ("semantic: {metric: manhattan}\n", "semantic.metric", "unknown metric 'manhattan'"),
    ("semantic: {pooling: off}\n", "semantic.pooling", "pooling 'off'"),
    ("semantic: {poling: mean}\n", "semantic.poling", "unknown field"),
    ("semantic: {n_jobs: 0}\n", "semantic.n_jobs", "n_jobs"),
    ("quiet: [\n", None, "not valid YAML"),
    ("- a\n- b\n", None, "must be a mapping"),
])
def test_params_errors(slm21, text, loc, words):
    ds, sub = slm21
    (sub / "params.yaml").write_text(text)
    issue = _issue(_validate(ds, sub), "params_invalid")
    assert words in issue.problem
    assert issue.where == (f"params.yaml: {loc}" if loc else "params.yaml")


def test_params_missing_is_a_warning(slm21):
    ds, sub = slm21
    (sub / "params.yaml").unlink()
    report = _validate(ds, sub)
    assert report.ok and _issue(report, "params_missing").level == "warning"


def test_meta_template_values_are_errors(slm21):
    from hf_bench.zerospeech.submission import meta_template

    ds, sub = slm21
    (sub / "meta.yaml").write_text(meta_template("sLM21"))
    report = _validate(ds, sub)
    issue = _issue(report, "meta_template")
    assert set(issue.items) >= {"username", "model_info.system_description", "publication.authors"}
    assert not report.ok


def test_meta_missing_fields_flat_layout_and_wrong_benchmark(slm21):
    ds, sub = slm21
    (sub / "meta.yaml").write_text("benchmark_name: prosAudit\nsystem_description: flat\nopen_source: maybe\n"
                                   "model_info: {train_set: ''}\npublication: {publication_year: soon}\n")
    report = _validate(ds, sub)
    assert "system_description" in _issue(report, "meta_flat").problem
    assert _issue(report, "meta_wrong_benchmark").level == "error"
    missing = {i.problem.split(":")[0] for i in _issue(report, "meta_missing_field") if i.level == "error"}
    assert missing == {"username", "model_info.system_description", "model_info.train_set", "publication.authors",
                       "publication.institution"}
    invalid = " ".join(i.problem for i in _issue(report, "meta_invalid"))
    assert "publication_year" in invalid and "open_source" in invalid


def test_meta_missing_is_an_error_for_validate_and_a_warning_for_run(slm21):
    ds, sub = slm21
    (sub / "meta.yaml").unlink()
    assert _issue(_validate(ds, sub), "meta_missing").level == "error"
    assert _validate(ds, sub, meta="warning").ok


def test_report_render_names_file_problem_and_fix(slm21):
    ds, sub = slm21
    _rewrite(sub / "lexical/dev.txt", lambda ls: ls[1:])
    text = _validate(ds, sub).render()
    assert "error: lexical/dev.txt: 1 of the 24 lexical/dev ids have no line:" in text
    assert "\n  fix: add one '<id> <score>' line" in text
    assert text.endswith(f"Found 1 error and 0 warnings in sLM21 submission: {sub}")


def test_index_wav_list_is_the_expected_id_set(tmp_path):
    ds = zs_data.build_slm21_dataset(tmp_path / "ds", index=True)
    sub = zs_data.build_slm21_submission(tmp_path / "sub")
    assert _validate(ds, sub).ok
    import json

    index = json.loads((ds / "index.json").read_text())
    index["subsets"]["lexical_dev"]["items"]["wav_list"]["files_list"].append("lexical/dev/onlyinindex.wav")
    (ds / "index.json").write_text(json.dumps(index))
    report = _validate(ds, sub)
    assert _issue(report, "missing_ids").items == ("onlyinindex",)


def test_missing_submission_directory(tmp_path, slm21):
    ds, _ = slm21
    with pytest.raises(HFBenchError, match="submission directory not found"):
        _validate(ds, tmp_path / "nope")
