"""Export a model's leaderboard rows as Hub eval-results YAML (``.eval_results/*.yaml`` in a model repo).

Entries are built with ``huggingface_hub.EvalResultEntry`` and serialised with ``eval_result_entries_to_yaml``; every
file is parsed back with ``parse_eval_result_entries`` before it is written, so what we write is what the Hub reads.
Naming (shared/reference/anchors.md §9.2 / §11.3): dataset ``<org>/<benchmark>-<task>``, task id
``<task>_<probe>`` (``<task>_<probe>_<protocol>`` for a protocol other than hf_bench's, e.g. the published X-ARES
numbers and ``--compat xares`` runs: ``esc50_mlp_xares``; plus ``_<split>`` off the test split), one file
``hf_bench_<benchmark>.yaml`` per benchmark.

A board view (``views.BoardViews.query``) as a paper table: :func:`board_latex` (booktabs, best bold, second
underlined, as the published tables); ``hf-bench leaderboard export --format latex --board ID`` wraps it.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from hf_bench.errors import HFBenchError
from hf_bench.leaderboard.catalog import (
    DEFAULT_PROTOCOL,
    HF_BENCH,
    PROTOCOL_LABELS,
    PUBLISHED_PROBE,
    REFERENCE,
    split_probe,
)
from hf_bench.leaderboard.table import LeaderboardTable
from hf_bench.utils import latex
from hf_bench.utils.io import atomic_write_text

if TYPE_CHECKING:
    from hf_bench.leaderboard.views import BoardView

DEFAULT_DATASET_ORG = "hf-bench"
DEFAULT_SOURCE_URL = "https://huggingface.co/spaces/hf-bench/leaderboard"
_SHA = re.compile(r"^[0-9a-f]{40}$")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.-]+", "-", text.lower().replace("_", "-")).strip("-")


def find_model(table: LeaderboardTable, model: str, source_kind: str | None = None) -> tuple[str, str]:
    """(source_kind, model) of a model name; hf_bench rows win when a name is both published and computed."""
    models = table.models()
    hits = models[models["model"] == model]
    if source_kind is not None:
        hits = hits[hits["source_kind"] == source_kind]
    if hits.empty:
        elsewhere = sorted(set(models[models["model"] == model]["source_kind"]))
        if elsewhere:  # the name is there, with the other kind of rows
            raise HFBenchError(f"model {model!r} has no {source_kind} rows on the leaderboard (it has "
                               f"{' and '.join(elsewhere)} rows)", where="--source",
                               fix=" or ".join(f"--source {k}" for k in elsewhere) + ", or drop --source")
        names = list(dict.fromkeys(models["model"]))
        # names that contain what was typed ('wav2vec2' -> 'wav2vec2-large-100k-voxpopuli'), then near spellings
        close = [n for n in names if model.lower() in n.lower()][:5]
        close += [n for n in difflib.get_close_matches(model, names, n=3) if n not in close]
        hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
        raise HFBenchError(f"model {model!r} is not on the leaderboard" +
                           (f" as {source_kind}" if source_kind else ""), where="MODEL",
                           fix=f"{hint}use a name exactly as the leaderboard shows it")
    kinds = list(hits["source_kind"])
    return (HF_BENCH if HF_BENCH in kinds else kinds[0]), model


def eval_result_entries(table: LeaderboardTable, model: str, *, source_kind: str | None = None,
                        dataset_org: str = DEFAULT_DATASET_ORG, source_url: str = DEFAULT_SOURCE_URL) -> dict[str, list]:
    """``{file name: [EvalResultEntry, ...]}`` for one model, one file per benchmark."""
    from huggingface_hub import EvalResultEntry

    kind, model = find_model(table, model, source_kind)
    df = table.df[(table.df["source_kind"] == kind) & (table.df["model"] == model)]
    df = df[df["value"].notna()].sort_values("order", kind="stable")
    files: dict[str, list] = {}
    seen: set[tuple[str, str]] = set()
    for _, r in df.iterrows():
        parts = [r["task"]]
        if r["probe"] not in (PUBLISHED_PROBE, "zerospeech"):
            base, protocol = split_probe(r["probe"])
            parts += [base] if protocol == DEFAULT_PROTOCOL else [base, protocol]
        if r["split"] != "test":
            parts.append(r["split"])
        dataset_id = f"{dataset_org}/{_slug(r['benchmark'])}-{_slug(r['task'])}"
        task_id = "_".join(parts)
        if (dataset_id, task_id) in seen:  # a task shown on two boards (WenetSpeech-Wu ASR) is one result
            continue
        seen.add((dataset_id, task_id))
        if kind == REFERENCE:
            src = table.sources.get(r["source"].split(";")[0], {})
            entry = EvalResultEntry(
                dataset_id=dataset_id, task_id=task_id, value=float(r["value"]),
                source_url=src.get("url") or source_url, source_name=src.get("title") or src.get("label"),
                notes=f"published value ({r['metric']}), as printed in: {src.get('citation', r['source'])}; "
                      f"transcribed by hf_bench",
            )
        else:
            base, protocol = split_probe(r["probe"])
            notes = [(f"{base} probe" + ("" if protocol == DEFAULT_PROTOCOL else f", {PROTOCOL_LABELS.get(protocol, protocol)}")
                      if r["probe"] != "zerospeech" else "ZeroSpeech scoring"),
                     f"encoder {r['encoder_id']}" + (f" (layer {r['layer']})" if r["layer"] else ""),
                     f"metric {r['metric']}"]
            if not math.isnan(r["task_version"]):
                notes.append(f"task v{int(r['task_version'])}")
            if not (math.isnan(r["ci_low"]) or math.isnan(r["ci_high"])):
                level = r["ci_level"] if not math.isnan(r["ci_level"]) else 0.95
                notes.append(f"{level:.0%} CI [{r['ci_low']:.6g}, {r['ci_high']:.6g}]")
            notes.append(f"hf_bench {r['hf_bench_version']}")
            rev = r["dataset_revision"]
            entry = EvalResultEntry(
                dataset_id=dataset_id, task_id=task_id, value=float(r["value"]),
                dataset_revision=rev if _SHA.match(rev or "") else None,
                date=r["created_at"] or None, source_url=source_url, source_name="hf_bench",
                notes="; ".join(notes),
            )
        files.setdefault(f"hf_bench_{_slug(r['benchmark']).replace('-', '_')}.yaml", []).append(entry)
    if not files:
        raise HFBenchError(f"model {model!r} has no score to export", where="MODEL")
    return files


def entries_to_yaml(entries: list) -> str:
    """Serialise with huggingface_hub's helper and check that the Hub parser reads the same entries back."""
    import yaml
    from huggingface_hub import eval_result_entries_to_yaml, parse_eval_result_entries

    text = yaml.safe_dump(eval_result_entries_to_yaml(entries), sort_keys=False, allow_unicode=True)
    back = parse_eval_result_entries(yaml.safe_load(text))
    if back != entries:
        raise HFBenchError("the eval-results YAML does not round-trip through huggingface_hub's parser",
                           fix="report this as an hf_bench bug")
    return text


def write_eval_results(table: LeaderboardTable, model: str, out_dir: str | os.PathLike, **kwargs) -> list[Path]:
    """Write ``out_dir/.eval_results/hf_bench_<benchmark>.yaml`` files for one model; returns their paths."""
    out = Path(out_dir) / ".eval_results"
    paths = []
    for name, entries in eval_result_entries(table, model, **kwargs).items():
        path = out / name
        atomic_write_text(path, entries_to_yaml(entries))
        paths.append(path)
    return paths


# ---------------------------------------------------------------------------------------------------- LaTeX table
WIDE_COLUMNS = 12  # more columns than this: a table* scaled to the text width


def select_models(view: "BoardView", models: Sequence[str]) -> "BoardView":
    """The view with only the rows of ``models`` (names exactly as the board shows them), in the view's order,
    best and second best recomputed over those rows (a paper table marks the best of what it prints)."""
    from dataclasses import replace

    from hf_bench.leaderboard.views import AVG, _ranks

    names = list(dict.fromkeys(m.strip() for m in models if m.strip()))
    present = list(dict.fromkeys(view.rows["model"]))
    missing = [m for m in names if m not in present]
    if missing:
        close = [c for m in missing for c in difflib.get_close_matches(m, present, n=2)]
        close += [n for m in missing for n in present if m.lower() in n.lower() and n not in close][:5]
        hint = f"did you mean {', '.join(repr(c) for c in dict.fromkeys(close))}? " if close else ""
        raise HFBenchError(f"not on board {view.board.id!r} ({view.query.probe or 'all probes'}, "
                           f"{view.query.split or 'default'} split): {', '.join(repr(m) for m in missing)}",
                           where="--models", fix=f"{hint}use names exactly as the board shows them")
    rows = view.rows[view.rows["model"].isin(names)]
    highlight = {c.task: _ranks(rows[c.task], c.higher_is_better, view.decimals[c.task]) for c in view.columns}
    if AVG in rows:
        highlight[AVG] = _ranks(rows[AVG], True, view.decimals.get(AVG, 3))
    extra = {"rows_all": rows} if getattr(view, "rows_all", None) is not None else {}
    return replace(view, rows=rows, highlight=highlight, n_filtered=len(rows), n_matched=len(rows), **extra)


def _source_names(view: "BoardView", sources: dict[str, dict[str, str]] | None) -> list[str]:
    keys = dict.fromkeys(k for s in view.rows["source"] for k in str(s).split(";") if k)
    if HF_BENCH in set(view.rows["source_kind"]):
        keys.setdefault(HF_BENCH)
    sources = sources or {}
    return [sources.get(k, {}).get("title") or sources.get(k, {}).get("label") or k for k in keys]


def board_caption(view: "BoardView", sources: dict[str, dict[str, str]] | None = None) -> str:
    """The caption (LaTeX): board, probe, split, the marks, the average and the sources of the rows."""
    from hf_bench.leaderboard.catalog import probe_label

    board, probe = view.board, view.query.probe if view.board.probe_views else None
    split = view.query.split or "test"
    parts = [latex.escape(board.title) + (f", {latex.escape(probe_label(probe))}" if probe else "")
             + f", {latex.escape(split)} split."]
    parts.append(r"Best value per column in bold, second best underlined; "
                 rf"{latex.UP}/{latex.DOWN}: higher/lower is better; {latex.MISSING}: no score.")
    if _has_avg(view):
        parts.append(f"{latex.escape(view.avg_label)}: the X-ARES weighted average of the normalised scores over "
                     f"{len(view.avg_tasks)} tasks (eval weights), only where a model has all of them.")
    names = _source_names(view, sources)
    if names:
        parts.append("Sources: " + "; ".join(latex.escape(n) for n in names) + ".")
    return " ".join(parts)


def _has_avg(view: "BoardView") -> bool:
    from hf_bench.leaderboard.views import AVG

    return view.avg_label is not None and AVG in view.rows


def board_latex(view: "BoardView", *, sources: dict[str, dict[str, str]] | None = None, float_env: bool = True,
                caption: str | None = None, label: str | None = None) -> str:
    r"""One board view as a booktabs ``tabular``: models as rows (in the view's order), the board's column groups
    as ``\multicolumn`` headers over ``\cmidrule``s, each column's label with its direction arrow, values with the
    view's decimals, the view's best value per column bold and second underlined (``view.highlight``: ties share
    the mark, each column in its own direction), ``-`` for a missing value, the weighted average last when the
    view has one. ``float_env``: inside a ``table`` float with a caption (``board_caption`` unless ``caption``)
    and a label; over 12 columns a ``table*`` scaled to the text width (needs graphicx). Pure: no file, no I/O."""
    from hf_bench.leaderboard.catalog import DOMAIN_LABELS, probe_label
    from hf_bench.leaderboard.views import AVG

    board, rows, cols = view.board, view.rows, view.columns
    show_probe = not board.probe_views and rows["probe"].nunique() > 1
    show_source = rows["source_kind"].nunique() > 1
    has_avg = _has_avg(view)
    lead = ["Model"] + (["Probe"] if show_probe else []) + (["Source"] if show_source else [])
    n_lead = len(lead)
    n_cols = n_lead + len(cols) + (1 if has_avg else 0)
    spec = "l" * n_lead + "r" * (n_cols - n_lead)

    out = [rf"\begin{{tabular}}{{{spec}}}", r"\toprule"]
    groups: list[list] = []
    for c in cols:
        if groups and groups[-1][0] == c.group:
            groups[-1][1] += 1
        else:
            groups.append([c.group, 1])
    if groups and any(g for g, _ in groups):
        cells, rules, start = [""] * n_lead, [], n_lead + 1
        for g, n in groups:
            cells.append(rf"\multicolumn{{{n}}}{{c}}{{{latex.escape(DOMAIN_LABELS.get(g, g))}}}")
            rules.append(rf"\cmidrule(lr){{{start}-{start + n - 1}}}")
            start += n
        if has_avg:
            cells.append("")
        out += [latex.row(cells), " ".join(rules)]
    header = lead + [f"{latex.escape(c.label)} {latex.arrow(c.higher_is_better)}" for c in cols]
    if has_avg:
        header.append(f"{latex.escape(view.avg_label)} {latex.UP}")
    out += [latex.row(header), r"\midrule"]
    for key, r in rows.iterrows():
        cells = [latex.escape(r["model"])]
        if show_probe:
            cells.append(latex.escape(probe_label(r["probe"])))
        if show_source:
            cells.append("published" if r["source_kind"] == REFERENCE else latex.escape(r["source_kind"]))
        for c in cols:
            cells.append(latex.mark(latex.fmt(r[c.task], view.decimals[c.task]),
                                    view.highlight.get(c.task, {}).get(key)))
        if has_avg:
            cells.append(latex.mark(latex.fmt(r[AVG], view.decimals.get(AVG, 3)),
                                    view.highlight.get(AVG, {}).get(key)))
        out.append(latex.row(cells))
    if rows.empty:
        out.append(latex.row([rf"\multicolumn{{{n_cols}}}{{c}}{{no model on this view}}"]))
    out += [r"\bottomrule", r"\end{tabular}"]
    tabular = "\n".join(out)
    probe = view.query.probe if board.probe_views else None
    head = (f"% hf_bench leaderboard: board {board.id}" + (f", probe {probe}" if probe else "")
            + f", split {view.query.split or 'test'}, {len(rows)} rows; needs \\usepackage{{booktabs}}")
    if not float_env:
        return f"{head}\n{tabular}\n"
    wide = n_cols > WIDE_COLUMNS
    if wide:
        head += " and \\usepackage{graphicx}"
    label = label or "tab:hf-bench-" + _slug(board.id + (f"-{probe}" if probe else ""))
    return f"{head}\n{latex.in_float(tabular, caption=caption or board_caption(view, sources), label=label, wide=wide)}\n"


def board_table_latex(table: LeaderboardTable, board: str, *, probe: str | None = None, split: str | None = None,
                      models: Sequence[str] | None = None, sources: Sequence[str] | None = None,
                      **kwargs) -> str:
    """``board_latex`` of one board's view of ``table`` (probe / split: the board's defaults, as the Space shows
    it; ``models``: only those rows; ``sources``: 'reference' / 'hf_bench' rows only)."""
    from hf_bench.leaderboard.views import BoardViews, Query

    views = BoardViews(table)
    if board not in table.boards:
        raise HFBenchError(f"unknown board {board!r}", where="--board", fix=f"use one of: {', '.join(table.boards)}")
    b = table.boards[board]
    if b.probe_views:
        choices = views.view_probes(board)
        probe = probe or views.default_probe(board)
        if probe not in choices:
            raise HFBenchError(f"board {board!r} has no probe view {probe!r}", where="--probe",
                               fix=f"use one of: {', '.join(choices)}")
    elif probe is not None:
        raise HFBenchError(f"board {board!r} has no probe views (its probes are rows)", where="--probe",
                           fix="drop --probe")
    splits = views.splits(board)
    split = split or views.default_split(board)
    if split not in splits:
        raise HFBenchError(f"board {board!r} has no split {split!r}", where="--split", fix=f"use one of: {', '.join(splits)}")
    view = views.query(Query(board, probe=probe, split=split, sources=list(sources) if sources else None))
    if models:
        view = select_models(view, models)
    return board_latex(view, sources=table.sources, **kwargs)
