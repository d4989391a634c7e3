"""The precomputed leaderboard table: result JSONs (+ ZeroSpeech ``scores.json``) + reference rows -> one parquet.

The table is *long*: one row per (board, model, probe, split, task) value. Everything the Space needs (board and
column definitions, source citations, build provenance) travels in the parquet's schema metadata, so the Space
reads a single file at start-up and never touches raw results.
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd

from hf_bench import __version__
from hf_bench.errors import HFBenchError
from hf_bench.leaderboard.catalog import (
    HF_BENCH,
    PUBLISHED_PROBE,
    REFERENCE,
    TASK_HEADS,
    Board,
    Column,
    boards_for_result,
    default_boards,
    load_model_info,
    load_reference,
    load_sources,
    protocol_probe,
)
from hf_bench.utils.io import atomic_write_bytes

log = logging.getLogger("hf_bench")

TABLE_SCHEMA_VERSION = 1
META_KEY = b"hf_bench.leaderboard"
TASK_RESULT_KIND = "hf_bench.task_result"
SCORECARD_KIND = "hf_bench.scorecard"
ZEROSPEECH_KIND = "hf_bench.zerospeech_scores"

# column -> dtype of the long table (the parquet schema)
COLUMNS: dict[str, str] = {
    "board": "str", "benchmark": "str", "model": "str", "source_kind": "str", "source": "str",
    "probe": "str", "split": "str", "task": "str",
    "value": "float64", "value_text": "str", "ci_low": "float64", "ci_high": "float64", "ci_level": "float64",
    "n_parameters": "float64", "link": "str", "tags": "str", "note": "str",
    "encoder_id": "str", "layer": "str", "fingerprint": "str", "task_version": "float64",
    "metric": "str", "dataset_revision": "str", "hf_bench_version": "str", "created_at": "str",
    "result_file": "str", "order": "int64",
}

HF_BENCH_SOURCE = {
    "label": "hf_bench",
    "title": "Computed by hf_bench",
    "citation": "hf_bench result JSONs (hf-bench run / hf-bench zerospeech run); every number carries its task "
                "version, dataset fingerprint, encoder fingerprint, probe configuration and library versions.",
    "url": "",
    "note": "",
}


@dataclass
class LeaderboardTable:
    """The long table plus the board definitions and source citations it was built with."""
    df: pd.DataFrame
    boards: dict[str, Board]
    sources: dict[str, dict[str, str]]
    built_at: str = ""
    hf_bench_version: str = __version__
    inputs: list[str] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    # adjacent-row significance per column (hf_bench.leaderboard.ties.COMPARISON_COLUMNS); None: none computed
    comparisons: pd.DataFrame | None = None

    def __post_init__(self):
        if self.comparisons is None:
            from hf_bench.leaderboard.ties import empty_comparisons

            self.comparisons = empty_comparisons()

    # ------------------------------------------------------------------ persistence
    def metadata(self) -> dict[str, Any]:
        return {
            "schema_version": TABLE_SCHEMA_VERSION, "built_at": self.built_at,
            "hf_bench_version": self.hf_bench_version, "inputs": self.inputs, "stats": self.stats,
            "boards": [b.to_dict() for b in self.boards.values()], "sources": self.sources,
            "comparisons": _comparisons_json(self.comparisons),
        }

    def to_parquet_bytes(self) -> bytes:
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrow = pa.Table.from_pandas(self.df, preserve_index=False)
        meta = dict(arrow.schema.metadata or {})
        meta[META_KEY] = json.dumps(self.metadata(), ensure_ascii=False).encode("utf-8")
        arrow = arrow.replace_schema_metadata(meta)
        buf = io.BytesIO()
        pq.write_table(arrow, buf, compression="zstd")
        return buf.getvalue()

    def save(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        if path.suffix != ".parquet":
            raise HFBenchError("the leaderboard table must be a .parquet file", where=path,
                               fix="name the output like leaderboard.parquet")
        atomic_write_bytes(path, self.to_parquet_bytes())
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "LeaderboardTable":
        import pyarrow.parquet as pq

        path = Path(path)
        fix = "build it with `hf-bench leaderboard build RESULTS_DIR... -o leaderboard.parquet`"
        if not path.is_file():
            raise HFBenchError("leaderboard table not found", where=path, fix=fix)
        try:
            arrow = pq.read_table(path)
        except Exception as e:  # pyarrow raises several types for non-parquet input
            raise HFBenchError(f"not a readable parquet file ({e})", where=path, fix=fix) from None
        raw = (arrow.schema.metadata or {}).get(META_KEY)
        if raw is None:
            raise HFBenchError("not an hf_bench leaderboard table (no 'hf_bench.leaderboard' metadata)",
                               where=path, fix=fix)
        meta = json.loads(raw)
        version = meta.get("schema_version")
        if not isinstance(version, int) or version > TABLE_SCHEMA_VERSION:
            raise HFBenchError(f"table schema_version {version!r} is not supported (this hf_bench reads "
                               f"<= {TABLE_SCHEMA_VERSION})", where=path, fix="upgrade hf_bench or rebuild the table")
        df = arrow.to_pandas()
        missing = [c for c in COLUMNS if c not in df.columns]
        if missing:
            raise HFBenchError(f"table lacks columns {missing}", where=path, fix=fix)
        boards = {b["id"]: Board.from_dict(b) for b in meta["boards"]}
        return cls(df=df, boards=boards, sources=meta.get("sources", {}), built_at=meta.get("built_at", ""),
                   hf_bench_version=meta.get("hf_bench_version", ""), inputs=meta.get("inputs", []),
                   stats=meta.get("stats", {}), comparisons=_comparisons_frame(meta.get("comparisons")))

    # ------------------------------------------------------------------ queries
    def board_frame(self, board: str) -> pd.DataFrame:
        frames = self.__dict__.setdefault("_by_board", {})
        if board not in frames:  # split once: boolean masks over the whole table add up at start-up
            frames.update({b: d for b, d in self.df.groupby("board", sort=False)})
            frames.setdefault(board, self.df.iloc[0:0])
        return frames[board]

    def models(self) -> pd.DataFrame:
        """One row per (source_kind, model) with the boards it appears on."""
        if self.df.empty:
            return pd.DataFrame(columns=["source_kind", "model", "boards"])
        pairs = self.df[["source_kind", "model", "board"]].drop_duplicates()
        g = pairs.groupby(["source_kind", "model"], sort=False)["board"].agg(list)
        return g.reset_index().rename(columns={"board": "boards"})


# ---------------------------------------------------------------------- reading results
@dataclass
class _Record:
    values: dict[str, Any]
    key: tuple            # dedup key
    created_at: str


def find_json_files(paths: Sequence[str | os.PathLike]) -> list[Path]:
    """Every ``*.json`` under the given directories (recursively) or given directly, sorted, de-duplicated."""
    out: dict[Path, None] = {}
    for p in paths:
        p = Path(p)
        if p.is_file():
            out[p.resolve()] = None
        elif p.is_dir():
            for f in sorted(p.rglob("*.json")):
                if f.is_file():
                    out[f.resolve()] = None
        else:
            raise HFBenchError("results path not found", where=p,
                               fix="pass the output directory of `hf-bench run` (or a result JSON)")
    return list(out)


def _hub_link(encoder_id: str) -> str:
    if encoder_id.startswith("hf:"):
        repo = encoder_id[3:].split("@")[0]
        if repo.count("/") == 1 and all(repo.split("/")):
            return f"https://huggingface.co/{repo}"
    return ""


def _group_for(board: Board, domain: str, task_type: str) -> str:
    if board.group_label == "Domain":
        return domain
    if board.id == "lebenchmark":
        return {"asr": "ASR", "translation": "AST", "slu": "SLU", "clip_regression": "AER",
                "frame_regression": "AER"}.get(task_type, "Other")
    return board.groups[0] if board.groups else "Other"


def _check_finite(value: float, where: Path, field_name: str) -> None:
    if not math.isfinite(value):
        raise HFBenchError(f"{field_name} is {value} (not a finite number)", where=where,
                           fix="re-run the evaluation; a NaN/Inf score cannot be ranked")


def _records_from_task_result(path: Path, raw: dict, boards: dict[str, Board]) -> list[_Record]:
    from hf_bench.results.schema import TaskResult, validate_payload

    r = validate_payload(raw, TaskResult, where=path)
    _check_finite(r.scores.main_score, path, "scores.main_score")
    ci = r.scores.ci
    md = r.task.metadata or {}
    rev = r.dataset.source.get("revision") if isinstance(r.dataset.source, dict) else None
    out = []
    for board_id in boards_for_result(boards, r.task.benchmark, r.task.name, r.task.type):
        board = boards[board_id]
        col = board.column(r.task.name)
        if col is None:
            col = Column(task=r.task.name, label=str(md.get("display_name") or r.task.name),
                         title=str(md.get("description") or md.get("display_name") or r.task.name),
                         group=_group_for(board, r.task.domain, r.task.type), metric=r.task.metric,
                         higher_is_better=r.task.higher_is_better, weight=float(r.task.eval_weight))
            boards[board_id] = board.with_column(col)
        elif col.higher_is_better != r.task.higher_is_better:
            raise HFBenchError(
                f"task.higher_is_better is {r.task.higher_is_better} but the leaderboard column {col.task!r} "
                f"({col.metric}) is {'higher' if col.higher_is_better else 'lower'}-is-better",
                where=path, fix="check the task definition that produced this result")
        # a task's own heads (LeBenchmark: CTC, seq2seq, GRU, one per task) make one row per model
        base = TASK_HEADS if r.probe.name in (md.get("probes") or ()) else r.probe.name
        probe = protocol_probe(base, r.protocol)  # protocols never share a column
        values = {
            "board": board_id, "benchmark": r.task.benchmark, "model": r.encoder.name, "source_kind": HF_BENCH,
            "source": HF_BENCH, "probe": probe, "split": "test", "task": col.task,
            "value": float(r.scores.main_score), "value_text": "",
            "ci_low": ci.low if ci else math.nan, "ci_high": ci.high if ci else math.nan,
            "ci_level": ci.level if ci else math.nan,
            "n_parameters": float(r.encoder.n_parameters) if r.encoder.n_parameters is not None else math.nan,
            "link": _hub_link(r.encoder.id), "tags": "", "note": "",
            "encoder_id": r.encoder.id, "layer": str(r.encoder.layer), "fingerprint": r.encoder.fingerprint,
            "task_version": float(r.task.version), "metric": r.task.metric,
            "dataset_revision": str(rev) if rev else "", "hf_bench_version": r.hf_bench_version,
            "created_at": r.created_at, "result_file": str(path),
        }
        key = (board_id, r.encoder.name, r.encoder.layer, r.encoder.fingerprint, probe, col.task)
        out.append(_Record(values, key, r.created_at))
    return out


def _records_from_zerospeech(path: Path, raw: dict, boards: dict[str, Board]) -> list[_Record]:
    from hf_bench.leaderboard.zerospeech_scores import BOARD_OF, ZeroSpeechScores
    from hf_bench.results.schema import validate_payload

    s = validate_payload(raw, ZeroSpeechScores, where=path)
    board_id = BOARD_OF[s.benchmark]
    sub = s.submission
    tags = ";".join(t for t in (f"user: {sub.username}" if sub.username else "",
                                f"train set: {sub.train_set}" if sub.train_set else "") if t)
    out = []
    for name, split_scores in s.scores.items():
        for split in ("dev", "test"):
            value = getattr(split_scores, split)
            if value is None:
                continue
            values = {
                "board": board_id, "benchmark": "zerospeech", "model": sub.model_id, "source_kind": HF_BENCH,
                "source": HF_BENCH, "probe": "zerospeech", "split": split, "task": name, "value": float(value),
                "value_text": "", "ci_low": math.nan, "ci_high": math.nan, "ci_level": math.nan,
                "n_parameters": math.nan, "link": "", "tags": tags, "note": sub.system_description or "",
                "encoder_id": sub.model_id, "layer": "", "fingerprint": "", "task_version": math.nan,
                "metric": "zerospeech", "dataset_revision": "", "hf_bench_version": s.hf_bench_version,
                "created_at": s.created_at, "result_file": str(path),
            }
            out.append(_Record(values, (board_id, sub.model_id, "", "", "zerospeech", name, split), s.created_at))
    return out


def read_result_files(files: Iterable[Path], boards: dict[str, Board], *, skip_invalid: bool = False,
                      progress: bool = True) -> tuple[list[_Record], dict[str, int], list[str]]:
    """Validated records from result files; other JSON (scorecards, configs) is skipped and counted."""
    from tqdm.auto import tqdm

    files = list(files)
    records: list[_Record] = []
    counts = {"task_results": 0, "zerospeech_scores": 0, "scorecards_skipped": 0, "other_json_skipped": 0,
              "invalid_skipped": 0}
    problems: list[str] = []
    for path in tqdm(files, desc="reading results", unit="file", disable=not progress or len(files) < 50):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            problems.append(f"{path}: not readable JSON ({e})")
            continue
        kind = raw.get("kind") if isinstance(raw, dict) else None
        try:
            if kind == TASK_RESULT_KIND:
                records += _records_from_task_result(path, raw, boards)
                counts["task_results"] += 1
            elif kind == ZEROSPEECH_KIND:
                records += _records_from_zerospeech(path, raw, boards)
                counts["zerospeech_scores"] += 1
            elif kind == SCORECARD_KIND:
                counts["scorecards_skipped"] += 1
            else:
                counts["other_json_skipped"] += 1
        except HFBenchError as e:
            problems.append(str(e))
    if problems:
        if not skip_invalid:
            shown = "\n".join(f"  - {p}" for p in problems[:20])
            more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
            raise HFBenchError(f"{len(problems)} result file(s) cannot be used:\n{shown}{more}",
                               fix="fix or remove them, or pass --skip-invalid to build without them")
        counts["invalid_skipped"] = len(problems)
    return records, counts, problems


def _dedupe(records: list[_Record]) -> tuple[list[dict], int]:
    """Keep the newest result per key (a re-run supersedes the older file)."""
    best: dict[tuple, _Record] = {}
    for rec in records:
        old = best.get(rec.key)
        if old is None or rec.created_at > old.created_at:
            best[rec.key] = rec
    return [r.values for r in best.values()], len(records) - len(best)


def _disambiguate(rows: list[dict]) -> None:
    """Give one encoder name evaluated at several layers (or with different weights) distinct row names."""
    by_name: dict[str, set[tuple[str, str]]] = {}
    for r in rows:
        if r["probe"] != "zerospeech":
            by_name.setdefault(r["model"], set()).add((r["layer"], r["fingerprint"]))
    for r in rows:
        variants = by_name.get(r["model"])
        if not variants or len(variants) < 2:
            continue
        layers = {layer for layer, _ in variants}
        fps_for_layer = {fp for layer, fp in variants if layer == r["layer"]}
        name = r["model"]
        if len(layers) > 1:
            name += f" @{r['layer']}"
        if len(fps_for_layer) > 1:
            name += f" #{r['fingerprint'][:7]}"
        r["model"] = name


def _reference_rows() -> list[dict]:
    rows = []
    protocol = {b.id: b.reference_protocol for b in default_boards()}
    models = load_model_info()  # parameters (the size filter) and the model page, from data/models.json
    for ref in load_reference():
        info = models.get(ref.model)
        n_params = info.n_parameters if info is not None and info.n_parameters is not None else math.nan
        link = ref.link or (info.model_url if info is not None and info.model_url else "")
        rows.append({
            "board": ref.board, "benchmark": default_board_benchmark(ref.board), "model": ref.model,
            "source_kind": REFERENCE, "source": ref.source, "probe": protocol_probe(ref.probe, protocol[ref.board]),
            "split": ref.split,
            "task": ref.task, "value": ref.value, "value_text": ref.value_text,
            "ci_low": math.nan, "ci_high": math.nan, "ci_level": math.nan, "n_parameters": float(n_params),
            "link": link, "tags": ";".join(ref.tags), "note": ref.note, "encoder_id": "", "layer": "",
            "fingerprint": "", "task_version": math.nan, "metric": "", "dataset_revision": "",
            "hf_bench_version": "", "created_at": "", "result_file": "",
        })
    return rows


def default_board_benchmark(board_id: str) -> str:
    for b in default_boards():
        if b.id == board_id:
            return b.benchmark
    raise KeyError(board_id)


def make_table(rows: list[dict], boards: dict[str, Board], *, inputs: Sequence[str] = (),
               stats: dict[str, int] | None = None) -> LeaderboardTable:
    """Assemble the long table from row dicts (reference rows first, then hf_bench rows)."""
    for i, r in enumerate(rows):
        r["order"] = i
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    for col, dtype in COLUMNS.items():
        if dtype == "str":
            df[col] = df[col].fillna("").astype(str)
        elif dtype == "int64":
            df[col] = df[col].astype("int64")
        else:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    metric_of = {(b.id, c.task): c.metric for b in boards.values() for c in b.columns}
    df["metric"] = [m or metric_of.get((b, t), "") for m, b, t in zip(df["metric"], df["board"], df["task"])]
    sources = dict(load_sources())
    sources[HF_BENCH] = HF_BENCH_SOURCE
    return LeaderboardTable(df=df, boards=boards, sources=sources,
                            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                            inputs=[str(i) for i in inputs], stats=dict(stats or {}))


def _comparisons_json(df):
    from hf_bench.leaderboard.ties import comparisons_to_json

    return comparisons_to_json(df)


def _comparisons_frame(raw):
    from hf_bench.leaderboard.ties import comparisons_from_json

    return comparisons_from_json(raw)  # tables built before comparisons existed: an empty frame


def build_table(results: Sequence[str | os.PathLike] = (), *, include_reference: bool = True,
                skip_invalid: bool = False, progress: bool = True, comparisons: bool = True) -> LeaderboardTable:
    """Read every result under ``results`` and return the leaderboard table (reference rows included by default).

    ``comparisons``: also decide, per column, which neighbouring rows are significantly different
    (``hf_bench.leaderboard.ties``; paired bootstrap from the predictions files of hf_bench rows)."""
    boards = {b.id: b for b in default_boards()}
    files = find_json_files(results)
    records, counts, problems = read_result_files(files, boards, skip_invalid=skip_invalid, progress=progress)
    hf_rows, superseded = _dedupe(records)
    _disambiguate(hf_rows)
    if problems and skip_invalid:
        for p in problems:
            log.warning("skipped %s", p)
    rows = (_reference_rows() if include_reference else []) + hf_rows
    counts.update(superseded_results=superseded, values=len(rows))
    table = make_table(rows, boards, inputs=[str(Path(p)) for p in results], stats=counts)
    if comparisons:
        from hf_bench.leaderboard.ties import compute_comparisons

        table.comparisons = compute_comparisons(table.df, table.boards, progress=progress)
    return table


def reference_table() -> LeaderboardTable:
    """The shipped published rows only (what the Space shows before any result is added)."""
    return build_table([], progress=False)


def resolve_table(table: "LeaderboardTable | str | os.PathLike | None") -> LeaderboardTable:
    if table is None:
        return reference_table()
    if isinstance(table, LeaderboardTable):
        return table
    return LeaderboardTable.load(table)


__all__ = ["LeaderboardTable", "build_table", "reference_table", "resolve_table", "find_json_files",
           "PUBLISHED_PROBE", "COLUMNS"]
