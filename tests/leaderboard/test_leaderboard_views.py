"""Ranking, highlighting, filtering and averaging of board views, and their HTML."""

from __future__ import annotations

import math

import pytest
from lb_helpers import make_result, write_run

from hf_bench.leaderboard.catalog import HF_BENCH, REFERENCE
from hf_bench.leaderboard.render import board_table_html, heatmap_html, model_card_html
from hf_bench.leaderboard.table import build_table, reference_table
from hf_bench.leaderboard.views import AVG, MODEL, PUBLISHED_ORDER, BoardViews, Query, heatmap_frame, weighted_average


@pytest.fixture(scope="module")
def ref_views():
    return BoardViews(reference_table())


@pytest.fixture
def views(results_dir):
    return BoardViews(build_table([results_dir], progress=False))


def test_weighted_average_is_the_xares_formula():
    assert weighted_average({"a": 1.0, "b": 0.0}, {"a": 3, "b": 1}) == pytest.approx(0.75)
    assert weighted_average({"a": 1.0, "b": 0.0}, {"a": 3, "b": 0}) == pytest.approx(1.0)  # weight 0 drops out
    assert math.isnan(weighted_average({"a": 1.0}, {}))


def test_lower_is_better_column_sorts_best_first(ref_views):
    view = ref_views.query(Query("wenetspeech_wu_asr", sort_by="wu_bench_asr"))
    assert list(view.rows["model"][:2]) == ["Step-Audio2-Wu-ASR", "Whisper-medium-Wu"]
    assert view.rows["wu_bench_asr"].is_monotonic_increasing
    worst = ref_views.query(Query("wenetspeech_wu_asr", sort_by="wu_bench_asr", best_first=False))
    assert worst.rows["model"].iloc[0] == "Gemini-2.5-pro"


def test_higher_is_better_column_sorts_best_first(ref_views):
    view = ref_views.query(Query("lebenchmark", sort_by="mtedx_ast_fr_en"))
    assert view.rows["model"].iloc[0] == "W2V-Fr-7K-large"
    assert view.rows["mtedx_ast_fr_en"].dropna().is_monotonic_decreasing


@pytest.mark.parametrize("best_first", [True, False])
def test_missing_values_sort_last_either_way(ref_views, best_first):
    view = ref_views.query(Query("lebenchmark", sort_by="commonvoice_asr_e2e", best_first=best_first))
    col = view.rows["commonvoice_asr_e2e"]
    n = int(col.notna().sum())
    assert col.iloc[:n].notna().all() and col.iloc[n:].isna().all()


def test_published_order_is_the_printed_order(ref_views):
    view = ref_views.query(Query("wenetspeech_wu_asr", sort_by=PUBLISHED_ORDER))
    assert view.rows["model"].iloc[0] == "Paraformer" and view.rows["model"].iloc[-1] == "Tele-CTC-FT"
    by_name = ref_views.query(Query("wenetspeech_wu_asr", sort_by=MODEL))
    assert list(by_name.rows["model"]) == sorted(by_name.rows["model"], key=str.lower)


def test_equal_printed_values_share_the_mark(ref_views):
    # RECOLA arousal: 0.709 best, then 0.700 twice (W2V-Fr-3K-base and W2V-Fr-7K-base)
    view = ref_views.query(Query("lebenchmark"))
    marks = {view.rows.loc[k, "model"]: m for k, m in view.highlight["recola_arousal"].items()}
    assert marks == {"W2V-Fr-1K-large": "best", "W2V-Fr-3K-base": "second", "W2V-Fr-7K-base": "second"}


def test_search_narrows_rows_without_moving_highlights(ref_views):
    all_rows = ref_views.query(Query("lebenchmark"))
    hits = ref_views.query(Query("lebenchmark", search="7k"))
    assert set(hits.rows["model"]) == {"W2V-Fr-7K-base", "W2V-Fr-7K-large"}
    assert hits.n_matched == 2 and hits.n_filtered == all_rows.n_filtered
    assert hits.highlight == all_rows.highlight
    both = ref_views.query(Query("lebenchmark", search="xlsr; en-base"))
    assert set(both.rows["model"]) == {"XLSR-53-large", "W2V2-En-base"}


def test_domain_filter_hides_columns_and_restricts_the_average(ref_views):
    full = ref_views.query(Query("xares", probe="mlp+xares"))
    speech = ref_views.query(Query("xares", probe="mlp+xares", groups=["speech"]))
    assert {c.group for c in speech.columns} == {"speech"} and "gtzan_genre" not in speech.rows
    assert speech.avg_label == "W.avg (Speech)" and full.avg_label == "W.avg"
    assert len(speech.avg_tasks) == 11
    assert not speech.rows[AVG].equals(full.rows[AVG])


def test_column_selection_only_hides_columns(ref_views):
    full = ref_views.query(Query("xares", probe="mlp+xares"))
    two = ref_views.query(Query("xares", probe="mlp+xares", columns=["esc50", "cremad"]))
    assert [c.task for c in two.columns] == ["cremad", "esc50"]  # group order: speech before sound
    assert two.rows[AVG].tolist() == full.rows[AVG].tolist()


def test_knn_view_has_only_knn_tasks(ref_views):
    view = ref_views.query(Query("xares", probe="knn+xares"))
    assert len(view.columns) == 16 and "clotho" not in {c.task for c in view.columns}


def test_average_needs_every_task_and_reports_coverage(views):
    view = views.query(Query("xares", probe="mlp+xares"))
    hf = view.rows[view.rows["source_kind"] == HF_BENCH]
    assert list(hf["model"]) == ["tiny-wavlm"]  # its --compat xares run sits beside the published rows
    assert hf[AVG].isna().all() and set(hf["coverage"]) == {"3/22"}
    ref = view.rows[view.rows["source_kind"] == REFERENCE]
    assert ref[AVG].notna().all() and set(ref["coverage"]) == {"22/22"}
    # incomplete rows sort after complete ones when ranking by W.avg
    assert list(view.rows["source_kind"][-1:]) == [HF_BENCH]


def test_protocols_never_share_a_column(views):
    own = views.query(Query("xares", probe="mlp"))
    assert set(own.rows["source_kind"]) == {HF_BENCH}  # hf_bench's protocol: no published row in these columns
    assert set(own.rows["model"]) == {"tiny-wavlm", "mini-hubert"}
    xares = views.query(Query("xares", probe="mlp+xares"))
    esc = dict(zip(xares.rows["model"], xares.rows["esc50"]))
    assert esc["tiny-wavlm"] == pytest.approx(0.62) and dict(zip(own.rows["model"], own.rows["esc50"]))[
        "tiny-wavlm"] == pytest.approx(0.60)
    labels = dict((v, k) for k, v in views.probe_choices("xares"))
    assert labels["mlp+xares"] == "MLP (X-ARES protocol)" and labels["mlp"] == "MLP (hf_bench protocol)"
    assert views.default_probe("xares") == "mlp+xares"


def test_source_and_size_filters(views):
    only_hf = views.query(Query("xares", probe="mlp", sources=[HF_BENCH]))
    assert set(only_hf.rows["model"]) == {"tiny-wavlm", "mini-hubert"}
    small = views.query(Query("xares", probe="mlp", sources=[HF_BENCH], sizes=["< 100M"]))
    assert list(small.rows["model"]) == ["tiny-wavlm"]
    big = views.query(Query("xares", probe="mlp", sizes=["≥ 1B"]))
    assert list(big.rows["model"]) == ["mini-hubert"]


def test_highlight_follows_the_row_filters(views):
    both = views.query(Query("wenetspeech_wu_asr"))
    best = {both.rows.loc[k, "model"] for k, m in both.highlight["wu_bench_asr"].items() if m == "best"}
    assert best == {"tiny-wavlm"}  # 11.50 beats the published 12.85
    published = views.query(Query("wenetspeech_wu_asr", sources=[REFERENCE]))
    best = {published.rows.loc[k, "model"] for k, m in published.highlight["wu_bench_asr"].items() if m == "best"}
    assert best == {"Step-Audio2-Wu-ASR"}


def test_heatmap_frame_is_direction_aware(ref_views):
    view = ref_views.query(Query("wenetspeech_wu_asr"))
    hm = heatmap_frame(view)
    best = view.rows["wu_bench_asr"].idxmin()
    worst = view.rows["wu_bench_asr"].idxmax()
    assert hm.loc[best, "wu_bench_asr"] == 1.0 and hm.loc[worst, "wu_bench_asr"] == 0.0


def test_table_html_marks_best_second_and_missing(ref_views):
    html = board_table_html(ref_views.query(Query("lebenchmark")), reference_table().sources)
    assert "<b>25.64</b>" in html and "<u>27.09</u>" in html
    assert 'class="hfb-num hfb-missing" title="not reported">-</td>' in html
    assert "published · LeBenchmark leaderboard" in html and 'data-col="etape_asr_hybrid"' in html


def test_html_escapes_model_names(tmp_path):
    write_run(tmp_path, [make_result(encoder='<img src=x onerror="alert(1)">')])
    t = build_table([tmp_path], include_reference=False, progress=False)
    v = BoardViews(t)
    html = board_table_html(v.query(Query("xares", probe="mlp")), t.sources)
    assert "<img" not in html and "&lt;img" in html
    card = model_card_html(v, HF_BENCH, '<img src=x onerror="alert(1)">')
    assert "<img" not in card
    assert "<img" not in heatmap_html(v.query(Query("xares", probe="mlp")), 10)


def test_model_card_lists_every_board_of_the_model(views):
    html = model_card_html(views, HF_BENCH, "tiny-wavlm")
    for title in ("X-ARES · MLP (X-ARES protocol)", "X-ARES · MLP", "X-ARES · kNN", "Embedded suite",
                  "WenetSpeech-Wu · ASR", "WenetSpeech-Wu · Understanding"):
        assert title in html
    assert html.index("X-ARES · MLP (X-ARES protocol)") < html.index("X-ARES · MLP<") < html.index("X-ARES · kNN")
    assert "https://huggingface.co/org/tiny-wavlm" in html


def test_xares_average_is_hf_bench_metrics_xares(ref_views):
    from hf_bench.metrics import xares

    view = ref_views.query(Query("xares", probe="knn+xares"))
    row = view.rows.iloc[0]
    scores = {c.task: row[c.task] for c in view.columns}
    assert row[AVG] == pytest.approx(xares({"knn": scores})["knn/weighted_average"])


def test_embedded_average_uses_each_tasks_eval_weight(tmp_path):
    write_run(tmp_path, [make_result(task="a", benchmark="embedded", score=1.0, eval_weight=300),
                         make_result(task="b", benchmark="embedded", score=0.0, eval_weight=100),
                         make_result(task="c", benchmark="embedded", score=5.0, eval_weight=100,
                                     metric="mae", higher_is_better=False)])
    view = BoardViews(build_table([tmp_path], include_reference=False, progress=False)).query(Query("embedded"))
    assert view.avg_tasks == ["a", "b"]  # the lower-is-better task stays out of the average
    assert view.rows[AVG].iloc[0] == pytest.approx(0.75)


def test_boards_with_probe_rows_show_one_protocol_at_a_time(tmp_path):
    write_run(tmp_path, [make_result(task="a", benchmark="embedded", score=0.6, eval_weight=300),
                         make_result(task="a", benchmark="embedded", score=0.9, eval_weight=300, protocol="xares")])
    v = BoardViews(build_table([tmp_path], include_reference=False, progress=False))
    assert v.protocols("embedded") == ["default", "xares"]
    own = v.query(Query("embedded"))
    assert list(own.rows["probe"]) == ["mlp"] and own.rows["a"].tolist() == [0.6]
    theirs = v.query(Query("embedded", protocol="xares"))
    assert list(theirs.rows["probe"]) == ["mlp+xares"] and theirs.rows["a"].tolist() == [0.9]
    assert all(m == "best" for m in own.highlight["a"].values())  # ranked among its own protocol only


def test_headers_keep_ascii_hyphens_so_search_and_copy_find_them(ref_views):
    html = board_table_html(ref_views.query(Query("xares")), reference_table().sources)
    assert "\u2011" not in html
    assert '<span class="hfb-nowrap">CREMA-D</span>' in html  # short names still never wrap at the hyphen
    heat = heatmap_html(ref_views.query(Query("xares")), 10)
    assert "\u2011" not in heat and "CREMA-D" in heat


def test_filters_that_hide_every_row_say_so_not_that_there_are_no_results(ref_views):
    none = ref_views.query(Query("xares", sizes=["≥ 1B"]))
    assert none.n_filtered == 0 and none.n_total > 0
    html = board_table_html(none, reference_table().sources)
    assert "rows match the filters" in html and "results yet" not in html and f"{none.n_total} rows" in html
    assert "rows match the filters" in heatmap_html(none, 10)


def test_heatmap_rows_of_one_model_and_several_probes_name_the_probe(tmp_path):
    write_run(tmp_path, [make_result(task="a", benchmark="embedded", score=0.6, eval_weight=300),
                         make_result(task="a", benchmark="embedded", score=0.7, eval_weight=300, probe="knn")])
    v = BoardViews(build_table([tmp_path], include_reference=False, progress=False))
    view = v.query(Query("embedded"))
    assert sorted(view.rows["probe"]) == ["knn", "mlp"]
    heat = heatmap_html(view, 10)
    assert "· MLP</span>" in heat and "· kNN</span>" in heat
