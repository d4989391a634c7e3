"""The scorecard figure: every format, the legend outside the bars, the metric under each task, domains grouped."""

from __future__ import annotations

import numpy as np

from hf_bench.results.schema import EncoderInfo, Scorecard
from hf_bench.results.scorecard import FIGURE_FORMATS, plot_scorecard, scorecard_figure


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


def test_the_legend_is_outside_every_bar_and_the_axes():
    card, rows = _card_and_rows()
    fig = scorecard_figure(card, rows)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent(renderer)
    bars = [p.get_window_extent(renderer) for p in ax.patches]
    assert len(bars) == 8  # one bar per (task, probe) that ran: no empty bar for kNN on events
    assert not any(legend.overlaps(b) for b in bars)
    assert not legend.overlaps(ax.get_window_extent(renderer))  # not over the axes at all
    assert legend.x1 <= fig.bbox.x1 + 1  # and not cut off
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[:3] == ["MLP (weighted avg 0.700)", "kNN (weighted avg 0.740)", texts[2]] and "chance" in texts[-1]


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
