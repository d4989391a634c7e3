"""The scorecard figure (every format, the legend outside the bars, the metric under each task, domains grouped,
the optional raw panel) and its LaTeX table."""

from __future__ import annotations

import re

import numpy as np
import pytest

from hf_bench.results.schema import EncoderInfo, Scorecard
from hf_bench.results.scorecard import FIGURE_FORMATS, plot_scorecard, render_latex, scorecard_figure, write_scorecard


def _card_and_rows():
    tasks = [("kws", "speech", "accuracy", "accuracy", 0.1), ("pitch", "music", "ccc", "ccc", 0.0),
             ("events", "sound", "f1", "segment_f1", 0.22), ("fr_sentences", "speech", "wer", "wer", 98.0),
             ("polyphony", "music", "map", "mean_average_precision", 0.2)]
    raw = {"kws": {"mlp": 0.99, "knn": 0.97}, "pitch": {"mlp": 1.0, "knn": 0.9}, "events": {"mlp": 0.45},
           "fr_sentences": {"ctc": 16.7}, "polyphony": {"mlp": 0.35, "knn": 0.36}}
    span = {"wer": (100.0, 0.0)}
    normalized = {t: {p: (v - span.get(m, (0, 1))[0]) / (span.get(m, (0, 1))[1] - span.get(m, (0, 1))[0])
                      for p, v in raw[t].items()} for t, _, _, m, _ in tasks}
    rows = []
    for name, domain, main, metric, chance in tasks:
        row = {"task": name, "type": "x", "domain": domain, "metric": main, "metric_name": metric, "n_test": 300,
               "weight": 300, "chance": chance, "probes": list(raw[name])}
        for p, v in raw[name].items():
            row[p], row[f"{p}_ci"] = v, (v - 0.02, min(v + 0.02, 1.0) if metric != "wer" else v + 2)
        rows.append(row)
    encoder = EncoderInfo(id="mfb", name="mfb", fingerprint="fb-1", layer="last", num_layers=1, dim=80, hop_ms=10.0,
                          sampling_rate=16000)
    card = Scorecard(hf_bench_version="0", created_at="now", encoder=encoder, suite="embedded", scores=raw,
                     normalized=normalized, weights={t[0]: 300 for t in tasks},
                     weighted_average={"mlp": 0.7, "knn": 0.74, "ctc": 0.83})
    return card, rows


@pytest.mark.parametrize("panels", [("normalized",), ("raw", "normalized")])
def test_the_legend_is_outside_every_bar_and_the_axes(panels):
    card, rows = _card_and_rows()
    fig = scorecard_figure(card, rows, panels=panels)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert [ax.get_gid() for ax in fig.axes] == [f"panel-{p}" for p in panels]
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent(renderer)
    for panel in fig.axes:
        bars = [p.get_window_extent(renderer) for p in panel.patches]
        assert len(bars) == 8  # one bar per (task, probe) that ran: no empty bar for kNN on events
        assert not any(legend.overlaps(b) for b in bars)
        assert not legend.overlaps(panel.get_window_extent(renderer))  # not over any axes at all
    assert legend.x1 <= fig.bbox.x1 + 1  # and not cut off
    assert all(a.get_legend() is None for a in fig.axes[1:])  # one legend for the figure
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[:3] == ["MLP (weighted avg 0.700)", "kNN (weighted avg 0.740)", texts[2]] and "chance" in texts[-1]


def test_raw_panel_prints_the_scores_on_the_same_tasks_and_domains():
    card, rows = _card_and_rows()
    fig = scorecard_figure(card, rows, panels=("raw", "normalized"))
    raw, normalized = fig.axes
    assert [t.get_text() for t in raw.texts if t.get_gid() is None] == ["speech", "sound", "music"]
    assert [t.get_text() for t in normalized.get_xticklabels()] == [
        "kws\naccuracy", "fr_sentences\nwer", "events\nf1", "pitch\nccc", "polyphony\nmap"]
    assert [line.get_xdata()[0] for line in raw.lines if list(line.get_ydata()) == [0, 1]] == [1.5, 2.5]
    ctc = {p.get_gid(): p.get_height() for p in raw.patches if p.get_gid() == "bars-ctc"}
    norm = [p.get_height() for p in normalized.patches if p.get_gid() == "bars-ctc"]
    # a WER of 16.7 %: a short bar labelled 16.7 above, its normalised 0.833 below
    assert np.isclose(ctc["bars-ctc"], 0.167) and np.isclose(norm[0], 0.833)
    values = [t.get_text() for t in raw.texts if t.get_gid() == "raw-value"]
    assert "16.7" in values and "0.990" in values and len(values) == 8
    with pytest.raises(ValueError, match="unknown scorecard panel"):
        scorecard_figure(card, rows, panels=("rank",))


def test_metric_names_under_tasks_and_domains_grouped():
    card, rows = _card_and_rows()
    fig = scorecard_figure(card, rows)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["kws\naccuracy", "fr_sentences\nwer", "events\nf1", "pitch\nccc", "polyphony\nmap"]
    domains = [t.get_text() for t in ax.texts]
    assert domains == ["speech", "sound", "music"]
    # a WER of 16.7 % is drawn as its normalised 0.833, like the weighted average counts it
    heights = {round(p.get_x() + p.get_width() / 2): p.get_height() for p in ax.patches if p.get_gid() == "bars-ctc"}
    assert heights and np.isclose(list(heights.values())[0], 0.833)


def test_every_format_is_written(tmp_path):
    card, rows = _card_and_rows()
    written = plot_scorecard(card, rows, tmp_path / "scorecard.png")
    assert [p.suffix for p in written] == [f".{f}" for f in FIGURE_FORMATS]
    assert (tmp_path / "scorecard.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "scorecard.pdf").read_bytes()[:5] == b"%PDF-"
    assert b"<svg" in (tmp_path / "scorecard.svg").read_bytes()


def test_write_scorecard_writes_the_tex_and_redraws_for_other_panels(tmp_path):
    card, rows = _card_and_rows()
    path = write_scorecard(tmp_path, card, rows)
    assert {p.suffix for p in tmp_path.iterdir()} == {".json", ".md", ".tex", ".png", ".svg", ".pdf"}
    assert (tmp_path / "scorecard.tex").read_text() == render_latex(card, rows)
    before = (tmp_path / "scorecard.svg").stat().st_mtime_ns
    assert write_scorecard(tmp_path, card, rows) == path  # warm rerun: nothing redrawn
    assert (tmp_path / "scorecard.svg").stat().st_mtime_ns == before
    write_scorecard(tmp_path, card, rows, panels=("raw", "normalized"))
    svg = (tmp_path / "scorecard.svg").read_text()
    assert svg.index('id="panel-raw"') < svg.index('id="panel-normalized"')


def test_scorecard_latex_marks_the_best_probe_per_task_in_its_direction():
    card, rows = _card_and_rows()
    card.scores["fr_sentences"]["mlp"] = 12.0  # a second probe on the WER task: lower is better
    row = next(r for r in rows if r["task"] == "fr_sentences")
    row["mlp"], row["probes"] = 12.0, ["mlp", "ctc"]
    card.normalized["fr_sentences"]["mlp"] = 0.88
    tex = render_latex(card, rows)
    assert tex.count(r"\begin{table}") == 1 and r"\toprule" in tex and r"\bottomrule" in tex
    spec = re.search(r"\\begin\{tabular\}\{([lr]+)\}", tex).group(1)
    lines = [ln.removesuffix(r" \\").split(" & ") for ln in tex.splitlines() if ln.endswith(r" \\")]
    assert all(len(c) == len(spec) for c in lines[:-1]) and lines[-1][0].startswith(r"\multicolumn{3}")
    assert lines[0] == ["Task", "Domain", "Metric", "MLP", "kNN", "CTC"]
    by_task = {c[0]: c[3:] for c in lines[1:-1]}
    assert by_task["kws"] == [r"\textbf{0.990}", r"\underline{0.970}", "-"]
    assert by_task["polyphony"] == [r"\underline{0.350}", r"\textbf{0.360}", "-"]
    assert by_task[r"fr\_sentences"] == [r"\textbf{12.000}", "-", r"\underline{16.700}"]  # WER: lower wins
    assert by_task["events"] == ["0.450", "-", "-"]  # one probe: nothing to rank
    assert r"wer $\downarrow$" in tex and r"accuracy $\uparrow$" in tex
    # the probes ran on different tasks: their averages are not ranked against each other
    assert lines[-1][1:] == ["0.700", "0.740", "0.830"]
