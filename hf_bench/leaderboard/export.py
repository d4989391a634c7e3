"""Export a model's leaderboard rows as Hub eval-results YAML (``.eval_results/*.yaml`` in a model repo).

Entries are built with ``huggingface_hub.EvalResultEntry`` and serialised with ``eval_result_entries_to_yaml``; every
file is parsed back with ``parse_eval_result_entries`` before it is written, so what we write is what the Hub reads.
Naming (shared/reference/anchors.md §9.2 / §11.3): dataset ``<org>/<benchmark>-<task>``, task id
``<task>_<probe>`` (``<task>_<probe>_<protocol>`` for a protocol other than hf_bench's, e.g. the published X-ARES
numbers and ``--compat xares`` runs: ``esc50_mlp_xares``; plus ``_<split>`` off the test split), one file
``hf_bench_<benchmark>.yaml`` per benchmark.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from pathlib import Path

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
from hf_bench.utils.io import atomic_write_text

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
