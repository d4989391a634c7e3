"""Borda and per-column ranks, tie marks, recomputed vs printed aggregates, the CSV of a view, URL state."""

from __future__ import annotations

import csv
import io
import itertools
import re

import numpy as np
import pandas as pd
import pytest
from lb_helpers import make_result, write_run

from hf_bench.leaderboard import urlstate
from hf_bench.leaderboard.catalog import HF_BENCH, REFERENCE
from hf_bench.leaderboard.render import CELLS_RANKS, board_table_html
from hf_bench.leaderboard.table import build_table, reference_table
from hf_bench.leaderboard.views import AVG, BORDA, BoardViews, Query, row_key, view_csv


def _borda_by_hand(values: dict[str, dict[str, float]], higher: dict[str, bool]) -> dict[str, float]:
    """Brute force: for every pair of rows and every column, who beats whom."""
    points = {m: 0.0 for m in values}
    for task, hib in higher.items():
        have = {m: v[task] for m, v in values.items() if task in v}
        for a, b in itertools.permutations(have, 2):
            if have[a] == have[b]:
                points[a] += 0.5
            elif (have[a] > have[b]) == hib:
                points[a] += 1.0
    return points


def test_borda_count_matches_brute_force_with_partial_coverage(tmp_path):
    rng = np.random.default_rng(3)
    tasks = {"esc50": True, "cremad": True, "gtzan_genre": True}
    values, rs = {}, []
    for i in range(7):
        enc = f"enc{i}"
        values[enc] = {}
        for task in tasks:
            if rng.random() < 0.25:  # partial coverage
                continue
            v = float(np.round(rng.choice([0.5, 0.6, 0.7, rng.random()]), 3))  # some exact ties
            values[enc][task] = v
            rs.append(make_result(task=task, score=v, encoder=enc, fingerprint=f"fp{i}"))
    views = BoardViews(build_table([write_run(tmp_path / "r", rs)], progress=False))
    view = views.query(Query("xares", probe="mlp", sources=[HF_BENCH], columns=list(tasks)))
    expected = _borda_by_hand(values, tasks)
    got = {r["model"]: r["borda_points"] for _, r in view.rows.iterrows()}
    assert got == pytest.approx(expected)
    # Borda rank: 1 for the most points, rows with equal points share the rank
    order = sorted(expected.values(), reverse=True)
    for _, r in view.rows.iterrows():
        assert r[BORDA] == order.index(expected[r["model"]]) + 1
    # sorting by it puts the best first; per-column ranks are competition ranks on the values
    by_borda = views.query(Query("xares", probe="mlp", sources=[HF_BENCH], columns=list(tasks), sort_by=BORDA))
    assert by_borda.rows[BORDA].is_monotonic_increasing
    for task in tasks:
        col = {m: v[task] for m, v in values.items() if task in v}
        for key, rank in view.task_ranks[task].items():
            m = view.rows.at[key, "model"]
            assert rank == 1 + sum(1 for x in col.values() if x > col[m])


def test_lower_is_better_columns_rank_the_lowest_first():
    views = BoardViews(reference_table())
    view = views.query(Query("wenetspeech_wu_asr"))
    ranks = view.task_ranks["wu_bench_asr"]
    col = view.rows["wu_bench_asr"].dropna()
    assert ranks[col.idxmin()] == 1 and ranks[col.idxmax()] == len(col)


def _ci_results(tmp_path, specs):
    rs = [make_result(task="esc50", score=s, ci=ci, encoder=enc, fingerprint=f"fp{i}")
          for i, (enc, s, ci) in enumerate(specs)]
    return BoardViews(build_table([write_run(tmp_path / "r", rs)], progress=False))


def test_overlapping_intervals_share_a_rank_and_are_marked(tmp_path):
    views = _ci_results(tmp_path, [("a", 0.80, (0.78, 0.82)), ("b", 0.79, (0.76, 0.81)),
                                   ("c", 0.60, (0.58, 0.62))])
    view = views.query(Query("xares", probe="mlp", sources=[HF_BENCH], columns=["esc50"]))
    key = {r["model"]: k for k, r in view.rows.iterrows()}
    ranks = view.task_ranks["esc50"]
    assert ranks[key["a"]] == ranks[key["b"]] == 1 and ranks[key["c"]] == 3
    assert "overlap" in view.tied[(key["b"], "esc50")] and "a" in view.tied[(key["b"], "esc50")]
    assert (key["c"], "esc50") not in view.tied and (key["a"], "esc50") not in view.tied
    html = board_table_html(view, {})
    assert html.count('class="hfb-tie"') == 1 and "rank 1= of 3" in html
    ranks_html = board_table_html(view, {}, cells=CELLS_RANKS)
    assert ">1=<" in ranks_html or "1=</" in ranks_html


def test_a_paired_comparison_overrides_interval_overlap(tmp_path):
    views = _ci_results(tmp_path, [("a", 0.80, (0.70, 0.90)), ("b", 0.79, (0.69, 0.89))])
    ka, kb = row_key(HF_BENCH, "a", "mlp"), row_key(HF_BENCH, "b", "mlp")
    # the table's paired bootstrap said: significantly different (same test items, b always worse)
    views.table.comparisons = pd.DataFrame([dict(board="xares", split="test", probe="mlp", task="esc50", key_a=ka,
                                                 key_b=kb, difference=0.01, low=0.005, high=0.015, p_value=0.002,
                                                 method="paired_bootstrap", tied=False)])
    views = BoardViews(views.table)
    view = views.query(Query("xares", probe="mlp", sources=[HF_BENCH], columns=["esc50"]))
    assert view.task_ranks["esc50"] == {ka: 1, kb: 2} and not view.tied
    views.table.comparisons.loc[0, ["tied", "p_value"]] = [True, 0.41]
    views = BoardViews(views.table)
    view = views.query(Query("xares", probe="mlp", sources=[HF_BENCH], columns=["esc50"]))
    assert view.task_ranks["esc50"] == {ka: 1, kb: 1}
    assert "paired bootstrap" in view.tied[(kb, "esc50")] and "p = 0.41" in view.tied[(kb, "esc50")]


def test_published_aggregate_that_differs_is_shown_beside_the_recomputed_one():
    views = BoardViews(reference_table())
    view = views.query(Query("xares", probe="mlp+xares"))
    key = row_key(REFERENCE, "dasheng-base", "mlp+xares")
    assert view.published_avg[key] == "0.699"
    assert round(view.rows_all.at[key, AVG], 3) == 0.724
    html = board_table_html(view, reference_table().sources)
    assert "printed 0.699" in html and "hfb-recomputed" in html
    # a partial view (one domain) has its own average: no printed value to compare it with
    speech = views.query(Query("xares", probe="mlp+xares", groups=["speech"]))
    assert not speech.published_avg


def test_csv_is_the_whole_view_in_view_order(results_dir):
    views = BoardViews(build_table([results_dir], progress=False))
    q = Query("xares", probe="mlp+xares", sort_by="esc50", limit=3)
    view = views.query(q)
    assert len(view.rows) == 3 and len(view.rows_all) == view.n_matched > 3
    rows = list(csv.DictReader(io.StringIO(view_csv(view))))
    assert [r["model"] for r in rows] == list(view.rows_all["model"])
    labels = [c.label for c in view.columns]
    assert list(rows[0])[:5] == ["position", "model", "source", "probe", "parameters"]
    assert all(lab in rows[0] and f"{lab} rank" in rows[0] for lab in labels)
    best = rows[0]
    assert float(best["ESC-50"]) == pytest.approx(view.rows_all["esc50"].max(), abs=1e-3)
    assert best["ESC-50 rank"] in ("1", "1=")
    assert rows[0]["source"].startswith(("published", HF_BENCH))
    # a search narrows the CSV exactly as it narrows the table
    only = views.query(Query("xares", probe="mlp+xares", search="tiny-wavlm"))
    assert [r["model"] for r in csv.DictReader(io.StringIO(view_csv(only)))] == ["tiny-wavlm"]


CHOICES = {"xares": {"search": None, "probe": {"mlp", "knn", "mlp+xares"}, "sort": {"__avg__", "esc50"},
                     "order": {"best first", "worst first"}, "limit": {25, 50, 0}, "groups": {"speech", "sound", "music"},
                     "sources": {"reference", "hf_bench"}, "sizes": {"< 100M", "unknown"},
                     "columns": {"esc50", "cremad"}, "cells": {"scores", "ranks"}}}
DEFAULTS = {"search": "", "probe": "mlp+xares", "sort": "__avg__", "order": "best first", "limit": 50,
            "groups": ["speech", "sound", "music"], "sources": ["reference", "hf_bench"], "sizes": ["< 100M", "unknown"],
            "columns": ["esc50", "cremad"], "cells": "scores"}


def test_url_state_round_trip():
    assert urlstate.encode("xares", DEFAULTS, DEFAULTS) == "board=xares"
    values = {**DEFAULTS, "search": "dasheng; whisper & co", "probe": "knn", "sort": "esc50", "order": "worst first",
              "limit": 0, "groups": ["sound"], "sources": [], "columns": ["cremad"], "cells": "ranks"}
    query = urlstate.encode("xares", values, DEFAULTS)
    board, back = urlstate.decode(query, CHOICES)
    assert board == "xares"
    assert {**DEFAULTS, **back} == values
    # list order does not matter for equality with the default
    assert urlstate.encode("xares", {**DEFAULTS, "groups": ["music", "sound", "speech"]}, DEFAULTS) == "board=xares"


def test_url_state_drops_what_the_board_does_not_offer():
    board, values = urlstate.decode("board=xares&probe=nope&cols=esc50,gone&rows=7&order=sideways&cells=ranks", CHOICES)
    assert board == "xares" and values == {"columns": ["esc50"], "cells": "ranks"}
    assert urlstate.decode("board=nowhere&probe=knn", CHOICES) == (None, {})
    assert urlstate.decode("tab=heatmap", CHOICES) == ("heatmap", {})
    assert urlstate.decode("", CHOICES) == (None, {})


def test_published_models_carry_their_metadata_so_the_size_filter_means_something():
    from hf_bench.leaderboard.details import model_head_html

    views = BoardViews(reference_table())
    small = views.query(Query("xares", probe="mlp+xares", sizes=["< 100M"]))
    assert set(small.rows["model"]) == {"dasheng-base", "whisper-base (encoder)", "data2vec-audio-base"}
    large = views.query(Query("xares", probe="mlp+xares", sizes=["100M–1B"]))
    assert list(large.rows["model"]) == ["wav2vec2-large-100k-voxpopuli"]
    head = model_head_html(views, REFERENCE, "dasheng-base")
    assert "Embedding dim" in head and "768" in head and "25 Hz" in head and "272,000 h" in head
    assert "Where these facts come from" in head and "github.com/XiaoMi/dasheng" in head


def test_a_suffix_every_header_shares_is_said_once(tmp_path):
    rs = [make_result(task=t, benchmark="embedded", score=0.5, encoder="e", domain="speech", eval_weight=10,
                      display_name=f"{name} (synthetic)")
          for t, name in (("kws", "Keyword spotting"), ("speaker", "Speaker identification"))]
    views = BoardViews(build_table([write_run(tmp_path / "r", rs)], progress=False))
    html = board_table_html(views.query(Query("embedded")), {})
    head = re.sub(r'title="[^"]*"', "", html[html.index("<thead>"):html.index("</thead>")])  # tooltips keep it
    assert "(synthetic)" not in head and "Keyword spotting" in head
    assert "every task (synthetic)" in html
