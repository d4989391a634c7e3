"""Validate, score and write: the ``hf-bench zerospeech run`` pipeline.

Writes the original toolkit's CSVs (same names, columns, row order and ``%.4f`` floats) to ``SUBMISSION/scores/``
(or ``-o``), then ``scores.json`` with the leaderboard aggregates. The aggregates are computed the way the original's
``ScoreDir`` computes them: from the 4-decimal values of the CSVs it wrote.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

import numpy as np

from hf_bench.errors import HFBenchError
from hf_bench.utils.io import atomic_write_json, atomic_write_text, ensure_dir
from hf_bench.zerospeech.constants import (
    FLOAT_FORMAT,
    SCORE_FILES,
    SCORE_NAMES,
    SCORES_DIR,
    SCORES_JSON,
    SCORES_KIND,
    SCORES_SCHEMA_VERSION,
    SETS,
    SLM21,
)
from hf_bench.zerospeech.dataset import ZeroSpeechDataset
from hf_bench.zerospeech.report import ValidationReport, examples
from hf_bench.zerospeech.scoring import (
    pool,
    score_lexical,
    score_prosody,
    score_syntactic,
    semantic_correlations,
    semantic_distances,
)
from hf_bench.zerospeech.submission import (
    ProsAuditParams,
    SLM21Params,
    feature_dir,
    feature_problems,
    load_feature,
    load_meta,
    load_params,
    params_summary,
    read_score_file,
)
from hf_bench.zerospeech.validate import open_inputs, validate_submission

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class RunResult:
    """What a run produced. ``ok`` is False when validation found errors (then nothing was scored)."""

    benchmark: str
    submission: Path
    output_dir: Path
    report: ValidationReport | None
    scores: dict[str, dict[str, float | None]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    scores_json: Path | None = None

    @property
    def ok(self) -> bool:
        return self.report is None or self.report.ok


def r4(x: float) -> float:
    """The value the original reads back from its ``%.4f`` CSV."""
    return float(FLOAT_FORMAT % x) if x is not None and not math.isnan(x) else math.nan


def _none(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def run_benchmark(benchmark: str, submission: str | os.PathLike, dataset: ZeroSpeechDataset | str | os.PathLike, *,
                  output_dir: str | os.PathLike | None = None, sets: Iterable[str] | None = None,
                  tasks: Iterable[str] | None = None, skip_validation: bool = False, progress: bool = True,
                  log: Callable[[str], None] | None = None) -> RunResult:
    """Validate (unless ``skip_validation``), score every selected task and set, write CSVs and ``scores.json``."""
    benchmark, root, dataset, sets, tasks = open_inputs(benchmark, submission, dataset, sets, tasks)
    say = log or (lambda _msg: None)
    out = Path(output_dir).expanduser() if output_dir is not None else root / SCORES_DIR
    result = RunResult(benchmark, root, out, None)

    if not skip_validation:
        result.report = validate_submission(benchmark, root, dataset, sets=sets, tasks=tasks, meta="warning",
                                            progress=progress)
        if not result.report.ok:
            return result
    params = load_params(benchmark, root)  # raises on a broken params.yaml even with --skip-validation
    ensure_dir(out)

    scores: dict[str, dict[str, float | None]] = {n: {s: None for s in SETS} for n in SCORE_NAMES[benchmark]}

    def write(df: "pd.DataFrame", name: str) -> None:
        path = out / name
        say(f"writing {path}")
        atomic_write_text(path, df.to_csv(index=False, float_format=FLOAT_FORMAT))
        result.files.append(path)

    if benchmark == SLM21:
        assert isinstance(params, SLM21Params)
        for task in tasks:
            for set_ in sets:
                if task == "lexical":
                    _run_lexical(dataset, root, set_, params, write, scores, result, skip_validation)
                elif task == "syntactic":
                    _run_syntactic(dataset, root, set_, params, write, scores, result, skip_validation)
                else:
                    _run_semantic(dataset, root, set_, params, write, scores, result, progress, say)
    else:
        assert isinstance(params, ProsAuditParams)
        for set_ in sets:
            _run_prosody(dataset, root, set_, params, write, scores, result, skip_validation)

    result.scores = {k: {s: _none(v) for s, v in d.items()} for k, d in scores.items()}
    result.scores_json = out / SCORES_JSON
    atomic_write_json(result.scores_json, scores_document(benchmark, root, params, result.scores))
    say(f"writing {result.scores_json}")
    return result


def scores_document(benchmark: str, root: Path, params: SLM21Params | ProsAuditParams,
                    scores: dict[str, dict[str, float | None]]) -> dict:
    """The ``scores.json`` object read by the leaderboard (kind hf_bench.zerospeech_scores, schema 1)."""
    import hf_bench

    meta = load_meta(root) or {}
    info = meta.get("model_info") if isinstance(meta.get("model_info"), dict) else {}

    def text(value) -> str | None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip() or (value.startswith("<") and value.endswith(">")):
            return None
        return value

    return {
        "kind": SCORES_KIND,
        "schema_version": SCORES_SCHEMA_VERSION,
        "hf_bench_version": hf_bench.__version__,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "benchmark": benchmark,
        "submission": {
            "model_id": text(info.get("model_id")) or root.resolve().name,
            "username": text(meta.get("username")),
            "system_description": text(info.get("system_description")),
            "train_set": text(info.get("train_set")),
            "submission_dir": str(root.resolve()),
        },
        "params": params_summary(params),
        "scores": scores,
    }


def _scores_of(dataset: ZeroSpeechDataset, root: Path, task: str, set_: str, result: RunResult,
               skip_validation: bool) -> dict[str, float]:
    rel = SCORE_FILES[(task, set_)]
    report = ValidationReport(str(root), dataset.benchmark)
    sf = read_score_file(root / rel, report, rel)
    if not sf.path.is_file():
        raise HFBenchError("score file not found", where=root / rel,
                           fix="write one '<id> <score>' line per wav of the dataset set, or leave this set/task "
                               "out with --sets / --tasks")
    if skip_validation:
        gold_ids = dataset.gold(task, set_)["filename"]
        lost = [f for f in gold_ids if math.isnan(sf.scores.get(f, math.nan))]
        if lost:
            result.notes.append(f"{rel}: {len(lost)} gold item(s) have no usable score and lose their pair: "
                                f"{examples(lost)}")
        if report.errors:
            result.notes.append(f"{rel}: {len(report.errors)} kind(s) of problems were not validated "
                                "(--skip-validation): " + "; ".join(i.problem for i in report.errors))
    return sf.scores


def _run_lexical(dataset, root, set_, params: SLM21Params, write, scores, result, skip_validation) -> None:
    ts = score_lexical(dataset.gold("lexical", set_), _scores_of(dataset, root, "lexical", set_, result,
                                                                 skip_validation))
    result.notes.extend(f"lexical/{set_}: {n}" for n in ts.notes)
    names = params.lexical.result_filenames[set_]
    lx = params.lexical
    for key, enabled in (("by_pair", lx.by_pair), ("by_frequency", lx.by_frequency), ("by_length", lx.by_length)):
        if enabled:
            write(ts.tables[key], names[key])
    pair_scores = [r4(x) for x in ts.tables["by_pair"]["score"]]
    scores["lexical_all"][set_] = float(np.mean(pair_scores)) if pair_scores else None
    freq = ts.tables["by_frequency"]
    inv = freq[(freq["frequency"] != "oov") & (freq["n"] > 0)]
    # the original's np.average gives NaN as soon as one in-vocabulary band is empty; we skip empty bands
    if len(inv):
        scores["lexical_invocab"][set_] = float(np.average([r4(x) for x in inv["score"]], weights=inv["n"]))


def _run_syntactic(dataset, root, set_, params: SLM21Params, write, scores, result, skip_validation) -> None:
    gold_path = dataset.gold_file("syntactic", set_)
    ts = score_syntactic(dataset.gold("syntactic", set_),
                         _scores_of(dataset, root, "syntactic", set_, result, skip_validation), where=str(gold_path))
    result.notes.extend(ts.notes)
    names = params.syntactic.result_filenames[set_]
    write(ts.tables["by_pair"], names["by_pair"])
    write(ts.tables["by_type"], names["by_type"])
    pair_scores = [r4(x) for x in ts.tables["by_pair"]["score"]]
    scores["syntactic"][set_] = float(np.mean(pair_scores)) if pair_scores else None


def _run_prosody(dataset, root, set_, params: ProsAuditParams, write, scores, result, skip_validation) -> None:
    gold_path = dataset.gold_file("english", set_)
    ts = score_prosody(dataset.gold("english", set_),
                       _scores_of(dataset, root, "english", set_, result, skip_validation), where=str(gold_path))
    result.notes.extend(ts.notes)
    write(ts.tables["by_pair"], params.results_filename.format("english", set_, "by_pair"))
    write(ts.tables["by_type"], params.results_filename.format("english", set_, "by_type"))
    by_type = ts.tables["by_type"]
    for kind in ("lexical", "protosyntax"):
        row = by_type[by_type["type"] == kind]
        if len(row):
            scores[f"prosaudit_{kind}"][set_] = r4(float(row["score"].iloc[0]))


def _pooled_features(dataset: ZeroSpeechDataset, root: Path, set_: str, gold: "pd.DataFrame", params: SLM21Params,
                     progress: bool) -> dict[tuple[str, str], np.ndarray]:
    from tqdm.auto import tqdm

    ext = params.syntactic.score_files_type
    pooling = params.semantic.pooling
    items = list(zip(gold["type"], gold["filename"]))

    def one(item: tuple[str, str]) -> np.ndarray:
        kind, name = item
        path = feature_dir(root, set_, kind) / f"{name}{ext}"
        if not path.is_file():
            raise HFBenchError("feature file not found", where=path,
                               fix="write one feature file per wav (`hf-bench zerospeech features`) and run validate")
        array = load_feature(path, ext)
        fatal = [p for c, p, _ in feature_problems(array, pooling) if c in ("npy_rank", "npy_frames")]
        if fatal:
            raise HFBenchError("; ".join(fatal), where=path, fix="run `hf-bench zerospeech validate` for the fix")
        return pool(array, pooling)

    jobs = params.semantic.n_jobs if params.semantic.n_jobs > 0 else (os.cpu_count() or 1)
    bar = tqdm(total=len(items), desc=f"semantic/{set_}: pool features", unit="file",
               disable=not progress or len(items) < 100)
    pooled: dict[tuple[str, str], np.ndarray] = {}
    with ThreadPoolExecutor(max_workers=jobs) as ex:
        for item, vec in zip(items, ex.map(one, items)):
            pooled[item] = vec
            bar.update(1)
    bar.close()
    return pooled


def _run_semantic(dataset, root, set_, params: SLM21Params, write, scores, result, progress, say) -> None:
    sem = params.semantic
    types = sem.types()
    if not types:
        result.notes.append("semantic: both synthetic and librispeech are disabled in params.yaml; nothing scored")
        return
    gold = dataset.gold("semantic", set_)
    pairs_all = dataset.pairs(set_)
    gold = gold[gold["type"].isin(types)]
    pairs = pairs_all[pairs_all["type"].isin(types)].copy()
    say(f"semantic/{set_}: {len(gold)} tokens, {len(pairs)} pairs, metric={sem.metric}, pooling={sem.pooling}")
    pooled = _pooled_features(dataset, root, set_, gold, params, progress)
    pairs["score"] = semantic_distances(gold, pairs, pooled, sem.metric, where=str(dataset.pairs_file(set_)))
    names = sem.result_filenames[set_]
    write(pairs, names["pairs"])
    if not sem.correlations:
        return
    corr = semantic_correlations(pairs)
    write(corr, names["correlations"])
    sizes = pairs_all.groupby(["type", "dataset"]).size()
    for kind in types:
        rows = corr[corr["type"] == kind]
        if not len(rows):
            continue
        rho = np.array([r4(x) for x in rows["correlation"]])
        finite = rho[~np.isnan(rho)]
        # like the original: pandas mean skips NaN, np.average does not
        scores[f"semantic_{kind}_normal"][set_] = float(finite.mean()) if len(finite) else None
        weights = np.array([sizes[(kind, d)] for d in rows["dataset"]], dtype=np.float64)
        scores[f"semantic_{kind}_weighted"][set_] = float(np.average(rho, weights=weights))


__all__ = ["RunResult", "run_benchmark", "scores_document", "r4"]
