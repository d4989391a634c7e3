"""The "Model details" view (hf_bench.leaderboard.details): absolute-scale bars, CI whiskers, side-by-side models
and per-domain radars, as HTML strings (no browser)."""

from __future__ import annotations

import re

import pytest
from lb_helpers import make_result, populate_results, write_run

from hf_bench.leaderboard.catalog import HF_BENCH, REFERENCE, Column
from hf_bench.leaderboard.details import (
    DETAILS_CSS,
    MODEL_COLORS,
    PERCENT,
    UNIT,
    bar_html,
    details_html,
    metric_scale,
    parse_selection,
)
from hf_bench.leaderboard.table import build_table, reference_table
from hf_bench.leaderboard.views import SEP, BoardViews, Query


@pytest.fixture(scope="module")
def ref_views():
    return BoardViews(reference_table())


@pytest.fixture(scope="module")
def views(tmp_path_factory):
    return BoardViews(build_table([populate_results(tmp_path_factory.mktemp("details") / "results")], progress=False))


def _bars(html: str, task: str) -> list[dict]:
    """data-* of every bar of ``task``, in order."""
    out = []
    for m in re.finditer(r'<div class="hfb-dt-bar[^"]*" ([^>]*)>', html):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(1)))
        if attrs.get("data-task") == task:
            out.append(attrs)
    return out


def _section(html: str, title: str) -> str:
    i = html.index(f"<span>{title}</span>")
    j = html.find('<div class="hfb-section"', i)
    return html[i:j if j > 0 else len(html)]


def _polygons(html: str) -> list[tuple[str, int]]:
    return [(m.group(1), len(m.group(2).split()))
            for m in re.finditer(r'<polygon class="hfb-dt-poly" data-model="([^"]*)" points="([^"]*)"', html)]


def test_bar_width_is_the_value_on_the_absolute_scale(views):
    html = details_html(views, [(HF_BENCH, "tiny-wavlm"), (HF_BENCH, "mini-hubert")])
    bars = _bars(_section(html, "X-ARES · MLP"), "esc50")
    assert [float(b["data-width"]) for b in bars] == [60.0, 45.0]  # not 100 / 75: the best row is not the scale
    assert 'style="width:60.0%;' in bar_html(0.6, UNIT, True, "1 / 2", 3, None, "#000")


def test_ci_whiskers_sit_at_the_interval_on_the_scale(views):
    html = _section(details_html(views, [(HF_BENCH, "tiny-wavlm")]), "X-ARES · MLP")
    row = re.search(r'<div class="hfb-dt-bar[^"]*" data-model="[^"]*" data-task="esc50".*?</div>', html).group(0)
    ci = re.search(r'data-ci-low="([\d.]+)" data-ci-high="([\d.]+)" style="left:([\d.]+)%;width:([\d.]+)%"', row)
    assert ci and [float(x) for x in ci.groups()] == pytest.approx([58.0, 62.0, 58.0, 4.0])
    assert "95 % CI [0.580, 0.620]" in row
    knn = _section(details_html(views, [(HF_BENCH, "tiny-wavlm")]), "X-ARES · kNN")
    assert "hfb-dt-ci" not in knn  # the kNN results have no interval: no whisker


def test_lower_is_better_bar_length_is_the_value(views):
    html = details_html(views, [(HF_BENCH, "tiny-wavlm")])
    (bar,) = _bars(_section(html, "WenetSpeech-Wu · ASR"), "wu_bench_asr")
    assert float(bar["data-width"]) == 11.5  # CER 11.5 % on 0–100, not inverted
    assert "↓" in bar["title"] and "scale 0–100" in bar["title"]
    assert "lower is better · scale 0–100" in html
    beyond = bar_html(130.0, PERCENT, False, "9 / 9", 2, None, "#000")
    assert 'data-width="100.0"' in beyond and "beyond the scale" in beyond


def test_three_models_side_by_side(ref_views):
    keys = [(REFERENCE, m) for m in ("dasheng-base", "data2vec-audio-base", "wav2vec2-large-100k-voxpopuli")]
    html = details_html(ref_views, keys)
    assert html.count('class="hfb-dt-legend-item"') == 3
    assert html.count('class="hfb-card-head"') == 3
    for c in MODEL_COLORS:
        assert f"background:{c}" in html
    bars = _bars(html, "esc50")
    assert [b["data-model"].split(SEP)[1] for b in bars[:3]] == [k[1] for k in keys]
    assert all(re.fullmatch(r"\d+ / \d+", _rank_of(html, b)) for b in bars[:3])
    # the picker never passes more than three, and the view never draws more
    four = details_html(ref_views, keys + [(REFERENCE, "whisper-base (encoder)")])
    assert four.count('class="hfb-dt-legend-item"') == 3


def _rank_of(html: str, bar: dict) -> str:
    m = re.search(re.escape(f'data-model="{bar["data-model"]}" data-task="{bar["data-task"]}"') +
                  r'.*?<span class="hfb-dt-rank">([^<]*)</span>', html)
    return m.group(1)


def test_radar_per_domain_has_a_vertex_per_task(ref_views):
    board = ref_views.table.boards["xares"]
    keys = [(REFERENCE, "dasheng-base"), (REFERENCE, "data2vec-audio-base")]
    html = _section(details_html(ref_views, keys), "X-ARES · MLP (X-ARES protocol)")
    view = ref_views.query(Query("xares", probe="mlp+xares"))
    for g in board.groups:
        fig = re.search(rf'<figure class="hfb-dt-radar" data-group="{g}">.*?</figure>', html, re.S).group(0)
        n = sum(1 for c in view.columns if c.group == g)
        polys = _polygons(fig)
        assert len(polys) == 2 and all(k == n for _, k in polys), (g, n, polys)
        assert fig.count('class="hfb-dt-axis"') == n
        assert 'fill="currentColor"' in fig and "<script" not in fig


def test_no_radar_for_a_domain_with_fewer_than_three_tasks(views):
    html = details_html(views, [(HF_BENCH, "tiny-wavlm"), (HF_BENCH, "mini-hubert")])
    assert "hfb-dt-radar" not in _section(html, "X-ARES · MLP")  # one task per domain


def test_radar_inverts_lower_is_better_axes(ref_views):
    html = details_html(ref_views, [(REFERENCE, "W2V-Fr-7K-large")])
    fig = re.search(r'<figure class="hfb-dt-radar" data-group="ASR">.*?</figure>', html, re.S)
    assert fig and "axes inverted" in fig.group(0) and "inverted: centre = 100" in fig.group(0)


def test_labels_are_full_titles_and_wrap(ref_views):
    html = details_html(ref_views, [(REFERENCE, "dasheng-base")])
    assert "FSD50K (multi-label tagging, mAP)" in html and "VoxLingua33 (language identification)" in html
    label_css = re.search(r"\.hfb-dt-task-label \{([^}]*)\}", DETAILS_CSS).group(1)
    assert "white-space: normal" in label_css and "ellipsis" not in DETAILS_CSS
    assert "$" not in DETAILS_CSS and "`" not in DETAILS_CSS and "{{" not in DETAILS_CSS  # css_template-safe


def test_rank_is_position_over_rows_with_a_value(views):
    html = details_html(views, [(HF_BENCH, "tiny-wavlm"), (HF_BENCH, "mini-hubert")])
    sec = _section(html, "X-ARES · MLP")
    ranks = [_rank_of(sec, b) for b in _bars(sec, "esc50")]
    assert ranks == ["1 / 2", "2 / 2"]


def test_metric_scales():
    def col(metric, hib=True):
        return Column("t", "T", "T title", "g", metric, hib)

    assert metric_scale(col("accuracy")) == UNIT and metric_scale(col("segment-F1 macro")) == UNIT
    ccc = metric_scale(col("CCC"))
    assert (ccc.lo, ccc.hi) == (0.0, 1.0) and ccc.frac(-0.2) == 0.0
    assert metric_scale(col("WER %", False)) == PERCENT and metric_scale(col("BLEU")) == PERCENT
    assert metric_scale(col("cer", False)) == PERCENT  # registry names (dynamic boards)
    odd = metric_scale(col("mae", False), [3.2, 41.0])
    assert (odd.lo, odd.hi) == (0.0, 50.0) and "0–50" in odd.caption


def test_parse_selection():
    a, b, c, d = (SEP.join((HF_BENCH, m)) for m in "abcd")
    assert parse_selection(None) == [] and parse_selection(a) == [(HF_BENCH, "a")]
    assert parse_selection([a, a, b, c, d]) == [(HF_BENCH, x) for x in "abc"]
    assert parse_selection(["junk", b]) == [(HF_BENCH, "b")]


def test_details_escape_model_names_in_svg_and_legend(tmp_path):
    evil = '<img src=x onerror="alert(1)">'
    write_run(tmp_path, [make_result(task=t, encoder=e, score=0.5)
                         for e in (evil, "plain") for t in ("cremad", "ravdess", "vocalsound")])
    v = BoardViews(build_table([tmp_path], include_reference=False, progress=False))
    html = details_html(v, [(HF_BENCH, evil), (HF_BENCH, "plain")])
    assert "hfb-dt-radar" in html and "<img" not in html and "&lt;img" in html


def test_unknown_model_asks_for_a_pick(views):
    assert "Pick a model" in details_html(views, []) and "Pick a model" in details_html(views, [(HF_BENCH, "nope")])


def test_radar_draws_a_missing_task_at_the_centre(views):
    html = _section(details_html(views, [(HF_BENCH, "tiny-wavlm"), (REFERENCE, "dasheng-base")]),
                    "X-ARES · MLP (X-ARES protocol)")
    fig = re.search(r'<figure class="hfb-dt-radar" data-group="speech">.*?</figure>', html, re.S).group(0)
    (tiny, n_tiny), (dash, n_dash) = _polygons(fig)
    assert tiny.split(SEP)[1] == "tiny-wavlm" and n_tiny == n_dash == fig.count('class="hfb-dt-axis"')
    points = re.search(r'data-model="[^"]*tiny-wavlm[^"]*" points="([^"]*)"', fig).group(1).split()
    centre = f"{220:.1f},{150:.1f}"
    assert points.count(centre) == n_tiny - 1  # only CREMA-D is reported: every other vertex at the centre
