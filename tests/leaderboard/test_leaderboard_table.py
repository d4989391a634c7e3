"""Building the precomputed table from result JSONs and ZeroSpeech scores, and reading it back."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from lb_helpers import make_result, write_json, write_run

from hf_bench.errors import HFBenchError
from hf_bench.leaderboard.table import LeaderboardTable, build_table, reference_table


def _values(table, **where):
    df = table.df
    for k, v in where.items():
        df = df[df[k] == v]
    return df


def test_build_reads_results_and_skips_other_json(results_dir):
    t = build_table([results_dir], progress=False)
    st = t.stats
    assert st["task_results"] == 18 and st["zerospeech_scores"] == 2
    assert st["scorecards_skipped"] == 1 and st["other_json_skipped"] == 1
    hf = t.df[t.df["source_kind"] == "hf_bench"]
    assert set(hf["model"]) == {"tiny-wavlm", "mini-hubert", "cpc-small"}
    esc = _values(t, board="xares", model="tiny-wavlm", probe="mlp", task="esc50").iloc[0]
    assert esc["value"] == pytest.approx(0.60)
    assert (esc["ci_low"], esc["ci_high"]) == pytest.approx((0.58, 0.62))
    assert esc["n_parameters"] == 94_000_000 and esc["link"] == "https://huggingface.co/org/tiny-wavlm"
    # the reference rows are there too, marked as such
    assert len(t.df[t.df["source_kind"] == "reference"]) == len(reference_table().df)


def test_unknown_tasks_become_columns_with_their_metadata(results_dir):
    t = build_table([results_dir], progress=False)
    col = t.boards["embedded"].column("tones")
    assert col is not None and col.label == "Synth tones" and col.group == "sound" and col.weight == 100
    assert col.higher_is_better


def test_a_wenetspeech_task_lands_on_every_board_that_shows_it(results_dir):
    t = build_table([results_dir], progress=False)
    wu = _values(t, model="tiny-wavlm", task="wu_bench_asr")
    assert set(wu["board"]) == {"wenetspeech_wu_asr", "wenetspeech_wu_und"}
    assert set(wu["value"]) == {11.5}


def test_zerospeech_scores_fill_dev_and_skip_null(results_dir):
    t = build_table([results_dir], progress=False)
    zs = _values(t, board="zerospeech_slm21", model="cpc-small")
    assert set(zs["split"]) == {"dev"}
    assert dict(zip(zs["task"], zs["value"])) == {"lexical_all": 0.61, "syntactic": 0.53,
                                                  "semantic_synthetic_normal": 4.2}
    pros = _values(t, board="zerospeech_prosaudit")
    assert set(pros["task"]) == {"prosaudit_lexical", "prosaudit_protosyntax"}


def test_parquet_round_trip_keeps_rows_boards_and_sources(results_dir, tmp_path):
    t = build_table([results_dir], progress=False)
    path = t.save(tmp_path / "lb.parquet")
    back = LeaderboardTable.load(path)
    pd.testing.assert_frame_equal(back.df.reset_index(drop=True), t.df.reset_index(drop=True), check_dtype=False)
    assert back.boards == t.boards
    assert back.sources == t.sources and back.stats == t.stats


def test_newer_result_supersedes_older(tmp_path):
    old = make_result(score=0.40, created_at="2026-01-01T00:00:00Z")
    new = make_result(score=0.70, created_at="2026-02-01T00:00:00Z")
    write_json(tmp_path / "a" / "esc50.json", old)
    write_json(tmp_path / "b" / "esc50.json", new)
    t = build_table([tmp_path], include_reference=False, progress=False)
    assert list(t.df["value"]) == [0.70]
    assert t.stats["superseded_results"] == 1


def test_same_encoder_at_two_layers_gets_two_rows(tmp_path):
    write_run(tmp_path, [make_result(layer="6", score=0.5)])
    write_json(tmp_path / "other" / "esc50.json", make_result(layer="12", score=0.6))
    t = build_table([tmp_path], include_reference=False, progress=False)
    assert set(t.df["model"]) == {"tiny-wavlm @6", "tiny-wavlm @12"}


def test_invalid_result_names_file_and_field(tmp_path):
    bad = make_result()
    del bad["scores"]["main_score"]
    path = write_json(tmp_path / "enc" / "mlp" / "esc50.json", bad)
    write_run(tmp_path, [make_result(task="cremad")])
    with pytest.raises(HFBenchError) as e:
        build_table([tmp_path], progress=False)
    assert str(path) in str(e.value) and "scores.main_score" in str(e.value) and "--skip-invalid" in str(e.value)
    t = build_table([tmp_path], skip_invalid=True, include_reference=False, progress=False)
    assert list(t.df["task"]) == ["cremad"] and t.stats["invalid_skipped"] == 1


def test_truncated_json_and_nan_score_are_errors(tmp_path):
    (tmp_path / "a.json").write_text('{"kind": "hf_bench.task_result", ', encoding="utf-8")
    with pytest.raises(HFBenchError, match="not readable JSON"):
        build_table([tmp_path / "a.json"], progress=False)
    nan = json.dumps(make_result()).replace('"main_score": 0.5', '"main_score": NaN')
    (tmp_path / "b.json").write_text(nan, encoding="utf-8")
    with pytest.raises(HFBenchError, match="not a finite number"):
        build_table([tmp_path / "b.json"], progress=False)


def test_direction_conflict_with_a_known_column_is_an_error(tmp_path):
    r = make_result(task="wu_bench_asr", benchmark="wenetspeech_wu", metric="cer", higher_is_better=True)
    write_json(tmp_path / "r.json", r)
    with pytest.raises(HFBenchError, match="lower-is-better"):
        build_table([tmp_path], progress=False)


def test_missing_results_path_is_an_error(tmp_path):
    with pytest.raises(HFBenchError, match="results path not found"):
        build_table([tmp_path / "nope"], progress=False)


def test_load_rejects_what_is_not_a_leaderboard_table(tmp_path):
    with pytest.raises(HFBenchError, match="not found"):
        LeaderboardTable.load(tmp_path / "missing.parquet")
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"not parquet")
    with pytest.raises(HFBenchError, match="not a readable parquet"):
        LeaderboardTable.load(junk)
    plain = tmp_path / "plain.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(plain)
    with pytest.raises(HFBenchError, match="not an hf_bench leaderboard table"):
        LeaderboardTable.load(plain)
    with pytest.raises(HFBenchError, match=r"\.parquet"):
        reference_table().save(tmp_path / "table.csv")


def test_reference_table_is_complete_and_offline():
    t = reference_table()
    assert set(t.df["source_kind"]) == {"reference"}
    assert t.df["value"].notna().sum() == 293 and t.df["value"].isna().sum() == 4  # "-" cells of the seed
    assert not math.isnan(t.df[(t.df["model"] == "W2V-Fr-7K-large") & (t.df["task"] == "etape_asr_hybrid")]["value"].iloc[0])


def test_zerospeech_scores_match_what_the_zerospeech_area_writes(tmp_path):
    """The scores.json shape of hf_bench.zerospeech.run.scores_document is what the leaderboard validates."""
    constants = pytest.importorskip("hf_bench.zerospeech.constants")
    run = pytest.importorskip("hf_bench.zerospeech.run")
    from hf_bench.leaderboard.zerospeech_scores import SCORE_NAMES

    assert {k: tuple(v) for k, v in constants.SCORE_NAMES.items()} == SCORE_NAMES
    assert constants.SCORES_KIND == "hf_bench.zerospeech_scores" and constants.SCORES_SCHEMA_VERSION == 1
    params = run.SLM21Params() if hasattr(run, "SLM21Params") else None
    if params is None:
        pytest.skip("no SLM21Params to build a document with")
    doc = run.scores_document("sLM21", tmp_path, params, {"lexical_all": {"dev": 0.7}, "syntactic": {"dev": None}})
    write_json(tmp_path / "scores.json", doc)
    t = build_table([tmp_path / "scores.json"], include_reference=False, progress=False)
    assert list(zip(t.df["task"], t.df["split"], t.df["value"])) == [("lexical_all", "dev", 0.7)]
    assert t.df["model"].iloc[0] == tmp_path.resolve().name
