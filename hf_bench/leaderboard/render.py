"""HTML for the Space: the board tables, the heatmap, the model card with its per-task bars.

Plain HTML strings (rendered by ``gr.HTML``) because gradio's Dataframe cannot group columns under domain headers
or mark best/second values the way the published tables do. Every user-visible string goes through ``escape``.
"""

from __future__ import annotations

import math
from html import escape
from typing import Iterable

import numpy as np

from hf_bench.leaderboard.catalog import DOMAIN_LABELS, HF_BENCH, REFERENCE, Board, probe_label
from hf_bench.leaderboard.views import (
    AVG,
    BORDA,
    MODEL,
    PARAMS,
    PUBLISHED_ORDER,
    SEP,
    BoardView,
    BoardViews,
    heatmap_frame,
)

MISSING = "-"
GROUP_COLORS = ("#3b82f6", "#10b981", "#a855f7", "#f59e0b", "#ef4444", "#06b6d4", "#84cc16", "#ec4899")
STAR_TAG = "released by the WenetSpeech-Wu authors"

# Click handling for a board table: header -> sort, model name -> details. Runs once per gr.HTML component.
# Once per page it also keeps the address bar on the view shown: the visible board's state (a hidden
# .hfb-state written by the server) or the page tab's name; until a link's own view has been restored (or 5 s
# have passed), the address is left alone so that the server can read it.
TABLE_JS = """
element.addEventListener('click', (e) => {
  const th = e.target.closest('th[data-col]');
  if (th) { trigger('click', {col: th.dataset.col}); return; }
  const m = e.target.closest('[data-model]');
  if (m) { e.preventDefault(); trigger('click', {model: m.dataset.model}); }
});
if (!window.__hfbUrlSync) {
  window.__hfbUrlSync = true;
  const initial = location.search.replace(/^\\?/, '');
  let open = initial === '', pending = false;
  setTimeout(() => { open = true; }, 5000);
  const shown = () => {
    for (const st of document.querySelectorAll('.hfb-board .hfb-state')) {
      if (st.closest('.hfb-board').offsetParent !== null) return st.dataset.state;
    }
    for (const page of ['details', 'heatmap', 'submit', 'about']) {
      const el = document.getElementById('page-' + page);
      if (el && el.offsetParent !== null) return 'tab=' + page;
    }
    return null;
  };
  const sync = () => {
    pending = false;
    const q = shown();
    if (q === null) return;
    if (!open) { if (q !== initial) return; open = true; }
    if (location.search.replace(/^\\?/, '') !== q) history.replaceState(null, '', q ? '?' + q : location.pathname);
  };
  const later = () => { if (!pending) { pending = true; setTimeout(sync, 80); } };
  new MutationObserver(later).observe(document.body,
    {childList: true, subtree: true, attributes: true, attributeFilter: ['class', 'style', 'hidden']});
  document.addEventListener('click', later, true);
}
"""


def fmt_value(v: float, decimals: int) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return MISSING
    return f"{v:.{decimals}f}"


def fmt_params(n: float) -> str:
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return MISSING
    for div, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= div:
            return f"{n / div:.1f}{unit}"
    return f"{int(n)}"


def header_label(label: str, arrow: str) -> str:
    """A column header (HTML, escaped) that wraps only where it reads well: never before the arrow, never inside
    a short name such as 'CREMA-D'. The hyphens stay ASCII (a no-wrap span, not U+2011), so the page's search and
    copy-paste find 'CREMA-D'."""
    text = escape(label)
    if len(label) <= 10 and "-" in label:
        text = f'<span class="hfb-nowrap">{text}</span>'
    return f"{text}\u00a0{escape(arrow)}"


def group_label(g: str) -> str:
    return DOMAIN_LABELS.get(g, g)


def group_color(board: Board, g: str) -> str:
    groups = list(board.groups)
    i = groups.index(g) if g in groups else len(groups)
    return GROUP_COLORS[i % len(GROUP_COLORS)]


def source_badge(source_kind: str, source_ids: str, sources: dict, version: str = "", created: str = "") -> str:
    if source_kind == HF_BENCH:
        title = f"Computed by hf_bench {version}".strip() + (f" on {created[:10]}" if created else "")
        return f'<span class="hfb-badge hfb-badge-hf" title="{escape(title)}">hf_bench{escape(" " + version if version else "")}</span>'
    by_label: dict[str, list[dict]] = {}
    for sid in [s for s in source_ids.split(";") if s]:
        src = sources.get(sid, {"label": sid})
        by_label.setdefault(src.get("label", sid), []).append(src)
    parts = []
    for label, srcs in by_label.items():
        title = "Published value, as printed. " + " | ".join(
            f"{s.get('title', '')}. {s.get('citation', '')}".strip(". ") for s in srcs)
        url = next((s["url"] for s in srcs if s.get("url")), "")
        inner = f"published · {escape(label)}"
        if url:
            parts.append(f'<a class="hfb-badge hfb-badge-ref" href="{escape(url)}" target="_blank" rel="noopener" '
                         f'title="{escape(title)}">{inner}</a>')
        else:
            parts.append(f'<span class="hfb-badge hfb-badge-ref" title="{escape(title)}">{inner}</span>')
    return " ".join(parts)


def _tags_html(tags: str) -> str:
    out = []
    for t in [t for t in tags.split(";") if t]:
        if t == STAR_TAG:
            out.append(f'<span class="hfb-star" title="{escape(t)}">★</span>')
        else:
            out.append(f'<span class="hfb-tag">{escape(t)}</span>')
    return "".join(out)


def model_cell(key: str, model: str, link: str, tags: str) -> str:
    html = f'<span class="hfb-model" data-model="{escape(key)}" title="Show the details of {escape(model)}">{escape(model)}</span>'
    if link:
        html += f' <a class="hfb-link" href="{escape(link)}" target="_blank" rel="noopener" title="Model page">↗</a>'
    return html + _tags_html(tags)


def _sort_label(view: BoardView) -> str:
    if view.sort_by == PUBLISHED_ORDER:
        return "published order"
    if view.sort_by == AVG:
        return view.avg_label or "W.avg"
    if view.sort_by == MODEL:
        return "model name"
    if view.sort_by == PARAMS:
        return "parameters"
    if view.sort_by == BORDA:
        return "Borda rank"
    col = next((c for c in view.columns if c.task == view.sort_by), None)
    return col.label if col else view.sort_by


CELLS_SCORES, CELLS_RANKS = "scores", "ranks"
WIDE_COLUMNS = 12  # boards with more task columns get upright-rotated, compact headers


def common_suffix(labels: list[str]) -> str:
    """A parenthesised suffix every label shares (" (synthetic)"), shown once instead of in every header."""
    if len(labels) < 2:
        return ""
    tails = {lab[lab.rfind(" ("):] if lab.endswith(")") and " (" in lab else "" for lab in labels}
    return tails.pop() if len(tails) == 1 else ""


def board_table_html(view: BoardView, sources: dict, *, cells: str = CELLS_SCORES, state: str = "") -> str:
    """The board as an HTML table: grouped headers, source badges, bold best / underlined second, "-" missing,
    a Borda rank column, tie marks; ``cells="ranks"`` shows each value's rank in its column instead of the value.
    ``state`` (the view as a URL query string) rides along for the page's address bar."""
    board, rows = view.board, view.rows
    state_div = f'<div class="hfb-state" data-state="{escape(state)}" hidden></div>' if state else ""
    if view.n_filtered == 0:
        return state_div + _empty_html(board, view.n_total)
    show_probe = not board.probe_views and rows["probe"].nunique() > 1
    show_ci = len(view.columns) <= 8 and cells == CELLS_SCORES
    show_params = bool(rows["n_parameters"].notna().any())
    show_ranks = cells == CELLS_RANKS
    lead = ["#", "Model", "Source", "Borda"] + (["Params"] if show_params else []) + (["Probe"] if show_probe else [])
    lead_cols = [None, MODEL, None, BORDA] + ([PARAMS] if show_params else []) + ([None] if show_probe else [])
    has_avg = view.avg_label is not None
    if view.sort_by == PUBLISHED_ORDER:
        order_note = "as printed" if view.query.best_first else "reversed"
    else:
        order_note = "best first" if view.query.best_first else "worst first"
    suffix = common_suffix([c.label for c in view.columns])
    notes = []
    if suffix:
        notes.append(f"every task{escape(suffix)}")
    if show_ranks:
        notes.append("cells show each row's rank in its column")
    if view.tied:
        notes.append("≈ not significantly different from the row above it in that column")
    if view.published_avg:
        notes.append("† the source printed another average (hover)")
    status = (f'<div class="hfb-status"><b>{view.n_matched}</b> of {view.n_filtered} rows'
              f'{" (first " + str(len(rows)) + " shown)" if len(rows) < view.n_matched else ""}'
              f' · sorted by <b>{escape(_sort_label(view))}</b> ({order_note}) · click a column header to sort, '
              f'a model name for its details{"".join(" · " + n for n in notes)}</div>')

    # header row 1: column groups
    groups = []
    for c in view.columns:
        if groups and groups[-1][0] == c.group:
            groups[-1][1] += 1
        else:
            groups.append([c.group, 1])
    n_lead = len(lead) + (2 if has_avg else 0)
    h1 = [f'<th class="hfb-lead-group" colspan="{n_lead}"></th>']
    for g, n in groups:
        color = group_color(board, g)
        h1.append(f'<th class="hfb-group" colspan="{n}" style="border-bottom-color:{color}">'
                  f'<span class="hfb-dot" style="background:{color}"></span>{escape(group_label(g))}</th>')
    # header row 2: columns
    n_cols = len(view.columns)
    h2 = []
    for i, (label, key) in enumerate(zip(lead, lead_cols)):
        cls = {0: "hfb-rank", 1: "hfb-modelcol", 2: "hfb-srccol", 3: "hfb-borda"}.get(
            i, "hfb-params" if key == PARAMS else "")
        title = ""
        if key == BORDA:
            title = (f"Borda rank over the {n_cols} shown columns: per column a row gets one point per row it beats "
                     f"and half a point per tie; a missing value gets none (MTEB's ranking)")
        h2.append(_th(label, key, cls, title, view))
    if has_avg:
        avg_title = (f"{view.avg_label}: Σ score·weight / Σ weight over {len(view.avg_tasks)} tasks "
                     f"(eval weights); '-' unless the model has all of them")
        h2.append(_th(f"{view.avg_label} ↑", AVG, "hfb-avgcol", avg_title, view))
        h2.append('<th class="hfb-cov" title="tasks with a score / tasks in the average">Tasks</th>')
    for c in view.columns:
        title = f"{c.title} · {c.metric} · {'higher' if c.higher_is_better else 'lower'} is better"
        if c.weight:
            title += f" · weight {c.weight:g}"
        label = c.label[:-len(suffix)] if suffix else c.label
        h2.append(_th(header_label(label, c.arrow), c.task, "hfb-num", title, view, html=True))

    body = []
    for rank, (key, r) in enumerate(rows.iterrows(), start=1):
        n_ranked = int(r["n_ranked"])
        borda_title = (f"Borda count {r['borda_points']:.1f} over {n_cols} columns; mean column rank "
                       f"{r['mean_rank']:.1f} over the {n_ranked} with a value" if n_ranked else "no value in these columns")
        cells_html = [f'<td class="hfb-rank">{rank}</td>',
                      f'<td class="hfb-modelcol">{model_cell(key, r["model"], r["link"], r["tags"])}</td>',
                      f'<td class="hfb-srccol">{source_badge(r["source_kind"], r["source"], sources, r["hf_bench_version"], r["created_at"])}</td>',
                      f'<td class="hfb-num hfb-borda" title="{escape(borda_title)}">{int(r[BORDA])}</td>']
        if show_params:
            cells_html.append(f'<td class="hfb-num hfb-params">{fmt_params(r["n_parameters"])}</td>')
        if show_probe:
            cells_html.append(f'<td>{escape(probe_label(r["probe"]))}</td>')
        if has_avg:
            printed = view.published_avg.get(key)
            cells_html.append(_value_td(r[AVG], 3, view.highlight.get(AVG, {}).get(key), None, False, "hfb-avgcol",
                                        printed=printed, avg_label=view.avg_label))
            cells_html.append(f'<td class="hfb-cov">{escape(str(r.get("coverage", "")))}</td>')
        for c in view.columns:
            mark = view.highlight.get(c.task, {}).get(key)
            col_rank = view.task_ranks.get(c.task, {}).get(key)
            n_col = len(view.task_ranks.get(c.task, {}))
            cells_html.append(_value_td(r[c.task], view.decimals[c.task], mark, view.ci.get((key, c.task)), show_ci,
                                        rank=(col_rank, n_col), tie=view.tied.get((key, c.task)), show_rank=show_ranks))
        body.append(f'<tr class="hfb-row-{"ref" if r["source_kind"] == REFERENCE else "hf"}">{"".join(cells_html)}</tr>')
    if not body:
        body.append(f'<tr><td class="hfb-none" colspan="{n_lead + len(view.columns)}">No model matches the search.</td></tr>')
    wide = " hfb-wide" if n_cols > WIDE_COLUMNS else ""
    table = (f'<div class="hfb-scroll"><table class="hfb-table{wide}" data-board="{escape(board.id)}">'
             f'<thead><tr class="hfb-h1">{"".join(h1)}</tr><tr class="hfb-h2">{"".join(h2)}</tr></thead>'
             f'<tbody>{"".join(body)}</tbody></table></div>')
    return state_div + status + table


def _th(label: str, key: str | None, cls: str, title: str, view: BoardView, *, html: bool = False) -> str:
    label = label if html else escape(label)  # html: already escaped markup (header_label)
    if key is None:
        return f'<th class="{cls}">{label}</th>'
    sorted_cls = " hfb-sorted" if view.sort_by == key else ""
    indicator = ('<span class="hfb-sortmark">' + ("▼" if view.query.best_first else "▲") + "</span>") if sorted_cls else ""
    tip = (title + " · " if title else "") + "click to sort"
    return (f'<th class="hfb-sortable {cls}{sorted_cls}" data-col="{escape(key)}" title="{escape(tip)}">'
            f'{label}{indicator}</th>')


def _value_td(v, decimals: int, mark: str | None, ci, show_ci: bool, extra_cls: str = "", *,
              rank: tuple[int | None, int] | None = None, tie: str | None = None, show_rank: bool = False,
              printed: str | None = None, avg_label: str = "W.avg") -> str:
    text = escape(fmt_value(v, decimals))
    cls = "hfb-num" + (f" {extra_cls}" if extra_cls else "")
    tips = []
    if text == MISSING:
        cls += " hfb-missing"
        tips.append("not reported")
    elif rank is not None and rank[0] is not None:
        tips.append(f"rank {rank[0]}{'=' if tie else ''} of {rank[1]} in this column")
        if show_rank:
            text = f"{rank[0]}{'=' if tie else ''}"
    if mark == "best":
        text, cls = f"<b>{text}</b>", cls + " hfb-best"
    elif mark == "second":
        text, cls = f"<u>{text}</u>", cls + " hfb-second"
    if tie:
        text = f'<span class="hfb-tie" aria-label="tied">≈</span>{text}'
        cls += " hfb-tied"
        tips.append(f"≈ {tie}")
    if ci is not None:
        lo, hi = ci
        tips.append(f"95% CI {lo:.{decimals}f} – {hi:.{decimals}f}")
        if show_ci:
            text += f'<span class="hfb-ci">±{(hi - lo) / 2:.{decimals}f}</span>'
    if printed is not None:
        cls += " hfb-recomputed"
        text += f'<sup class="hfb-mark">†</sup><span class="hfb-ci">printed {escape(printed)}</span>'
        tips.append(f"{avg_label} recomputed from this row's own per-task values; the source printed {printed} "
                    f"(computed there from other per-task numbers)")
    title = f' title="{escape(" · ".join(tips))}"' if tips else ""
    return f'<td class="{cls}"{title}>{text}</td>'


def _empty_html(board: Board, n_total: int = 0) -> str:
    if n_total:  # rows exist; the filters hide them all
        return (f'<div class="hfb-empty"><div class="hfb-empty-title">No {escape(board.title)} rows match the '
                f'filters</div><div>The board has {n_total} row{"s" if n_total != 1 else ""}: widen the source, '
                'model size or probe filters (models of unknown size are under "unknown").</div></div>')
    how = {
        "zerospeech": "Run <code>hf-bench zerospeech run ...</code>, then <code>hf-bench leaderboard build</code> on its "
                      "output (the <code>scores.json</code> files).",
        "embedded": "Run <code>hf-bench run --encoder ENCODER --suite embedded</code>, then "
                    "<code>hf-bench leaderboard build</code> on the output directory.",
    }.get(board.benchmark, "Run hf_bench on these tasks, then rebuild the table with <code>hf-bench leaderboard build</code>.")
    return (f'<div class="hfb-empty"><div class="hfb-empty-title">No {escape(board.title)} results yet</div>'
            f'<div>{how} Or send a result in the <b>Submit</b> tab.</div></div>')


def legend_html(board: Board, sources: dict) -> str:
    src = []
    for sid in board.sources:
        s = sources.get(sid)
        if s:
            link = f' <a href="{escape(s["url"])}" target="_blank" rel="noopener">link</a>' if s.get("url") else ""
            src.append(f'<li><b>{escape(s["label"])}</b>: {escape(s["citation"])}.{link}'
                       f'{("<br><span class=hfb-muted>" + escape(s["note"]) + "</span>") if s.get("note") else ""}</li>')
    notes = f'<div class="hfb-muted">{escape(board.notes)}</div>' if board.notes else ""
    return (f'<div class="hfb-legend"><span><b>bold</b> best</span><span><u>underlined</u> second</span>'
            f'<span>{MISSING} not reported</span><span>↑ higher is better</span><span>↓ lower is better</span>'
            f'<span><span class="hfb-badge hfb-badge-ref">published</span> transcribed from the source, as printed</span>'
            f'<span><span class="hfb-badge hfb-badge-hf">hf_bench</span> computed by hf_bench</span></div>'
            f'{notes}' + (f'<details class="hfb-sources"><summary>Sources</summary><ul>{"".join(src)}</ul></details>' if src else ""))


def board_header_html(board: Board) -> str:
    return f'<div class="hfb-board-desc">{escape(board.description)}</div>'


# ---------------------------------------------------------------------- heatmap
def heatmap_html(view: BoardView, top: int) -> str:
    if view.n_filtered == 0 or not view.columns:
        return _empty_html(view.board, view.n_total)
    norm = heatmap_frame(view)
    rank = norm.fillna(0.0).mean(axis=1)
    if AVG in view.rows:
        rank = rank + view.rows[AVG].fillna(-1.0) * 10  # complete W.avg first, in W.avg order
    order = rank.sort_values(ascending=False, kind="stable").index[:top]
    show_probe = not view.board.probe_views and view.rows["probe"].nunique() > 1
    groups = []
    for c in view.columns:
        if groups and groups[-1][0] == c.group:
            groups[-1][1] += 1
        else:
            groups.append([c.group, 1])
    ghead = "".join(f'<th class="hfb-group" colspan="{n}" style="border-bottom:3px solid {group_color(view.board, g)}">'
                    f'{escape(group_label(g))}</th>' for g, n in groups)
    head = "".join(f'<th class="hfb-hm-col" title="{escape(c.title)} · {escape(c.metric)} · '
                   f'{"higher" if c.higher_is_better else "lower"} is better">{header_label(c.label, c.arrow)}</th>'
                   for c in view.columns)
    body = []
    for key in order:
        r = view.rows.loc[key]
        cells = []
        for c in view.columns:
            v, x = r[c.task], norm.at[key, c.task]
            if isinstance(x, float) and math.isnan(x):
                cells.append(f'<td class="hfb-hm-cell hfb-missing">{MISSING}</td>')
                continue
            bg, fg = _heat_color(float(x))
            cells.append(f'<td class="hfb-hm-cell" style="background:{bg};color:{fg}" '
                         f'title="{escape(r["model"])} · {escape(c.label)}: {fmt_value(v, view.decimals[c.task])}">'
                         f'{fmt_value(v, view.decimals[c.task])}</td>')
        badge = "hfb-dot-ref" if r["source_kind"] == REFERENCE else "hfb-dot-hf"
        # boards whose rows are (model, probe) pairs: name the probe, or 'mfb' twice reads as a duplicate
        probe = f' <span class="hfb-hm-probe">· {escape(probe_label(r["probe"]))}</span>' if show_probe else ""
        body.append(f'<tr><th class="hfb-hm-row"><span class="hfb-srcdot {badge}"></span>{escape(r["model"])}{probe}'
                    f'</th>{"".join(cells)}</tr>')
    note = (f'<div class="hfb-status">{len(order)} of {view.n_filtered} rows, ordered by {"W.avg, then " if AVG in view.rows else ""}mean colour (missing = lightest). Colour = '
            f'position between the worst (light) and the best (dark) value of each column, direction-aware; '
            f'<span class="hfb-srcdot hfb-dot-ref"></span> published <span class="hfb-srcdot hfb-dot-hf"></span> hf_bench.</div>')
    return (note + f'<div class="hfb-scroll"><table class="hfb-heatmap"><thead><tr class="hfb-h1"><th></th>{ghead}</tr>'
            f'<tr class="hfb-h2"><th></th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def _heat_color(x: float) -> tuple[str, str]:
    lo, hi = np.array([239, 246, 255]), np.array([30, 64, 175])
    rgb = (lo + (hi - lo) * max(0.0, min(1.0, x))).astype(int)
    return f"rgb({rgb[0]},{rgb[1]},{rgb[2]})", ("#ffffff" if x > 0.55 else "#0f172a")


# ---------------------------------------------------------------------- model card
def model_card_html(views: BoardViews, source_kind: str, model: str) -> str:
    """The details card of one model: bars on an absolute scale (see :mod:`hf_bench.leaderboard.details`, which
    also compares two or three models side by side)."""
    from hf_bench.leaderboard.details import details_html

    return details_html(views, [(source_kind, model)])


def models_choices(views: BoardViews) -> list[tuple[str, str]]:
    """(label, value) pairs for the model picker: published rows and hf_bench rows are distinct entries."""
    out = []
    for _, r in views.table.models().iterrows():
        kind = "published" if r["source_kind"] == REFERENCE else "hf_bench"
        boards = ", ".join(views.table.boards[b].title for b in r["boards"])
        out.append((f"{r['model']} · {kind} · {boards}", SEP.join((r["source_kind"], r["model"]))))
    return sorted(out, key=lambda x: x[0].lower())


def stats_html(views: BoardViews) -> str:
    df = views.table.df
    n_models = df[["source_kind", "model"]].drop_duplicates().shape[0] if len(df) else 0
    n_ref = df[df["source_kind"] == REFERENCE]["value"].notna().sum()
    n_hf = df[df["source_kind"] == HF_BENCH]["value"].notna().sum()
    built = views.table.built_at[:16].replace("T", " ")
    return (f'<div class="hfb-stats"><span><b>{n_models}</b> models</span><span><b>{n_hf}</b> scores computed by '
            f'hf_bench</span><span><b>{n_ref}</b> published scores</span><span>table built {escape(built)} UTC</span></div>')


def queue_html(entries: Iterable[dict], limit: int = 10) -> str:
    entries = list(entries)
    if not entries:
        return '<div class="hfb-muted">The pending queue is empty.</div>'
    rows = []
    for e in entries[-limit:][::-1]:
        s = e.get("summary", {})
        rows.append(f'<tr><td>{escape(str(e.get("received_at", ""))[:19])}</td><td>{escape(str(s.get("model", "")))}</td>'
                    f'<td>{escape(str(s.get("benchmark", "")))}</td><td>{escape(str(s.get("task", "")))}</td>'
                    f'<td>{escape(str(s.get("probe", "")))}</td><td class="hfb-num">{escape(str(s.get("score", "")))}</td></tr>')
    return (f'<div class="hfb-status"><b>{len(entries)}</b> entr{"y" if len(entries) == 1 else "ies"} waiting for review '
            f'(latest first)</div><div class="hfb-scroll"><table class="hfb-table hfb-queue"><thead><tr><th>received (UTC)</th>'
            f'<th>model</th><th>benchmark</th><th>task</th><th>probe</th><th>score</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')
