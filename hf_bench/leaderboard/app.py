"""The Gradio app (gradio 6): one tab per benchmark, model details, heatmap, submissions, about.

``create_app(table)`` builds the Blocks from a precomputed table (a path, a :class:`LeaderboardTable`, or ``None``
for the shipped published rows only); ``launch(app, ...)`` serves it with the leaderboard's CSS and theme. The
deployable Space (``spaces/leaderboard/app.py``) and ``hf-bench leaderboard serve`` both go through these two.
"""

import atexit
import hashlib
import os
import shutil
import tempfile
import zipfile
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr

from hf_bench.leaderboard import urlstate
from hf_bench.leaderboard.catalog import (
    HF_BENCH,
    PROTOCOL_LABELS,
    REFERENCE,
    SIZE_BUCKETS,
    SIZE_UNKNOWN,
    Board,
    probe_label,
)
from hf_bench.leaderboard.details import DETAILS_CSS, MAX_MODELS, details_html, parse_selection
from hf_bench.leaderboard.export import DEFAULT_SOURCE_URL, entries_to_yaml, eval_result_entries
from hf_bench.leaderboard.render import (
    CELLS_RANKS,
    CELLS_SCORES,
    TABLE_JS,
    board_header_html,
    board_table_html,
    group_label,
    heatmap_html,
    legend_html,
    models_choices,
    queue_html,
    stats_html,
)
from hf_bench.leaderboard.submit import (
    MAX_JSON_BYTES,
    MAX_ZIP_BYTES,
    SubmissionError,
    append_to_queue,
    queue_path,
    read_queue,
    validate_upload,
)
from hf_bench.leaderboard.table import LeaderboardTable, resolve_table
from hf_bench.leaderboard.views import AVG, BORDA, MODEL, PARAMS, PUBLISHED_ORDER, SEP, BoardViews, Query, view_csv
from hf_bench.utils.io import atomic_write_text

LOADING = '<div class="hfb-status">Loading…</div>'
ROW_LIMITS = [("25", 25), ("50", 50), ("100", 100), ("250", 250), ("all", 0)]
BEST_FIRST, WORST_FIRST = "best first", "worst first"

CSS = """
.gradio-container { max-width: none !important; }
.hfb-header { display: flex; flex-wrap: wrap; align-items: flex-end; justify-content: space-between; gap: 8px 24px;
  padding: 6px 2px 10px; border-bottom: 1px solid var(--border-color-primary); margin-bottom: 4px; }
.hfb-title { font-size: 26px; font-weight: 750; letter-spacing: -0.02em; }
.hfb-title .hfb-accent { color: var(--color-accent); }
.hfb-subtitle { color: var(--body-text-color-subdued); font-size: 14px; margin-top: 2px; max-width: 880px; }
.hfb-stats { display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: 13px; color: var(--body-text-color-subdued); }
.hfb-stats b { color: var(--body-text-color); }
.hfb-board-desc { font-size: 13.5px; color: var(--body-text-color-subdued); margin: 2px 0 2px; }
.hfb-status { font-size: 12.5px; color: var(--body-text-color-subdued); margin: 4px 2px 6px; }
.hfb-scroll { overflow: auto; max-height: 70vh; border: 1px solid var(--border-color-primary); border-radius: 10px; }
table.hfb-table, table.hfb-heatmap { border-collapse: separate; border-spacing: 0; font-size: 13px;
  min-width: 100%; font-variant-numeric: tabular-nums; }
table.hfb-table th, table.hfb-table td { padding: 5px 8px; border-bottom: 1px solid var(--border-color-primary);
  white-space: nowrap; text-align: left; }
table.hfb-table thead tr.hfb-h2 th.hfb-num { white-space: normal; min-width: 52px; max-width: 112px;
  vertical-align: bottom; line-height: 1.2; }
table.hfb-table thead th { position: sticky; background: var(--background-fill-secondary); z-index: 2;
  font-weight: 600; }
table.hfb-table thead tr.hfb-h1 th { top: 0; height: 28px; box-sizing: border-box; font-size: 12px;
  text-transform: uppercase; letter-spacing: .04em; color: var(--body-text-color-subdued); border-bottom: 3px solid transparent; }
table.hfb-table thead tr.hfb-h2 th { top: 28px; }
table.hfb-table th.hfb-group { text-align: left; border-left: 1px solid var(--border-color-primary); }
.hfb-dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 6px; vertical-align: 1px; }
table.hfb-table th.hfb-sortable { cursor: pointer; user-select: none; }
table.hfb-table th.hfb-sortable:hover { background: var(--background-fill-primary); color: var(--color-accent); }
table.hfb-table th.hfb-sorted { color: var(--color-accent); }
.hfb-sortmark { font-size: 9px; margin-left: 4px; }
.hfb-nowrap { white-space: nowrap; }
table.hfb-table .hfb-num { text-align: right; font-family: var(--font-mono); font-size: 12.5px; }
table.hfb-table th.hfb-num { font-family: var(--font); font-size: 13px; }
table.hfb-table tbody tr:nth-child(even) td { background: color-mix(in srgb, var(--background-fill-secondary) 45%, transparent); }
table.hfb-table tbody tr:hover td { background: color-mix(in srgb, var(--color-accent) 8%, transparent); }
/* sticky cells are opaque: a translucent stripe or hover colour would let scrolled numbers show through */
table.hfb-table tbody tr:nth-child(even) td.hfb-rank, table.hfb-table tbody tr:nth-child(even) td.hfb-modelcol {
  background: linear-gradient(color-mix(in srgb, var(--background-fill-secondary) 45%, transparent),
    color-mix(in srgb, var(--background-fill-secondary) 45%, transparent)), var(--background-fill-primary); }
table.hfb-table tbody tr:hover td.hfb-rank, table.hfb-table tbody tr:hover td.hfb-modelcol {
  background: linear-gradient(color-mix(in srgb, var(--color-accent) 8%, transparent),
    color-mix(in srgb, var(--color-accent) 8%, transparent)), var(--background-fill-primary); }
table.hfb-table .hfb-borda { color: var(--body-text-color-subdued); text-align: right; }
.hfb-tie { color: var(--body-text-color-subdued); font-size: 11px; margin-right: 2px; cursor: help; }
.hfb-mark { color: #b45309; font-size: 10px; margin-left: 1px; cursor: help; }
.dark .hfb-mark { color: #fbbf24; }
/* wide boards: upright-rotated task headers, tighter cells */
table.hfb-table.hfb-wide thead tr.hfb-h2 th.hfb-num { writing-mode: vertical-rl; transform: rotate(180deg);
  white-space: nowrap; min-width: 0; max-width: none; padding: 6px 2px; text-align: left; vertical-align: bottom; }
table.hfb-table.hfb-wide td.hfb-num { padding: 4px 5px; }
/* phone: model, Borda rank and average; a tap on the name opens the details */
@media (max-width: 700px) {
  table.hfb-table td.hfb-num:not(.hfb-avgcol):not(.hfb-borda), table.hfb-table th.hfb-num:not(.hfb-avgcol):not(.hfb-borda),
  table.hfb-table .hfb-srccol, table.hfb-table .hfb-cov, table.hfb-table .hfb-params,
  table.hfb-table th.hfb-group { display: none; }
  table.hfb-table td.hfb-modelcol, table.hfb-table th.hfb-modelcol { position: static; white-space: normal; }
  table.hfb-table td.hfb-rank, table.hfb-table th.hfb-rank { position: static; }
  table.hfb-table .hfb-tag { display: none; }
  .hfb-scroll { max-height: none; }
  .hfb-title { font-size: 20px; }
}
table.hfb-table td.hfb-best { background: color-mix(in srgb, #22c55e 16%, transparent) !important; }
table.hfb-table td.hfb-second { background: color-mix(in srgb, #22c55e 7%, transparent) !important; }
table.hfb-table td.hfb-best b { font-weight: 750; }
table.hfb-table td u { text-decoration-thickness: 1.5px; text-underline-offset: 3px; }
table.hfb-table td.hfb-missing { color: var(--body-text-color-subdued); }
.hfb-ci { display: block; font-size: 10px; color: var(--body-text-color-subdued); line-height: 1; }
table.hfb-table td.hfb-rank, table.hfb-table th.hfb-rank { color: var(--body-text-color-subdued); text-align: right;
  box-sizing: border-box; width: 44px; min-width: 44px; max-width: 44px; position: sticky; left: 0; z-index: 1;
  background: var(--background-fill-primary); }
table.hfb-table th.hfb-rank { z-index: 3; background: var(--background-fill-secondary); }
table.hfb-table td.hfb-modelcol, table.hfb-table th.hfb-modelcol { position: sticky; left: 44px; z-index: 1;
  background: var(--background-fill-primary); border-right: 1px solid var(--border-color-primary); }
table.hfb-table th.hfb-modelcol { z-index: 3; background: var(--background-fill-secondary); }
table.hfb-table .hfb-srccol { padding-left: 14px; }
.hfb-model { font-weight: 600; cursor: pointer; color: var(--body-text-color); }
.hfb-model:hover { color: var(--color-accent); text-decoration: underline; }
.hfb-link { text-decoration: none; color: var(--body-text-color-subdued); font-size: 12px; }
.hfb-tag { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 4px; font-size: 10.5px;
  background: var(--background-fill-secondary); color: var(--body-text-color-subdued); border: 1px solid var(--border-color-primary); }
.hfb-star { margin-left: 4px; font-size: 11px; cursor: help; }
.hfb-badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 11px; font-weight: 600;
  text-decoration: none !important; white-space: nowrap; }
.hfb-badge-ref { background: color-mix(in srgb, #f59e0b 20%, transparent); color: #b45309; }
.hfb-badge-hf { background: color-mix(in srgb, #22c55e 20%, transparent); color: #15803d; }
.dark .hfb-badge-ref { color: #fbbf24; } .dark .hfb-badge-hf { color: #4ade80; }
table.hfb-table td.hfb-avgcol, table.hfb-table th.hfb-avgcol { border-left: 1px solid var(--border-color-primary);
  font-weight: 600; }
table.hfb-table .hfb-cov { color: var(--body-text-color-subdued); font-size: 11.5px; text-align: right;
  border-right: 1px solid var(--border-color-primary); }
table.hfb-table .hfb-params { color: var(--body-text-color-subdued); }
.hfb-none { text-align: center !important; padding: 18px !important; color: var(--body-text-color-subdued); }
.hfb-legend { display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 12.5px; color: var(--body-text-color-subdued);
  margin: 8px 2px 2px; }
.hfb-muted { color: var(--body-text-color-subdued); font-size: 12.5px; }
.hfb-sources { font-size: 12.5px; margin: 6px 2px; } .hfb-sources li { margin: 4px 0; }
.hfb-empty { padding: 28px; border: 1px dashed var(--border-color-primary); border-radius: 10px; text-align: center;
  color: var(--body-text-color-subdued); }
.hfb-empty-title { font-size: 16px; font-weight: 650; color: var(--body-text-color); margin-bottom: 6px; }
table.hfb-heatmap th, table.hfb-heatmap td { padding: 4px 6px; font-size: 12px; white-space: nowrap; }
table.hfb-heatmap thead th { position: sticky; top: 0; background: var(--background-fill-secondary); z-index: 2; }
table.hfb-heatmap thead tr.hfb-h1 th { height: 26px; box-sizing: border-box; text-align: left; font-size: 11px;
  text-transform: uppercase; letter-spacing: .04em; color: var(--body-text-color-subdued); }
table.hfb-heatmap thead tr.hfb-h2 th { top: 26px; }
table.hfb-heatmap th.hfb-hm-row { text-align: left; font-weight: 600; position: sticky; left: 0;
  background: var(--background-fill-primary); z-index: 1; }
table.hfb-heatmap th.hfb-hm-col { white-space: normal; max-width: 84px; vertical-align: bottom; line-height: 1.2; }
td.hfb-hm-cell { text-align: center; font-family: var(--font-mono); border: 1px solid var(--background-fill-primary); min-width: 44px; }
.hfb-srcdot { display: inline-block; width: 8px; height: 8px; border-radius: 2px; margin-right: 6px; }
.hfb-dot-ref { background: #f59e0b; } .hfb-dot-hf { background: #22c55e; }
.hfb-card { display: flex; flex-direction: column; gap: 14px; }
.hfb-card-head { display: flex; flex-direction: column; gap: 6px; padding: 14px 16px; border-radius: 12px;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary); }
.hfb-card-title { font-size: 22px; font-weight: 750; }
.hfb-facts { display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 13px; }
.hfb-links a { font-size: 13px; }
.hfb-section { border: 1px solid var(--border-color-primary); border-radius: 12px; padding: 10px 14px; }
.hfb-section-head { display: flex; justify-content: space-between; font-weight: 650; margin-bottom: 8px; gap: 12px; }
.hfb-submit-ok { padding: 12px 14px; border-radius: 10px; border: 1px solid #22c55e; background: color-mix(in srgb, #22c55e 10%, transparent); }
.hfb-submit-err { padding: 12px 14px; border-radius: 10px; border: 1px solid #ef4444; background: color-mix(in srgb, #ef4444 9%, transparent); }
.hfb-submit-err ul, .hfb-submit-ok ul { margin: 6px 0 0 18px; font-size: 13px; }
.hfb-submit-err code { white-space: pre-wrap; }
.hfb-controls { gap: 8px !important; }
"""


def _theme():
    # system fonts only: a Space must not need Google Fonts (and tests run offline)
    return gr.themes.Soft(
        primary_hue="indigo", neutral_hue="slate", radius_size="md",
        font=[gr.themes.Font("Inter"), gr.themes.Font("system-ui"), gr.themes.Font("-apple-system"), "sans-serif"],
        font_mono=[gr.themes.Font("ui-monospace"), gr.themes.Font("SFMono-Regular"), gr.themes.Font("Menlo"), "monospace"],
    )


LAUNCH_TRIES = 4


def launch(app, *, host: str = "127.0.0.1", port: int | None = None, prevent_thread_lock: bool = False,
           tries: int = LAUNCH_TRIES, **kwargs):
    """Serve the app with the leaderboard's CSS and theme (gradio 6 takes both at launch).

    Gradio checks that its own server answers on localhost with a short timeout and, when the answer is late
    (a loaded machine), raises "When localhost is not accessible, a shareable link must be created": that start
    is retried (the server is closed first), and after ``tries`` failures the error says what happened."""
    import time

    from hf_bench.errors import HFBenchError

    kwargs.setdefault("max_file_size", f"{MAX_ZIP_BYTES // 2**20 + 1}mb")
    kwargs.setdefault("footer_links", ["gradio"])
    for attempt in range(1, tries + 1):
        try:
            return app.launch(server_name=host, server_port=port, prevent_thread_lock=prevent_thread_lock, css=CSS,
                              theme=_theme(), **kwargs)
        except ValueError as e:
            if "localhost is not accessible" not in str(e):
                raise
            try:
                app.close()
            except Exception:  # noqa: BLE001 - a half-started server may not close cleanly; retry anyway
                pass
            if attempt == tries:
                raise HFBenchError(f"the leaderboard server started but did not answer on {host} in time, "
                                   f"{tries} times (Gradio: {str(e).strip()})", where="leaderboard serve",
                                   fix="the machine is probably overloaded: retry when it is quieter, or pass "
                                       "--port to pick a free port; --host 0.0.0.0 serves on every interface"
                                   ) from None
            time.sleep(0.5 * attempt)


def _header_html(views: BoardViews, title: str) -> str:
    return (f'<div class="hfb-header"><div><div class="hfb-title">{escape(title)}</div>'
            f'<div class="hfb-subtitle">Frozen audio encoders on X-ARES, LeBenchmark, ZeroSpeech and WenetSpeech-Wu. '
            f'Published numbers (<span class="hfb-badge hfb-badge-ref">published</span>) sit next to numbers computed '
            f'by hf_bench (<span class="hfb-badge hfb-badge-hf">hf_bench</span>), each with its source.</div></div>'
            f'{stats_html(views)}</div>')


class _BoardUI:
    """The controls and the table of one board, wired to re-render on every change."""

    def __init__(self, views: BoardViews, board: Board, *, lazy: bool = False, export_dir=None):
        self.views, self.board, self.lazy = views, board, lazy
        self.export_dir = export_dir
        self.inputs: dict[str, Any] = {}

    def build(self):
        views, board = self.views, self.board
        probe0 = views.default_probe(board.id)
        split0 = views.default_split(board.id)
        gr.HTML(board_header_html(board))
        groups = [g for g in board.groups if any(c.group == g for c in board.columns)]
        with gr.Row(elem_classes="hfb-controls", equal_height=True):
            self.inputs["search"] = gr.Textbox(label="Search", placeholder="model name or id; several terms: a; b",
                                               scale=3, min_width=220, elem_id=f"search-{board.id}")
            if board.probe_views:
                self.inputs["probe"] = gr.Radio(views.probe_choices(board.id),
                                                value=probe0, label="Probe", scale=1, min_width=150,
                                                elem_id=f"probe-{board.id}")
            if len(board.splits) > 1:
                self.inputs["split"] = gr.Radio(list(board.splits), value=split0, label="Split", scale=1,
                                                min_width=150, elem_id=f"split-{board.id}")
            row_probes = views.probes(board.id) if not board.probe_views else []
            protocols = views.protocols(board.id) if not board.probe_views else []
            if len(protocols) > 1:
                self.inputs["protocol"] = gr.Radio([(PROTOCOL_LABELS.get(x, x), x) for x in protocols],
                                                   value=protocols[0], label="Protocol", scale=1, min_width=150,
                                                   elem_id=f"protocol-{board.id}")
            if len(row_probes) > 1:
                self.inputs["probes"] = gr.CheckboxGroup([(probe_label(p), p) for p in row_probes],
                                                         value=row_probes, label="Probe", scale=2,
                                                         elem_id=f"probes-{board.id}")
            sort_choices = ([("W.avg", AVG)] if board.average else []) + [("Published order", PUBLISHED_ORDER),
                                                                          ("Borda rank", BORDA)] + \
                [(f"{c.label} {c.arrow}", c.task) for c in board.columns] + [("Model name", MODEL), ("Parameters", PARAMS)]
            self.inputs["sort"] = gr.Dropdown(sort_choices, value=AVG if board.average else PUBLISHED_ORDER,
                                              label="Sort by", scale=1, min_width=170, elem_id=f"sort-{board.id}")
            self.inputs["order"] = gr.Dropdown([BEST_FIRST, WORST_FIRST], value=BEST_FIRST, label="Order", scale=0,
                                               min_width=140, elem_id=f"order-{board.id}")
            self.inputs["limit"] = gr.Dropdown(ROW_LIMITS, value=50, label="Rows", scale=0, min_width=110,
                                               elem_id=f"limit-{board.id}")
            self.inputs["cells"] = gr.Radio([("Scores", CELLS_SCORES), ("Ranks", CELLS_RANKS)], value=CELLS_SCORES,
                                            label="Cells", scale=0, min_width=150, elem_id=f"cells-{board.id}")
        with gr.Row(elem_classes="hfb-controls", equal_height=True):
            if len(groups) > 1:
                self.inputs["groups"] = gr.CheckboxGroup([(group_label(g), g) for g in groups], value=groups,
                                                         label=board.group_label, scale=2, elem_id=f"groups-{board.id}")
            self.inputs["sources"] = gr.CheckboxGroup([("Published", REFERENCE), ("hf_bench", HF_BENCH)],
                                                      value=[REFERENCE, HF_BENCH], label="Source", scale=1,
                                                      elem_id=f"sources-{board.id}")
            sizes = [b[0] for b in SIZE_BUCKETS] + [SIZE_UNKNOWN]
            self.inputs["sizes"] = gr.CheckboxGroup(sizes, value=sizes, label="Model size (parameters)", scale=2,
                                                    elem_id=f"sizes-{board.id}")
        with gr.Accordion(f"Columns ({len(board.columns)})", open=False, elem_id=f"columns-acc-{board.id}"):
            col_choices = [(f"{c.label} ({group_label(c.group)})", c.task) for c in board.columns]
            self.inputs["columns"] = gr.CheckboxGroup(col_choices, value=[c.task for c in board.columns],
                                                      show_label=False, elem_id=f"columns-{board.id}")
        self.names = list(self.inputs)
        self.defaults = {name: c.value for name, c in self.inputs.items()}
        # boards off the first tab render when their tab is opened: start-up pays for one table only
        initial = LOADING if self.lazy else self.render(*self.defaults.values())
        self.html = gr.HTML(initial, js_on_load=TABLE_JS, apply_default_css=False, elem_id=f"board-{board.id}",
                            elem_classes="hfb-board")
        with gr.Row(elem_classes="hfb-controls"):
            gr.HTML(legend_html(board, views.table.sources))
            self.download = gr.DownloadButton("Download CSV", value=None, size="sm", scale=0, min_width=150,
                                              elem_id=f"csv-{board.id}")
        gr.on([c.change for c in self.inputs.values()], self.render, inputs=self.input_list, outputs=self.html,
              trigger_mode="always_last", show_progress="hidden", api_visibility="private")
        # a second event, so that writing the CSV never delays the table
        gr.on([c.change for c in self.inputs.values()], self.csv_file, inputs=self.input_list, outputs=self.download,
              trigger_mode="always_last", show_progress="hidden", api_visibility="private")
        return self

    def url_choices(self) -> dict:
        """What a link may set on this board: each control's accepted values (None: free text)."""
        out: dict = {}
        for name, c in self.inputs.items():
            if name == "search":
                out[name] = None
                continue
            opts = getattr(c, "choices", None) or []
            out[name] = {v for _label, v in opts}
        return out

    @property
    def input_list(self) -> list:
        return list(self.inputs.values())

    def query(self, *values) -> Query:
        v = dict(zip(self.names, values))
        return Query(
            board=self.board.id, probe=v.get("probe"), split=v.get("split"), search=v.get("search") or "",
            groups=v.get("groups"), columns=v.get("columns"), sources=v.get("sources"), sizes=v.get("sizes"),
            probes=v.get("probes"), protocol=v.get("protocol"), sort_by=v.get("sort"),
            best_first=v.get("order", BEST_FIRST) != WORST_FIRST,
            limit=int(v.get("limit") or 0) or None,
        )

    def render(self, *values) -> str:
        v = dict(zip(self.names, values))
        return board_table_html(self.views.query(self.query(*values)), self.views.table.sources,
                                cells=v.get("cells") or CELLS_SCORES, state=urlstate.encode(self.board.id, v, self.defaults))

    def csv_file(self, *values) -> str:
        """The current view (every matched row) as a CSV file; named by its content, so an unchanged view
        reuses its file."""
        text = view_csv(self.views.query(self.query(*values)))
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        path = self.export_dir() / f"{self.board.id}-{digest}.csv"
        if not path.exists():
            atomic_write_text(path, text)
        return str(path)

    def on_click(self, sort, order, evt: gr.EventData):
        """Header click: sort by it (best first; again: flip). Model click: open its details.

        Returns (sort, order, model picker, tabs, model card, download)."""
        col, model = getattr(evt, "col", None), getattr(evt, "model", None)  # trigger('click', {...}) payload
        if col:
            if col == sort:
                order = WORST_FIRST if order == BEST_FIRST else BEST_FIRST
            else:
                sort, order = col, BEST_FIRST
            return sort, order, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        if model:
            source_kind, name, _probe = model.split(SEP)
            key = SEP.join((source_kind, name))
            return (gr.skip(), gr.skip(), [key], gr.Tabs(selected="tab-details"), *self.show_model([key]))
        return (gr.skip(),) * 6


def create_app(table: LeaderboardTable | str | os.PathLike | None = None, *, pending_path: str | os.PathLike | None = None,
               title: str = "hf_bench leaderboard", source_url: str = DEFAULT_SOURCE_URL):
    """Build the leaderboard Blocks (not launched). ``table``: parquet path, table object, or None (published only)."""
    table = resolve_table(table)
    views = BoardViews(table)
    pending = queue_path(pending_path)
    boards = table.boards
    board_uis: list[_BoardUI] = []
    export_dirs: list[Path] = []

    def export_dir() -> Path:  # created on the first download, removed at exit (gradio serves its own copy)
        if not export_dirs:
            export_dirs.append(Path(tempfile.mkdtemp(prefix="hf_bench_eval_results_")))
            atexit.register(shutil.rmtree, export_dirs[0], True)
        return export_dirs[0]

    def board_tab(board_id: str, lazy: bool = True):
        board = boards[board_id]
        with gr.Tab(board.tab, id=f"tab-{board_id}") as tab:
            ui = _BoardUI(views, board, lazy=lazy, export_dir=export_dir).build()
        board_uis.append(ui)
        return tab, [ui]

    def render_on_select(tab, uis):
        def render_all(*values):
            out, i = [], 0
            for ui in uis:
                n = len(ui.input_list)
                out.append(ui.render(*values[i:i + n]))
                i += n
            return out[0] if len(out) == 1 else tuple(out)

        tab.select(render_all, [c for ui in uis for c in ui.input_list], [ui.html for ui in uis],
                   show_progress="hidden", api_visibility="private")
        for ui in uis:
            tab.select(ui.csv_file, ui.input_list, ui.download, show_progress="hidden", api_visibility="private")

    def show_model(keys):
        """The details card of the picked models (up to 3) and the eval-results YAML of the first one."""
        picked = parse_selection(keys)
        if not picked:
            return '<div class="hfb-empty">Pick a model.</div>', gr.DownloadButton(value=None)
        source_kind, model = picked[0]
        return details_html(views, picked), gr.DownloadButton(
            value=_export_file(table, source_kind, model, export_dir(), source_url))

    choices = models_choices(views)

    with gr.Blocks(title=title, analytics_enabled=False, fill_width=True) as demo:
        gr.HTML(_header_html(views, title))
        with gr.Tabs(selected="tab-xares") as tabs:
            render_on_select(*board_tab("xares", lazy=False))  # re-rendered on return: the link follows the tab
            default_model = _default_model(board_uis[0], choices)
            render_on_select(*board_tab("lebenchmark"))
            with gr.Tab("ZeroSpeech", id="tab-zerospeech") as ztab:
                with gr.Tabs(selected="tab-zerospeech_slm21") as ztabs:
                    z = board_tab("zerospeech_slm21")[1] + board_tab("zerospeech_prosaudit")[1]
            render_on_select(ztab, z)
            with gr.Tab("WenetSpeech-Wu", id="tab-wenetspeech_wu") as wtab:
                with gr.Tabs(selected="tab-wenetspeech_wu_asr") as wtabs:
                    w = board_tab("wenetspeech_wu_asr")[1] + board_tab("wenetspeech_wu_und")[1]
            render_on_select(wtab, w)
            render_on_select(*board_tab("embedded"))
            if views.n_rows("custom"):
                render_on_select(*board_tab("custom"))

            # ---------------------------------------------------------- model details
            with gr.Tab("Model details", id="tab-details", elem_id="page-details") as dtab:
                with gr.Row():
                    model_dd = gr.Dropdown(choices, value=[default_model] if default_model else [],
                                           label=f"Models (up to {MAX_MODELS}, side by side)", filterable=True,
                                           multiselect=True, max_choices=MAX_MODELS, scale=4, elem_id="details-model")
                    download = gr.DownloadButton("Download eval-results YAML", value=None, scale=1,
                                                 elem_id="details-download")
                card = gr.HTML(LOADING, elem_id="details-card", apply_default_css=False, css_template=DETAILS_CSS)
                gr.Markdown("The download is the first picked model's. The YAML follows the Hub's `.eval_results/*.yaml` format (written with huggingface_hub's "
                            "`EvalResultEntry` helpers): put it in the model repo under `.eval_results/`. Same as "
                            "`hf-bench leaderboard export MODEL --table leaderboard.parquet`.", elem_classes="hfb-muted")
                model_dd.input(show_model, model_dd, [card, download], show_progress="hidden", api_visibility="private")
                dtab.select(show_model, model_dd, [card, download], show_progress="hidden", api_visibility="private")

            # ---------------------------------------------------------- heatmap
            with gr.Tab("Heatmap", id="tab-heatmap", elem_id="page-heatmap") as htab:
                hm_boards = [(boards[b].title, b) for b in boards if views.n_rows(b)]
                hm0 = hm_boards[0][1] if hm_boards else "xares"
                with gr.Row():
                    hm_board = gr.Dropdown(hm_boards, value=hm0, label="Board", scale=2, elem_id="heatmap-board")
                    hm_probe = gr.Radio(views.probe_choices(hm0),
                                        value=views.default_probe(hm0), label="Probe", scale=1,
                                        visible=bool(views.view_probes(hm0)))
                    hm_split = gr.Radio(list(views.splits(hm0)), value=views.default_split(hm0), label="Split",
                                        scale=1, visible=len(views.splits(hm0)) > 1)
                    hm_top = gr.Slider(5, 200, value=40, step=5, label="Models shown", scale=2)
                hm_html = gr.HTML(LOADING, elem_id="heatmap", apply_default_css=False)

                def render_heatmap(board_id, probe, split, top):
                    probes = views.view_probes(board_id)
                    probe = probe if probe in probes else views.default_probe(board_id)
                    split = split if split in views.splits(board_id) else views.default_split(board_id)
                    view = views.query(Query(board_id, probe=probe, split=split))
                    return heatmap_html(view, int(top))

                def switch_board(board_id):
                    probes = views.view_probes(board_id)
                    splits = views.splits(board_id)
                    return (gr.Radio(views.probe_choices(board_id), value=views.default_probe(board_id),
                                     visible=bool(probes)),
                            gr.Radio(splits, value=views.default_split(board_id), visible=len(splits) > 1))

                hm_inputs = [hm_board, hm_probe, hm_split, hm_top]
                hm_board.change(switch_board, hm_board, [hm_probe, hm_split], show_progress="hidden",
                                api_visibility="private")
                gr.on([c.change for c in hm_inputs] + [htab.select], render_heatmap, hm_inputs, hm_html,
                      trigger_mode="always_last", show_progress="hidden", api_visibility="private")

            # ---------------------------------------------------------- submit
            with gr.Tab("Submit", id="tab-submit", elem_id="page-submit"):
                gr.Markdown(
                    "### Submit results\n"
                    "Upload a result JSON written by `hf-bench run` (`<encoder>/<probe>/<task>.json`), a ZeroSpeech "
                    "`scores.json`, or a **zip** of a run's output directory. Every file is checked against the "
                    f"hf_bench results schema (at most {MAX_JSON_BYTES // 2**20} MB per JSON, "
                    f"{MAX_ZIP_BYTES // 2**20} MB per zip; other files in the zip are ignored). Nothing in an upload is "
                    "executed or unpickled. Accepted results join the **pending queue** and appear on the board after "
                    "review and a table rebuild; they never go straight onto the board.")
                upload = gr.File(label="Result JSON or zip", file_types=[".json", ".zip"], type="filepath",
                                 elem_id="submit-file")
                submit_status = gr.HTML(elem_id="submit-status", apply_default_css=False)
                gr.Markdown("#### Pending queue")
                queue_view = gr.HTML(queue_html(_safe_read_queue(pending)), elem_id="submit-queue",
                                     apply_default_css=False)

                def on_upload(path):
                    if not path:
                        return gr.skip(), gr.skip()
                    return _handle_upload(path, pending), queue_html(_safe_read_queue(pending))

                upload.upload(on_upload, upload, [submit_status, queue_view], show_progress="minimal",
                              api_visibility="private")

            # ---------------------------------------------------------- about
            with gr.Tab("About", id="tab-about", elem_id="page-about"):
                gr.Markdown(_about_markdown(table))

        for ui in board_uis:
            ui.show_model = show_model
            ui.html.click(ui.on_click, [ui.inputs["sort"], ui.inputs["order"]],
                          [ui.inputs["sort"], ui.inputs["order"], model_dd, tabs, card, download],
                          show_progress="hidden", api_visibility="private")

        # ---------------------------------------------------------- a link reopens its view
        by_id = {ui.board.id: ui for ui in board_uis}
        url_choices = {b: ui.url_choices() for b, ui in by_id.items()}
        parents = {"zerospeech_slm21": (ztabs, "tab-zerospeech"), "zerospeech_prosaudit": (ztabs, "tab-zerospeech"),
                   "wenetspeech_wu_asr": (wtabs, "tab-wenetspeech_wu"), "wenetspeech_wu_und": (wtabs, "tab-wenetspeech_wu")}
        restore_out = [tabs, ztabs, wtabs] + [c for ui in board_uis for c in ui.input_list] + \
            [ui.html for ui in board_uis] + [ui.download for ui in board_uis] + [card, download, hm_html]
        n_pages = 3  # the page outputs at the end: a tab selected by the server fires no select event

        def restore(request: gr.Request):
            query = str(getattr(request, "query_params", "") or "") if request is not None else ""
            target, values = urlstate.decode(query, url_choices)
            out = [gr.skip()] * len(restore_out)
            n = len(board_uis)
            if target is None or (target == board_uis[0].board.id and not values):
                # nothing to restore (the first tab as it opens): only its download, which no tab selection fills;
                # re-rendering here could overwrite a change the user made while the page was loading
                first = board_uis[0]
                out[len(restore_out) - n_pages - n] = first.csv_file(*first.defaults.values())
                return out
            if target in urlstate.PAGES:
                out[0] = gr.Tabs(selected=f"tab-{target}")
                if target == "details":
                    out[-3], out[-2] = show_model(model_dd.value)
                elif target == "heatmap":
                    out[-1] = render_heatmap(*[c.value for c in hm_inputs])
                return out
            ui = by_id[target]
            inner, outer = parents.get(target, (None, f"tab-{target}"))
            out[0] = gr.Tabs(selected=outer)
            if inner is not None:
                out[1 if inner is ztabs else 2] = gr.Tabs(selected=f"tab-{target}")
            state = {**ui.defaults, **values}
            i = 3
            for other in board_uis:
                for name in other.names:
                    if other is ui and name in values:
                        out[i] = values[name]
                    i += 1
            j = board_uis.index(ui)
            ordered = [state[name] for name in ui.names]
            out[i + j] = ui.render(*ordered)
            out[i + n + j] = ui.csv_file(*ordered)
            return out

        demo.load(restore, None, restore_out, show_progress="hidden", api_visibility="private")
    demo.hf_bench_views = views  # for tests and benchmarks
    return demo


def _default_model(ui: "_BoardUI", choices: list[tuple[str, str]]) -> str | None:
    """The best hf_bench model of the first board as it opens (else its best published one), for the details tab;
    the same (memoised) view as the table on screen."""
    rows = ui.views.query(ui.query(*ui.defaults.values())).rows_all
    for kind in (HF_BENCH, REFERENCE):
        hits = rows[rows["source_kind"] == kind]
        if len(hits):
            return SEP.join((kind, hits.iloc[0]["model"]))
    return choices[0][1] if choices else None


def _safe_read_queue(path: Path) -> list[dict]:
    try:
        return read_queue(path)
    except Exception as e:  # a broken queue must not take the Space down; show it instead
        return [{"received_at": "", "summary": {"model": f"(queue unreadable: {e})"}}]


def _handle_upload(path: str, pending: Path) -> str:
    display = Path(path).name
    try:
        subs, ignored = validate_upload(path, display_name=display)
        added, dups = append_to_queue(subs, pending)
    except SubmissionError as e:
        items = "".join(f"<li><code>{escape(w)}</code>: {escape(m)}</li>" for w, m in e.problems)
        return (f'<div class="hfb-submit-err"><b>Rejected: nothing was queued and the board is unchanged.</b>'
                f'<ul>{items}</ul><div class="hfb-muted">{escape(e.fix or "")}</div></div>')
    except Exception as e:  # report, never crash the Space on a strange upload
        return f'<div class="hfb-submit-err"><b>Rejected:</b> {escape(str(e))}</div>'
    rows = "".join(f"<li><b>{escape(str(s.summary.get('model')))}</b> · {escape(str(s.summary.get('benchmark')))} · "
                   f"{escape(str(s.summary.get('task')))} · {escape(str(s.summary.get('probe')))} · "
                   f"{escape(str(s.summary.get('score')))}</li>" for s in added)
    dup = (f"<div class='hfb-muted'>{len(dups)} already in the queue (same content), skipped.</div>" if dups else "")
    ign = (f"<div class='hfb-muted'>{len(ignored)} non-result file(s) in the archive ignored.</div>" if ignored else "")
    return (f'<div class="hfb-submit-ok"><b>Accepted: {len(added)} result(s) added to the pending queue.</b> '
            f'They will appear on the board after review.<ul>{rows}</ul>{dup}{ign}</div>')


def _export_file(table: LeaderboardTable, source_kind: str, model: str, out_dir: Path, source_url: str) -> str | None:
    """The eval-results YAML for one model (a zip of ``.eval_results/`` when it spans several benchmarks)."""
    from hf_bench.utils.io import atomic_write_bytes, atomic_write_text, slugify

    try:
        files = eval_result_entries(table, model, source_kind=source_kind, source_url=source_url)
    except Exception:
        return None
    stem = slugify(f"{model}-{source_kind}")
    if len(files) == 1:
        (name, entries), = files.items()
        path = out_dir / f"{stem}-{name}"
        atomic_write_text(path, entries_to_yaml(entries))
        return str(path)
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, entries in files.items():
            zf.writestr(f".eval_results/{name}", entries_to_yaml(entries))
    path = out_dir / f"{stem}-eval_results.zip"
    atomic_write_bytes(path, buf.getvalue())
    return str(path)


def _about_markdown(table: LeaderboardTable) -> str:
    src = "\n".join(f"- **{s.get('label', sid)}**: {s.get('citation', '')}" + (f" ([link]({s['url']}))" if s.get("url") else "")
                    + (f"  \n  _{s['note']}_" if s.get("note") else "") for sid, s in table.sources.items())
    stats = table.stats
    return f"""
### How to read the boards
- Every row is either **published** (transcribed from a paper or a benchmark's own leaderboard, exactly as printed, with
  its source) or **computed by hf_bench** (from result JSONs; each value keeps its task version, dataset and encoder
  fingerprints, probe configuration and library versions). The *Source* column says which.
- Conventions of the published tables are kept: **bold** = best, <u>underlined</u> = second best, `-` = not reported.
  Each column is ranked in its own direction (WER, CER and concept error rate: lower is better, marked ↓).
- X-ARES **W.avg** = Σ score·weight / Σ weight with the X-ARES eval weights (min(2000, test size), LibriSpeech 10000),
  separately for MLP and kNN; it is shown only for models that have every task of the view (*Tasks* column). Filtering
  domains restricts the average to them. The X-ARES README's own MLP averages (.699/.490/.632/.598) were computed from
  older per-task numbers and differ from the recomputed ones by up to 0.03 (kNN: by at most 0.001).
- Hover a value for its 95 % bootstrap confidence interval when the result has one.

### Add results
1. `hf-bench run --encoder ENCODER --suite xares` (or any suite) writes result JSONs.
2. Submit them here (Submit tab) for review, or rebuild the table yourself:
   `hf-bench leaderboard build results/ -o leaderboard.parquet` and `hf-bench leaderboard serve --table leaderboard.parquet`.
3. Export a model's scores for its Hub model card: `hf-bench leaderboard export MODEL --table leaderboard.parquet -o .`

### Sources
{src}

### This table
Built {table.built_at} with hf_bench {table.hf_bench_version}; {stats.get('task_results', 0)} result files,
{stats.get('zerospeech_scores', 0)} ZeroSpeech score files, {stats.get('superseded_results', 0)} superseded by newer runs.
"""
