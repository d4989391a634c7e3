"""Board views: pivot the long table, filter, average, rank and highlight (pure pandas, no gradio).

Conventions (those of the published tables): the best value of a column is bold, the second best underlined,
a missing value is "-", and each column is ranked in its own direction (WER/CER: lower is better). Highlights,
ranks and the Borda count are computed over the rows left by the source/size/probe filters, before the text
search, so that bold and "rank 3" keep meaning "on this board" while searching.

Ranks (as MTEB's leaderboard does, so that models with partial coverage compare): each column ranks its rows on
the printed values; the Borda count gives a row, per column, one point per row it beats and half a point per row
it ties, and the Borda rank orders rows by their total over the shown columns (a missing task scores nothing).
A row that is not significantly different from the row just above it in a column's order (paired bootstrap over
the test items for two hf_bench rows, computed when the table is built; overlapping 95 % intervals otherwise)
shares that row's rank and is marked tied.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np
import pandas as pd

from hf_bench.leaderboard.catalog import (
    DEFAULT_PROTOCOL,
    DOMAIN_LABELS,
    REFERENCE,
    Board,
    Column,
    probe_label,
    size_bucket,
    split_probe,
)
from hf_bench.leaderboard.table import LeaderboardTable
from hf_bench.metrics.aggregate import weighted_average  # the one X-ARES aggregate formula

AVG = "__avg__"
BORDA = "__borda__"      # the Borda rank column (sort key)
MODEL = "__model__"
PARAMS = "__params__"
PUBLISHED_ORDER = "__order__"
SEP = "\u241f"  # printable separator: row keys travel through HTML attributes
VIEW_MEMO = 64  # board views kept (one per filter state a user visits)


def _xares_task_names() -> set[str]:
    from hf_bench.metrics import xares_tasks

    return {name for name, t in xares_tasks().items() if not t.private}


def row_key(source_kind: str, model: str, probe: str) -> str:
    return SEP.join((source_kind, model, probe))


def split_key(key: str) -> tuple[str, str, str]:
    a, b, c = key.split(SEP)
    return a, b, c


@dataclass
class BoardData:
    """One board at one (probe, split): values wide (rows x tasks) plus per-row info. Cached per table."""
    board: Board
    probe: str | None
    split: str
    values: pd.DataFrame
    ci_low: pd.DataFrame
    ci_high: pd.DataFrame
    info: pd.DataFrame
    # (task, key_a, key_b) -> (tied, method, p_value) from the table's paired comparisons, both orders
    comparisons: dict = field(default_factory=dict)
    _averages: dict = field(default_factory=dict)

    def average(self, cols: tuple[Column, ...], probe: str | None) -> tuple[pd.Series, pd.Series]:
        """(weighted average, number of tasks present) per row; the average only for rows with every task.

        X-ARES boards use ``hf_bench.metrics.xares`` (the X-ARES aggregate, weights from the task registry);
        other boards use :func:`weighted_average` with each column's eval weight.
        """
        key = (tuple(c.task for c in cols), probe)
        if key not in self._averages:
            tasks = list(key[0])
            sub = self.values[tasks]
            present = sub.notna().sum(axis=1)
            complete = present == len(tasks)
            avg = pd.Series(np.nan, index=sub.index, dtype="float64")
            base = split_probe(probe)[0] if probe else None
            from hf_bench.metrics.aggregate import PROBES as XARES_PROBES

            if self.board.benchmark == "xares" and base in XARES_PROBES:
                from hf_bench.errors import HFBenchError
                from hf_bench.metrics import xares

                for row in sub.index[complete.to_numpy()]:
                    try:
                        avg[row] = xares({base: sub.loc[row].to_dict()})[f"{base}/weighted_average"]
                    except HFBenchError:  # e.g. a score outside [0, 1]: no average rather than a wrong one
                        pass
            else:
                weights = {c.task: c.weight for c in cols}
                for row in sub.index[complete.to_numpy()]:
                    avg[row] = weighted_average(sub.loc[row].to_dict(), weights)
            self._averages[key] = (avg, present)
        return self._averages[key]


@dataclass
class Query:
    board: str
    probe: str | None = None             # probe view (X-ARES MLP/kNN); None on boards without probe views
    split: str | None = None
    search: str = ""
    groups: Sequence[str] | None = None  # column groups shown (domain filter); None = all
    columns: Sequence[str] | None = None  # task columns shown; None = all
    sources: Sequence[str] | None = None  # 'reference' / 'hf_bench'; None = all
    sizes: Sequence[str] | None = None
    probes: Sequence[str] | None = None   # probes shown as rows (boards without probe views)
    protocol: str | None = None          # boards without probe views: the one protocol shown (None: the default)
    sort_by: str | None = None
    best_first: bool = True
    limit: int | None = None


@dataclass
class BoardView:
    board: Board
    query: Query
    columns: list[Column]
    rows: pd.DataFrame                   # info columns + one column per visible task + AVG + coverage
    highlight: dict[str, dict[str, str]]  # column -> row key -> 'best' | 'second'
    decimals: dict[str, int]
    avg_label: str | None
    avg_tasks: list[str]
    n_filtered: int                      # rows after source/size/probe filters
    n_matched: int                       # ... and after the search
    sort_by: str
    ci: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    n_total: int = 0                     # rows of the board before any filter
    # per column: row key -> rank among the filtered rows (tied rows share the rank of the row above)
    task_ranks: dict[str, dict[str, int]] = field(default_factory=dict)
    # (row key, column) -> why the row is tied with the row above it in that column's order
    tied: dict[tuple[str, str], str] = field(default_factory=dict)
    rows_all: pd.DataFrame | None = None  # every matched row in view order (``rows`` stops at the row limit)
    # row key -> the aggregate the source printed, where it differs from the one recomputed from its own values
    published_avg: dict[str, str] = field(default_factory=dict)

    @property
    def ranked_columns(self) -> list[str]:
        """Columns the Borda count runs over: the shown task columns."""
        return [c.task for c in self.columns]


class BoardViews:
    """Query engine over one :class:`LeaderboardTable`; pivots are computed once per (board, probe, split)."""

    def __init__(self, table: LeaderboardTable):
        self.table = table
        self._cache: dict[tuple, BoardData] = {}
        self._views: dict[tuple, BoardView] = {}  # query memo, least recently used first
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ discovery
    def board(self, board_id: str) -> Board:
        return self.table.boards[board_id]

    def probes(self, board_id: str) -> list[str]:
        return list(self.table.board_frame(board_id)["probe"].unique())

    def splits(self, board_id: str) -> list[str]:
        board = self.board(board_id)
        present = set(self.table.board_frame(board_id)["split"].unique())
        return [s for s in board.splits if s in present] or [board.splits[0]]

    def default_split(self, board_id: str) -> str:
        splits = self.splits(board_id)
        return "test" if "test" in splits else splits[0]

    def default_probe(self, board_id: str) -> str | None:
        board = self.board(board_id)
        if not board.probe_views:
            return None
        present = self.probes(board_id)
        for p in board.probe_views:
            if p in present:
                return p
        return present[0] if present else board.probe_views[0]

    def protocols(self, board_id: str) -> list[str]:
        """Protocols of the rows of a board whose probes are rows (hf_bench's own first)."""
        present = dict.fromkeys(split_probe(p)[1] for p in self.probes(board_id))
        return sorted(present, key=lambda x: (x != DEFAULT_PROTOCOL, x))

    def probe_choices(self, board_id: str) -> list[tuple[str, str]]:
        """(label, value) of the probe radio; where protocols sit side by side every label names its protocol."""
        probes = self.view_probes(board_id)
        several = len({split_probe(p)[1] for p in probes}) > 1
        return [(probe_label(p, name_protocol=several), p) for p in probes]

    def view_probes(self, board_id: str) -> list[str]:
        """The probe radio choices: the board's probe views, then any other probe found in results."""
        board = self.board(board_id)
        if not board.probe_views:
            return []
        present = self.probes(board_id)
        return list(board.probe_views) + [p for p in present if p not in board.probe_views]

    def n_rows(self, board_id: str) -> int:
        df = self.table.board_frame(board_id)
        return int(df[["source_kind", "model", "probe"]].drop_duplicates().shape[0]) if len(df) else 0

    def columns_for(self, board_id: str, probe: str | None) -> list[Column]:
        board = self.board(board_id)
        cols = [c for c in board.columns if c.for_probe(probe)]
        order = {g: i for i, g in enumerate(board.groups)}
        return sorted(cols, key=lambda c: order.get(c.group, len(order)))  # stable: keeps catalog order in a group

    # ------------------------------------------------------------------ data
    def data(self, board_id: str, probe: str | None, split: str) -> BoardData:
        key = (board_id, probe, split)
        with self._lock:
            if key not in self._cache:
                self._cache[key] = self._build(board_id, probe, split)
            return self._cache[key]

    def _build(self, board_id: str, probe: str | None, split: str) -> BoardData:
        board = self.board(board_id)
        df = self.table.board_frame(board_id)
        df = df[df["split"] == split]
        if probe is not None:
            df = df[df["probe"] == probe]
        tasks = [c.task for c in board.columns]
        if df.empty:
            empty = pd.DataFrame(columns=tasks, dtype="float64")
            info = pd.DataFrame(columns=["model", "source_kind", "source", "probe", "link", "n_parameters", "size",
                                         "tags", "note", "encoder_id", "layer", "hf_bench_version", "created_at",
                                         "order"])
            return BoardData(board, probe, split, empty, empty.copy(), empty.copy(), info)
        df = df.assign(row=df["source_kind"] + SEP + df["model"] + SEP + df["probe"])
        values = df.pivot_table(index="row", columns="task", values="value", aggfunc="first", dropna=False)
        ci_low = df.pivot_table(index="row", columns="task", values="ci_low", aggfunc="first", dropna=False)
        ci_high = df.pivot_table(index="row", columns="task", values="ci_high", aggfunc="first", dropna=False)
        values, ci_low, ci_high = (x.reindex(columns=tasks) for x in (values, ci_low, ci_high))
        # vectorised aggregations only: this runs for every board at start-up (500 models x 60 tasks < 1 s)
        g = df.groupby("row", sort=False)
        info = g.agg(model=("model", "first"), source_kind=("source_kind", "first"), probe=("probe", "first"),
                     n_parameters=("n_parameters", "max"), encoder_id=("encoder_id", "first"),
                     layer=("layer", "first"), hf_bench_version=("hf_bench_version", "first"),
                     created_at=("created_at", "max"), order=("order", "min"))
        info["source"] = _join_unique(df, "source").reindex(info.index).fillna("")
        info["tags"] = _join_unique(df, "tags").reindex(info.index).fillna("")
        for col in ("link", "note"):
            nonempty = df[df[col] != ""]
            info[col] = nonempty.groupby("row", sort=False)[col].first().reindex(info.index).fillna("")
        info["size"] = [size_bucket(None if math.isnan(n) else n) for n in info["n_parameters"]]
        values = values.reindex(info.index)
        return BoardData(board, probe, split, values, ci_low.reindex(info.index), ci_high.reindex(info.index), info,
                         comparisons=self._comparisons(board_id, split))

    def _comparisons(self, board_id: str, split: str) -> dict:
        comps = getattr(self.table, "comparisons", None)
        if comps is None or len(comps) == 0:
            return {}
        c = comps[(comps["board"] == board_id) & (comps["split"] == split)]
        out = {}
        for task, a, b, tied, method, p in zip(c["task"], c["key_a"], c["key_b"], c["tied"], c["method"],
                                                c["p_value"]):
            out[(task, a, b)] = out[(task, b, a)] = (bool(tied), str(method), float(p))
        return out

    # ------------------------------------------------------------------ the query
    def full_view(self, board_id: str, probe: str | None, protocol: str | None, split: str) -> BoardView:
        """The board's view with no filter: what the details rank against."""
        board = self.board(board_id)
        return self.query(Query(board_id, probe=probe, split=split) if board.probe_views else
                          Query(board_id, split=split, protocol=protocol))

    def query(self, q: Query) -> BoardView:
        """The board view ``q`` asks for. Views are memoised (the table never changes) without their row limit,
        so the table, its CSV and the details of the same view are computed once."""
        key = tuple(tuple(v) if isinstance(v, (list, tuple)) else v
                    for k, v in vars(q).items() if k != "limit")
        with self._lock:
            hit = self._views.pop(key, None)
            if hit is not None:
                self._views[key] = hit  # most recently used last
        if hit is None:
            hit = self._query(replace(q, limit=None))
            with self._lock:
                self._views[key] = hit
                while len(self._views) > VIEW_MEMO:
                    self._views.pop(next(iter(self._views)))
        rows = hit.rows_all.head(q.limit) if q.limit else hit.rows_all
        return replace(hit, query=q, rows=rows)

    def _query(self, q: Query) -> BoardView:
        board = self.board(q.board)
        probe = q.probe if board.probe_views else None
        split = q.split or self.default_split(q.board)
        data = self.data(q.board, probe, split)
        info, values = data.info, data.values

        # row filters (define the board the highlights are computed on)
        mask = pd.Series(True, index=info.index)
        if q.sources is not None:
            mask &= info["source_kind"].isin(list(q.sources))
        if q.sizes is not None:
            mask &= info["size"].isin(list(q.sizes))
        if not board.probe_views:
            if q.probes is not None:
                mask &= info["probe"].isin(list(q.probes))
            # one protocol at a time: rows of different protocols are never ranked in one column
            protocols = self.protocols(q.board)
            shown_protocol = q.protocol if q.protocol in protocols else (protocols[0] if protocols else None)
            if shown_protocol is not None:
                mask &= info["probe"].map(lambda p: split_probe(p)[1]) == shown_protocol

        # columns
        all_cols = self.columns_for(q.board, probe)
        group_cols = [c for c in all_cols if q.groups is None or c.group in q.groups]
        shown = [c for c in group_cols if q.columns is None or c.task in q.columns]

        rows = info[mask].copy()
        vals = values.loc[rows.index]
        for c in shown:
            rows[c.task] = vals[c.task]

        avg_label, avg_tasks = None, []
        if board.average:
            avg_cols = [c for c in group_cols if c.higher_is_better and c.weight > 0]
            if board.benchmark == "xares":
                avg_cols = [c for c in avg_cols if c.task in _xares_task_names()]
            avg_tasks = [c.task for c in avg_cols]
            if avg_cols:
                avg_all, present_all = data.average(tuple(avg_cols), probe)
                rows[AVG] = avg_all.loc[rows.index]
                rows["coverage"] = [f"{int(n)}/{len(avg_cols)}" for n in present_all.loc[rows.index]]
                all_groups = q.groups is None or set(board.groups) <= set(q.groups)
                picked = [DOMAIN_LABELS.get(g, g) for g in board.groups if q.groups is None or g in q.groups]
                avg_label = "W.avg" if all_groups else f"W.avg ({', '.join(picked)})"

        decimals = {c.task: _decimals(c, values[c.task]) for c in shown}
        if AVG in rows:
            decimals[AVG] = 3

        # highlights over the filtered board (before the search)
        highlight: dict[str, dict[str, str]] = {}
        for c in shown:
            highlight[c.task] = _ranks(rows[c.task], c.higher_is_better, decimals[c.task])
        if AVG in rows:
            highlight[AVG] = _ranks(rows[AVG], True, 3)
        n_filtered = len(rows)

        task_ranks, tied = _rank_columns(rows, shown, decimals, data)
        # search: ';'-separated terms, any of them, case-insensitive substring of the model name or encoder id
        terms = [t.strip().lower() for t in (q.search or "").split(";") if t.strip()]
        if terms:
            hay = (rows["model"] + " " + rows["encoder_id"] + " " + rows["tags"]).str.lower()
            m = pd.Series(False, index=rows.index)
            for t in terms:
                m |= hay.str.contains(t, regex=False)
            rows = rows[m]
        n_matched = len(rows)

        sort_by = q.sort_by or (AVG if AVG in rows else PUBLISHED_ORDER)
        rows = _sort(rows, sort_by, q.best_first, shown)
        rows_all = rows
        if q.limit:
            rows = rows.head(q.limit)

        ci = {}
        tasks = [c.task for c in shown]
        if tasks and len(rows_all):  # every matched row: the CSV has them all
            lo = data.ci_low.loc[rows_all.index, tasks].to_numpy(dtype="float64")
            hi = data.ci_high.loc[rows_all.index, tasks].to_numpy(dtype="float64")
            for i, j in np.argwhere(~np.isnan(lo) & ~np.isnan(hi)):
                ci[(rows_all.index[i], tasks[j])] = (float(lo[i, j]), float(hi[i, j]))
        published_avg = {}
        if AVG in rows_all and avg_label == "W.avg":  # the whole board's average: the one a source prints
            from hf_bench.leaderboard.catalog import published_average

            for key in rows_all.index[rows_all["source_kind"] == REFERENCE]:
                printed = published_average(q.board, rows_all.at[key, "probe"], rows_all.at[key, "model"], split=split)
                if printed is not None and not _same_printed(printed.value_text, rows_all.at[key, AVG]):
                    published_avg[key] = printed.value_text
        return BoardView(board=board, query=q, columns=shown, rows=rows, highlight=highlight, decimals=decimals,
                         avg_label=avg_label, avg_tasks=avg_tasks, n_filtered=n_filtered, n_matched=n_matched,
                         sort_by=sort_by, ci=ci, n_total=len(info), task_ranks=task_ranks, tied=tied,
                         rows_all=rows_all, published_avg=published_avg)


def _join_unique(df: pd.DataFrame, col: str) -> pd.Series:
    """Per row key: the distinct ';'-separated items of ``col``, in order of appearance."""
    d = df[df[col] != ""].drop_duplicates(["row", col])
    if d.empty:
        return pd.Series(dtype=object)
    return d.groupby("row", sort=False)[col].agg(lambda s: ";".join(dict.fromkeys(t for x in s for t in x.split(";") if t)))


def _decimals(col: Column, series: pd.Series) -> int:
    if col.decimals is not None:
        return col.decimals
    finite = series.dropna()
    return 3 if finite.empty or float(finite.abs().max()) <= 1.5 else 2


def _ranks(series: pd.Series, higher_is_better: bool, decimals: int) -> dict[str, str]:
    """Best (bold) and second-best (underlined) rows; equal printed values share the mark (the one rule, shared
    with the LaTeX tables: ``hf_bench.utils.latex.ranks``)."""
    from hf_bench.utils.latex import ranks

    return ranks(series.astype("float64").to_dict(), higher_is_better, decimals)


def _same_printed(text: str, value: float) -> bool:
    """Whether ``value`` prints as ``text`` at the printed precision (".699" vs 0.7241 -> False)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    digits = len(text.split(".")[1]) if "." in text else 0
    return round(float(value), digits) == round(float(text), digits)


def _rank_columns(rows: pd.DataFrame, shown: list[Column], decimals: dict[str, int], data: "BoardData"
                  ) -> tuple[dict[str, dict[str, int]], dict[tuple[str, str], str]]:
    """Per-column ranks, tie marks and the Borda count of ``rows`` (added to it as ``borda_points``, ``BORDA``,
    ``mean_rank``, ``n_ranked``). Vectorised per column: 500 rows x 60 columns is one board view."""
    keys = rows.index.to_numpy()
    n, tasks = len(keys), [c.task for c in shown]
    models = rows["model"].to_numpy()
    values = rows[tasks].to_numpy(dtype="float64") if tasks else np.empty((n, 0))
    lo = data.ci_low.loc[rows.index, tasks].to_numpy(dtype="float64") if tasks else values
    hi = data.ci_high.loc[rows.index, tasks].to_numpy(dtype="float64") if tasks else values
    compared = {t for t, _, _ in data.comparisons}
    borda = np.zeros(n)
    rank_sum = np.zeros(n)
    n_ranked = np.zeros(n, dtype=int)
    task_ranks: dict[str, dict[str, int]] = {}
    tied: dict[tuple[str, str], str] = {}
    for j, c in enumerate(shown):
        have = np.flatnonzero(~np.isnan(values[:, j]))
        if have.size == 0:
            task_ranks[c.task] = {}
            continue
        printed = np.round(values[have, j], decimals[c.task])
        better = printed if c.higher_is_better else -printed      # larger is better
        order = np.argsort(-better, kind="stable")                 # best first, printed order among equals
        pos, sv = have[order], -better[order]                      # sv ascending
        left = np.searchsorted(sv, sv, side="left")
        right = np.searchsorted(sv, sv, side="right")
        borda[pos] += (len(sv) - right) + 0.5 * (right - left - 1)  # rows beaten + half the rows tied
        same = np.r_[False, sv[1:] == sv[:-1]]
        # a row not significantly different from the row above it (in this column's order) joins its rank
        join = same.copy()
        lo_s, hi_s = lo[pos, j], hi[pos, j]
        overlap = np.r_[False, (np.maximum(lo_s[1:], lo_s[:-1]) <= np.minimum(hi_s[1:], hi_s[:-1]))
                        & ~np.isnan(lo_s[1:]) & ~np.isnan(lo_s[:-1]) & ~np.isnan(hi_s[1:]) & ~np.isnan(hi_s[:-1])]
        reasons = {}
        # where the table has a paired comparison of the two rows, it decides (not the intervals)
        for i in (np.flatnonzero(~same[1:]) + 1 if c.task in compared else ()):
            found = data.comparisons.get((c.task, keys[pos[i - 1]], keys[pos[i]]))
            if found is not None:
                overlap[i] = False
                if found[0]:
                    reasons[i] = (f"not significantly different from {models[pos[i - 1]]} (paired bootstrap over the "
                                  f"test items, p = {found[2]:.2f})" if found[1] == "paired_bootstrap"
                                  else f"95 % intervals overlap with {models[pos[i - 1]]}")
        for i in np.flatnonzero(overlap & ~same):
            reasons[i] = f"95 % intervals overlap with {models[pos[i - 1]]}"
        for i in reasons:
            join[i] = True
            tied[(keys[pos[i]], c.task)] = reasons[i]
        start = np.maximum.accumulate(np.where(join, 0, np.arange(len(pos))))
        ranks = start + 1
        task_ranks[c.task] = dict(zip(keys[pos].tolist(), ranks.tolist()))
        rank_sum[pos] += ranks
        n_ranked[pos] += 1
    rows["borda_points"] = borda
    rows[BORDA] = pd.Series(borda, index=rows.index).rank(method="min", ascending=False).astype(int) if n else borda
    with np.errstate(invalid="ignore", divide="ignore"):
        rows["mean_rank"] = np.where(n_ranked > 0, rank_sum / np.maximum(n_ranked, 1), np.nan)
    rows["n_ranked"] = n_ranked
    return task_ranks, tied


def _sort(rows: pd.DataFrame, sort_by: str, best_first: bool, shown: list[Column]) -> pd.DataFrame:
    if rows.empty:
        return rows
    if sort_by == BORDA:
        keys = rows[BORDA] if best_first else -rows[BORDA]
        return rows.loc[keys.sort_values(kind="stable").index]
    if sort_by == PUBLISHED_ORDER:
        # published rows in their printed order, then hf_bench rows; "worst first" reverses
        keys = rows["source_kind"].ne(REFERENCE).astype(int) * 10**9 + rows["order"]
        return rows.loc[keys.sort_values(ascending=best_first, kind="stable").index]
    if sort_by == MODEL:
        return rows.sort_values("model", key=lambda s: s.str.lower(), ascending=best_first, kind="stable")
    if sort_by == PARAMS:
        return rows.sort_values("n_parameters", ascending=not best_first, na_position="last", kind="stable")
    col = next((c for c in shown if c.task == sort_by), None)
    if sort_by == AVG and AVG in rows:
        ascending = not best_first
    elif col is not None:
        ascending = (not col.higher_is_better) if best_first else col.higher_is_better
    else:  # a column hidden since the sort was chosen: fall back to the published order
        return _sort(rows, PUBLISHED_ORDER, True, shown)
    # missing values always last, whatever the direction
    return rows.sort_values(sort_by, ascending=ascending, na_position="last", kind="stable")


def heatmap_frame(view: BoardView) -> pd.DataFrame:
    """Per-column position of each row between the worst (0) and the best (1) value of the view, direction-aware."""
    out = pd.DataFrame(index=view.rows.index)
    for c in view.columns:
        s = view.rows[c.task].astype("float64")
        lo, hi = s.min(), s.max()
        if not np.isfinite(lo) or hi == lo:
            out[c.task] = np.where(s.notna(), 1.0, np.nan)
            continue
        norm = (s - lo) / (hi - lo)
        out[c.task] = norm if c.higher_is_better else 1 - norm
    return out


def view_csv(view: BoardView) -> str:
    """The view as CSV: every matched row (not only the first ``limit``), in view order, with the shown columns,
    their per-column ranks, the Borda rank and, where present, each value's 95 % interval."""
    import csv
    import io

    rows = view.rows_all if view.rows_all is not None else view.rows
    has_ci = bool(view.ci)
    head = ["position", "model", "source", "probe", "parameters"]
    if view.avg_label is not None:
        head += [view.avg_label, "tasks"]
    head += ["borda_rank", "borda_points", "mean_task_rank"]
    for c in view.columns:
        head += [c.label, f"{c.label} rank"]
        if has_ci:
            head += [f"{c.label} ci_low", f"{c.label} ci_high"]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(head)

    def num(v, decimals=None):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        return f"{v:.{decimals}f}" if decimals is not None else repr(float(v))

    for pos, (key, r) in enumerate(rows.iterrows(), start=1):
        line = [pos, r["model"], r["source_kind"] if r["source_kind"] != REFERENCE else f"published: {r['source']}",
                r["probe"], num(r["n_parameters"], 0)]
        if view.avg_label is not None:
            line += [num(r.get(AVG), 4), r.get("coverage", "")]
        line += [int(r[BORDA]), num(r["borda_points"], 1), num(r["mean_rank"], 2)]
        for c in view.columns:
            rank = view.task_ranks.get(c.task, {}).get(key)
            tie = "=" if (key, c.task) in view.tied else ""
            line += [num(r[c.task], view.decimals[c.task]), "" if rank is None else f"{rank}{tie}"]
            if has_ci:
                ci = view.ci.get((key, c.task))
                line += [num(ci[0], view.decimals[c.task] + 1), num(ci[1], view.decimals[c.task] + 1)] if ci else ["", ""]
        w.writerow(line)
    return out.getvalue()
