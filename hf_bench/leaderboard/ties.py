"""Honest differences: which neighbouring rows of a leaderboard column are not significantly different.

For every (board, split, probe, task) the rows are sorted best first in the column's direction and each adjacent
pair ``(a, b)`` (``a`` ranked above ``b``) is compared:

* ``paired_bootstrap``: both rows are hf_bench results whose predictions files exist, hold the same item ids in
  each fold (the same folds, in the same order) and the same references, with the same metric. The metric inputs
  are rebuilt from the predictions files (``TaskTypeAdapter.inputs_from_records``), items are put in id order
  within each fold, and ``metric(a) - metric(b)`` is bootstrapped on the same resamples for both systems
  (``N_RESAMPLES`` resamples, seed ``SEED`` + fold index, as ``hf_bench.metrics.bootstrap`` does for k-fold
  scores: a difference of fold means). ``low``/``high`` is the 95 % percentile interval of the difference,
  ``p_value`` the two-sided bootstrap p-value; the pair is tied when the interval contains 0.
* ``ci_overlap``: otherwise, when both rows have a confidence interval. ``low``/``high`` is
  ``[a.ci_low - b.ci_high, a.ci_high - b.ci_low]``, which contains 0 exactly when the two intervals overlap:
  the pair is tied when they do. ``p_value`` is NaN. (Overlap is conservative: non-overlapping intervals imply a
  difference, overlapping ones do not prove its absence.)
* otherwise the pair is unknown and has no line.

``compute_comparisons(df, boards)`` returns the ``comparisons`` frame (``COMPARISON_COLUMNS``) that
``build_table`` stores in the ``LeaderboardTable``; ``tied_pairs`` reads it back for one column. Keys are
``views.row_key(source_kind, model, probe)``. Each predictions file is read once and each result's bootstrap
replicates computed once per build (``PredictionCache``), whatever the number of boards and neighbours; results
on the same items share each block of resamples (``fold_mean_replicates_many``). Results whose metric inputs hold
more than ``PAIRED_MAX_CELLS`` cells (FSD50K: 10231 clips x 200 classes of mAP, ~80 s per system) fall back to
the CI overlap, as do task types whose predictions files cannot rebuild the metric inputs (retrieval).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hf_bench.errors import HFBenchError

if TYPE_CHECKING:
    from hf_bench.leaderboard.catalog import Board
    from hf_bench.leaderboard.table import LeaderboardTable

log = logging.getLogger("hf_bench")

PAIRED = "paired_bootstrap"
OVERLAP = "ci_overlap"
N_RESAMPLES = 1000
SEED = 0
LEVEL = 0.95
GROUP = ("board", "split", "probe", "task")
# a result whose metric inputs exceed this many cells (items x prediction width, e.g. FSD50K's 10231 clips x 200
# classes) is not bootstrapped here (mAP on it costs ~80 s per system): its pairs fall back to the CI overlap
PAIRED_MAX_CELLS = 1_000_000
_SCORES_TAIL = ', "scores": '

# column -> dtype of the comparisons frame
COMPARISON_COLUMNS: dict[str, str] = {
    "board": "str", "split": "str", "probe": "str", "task": "str", "key_a": "str", "key_b": "str",
    "difference": "float64", "low": "float64", "high": "float64", "p_value": "float64", "method": "str",
    "tied": "bool",
}


def empty_comparisons() -> pd.DataFrame:
    return _typed(pd.DataFrame(columns=list(COMPARISON_COLUMNS)))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    for col, dtype in COMPARISON_COLUMNS.items():
        if dtype == "str":
            df[col] = df[col].fillna("").astype(str)
        elif dtype == "bool":
            df[col] = df[col].astype(bool)
        else:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    return df.reset_index(drop=True)


# ---------------------------------------------------------------------- one result's predictions
@dataclass
class _System:
    """What a paired comparison needs of one result file: its metric, and per fold the sorted item ids, a hash
    of the references and (until its replicates are computed) the metric inputs."""
    metric: str
    key: str
    metric_args: dict
    folds: tuple[str, ...]
    ids: tuple[tuple[str, ...], ...]
    ref_hash: str
    inputs: list[tuple[Any, Any]] | None
    point: float | None = None
    reps: np.ndarray | None = None
    error: str | None = None

    def pairable_with(self, other: "_System") -> str | None:
        """Why the two cannot be paired, or None."""
        if (self.metric, self.key) != (other.metric, other.key) or \
                json.dumps(self.metric_args, sort_keys=True) != json.dumps(other.metric_args, sort_keys=True):
            return "different metrics"
        if self.folds != other.folds:
            return "different folds"
        if self.ids != other.ids:
            return "different test items"
        if self.ref_hash != other.ref_hash:
            return "different references"
        return None


def _task_of(md: dict):
    from hf_bench.tasks.schema import TaskMetadata

    try:
        return TaskMetadata.model_validate(md)
    except Exception:  # older or partial metadata: the clip / text / frame types do not need it
        return None


class PredictionCache:
    """Predictions files read once, bootstrap replicates computed once, per result file."""

    def __init__(self, *, n_resamples: int = N_RESAMPLES, seed: int = SEED, level: float = LEVEL,
                 max_cells: int | None = PAIRED_MAX_CELLS):
        self.n_resamples, self.seed, self.level, self.max_cells = n_resamples, seed, level, max_cells
        self._systems: dict[str, _System | str] = {}
        self.stats = {"predictions_read": 0, "replicates_computed": 0}

    def system(self, result_file: str) -> "_System | str":
        """The result's system, or why it has none (a string)."""
        if result_file not in self._systems:
            try:
                self._systems[result_file] = self._load(Path(result_file))
            except (OSError, ValueError, KeyError, TypeError, NotImplementedError, HFBenchError) as e:
                self._systems[result_file] = f"{type(e).__name__}: {e}"
        return self._systems[result_file]

    def _load(self, path: Path) -> "_System | str":
        from hf_bench.tasks.types import TYPES

        raw = json.loads(path.read_text(encoding="utf-8"))
        name = raw.get("predictions_file")
        if not name:
            return "no predictions file"
        pred_path = path.parent / name
        if not pred_path.is_file():
            return f"predictions file {pred_path} not found"
        task = raw["task"]
        adapter = TYPES.get(task["type"])
        if adapter is None:
            return f"task type {task['type']!r} has no adapter"
        md = task.get("metadata") or {}
        by_fold: dict[str, list[dict]] = {}
        for rec in _read_predictions(pred_path):
            by_fold.setdefault(str(rec.get("fold", "test")), []).append(rec)
        self.stats["predictions_read"] += 1
        if not by_fold:
            return "empty predictions file"
        ids, inputs, digest = [], [], hashlib.sha1()
        task_md = _task_of(md)
        for fold, recs in by_fold.items():
            recs = sorted(recs, key=lambda r: str(r["id"]))  # one canonical order: replicates pair across files
            fold_ids = tuple(str(r["id"]) for r in recs)
            if len(set(fold_ids)) != len(fold_ids):
                return f"fold {fold!r} repeats item ids"
            ids.append(fold_ids)
            inputs.append(adapter.inputs_from_records(task_md, recs))
            _digest(digest, inputs[-1][1])
        cells = sum(_cells(p) for p, _ in inputs)
        if self.max_cells is not None and cells > self.max_cells:
            return f"{cells} cells of metric inputs (more than {self.max_cells}): too costly to bootstrap here"
        return _System(metric=task["metric"], key=task["main_score"], metric_args=dict(md.get("metric_args") or {}),
                       folds=tuple(by_fold), ids=tuple(ids), ref_hash=digest.hexdigest(), inputs=inputs)

    def replicates(self, s: _System) -> tuple[float, np.ndarray] | str:
        from hf_bench.metrics.bootstrap import fold_mean_replicates

        if s.reps is None and s.error is None:
            try:
                s.point, s.reps, _ = fold_mean_replicates(s.metric, s.inputs, n_resamples=self.n_resamples,
                                                          seed=self.seed, level=self.level, key=s.key,
                                                          **s.metric_args)
                self.stats["replicates_computed"] += 1
            except (HFBenchError, ValueError, TypeError, KeyError) as e:
                s.error = f"{type(e).__name__}: {e}"
            s.inputs = None  # the replicates are all a comparison needs from now on
        return s.error if s.error is not None else (s.point, s.reps)

    def precompute(self, systems: list[_System]) -> None:
        """Replicates of many systems at once: those with the same metric, folds and items share every block of
        resamples (``fold_mean_replicates_many``); the numbers are those ``replicates`` gives one by one."""
        from hf_bench.metrics.bootstrap import fold_mean_replicates_many

        groups: dict[tuple, list[_System]] = {}
        for s in systems:
            if s.reps is None and s.error is None and s.inputs is not None:
                sig = (s.metric, s.key, json.dumps(s.metric_args, sort_keys=True), s.folds, s.ids, s.ref_hash)
                groups.setdefault(sig, []).append(s)
        for group in groups.values():
            if len(group) < 2:
                continue
            g0 = group[0]
            try:
                out = fold_mean_replicates_many(g0.metric, [s.inputs for s in group], n_resamples=self.n_resamples,
                                                seed=self.seed, level=self.level, key=g0.key, **g0.metric_args)
            except (HFBenchError, ValueError, TypeError, KeyError):
                continue  # one of them cannot be resampled: each on its own then (``replicates``), errors kept
            for s, (point, reps) in zip(group, out):
                s.point, s.reps, s.inputs = point, reps, None
                self.stats["replicates_computed"] += 1


def _digest(h, references) -> None:
    """Add the references of one fold to hash ``h`` (arrays by their bytes, anything else as JSON)."""
    if isinstance(references, np.ndarray) and references.dtype != object:
        h.update(f"{references.dtype.str}{references.shape}".encode())
        h.update(np.ascontiguousarray(references).tobytes())
    else:
        h.update(json.dumps(references, sort_keys=True, default=str).encode("utf-8"))


def _read_predictions(path: Path) -> list[dict]:
    """The lines of a predictions file, without their per-class ``scores``: read by pyarrow's JSON reader when
    it takes the file (fast on 100k+ lines), else line by line."""
    try:
        import pyarrow.json as pj

        table = pj.read_json(path)
        if "scores" in table.column_names:
            table = table.drop_columns(["scores"])
        if {"id", "target", "prediction"} <= set(table.column_names):
            return table.to_pylist()
    except Exception:  # pyarrow refuses mixed types across lines, or is absent: the plain reader does not
        pass
    with path.open(encoding="utf-8") as f:
        return [_parse_line(line) for line in f if line.strip()]


def _parse_line(line: str) -> dict:
    """One predictions-file line, without parsing its per-class ``scores`` (the last field of the clip and frame
    types' lines, and most of a 1251-class line) when it can be cut off cleanly; else the whole line."""
    cut = line.rfind(_SCORES_TAIL)
    if cut > 0:
        try:
            rec = json.loads(line[:cut] + "}")
            if "target" in rec and "prediction" in rec:  # else "scores" was not the last field
                return rec
        except ValueError:
            pass
    return json.loads(line)


def _cells(predictions) -> int:
    shape = getattr(predictions, "shape", None)
    if shape is not None:
        return int(np.prod(shape)) if len(shape) else 1
    return len(predictions)


# ---------------------------------------------------------------------- comparing two rows
def _finite(x) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _paired(a: dict, b: dict, cache: PredictionCache) -> dict | str:
    from hf_bench.leaderboard.catalog import HF_BENCH
    from hf_bench.metrics.bootstrap import paired_summary

    if a["source_kind"] != HF_BENCH or b["source_kind"] != HF_BENCH:
        return "not two hf_bench rows"
    if not a.get("result_file") or not b.get("result_file"):
        return "no result file"
    sa, sb = cache.system(a["result_file"]), cache.system(b["result_file"])
    for s in (sa, sb):
        if isinstance(s, str):
            return s
    why = sa.pairable_with(sb)
    if why:
        return why
    ra, rb = cache.replicates(sa), cache.replicates(sb)
    for r in (ra, rb):
        if isinstance(r, str):
            return r
    try:
        out = paired_summary(ra[0] - rb[0], ra[1] - rb[1], cache.n_resamples, cache.level)
    except HFBenchError as e:
        return e.problem
    return {"difference": out["difference"], "low": out["low"], "high": out["high"], "p_value": out["p_value"],
            "method": PAIRED, "tied": bool(out["low"] <= 0.0 <= out["high"])}


def _overlap(a: dict, b: dict) -> dict | None:
    if not all(_finite(r[c]) for r in (a, b) for c in ("ci_low", "ci_high")):
        return None
    low, high = float(a["ci_low"]) - float(b["ci_high"]), float(a["ci_high"]) - float(b["ci_low"])
    return {"difference": float(a["value"]) - float(b["value"]), "low": low, "high": high, "p_value": math.nan,
            "method": OVERLAP, "tied": bool(low <= 0.0 <= high)}


def compare_pair(a: dict, b: dict, cache: PredictionCache | None = None) -> dict | None:
    """Compare row ``a`` (ranked above) with row ``b``: the comparison's fields, or None when unknown."""
    cache = cache or PredictionCache()
    got = _paired(a, b, cache)
    if isinstance(got, dict):
        return got
    log.debug("no paired bootstrap for %s vs %s (%s)", a.get("model"), b.get("model"), got)
    return _overlap(a, b)


def ordered(rows: pd.DataFrame, higher_is_better: bool) -> pd.DataFrame:
    """The rows with a value, best first (stable: equal values keep the table's order)."""
    rows = rows[np.isfinite(pd.to_numeric(rows["value"], errors="coerce"))]
    order = rows["order"] if "order" in rows.columns else pd.Series(range(len(rows)), index=rows.index)
    sort = pd.DataFrame({"v": rows["value"].astype(float) * (-1.0 if higher_is_better else 1.0), "o": order})
    return rows.loc[sort.sort_values(["v", "o"], kind="mergesort").index]


def compare_column(rows: pd.DataFrame, higher_is_better: bool, cache: PredictionCache | None = None) -> list[dict]:
    """The comparisons of one (board, split, probe, task): one per adjacent pair that is not unknown."""
    from hf_bench.leaderboard.views import row_key

    cache = cache or PredictionCache()
    recs = ordered(rows, higher_is_better).to_dict("records")
    out = []
    for a, b in zip(recs[:-1], recs[1:]):
        got = compare_pair(a, b, cache)
        if got is None:
            continue
        out.append({**{c: a[c] for c in GROUP}, "key_a": row_key(a["source_kind"], a["model"], a["probe"]),
                    "key_b": row_key(b["source_kind"], b["model"], b["probe"]), **got})
    return out


def _higher_is_better(boards: dict[str, "Board"], board: str, task: str, metric: str) -> bool:
    b = boards.get(board)
    col = b.column(task) if b is not None else None
    if col is not None:
        return bool(col.higher_is_better)
    from hf_bench.metrics import METRICS

    return bool(METRICS[metric].higher_is_better) if metric in METRICS else True


def compute_comparisons(df: pd.DataFrame, boards: dict[str, "Board"], *, cache: PredictionCache | None = None,
                        progress: bool = False) -> pd.DataFrame:
    """The comparisons frame of a long leaderboard table (``LeaderboardTable.df``). ``cache`` sets the number of
    resamples, the seed and the size cap (``PredictionCache``); by default 1000, 0 and ``PAIRED_MAX_CELLS``."""
    from tqdm.auto import tqdm

    if df.empty:
        return empty_comparisons()
    cache = cache or PredictionCache()
    out: list[dict] = []
    groups = [(k, g) for k, g in df.groupby(list(GROUP), sort=False) if len(g) > 1]
    cache.precompute(_candidates(groups, boards, cache))
    for (board, _split, _probe, task), g in tqdm(groups, desc="comparing neighbours", unit="column",
                                                 disable=not progress or len(groups) < 20, leave=False):
        metric = str(g["metric"].iloc[0]) if "metric" in g.columns else ""
        out += compare_column(g, _higher_is_better(boards, board, task, metric), cache)
    if not out:
        return empty_comparisons()
    return _typed(pd.DataFrame(out, columns=list(COMPARISON_COLUMNS)))


def _candidates(groups, boards, cache: PredictionCache) -> list[_System]:
    """The systems some adjacent pair will bootstrap (both rows pairable), in table order."""
    from hf_bench.leaderboard.catalog import HF_BENCH

    seen: dict[int, _System] = {}
    for (board, _split, _probe, task), g in groups:
        metric = str(g["metric"].iloc[0]) if "metric" in g.columns else ""
        recs = ordered(g, _higher_is_better(boards, board, task, metric)).to_dict("records")
        for a, b in zip(recs[:-1], recs[1:]):
            if a["source_kind"] != HF_BENCH or b["source_kind"] != HF_BENCH or not a.get("result_file") or \
                    not b.get("result_file"):
                continue
            sa, sb = cache.system(a["result_file"]), cache.system(b["result_file"])
            if isinstance(sa, _System) and isinstance(sb, _System) and sa.pairable_with(sb) is None:
                seen.setdefault(id(sa), sa)
                seen.setdefault(id(sb), sb)
    return list(seen.values())


def tied_pairs(table: "LeaderboardTable", board: str, split: str, probe: str, task: str) -> dict[tuple[str, str], dict]:
    """``(key_a, key_b) -> comparison row`` (a dict of ``COMPARISON_COLUMNS``) for one column: every compared
    adjacent pair, tied or not (``row["tied"]``); a pair that is absent is unknown."""
    c = table.comparisons
    if c is None or c.empty:
        return {}
    sel = c[(c["board"] == board) & (c["split"] == split) & (c["probe"] == probe) & (c["task"] == task)]
    return {(r["key_a"], r["key_b"]): r for r in sel.to_dict("records")}


# ---------------------------------------------------------------------- persistence (in the parquet metadata)
def _plain(v):
    if isinstance(v, np.generic):
        v = v.item()
    return None if isinstance(v, float) and not math.isfinite(v) else v


def comparisons_to_json(df: pd.DataFrame | None) -> dict:
    df = empty_comparisons() if df is None else df
    cols = list(COMPARISON_COLUMNS)
    data = [[_plain(v) for v in row] for row in df[cols].itertuples(index=False, name=None)]
    return {"columns": cols, "data": data}


def comparisons_from_json(raw: dict | None) -> pd.DataFrame:
    if not raw or not raw.get("data"):
        return empty_comparisons()
    df = pd.DataFrame(raw["data"], columns=raw["columns"])
    for col in COMPARISON_COLUMNS:
        if col not in df.columns:
            df[col] = None
    return _typed(df[list(COMPARISON_COLUMNS)])


__all__ = ["COMPARISON_COLUMNS", "PAIRED", "OVERLAP", "N_RESAMPLES", "SEED", "PAIRED_MAX_CELLS", "PredictionCache", "compare_pair",
           "compare_column", "compute_comparisons", "tied_pairs", "empty_comparisons", "comparisons_to_json",
           "comparisons_from_json", "ordered"]
