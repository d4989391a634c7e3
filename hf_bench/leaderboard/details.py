"""The "Model details" view: one to three models side by side, bars on an absolute scale, a radar per domain.

Plain HTML / inline SVG strings built in Python (no JS library, no matplotlib at request time), rendered by
``gr.HTML``. Every user-visible string goes through ``escape``; colours of text and grid lines are ``currentColor``
or the theme's CSS variables, so the view follows the dark mode.

Scales (:func:`metric_scale`), stated in every task label:

* metrics in [0, 1] (accuracy, mAP, F1, iWER, R@1, ...): 0–1;
* CCC: 0–1 (as in ``hf_bench.metrics.normalization_range``: chance is 0, a negative CCC is drawn at 0, its value
  still printed);
* error rates in % (WER, CER, concept error rate) and BLEU: 0–100; sSIMI (100 x Spearman): 0–100, negatives at 0;
* any other metric: its registry range when ``hf_bench.metrics`` knows it, else 0–1 when every value of the board is
  in [0, 1], else 0 to a round number above the board's largest value.

A bar's length is always the value on that scale, lower-is-better metrics included (the arrow says the direction:
a shorter WER bar is better). On a radar every axis points outward to "better": lower-is-better axes are inverted
(centre = the top of the scale) and say so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from hf_bench.leaderboard.catalog import (
    HF_BENCH,
    PROTOCOL_LABELS,
    REFERENCE,
    Board,
    Column,
    ModelInfo,
    load_model_info,
    probe_label,
    split_probe,
)
from hf_bench.leaderboard.views import AVG, SEP, BoardView, BoardViews, split_key

MAX_MODELS = 3
MODEL_COLORS = ("#3b82f6", "#f59e0b", "#10b981")  # one per selected model: legible on light and dark backgrounds
RADAR_MIN_AXES = 3
MISSING = "-"
EMPTY = '<div class="hfb-empty">Pick a model.</div>'

# scoped to the details card (gr.HTML css_template); no '$', backtick or '{{' (the template is a JS template string)
DETAILS_CSS = """
.hfb-dt-legend { display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 13px; }
.hfb-dt-legend-item { display: inline-flex; align-items: center; gap: 6px; font-weight: 600; }
.hfb-dt-swatch { display: inline-block; width: 14px; height: 10px; border-radius: 3px; }
.hfb-dt-heads { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 10px; }
.hfb-dt-heads .hfb-card-head { border-top-width: 4px; }
.hfb-dt-tasks { display: flex; flex-direction: column; gap: 8px; }
.hfb-dt-task-label { font-size: 12.5px; line-height: 1.3; white-space: normal; overflow-wrap: anywhere; }
.hfb-dt-scale { color: var(--body-text-color-subdued); font-size: 11.5px; }
.hfb-dt-bar { display: grid; grid-template-columns: minmax(0, 150px) minmax(120px, 1fr) 74px 64px; align-items: center;
  gap: 10px; font-size: 12.5px; }
.hfb-dt-bar.hfb-dt-solo { grid-template-columns: minmax(120px, 1fr) 74px 64px; }
.hfb-dt-series { color: var(--body-text-color-subdued); font-size: 11.5px; white-space: normal; overflow-wrap: anywhere; }
.hfb-dt-track { position: relative; height: 12px; background: var(--background-fill-secondary); border-radius: 6px;
  box-shadow: inset 0 0 0 1px var(--border-color-primary); }
.hfb-dt-fill { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 6px; }
.hfb-dt-ci { position: absolute; top: 5px; height: 2px; background: currentColor; opacity: .75; }
.hfb-dt-ci::before, .hfb-dt-ci::after { content: ""; position: absolute; top: -4px; width: 1.5px; height: 10px;
  background: currentColor; }
.hfb-dt-ci::before { left: 0; } .hfb-dt-ci::after { right: 0; }
.hfb-dt-clip { position: absolute; right: -12px; top: -3px; font-size: 11px; }
.hfb-dt-clip-low { left: -12px; right: auto; }
.hfb-dt-value { text-align: right; font-family: var(--font-mono); }
.hfb-dt-rank { color: var(--body-text-color-subdued); font-size: 11.5px; white-space: nowrap; }
.hfb-dt-radars { display: flex; flex-wrap: wrap; gap: 12px 24px; margin-top: 10px; }
.hfb-dt-radar { margin: 0; display: flex; flex-direction: column; align-items: center; }
.hfb-dt-radar svg { width: 400px; max-width: 100%; height: auto; color: var(--body-text-color); }
.hfb-dt-radar figcaption { font-size: 12.5px; font-weight: 600; }
.hfb-dt-avg { display: flex; flex-wrap: wrap; gap: 4px 14px; font-weight: 400; font-size: 13px; }
"""


# ---------------------------------------------------------------------- scales
@dataclass(frozen=True)
class Scale:
    """The fixed axis of a task: values are drawn at ``(v - lo) / (hi - lo)``, clipped to [0, 1]."""
    lo: float
    hi: float
    caption: str   # what the label says, e.g. "scale 0–1"

    def frac(self, v: float) -> float:
        return min(1.0, max(0.0, (v - self.lo) / (self.hi - self.lo)))

    def clipped(self, v: float) -> str | None:
        return "above" if v > self.hi else "below" if v < self.lo else None


UNIT = Scale(0.0, 1.0, "scale 0–1")
PERCENT = Scale(0.0, 100.0, "scale 0–100")
_UNIT_METRICS = {"accuracy", "iwer", "map", "mean_average_precision", "f1", "segment_f1", "r@1", "recall@1",
                 "recall_at_k", "audio_text_recall", "normalized_score", "precision", "recall", "auc", "roc_auc",
                 "balanced_accuracy", "macro_f1", "micro_f1", "uar"}
_PERCENT_METRICS = {"wer %", "cer %", "concept er %", "wer", "cer", "concept_error_rate", "bleu", "corpus_bleu",
                    "chrf", "per %", "der %"}


def metric_scale(col: Column, values: Iterable[float] = ()) -> Scale:
    """The fixed scale of a column (see the module docstring); ``values`` (the board's) only for unknown metrics."""
    m = (col.metric or "").strip().lower()
    if m == "ccc":
        return Scale(0.0, 1.0, "scale 0–1, negative CCC drawn at 0")
    if m == "correlation":  # sSIMI: 100 x Spearman
        return Scale(0.0, 100.0, "scale 0–100 (100 × Spearman ρ), negative drawn at 0")
    if m in _PERCENT_METRICS or m.endswith(" %"):
        return PERCENT
    if m in _UNIT_METRICS or m.startswith(("segment-f1", "segment_f1", "r@", "recall@", "accuracy", "map")):
        return UNIT
    try:
        from hf_bench.metrics import get_metric, normalization_range

        info = get_metric(m)
    except Exception:  # noqa: BLE001 - not a registry metric: fall back to the values
        info = None
    if info is not None and info.name not in ("xares",):
        lo, hi = sorted(normalization_range(info.name))
        return UNIT if (lo, hi) == (0.0, 1.0) else Scale(lo, hi, f"scale {_num(lo)}–{_num(hi)}")
    finite = [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not finite or (min(finite) >= 0 and max(finite) <= 1):
        return UNIT
    lo = min(0.0, _nice_floor(min(finite)))
    hi = _nice_ceil(max(finite))
    return Scale(lo, hi if hi > lo else lo + 1, f"scale {_num(lo)}–{_num(hi)} (fixed for this board)")


def _nice_ceil(x: float) -> float:
    if x <= 0:
        return 0.0
    p = 10 ** math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if m * p >= x:
            return float(m * p)
    return float(10 * p)


def _nice_floor(x: float) -> float:
    return -_nice_ceil(-x) if x < 0 else 0.0


def _num(x: float) -> str:
    return f"{x:g}"


# ---------------------------------------------------------------------- selection
def parse_selection(value) -> list[tuple[str, str]]:
    """The picker's value (one key, a list of keys, or None) as up to three distinct (source_kind, model) pairs."""
    if value is None:
        return []
    keys = [value] if isinstance(value, str) else list(value)
    out: list[tuple[str, str]] = []
    for k in keys:
        if not isinstance(k, str) or SEP not in k:
            continue
        parts = k.split(SEP)
        pair = (parts[0], parts[1])
        if pair not in out:
            out.append(pair)
    return out[:MAX_MODELS]


# ---------------------------------------------------------------------- the view
@dataclass
class Axis:
    """One task of a section: its column, scale, and the value of each series (NaN: not reported)."""
    col: Column
    scale: Scale
    values: list[float]
    decimals: int = 3


@dataclass
class _Series:
    """One row of a board view shown in a section: a selected model (at one probe)."""
    key: str
    model_index: int
    label: str
    color: str
    opacity: float = 1.0


def details_html(views: BoardViews, models: Sequence[tuple[str, str]]) -> str:
    """The details card of up to three (source_kind, model) pairs: heads, legend, per-board bar sections, radars."""
    table = views.table
    df = table.df
    picked, frames = [], []
    for sk, model in list(models)[:MAX_MODELS]:
        sub = df[(df["source_kind"] == sk) & (df["model"] == model)]
        if not sub.empty and (sk, model) not in picked:
            picked.append((sk, model))
            frames.append(sub)
    if not picked:
        return EMPTY
    multi = len(picked) > 1
    colors = [MODEL_COLORS[i % len(MODEL_COLORS)] for i in range(len(picked))]
    heads = [model_head_html(views, sk, m, sub, colors[i] if multi else None)
             for i, ((sk, m), sub) in enumerate(zip(picked, frames))]
    legend = ""
    if multi:
        legend = ('<div class="hfb-dt-legend">' + "".join(
            f'<span class="hfb-dt-legend-item" data-model="{escape(SEP.join(p))}">'
            f'<span class="hfb-dt-swatch" style="background:{c}"></span>{escape(p[1])}'
            f'<span class="hfb-muted">{"published" if p[0] != HF_BENCH else "hf_bench"}</span></span>'
            for p, c in zip(picked, colors)) + '</div>')

    used = pd.concat(frames)
    sections = []
    for board_id in [b for b in table.boards if b in set(used["board"])]:  # board (tab) order
        board = table.boards[board_id]
        bdf = used[used["board"] == board_id]
        for view_probe, protocol in _section_keys(board, bdf):
            present = set(bdf[bdf["probe"] == view_probe]["split"]) if view_probe is not None else \
                set(bdf[bdf["probe"].map(lambda p: split_probe(p)[1]) == protocol]["split"])
            for split in [s for s in board.splits if s in present]:
                sections.append(_section(views, board, picked, colors, view_probe, protocol, split))
    foot = ('<div class="hfb-muted">Bars: the value on a fixed scale stated under each task (0–1 for scores in [0, 1] '
            'and CCC, 0–100 for error rates in % and BLEU); for lower-is-better metrics (↓) a shorter bar is better. '
            'Whiskers: 95 % bootstrap confidence interval, where the result has one. Rank: position among all rows of '
            'the board view, published and hf_bench. Radars (domains with at least 3 tasks): outward is better; '
            'lower-is-better axes are inverted; a task a model lacks is drawn at the centre.</div>')
    head_html = (f'<div class="hfb-dt-heads">{"".join(heads)}</div>' if multi else heads[0])
    return (f'<div class="hfb-card hfb-dt" data-models="{len(picked)}">{head_html}{legend}'
            f'{"".join(s for s in sections if s)}{foot}</div>')


def _section_keys(board: Board, bdf: pd.DataFrame) -> list[tuple[str | None, str]]:
    """(view probe, protocol) of each section: probe views in the board's order, else one per protocol."""
    if board.probe_views:
        probes = sorted(dict.fromkeys(bdf["probe"]),
                        key=lambda p: board.probe_views.index(p) if p in board.probe_views else len(board.probe_views))
        return [(p, split_probe(p)[1]) for p in probes]
    protocols = sorted(dict.fromkeys(split_probe(p)[1] for p in bdf["probe"]), key=lambda x: (x != "default", x))
    return [(None, p) for p in protocols]


def model_head_html(views: BoardViews, source_kind: str, model: str, df: pd.DataFrame | None = None,
                    color: str | None = None) -> str:
    """Name, tags, source badge, facts and links of one model."""
    from hf_bench.leaderboard.render import _tags_html, fmt_params, source_badge

    table = views.table
    if df is None:
        df = table.df[(table.df["source_kind"] == source_kind) & (table.df["model"] == model)]
    first = df.iloc[0]
    facts = [("Parameters", fmt_params(df["n_parameters"].max()))]
    if source_kind == HF_BENCH:
        if first["encoder_id"]:
            facts.append(("Encoder", first["encoder_id"]))
        layers = ", ".join(sorted({x for x in df["layer"] if x}))
        if layers:
            facts.append(("Layer", layers))
        facts.append(("hf_bench", ", ".join(sorted({x for x in df["hf_bench_version"] if x}))))
        dates = sorted(x[:10] for x in df["created_at"] if x)
        if dates:
            facts.append(("Evaluated", dates[0] if dates[0] == dates[-1] else f"{dates[0]} – {dates[-1]}"))
    note = next((x for x in df["note"] if x and source_kind == HF_BENCH), "")
    links = []
    link = next((x for x in df["link"] if x), "")
    if link:
        links.append(f'<a href="{escape(link)}" target="_blank" rel="noopener">Model page ↗</a>')
    meta = load_model_info().get(model) if source_kind == REFERENCE else None
    meta_html = ""
    if meta is not None:
        facts, meta_html, more = _metadata_facts(meta, facts)
        links += more
    for sid in dict.fromkeys(s for x in df["source"] for s in x.split(";") if s):
        s = table.sources.get(sid, {})
        if s.get("url") and not any(f'href="{escape(s["url"])}"' in x for x in links):
            links.append(f'<a href="{escape(s["url"])}" target="_blank" rel="noopener">{escape(s.get("label", sid))} ↗</a>')
    tags = ";".join(dict.fromkeys(t for x in df["tags"] for t in x.split(";") if t))
    style = f' style="border-top-color:{color}"' if color else ""
    badge = source_badge(source_kind, ";".join(dict.fromkeys(df["source"])), table.sources, first["hf_bench_version"])
    return (f'<div class="hfb-card-head"{style}><div class="hfb-card-title">{escape(model)}{_tags_html(tags)}</div>'
            f'<div>{badge}</div><div class="hfb-facts">'
            + "".join(f'<span><span class="hfb-muted">{escape(k)}</span> {escape(v)}</span>' for k, v in facts)
            + '</div>' + (f'<div class="hfb-muted">{escape(note)}</div>' if note else "") + meta_html
            + (f'<div class="hfb-links">{" · ".join(links)}</div>' if links else "") + '</div>')


def _metadata_facts(meta: ModelInfo, facts: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], str, list[str]]:
    """The published model's card facts (data/models.json), each as found in its sources; links to the paper."""
    from hf_bench.leaderboard.render import fmt_params

    out = [f for f in facts if f[0] != "Parameters"]
    if meta.n_parameters is not None:
        scope = " (whole model)" if meta.n_parameters_scope == "model" else ""
        out.insert(0, ("Parameters", ("none" if meta.n_parameters == 0 else fmt_params(meta.n_parameters)) + scope))
    if meta.embedding_dim is not None:
        out.append(("Embedding dim", str(meta.embedding_dim)))
    if meta.frame_rate_hz is not None:
        out.append(("Frame rate", f"{meta.frame_rate_hz:g} Hz"))
    if meta.pretraining_hours is not None:
        out.append(("Pre-training", f"{meta.pretraining_hours:,.0f} h"))
    if meta.release_date:
        out.append(("Released", meta.release_date))
    data = (f'<div class="hfb-muted">Pre-training data: {escape(meta.pretraining_data)}</div>'
            if meta.pretraining_data else "")
    if meta.notes:
        data += f'<div class="hfb-muted">{escape(meta.notes)}</div>'
    links = []
    if meta.paper_url:
        links.append(f'<a href="{escape(meta.paper_url)}" target="_blank" rel="noopener">Paper ↗</a>')
    if meta.sources:
        items = "".join(f'<li><a href="{escape(src.url)}" target="_blank" rel="noopener">{escape(src.url)}</a>: '
                        f'{escape(", ".join(src.fields))}{(" · " + escape(src.quote)) if src.quote else ""}</li>'
                        for src in meta.sources)
        data += f'<details class="hfb-sources"><summary>Where these facts come from</summary><ul>{items}</ul></details>'
    return out, data, links


def _board_view(views: BoardViews, board: Board, view_probe: str | None, protocol: str, split: str) -> BoardView:
    """The unfiltered board view a section ranks against."""
    return views.full_view(board.id, view_probe, protocol, split)


def _section(views: BoardViews, board: Board, picked: list[tuple[str, str]], colors: list[str],
             view_probe: str | None, protocol: str, split: str) -> str:
    view = _board_view(views, board, view_probe, protocol, split)
    series: list[_Series] = []
    for i, (sk, model) in enumerate(picked):
        keys = [k for k in view.rows.index if split_key(k)[:2] == (sk, model)]
        for j, k in enumerate(keys):
            probe = split_key(k)[2]
            label = model if probe in ("published", "zerospeech") or board.probe_views else \
                f"{model} · {probe_label(probe)}"
            series.append(_Series(k, i, label, colors[i], (1.0, 0.6, 0.35)[min(j, 2)]))
    if not series:
        return ""
    multi = len(picked) > 1
    if not multi and len(series) == 1:  # one model, one row: each bar in its domain's colour, as the boards
        from hf_bench.leaderboard.render import group_color

        group_colors = {c.group: group_color(board, c.group) for c in view.columns}
    else:
        group_colors = None
    title = board.title
    if view_probe is not None:
        title += f" · {probe_label(view_probe)}" if view_probe not in ("published", "zerospeech") else ""
    elif protocol != "default":
        title += f" · {PROTOCOL_LABELS.get(protocol, protocol + ' protocol')}"
    title += f" · {split}" if len(board.splits) > 1 else ""

    tasks_html, missing, axes = [], [], {}
    pos = [view.rows.index.get_loc(s.key) for s in series]
    for c in view.columns:
        allv = view.rows[c.task].to_numpy(dtype="float64", na_value=np.nan)
        col = allv[~np.isnan(allv)]
        vals = [float(allv[i]) for i in pos]
        if all(math.isnan(v) for v in vals):
            missing.append(c.label)
            continue
        scale = metric_scale(c, col)
        axes[c.task] = Axis(c, scale, vals, view.decimals.get(c.task, 3))
        rows = []
        for s, v in zip(series, vals):
            color = group_colors[c.group] if group_colors else s.color
            rows.append(bar_html(v, scale, c.higher_is_better, _rank(col, v, c.higher_is_better),
                                 view.decimals.get(c.task, 3), view.ci.get((s.key, c.task)), color,
                                 series_label=s.label if multi or len(series) > 1 else None, opacity=s.opacity,
                                 model=s.key, task=c.task))
        tasks_html.append(f'<div class="hfb-dt-task" data-task="{escape(c.task)}">'
                          f'{task_label_html(c, scale)}{"".join(rows)}</div>')
    if not tasks_html:
        return ""
    if missing:
        shown = ", ".join(missing)
        tasks_html.append(f'<div class="hfb-muted">{MISSING} not reported ({len(missing)}): {escape(shown)}</div>')

    avg = ""
    if view.avg_label is not None and AVG in view.rows:
        parts = []
        for s in series:
            a = view.rows.at[s.key, AVG]
            dot = (f'<span class="hfb-dt-swatch" style="background:{s.color};opacity:{s.opacity}"></span> '
                   if len(series) > 1 else "")
            parts.append(f'<span>{dot}<span class="hfb-muted">{escape(view.avg_label)}</span> '
                         f'<b>{_fmt(a, 3)}</b> <span class="hfb-muted">'
                         f'({escape(str(view.rows.at[s.key, "coverage"]))} tasks)</span></span>')
        avg = f'<span class="hfb-dt-avg">{"".join(parts)}</span>'

    radars = []
    for g in board.groups:
        group_axes = [a for a in axes.values() if a.col.group == g]
        if len(group_axes) >= RADAR_MIN_AXES:
            radars.append(radar_svg(g, group_axes, series))
    radar_html = f'<div class="hfb-dt-radars">{"".join(radars)}</div>' if radars else ""
    return (f'<div class="hfb-section" data-board="{escape(board.id)}"><div class="hfb-section-head">'
            f'<span>{escape(title)}</span>{avg}</div><div class="hfb-dt-tasks">{"".join(tasks_html)}</div>'
            f'{radar_html}</div>')


def _isnan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _fmt(v, decimals: int) -> str:
    return MISSING if _isnan(v) else f"{float(v):.{decimals}f}"


def _rank(col: np.ndarray, v, higher_is_better: bool) -> str:
    if _isnan(v):
        return ""
    better = (col > v).sum() if higher_is_better else (col < v).sum()
    return f"{int(better) + 1} / {len(col)}"


def task_label_html(c: Column, scale: Scale) -> str:
    """The task's full title (wrapping, never cut), its short name where the title lacks it, direction and scale."""
    short = "" if c.label.lower() in c.title.lower() else f' <span class="hfb-muted">({escape(c.label)})</span>'
    metric = f"{escape(c.metric)} · " if c.metric and c.metric.lower() not in c.title.lower() else ""
    direction = "higher is better" if c.higher_is_better else "lower is better"
    return (f'<div class="hfb-dt-task-label" title="{escape(c.task)}"><b>{escape(c.title)}</b>{short} {c.arrow} '
            f'<span class="hfb-dt-scale">{metric}{direction} · {escape(scale.caption)}</span></div>')


def bar_html(v, scale: Scale, higher_is_better: bool, rank: str, decimals: int, ci: tuple[float, float] | None,
             color: str, *, series_label: str | None = None, opacity: float = 1.0, model: str = "",
             task: str = "") -> str:
    """One bar: width = the value on ``scale`` (in %), a CI whisker where there is one, value and rank."""
    arrow = "↑" if higher_is_better else "↓"
    label = (f'<span class="hfb-dt-series">{escape(series_label)}</span>' if series_label is not None else "")
    cls = "hfb-dt-bar" + ("" if series_label is not None else " hfb-dt-solo")
    if _isnan(v):
        return (f'<div class="{cls}" data-model="{escape(model)}" data-value="">{label}'
                f'<span class="hfb-dt-track"></span><span class="hfb-dt-value">{MISSING}</span>'
                f'<span class="hfb-dt-rank">not reported</span></div>')
    v = float(v)
    width = round(scale.frac(v) * 100, 2)
    inner = f'<span class="hfb-dt-fill" style="width:{width}%;background:{color};opacity:{opacity}"></span>'
    tip = f"{v:.{decimals}f} {arrow} on {scale.caption}"
    clip = scale.clipped(v)
    if clip == "above":
        inner += '<span class="hfb-dt-clip" title="beyond the scale">▸</span>'
        tip += " (beyond the scale)"
    elif clip == "below":
        inner += '<span class="hfb-dt-clip hfb-dt-clip-low" title="below the scale">◂</span>'
        tip += " (below the scale: drawn at its start)"
    if ci is not None and not (_isnan(ci[0]) or _isnan(ci[1])):
        lo, hi = sorted((scale.frac(ci[0]) * 100, scale.frac(ci[1]) * 100))
        inner += (f'<span class="hfb-dt-ci" data-ci-low="{round(lo, 2)}" data-ci-high="{round(hi, 2)}" '
                  f'style="left:{round(lo, 2)}%;width:{round(hi - lo, 2)}%"></span>')
        tip += f"; 95 % CI [{ci[0]:.{decimals}f}, {ci[1]:.{decimals}f}]"
    return (f'<div class="{cls}" data-model="{escape(model)}" data-task="{escape(task)}" data-value="{v!r}" '
            f'data-width="{width}" title="{escape(tip)}">{label}'
            f'<span class="hfb-dt-track">{inner}</span><span class="hfb-dt-value">{v:.{decimals}f}</span>'
            f'<span class="hfb-dt-rank">{escape(rank)}</span></div>')


# ---------------------------------------------------------------------- radar
RADAR_W, RADAR_H, RADAR_R = 440, 300, 100


def radar_svg(group: str, axes: Sequence[Axis], series: Sequence[_Series]) -> str:
    """One domain of one board: an axis per task (outward = better, on the absolute scale), a polygon per series
    with one vertex per axis (a value the series lacks at the centre)."""
    from hf_bench.leaderboard.render import group_label

    n = len(axes)
    cx, cy, r = RADAR_W / 2, RADAR_H / 2, RADAR_R

    def point(i: int, frac: float) -> tuple[float, float]:
        a = -math.pi / 2 + 2 * math.pi * i / n
        return cx + r * frac * math.cos(a), cy + r * frac * math.sin(a)

    def pts(fracs) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, f) for i, f in enumerate(fracs)))

    parts = [f'<title>{escape(group_label(group))}: one axis per task, outward is better</title>']
    for ring in (0.25, 0.5, 0.75, 1.0):
        parts.append(f'<polygon class="hfb-dt-grid" points="{pts([ring] * n)}" fill="none" stroke="currentColor" '
                     f'stroke-opacity="{0.35 if ring == 1.0 else 0.15}" stroke-width="1"/>')
    inverted = False
    for i, ax in enumerate(axes):
        c = ax.col
        x, y = point(i, 1.0)
        parts.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="currentColor" '
                     f'stroke-opacity="0.2"/>')
        lx, ly = point(i, 1.12)
        anchor = "middle" if abs(lx - cx) < 8 else ("start" if lx > cx else "end")
        dy = "0.9em" if ly > cy + r * 0.9 else ("0" if ly < cy - r * 0.9 else "0.35em")
        inverted |= not c.higher_is_better
        note = "" if c.higher_is_better else ", inverted: centre = " + _num(ax.scale.hi)
        parts.append(f'<text class="hfb-dt-axis" x="{lx:.1f}" y="{ly:.1f}" dy="{dy}" text-anchor="{anchor}" '
                     f'font-size="10.5" fill="currentColor"><title>{escape(c.title)} ({escape(ax.scale.caption)}'
                     f'{note})</title>{escape(c.label)} {c.arrow}</text>')
    for k, s in enumerate(series):
        fracs, tips, dots = [], [], []
        for i, ax in enumerate(axes):
            v = ax.values[k]
            if math.isnan(v):
                fracs.append(0.0)
                tips.append(f"{ax.col.label}: {MISSING}")
                continue
            f = ax.scale.frac(v)
            fracs.append(f if ax.col.higher_is_better else 1.0 - f)
            tips.append(f"{ax.col.label}: {v:.{ax.decimals}f}")
            x, y = point(i, fracs[-1])
            dots.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{s.color}" fill-opacity="{s.opacity}">'
                        f'<title>{escape(s.label)} · {escape(tips[-1])}</title></circle>')
        parts.append(f'<polygon class="hfb-dt-poly" data-model="{escape(s.key)}" points="{pts(fracs)}" '
                     f'fill="{s.color}" fill-opacity="{0.18 * s.opacity:.2f}" stroke="{s.color}" '
                     f'stroke-opacity="{s.opacity}" stroke-width="2" stroke-linejoin="round">'
                     f'<title>{escape(s.label)}: {escape("; ".join(tips))}</title></polygon>' + "".join(dots))
    caption = escape(group_label(group)) + (' <span class="hfb-muted">(↓ axes inverted)</span>' if inverted else "")
    return (f'<figure class="hfb-dt-radar" data-group="{escape(group)}"><svg class="hfb-radar" role="img" '
            f'viewBox="0 0 {RADAR_W} {RADAR_H}" xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
            f'<figcaption>{caption}</figcaption></figure>')
