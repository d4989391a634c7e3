"""Submission validation: every check of zerospeech-benchmarks 0.9.4, plus its blind spots.

The original checks that each score file parses as ``<id> <score>`` with float scores and that its ids equal the
dataset's, and that each semantic file is a 2-D float64 array. It misses (and this module reports): missing ids
when there are also extra ids, duplicate ids, NaN scores, the whole ProsAudit dev file, inconsistent feature
dimensions, non-finite features, too few frames for the pooling, and template values left in ``meta.yaml``.
Every set and every file is checked; each finding names the file, the lines or ids, and the fix.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Iterable, Literal

from hf_bench.errors import HFBenchError
from hf_bench.zerospeech.constants import SCORE_FILES, SETS, TASKS, check_benchmark
from hf_bench.zerospeech.dataset import ZeroSpeechDataset
from hf_bench.zerospeech.report import ValidationReport, examples
from hf_bench.zerospeech.submission import (
    SLM21Params,
    check_meta,
    feature_dir,
    feature_problems,
    load_feature,
    load_params,
    read_score_file,
)


def resolve_selection(benchmark: str, sets: Iterable[str] | None, tasks: Iterable[str] | None
                      ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Check ``--sets`` / ``--tasks`` against the benchmark; keep the canonical order, drop repeats."""
    benchmark = check_benchmark(benchmark)
    sets = tuple(sets or SETS)
    tasks = tuple(tasks or TASKS[benchmark])
    bad_sets = [s for s in sets if s not in SETS]
    if bad_sets:
        raise HFBenchError(f"unknown set(s) {', '.join(bad_sets)}", where="--sets", fix=f"use {' '.join(SETS)}")
    bad_tasks = [t for t in tasks if t not in TASKS[benchmark]]
    if bad_tasks:
        raise HFBenchError(f"{benchmark} has no task(s) {', '.join(bad_tasks)}", where="--tasks",
                           fix=f"{benchmark} tasks: {' '.join(TASKS[benchmark])}")
    return tuple(s for s in SETS if s in sets), tuple(t for t in TASKS[benchmark] if t in tasks)


def open_inputs(benchmark: str, submission, dataset, sets, tasks):
    """Normalise what ``validate`` and ``run`` are given: -> (benchmark, submission dir, dataset, sets, tasks)."""
    benchmark = check_benchmark(benchmark)
    sets, tasks = resolve_selection(benchmark, sets, tasks)
    root = Path(submission).expanduser()
    if not root.is_dir():
        raise HFBenchError("submission directory not found", where=root,
                           fix=f"create one with `hf-bench zerospeech init {benchmark} {root}`")
    if not isinstance(dataset, ZeroSpeechDataset):
        dataset = ZeroSpeechDataset(benchmark, dataset)
    return benchmark, root, dataset, sets, tasks


def validate_submission(benchmark: str, submission: str | os.PathLike, dataset: ZeroSpeechDataset | str | os.PathLike,
                        *, sets: Iterable[str] | None = None, tasks: Iterable[str] | None = None,
                        meta: Literal["error", "warning", "skip"] = "error", progress: bool = True
                        ) -> ValidationReport:
    """Check a submission against a dataset; never raises for submission problems (they go to the report).

    ``meta="warning"`` (what ``run`` uses: scoring does not need meta.yaml) reports meta.yaml problems as warnings.
    Raises ``HFBenchError`` when the submission directory is absent and ``DataError`` when the dataset is broken.
    """
    benchmark, root, dataset, sets, tasks = open_inputs(benchmark, submission, dataset, sets, tasks)
    report = ValidationReport(str(root), benchmark)
    params = load_params(benchmark, root, report)

    if meta != "skip":
        meta_report = ValidationReport(str(root), benchmark)
        check_meta(benchmark, root, meta_report)
        for issue in meta_report.issues:
            level = "warning" if meta == "warning" else issue.level
            report.add(level, issue.code, issue.where, issue.problem, issue.fix, issue.items)

    for task in tasks:
        for set_ in sets:
            if task == "semantic":
                continue
            _check_scores(report, dataset, root, task, set_)
    if "semantic" in tasks and isinstance(params, SLM21Params):
        _check_features(report, dataset, root, params, sets, progress)
    return report


def _check_scores(report: ValidationReport, dataset: ZeroSpeechDataset, root: Path, task: str, set_: str) -> None:
    rel = SCORE_FILES[(task, set_)]
    sf = read_score_file(root / rel, report, rel)
    if not sf.path.is_file():
        return
    expected = dataset.expected_ids(task, set_)
    _dataset_consistency(report, dataset, task, set_, expected)
    expected_set = set(expected)
    missing = [i for i in expected if i not in sf.seen_ids]
    extra = sorted(sf.seen_ids - expected_set)
    if missing:
        report.error("missing_ids", rel, f"{len(missing)} of the {len(expected)} {task}/{set_} ids have no line: "
                     f"{examples(missing)}", fix="add one '<id> <score>' line for each wav of the dataset set",
                     items=missing)
    if extra:
        report.error("extra_ids", rel, f"{len(extra)} id(s) are not in the {task}/{set_} dataset: {examples(extra)}",
                     fix=f"remove them (ids are the wav file stems of {task}/{set_}, without .wav)", items=extra)


def _dataset_consistency(report: ValidationReport, dataset: ZeroSpeechDataset, task: str, set_: str,
                         expected: list[str], kind: str | None = None) -> None:
    if dataset.index is None:
        return
    gold = dataset.gold(task, set_)
    if kind is not None:
        gold = gold[gold["type"] == kind]
    unlisted = sorted(set(gold["filename"]) - set(expected))
    if unlisted:
        report.warning("dataset_inconsistent", str(dataset.gold_file(task, set_)),
                       f"{len(unlisted)} gold filename(s) are missing from the wav list of index.json: "
                       f"{examples(unlisted)}", fix="restore the dataset's index.json (or delete it)", items=unlisted)


def _check_features(report: ValidationReport, dataset: ZeroSpeechDataset, root: Path, params: SLM21Params,
                    sets: tuple[str, ...], progress: bool) -> None:
    from tqdm.auto import tqdm

    ext = params.syntactic.score_files_type
    pooling = params.semantic.pooling
    found: dict[str, list[tuple[Path, str]]] = {}
    for set_ in sets:
        for kind in params.semantic.types():
            rel = f"semantic/{set_}/{kind}"
            folder = feature_dir(root, set_, kind)
            expected = dataset.expected_ids("semantic", set_, kind)
            _dataset_consistency(report, dataset, "semantic", set_, expected, kind)
            if not folder.is_dir():
                report.error("file_missing", rel, "feature directory not found",
                             fix="write one .npy per wav there (`hf-bench zerospeech features`), or disable this type "
                                 f"in params.yaml (semantic: {kind}: false)")
                continue
            files = {p.name[: -len(ext)]: p for p in folder.iterdir() if p.name.endswith(ext) and p.is_file()}
            missing = [i for i in expected if i not in files]
            extra = sorted(set(files) - set(expected))
            if missing:
                other = sorted({p.suffix for p in folder.iterdir() if p.is_file() and p.suffix != ext} - {""})
                hint = (f"; the folder has {', '.join(other)} files but params.yaml expects {ext} "
                        "(syntactic.score_files_type)" if other else "")
                report.error("missing_ids", rel, f"{len(missing)} of the {len(expected)} expected {ext} files are "
                             f"missing: {examples(i + ext for i in missing)}{hint}",
                             fix=f"write one {ext} per wav (`hf-bench zerospeech features`)", items=missing)
            if extra:
                report.error("extra_ids", rel, f"{len(extra)} file(s) are not in the {set_}/{kind} dataset: "
                             f"{examples(i + ext for i in extra)}", fix="remove them", items=extra)
            found[rel] = [(files[i], i) for i in expected if i in files]

    total = sum(len(v) for v in found.values())
    bar = tqdm(total=total, desc="validate semantic features", unit="file", disable=not progress or total < 100)
    problems: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    dims: dict[str, int] = {}
    for rel, items in found.items():
        for path, _ in items:
            bar.update(1)
            try:
                array = load_feature(path, ext)
            except HFBenchError as e:
                problems.setdefault((rel, "npy_unreadable"), []).append((path.name, e.problem, e.fix or ""))
                continue
            for code, problem, fix in feature_problems(array, pooling):
                problems.setdefault((rel, code), []).append((path.name, problem, fix))
            if array.ndim == 2:
                dims[f"{rel}/{path.name}"] = int(array.shape[1])
    bar.close()

    for (rel, code), items in problems.items():
        names = [n for n, _, _ in items]
        if len(items) == 1:
            name, problem, fix = items[0]
            report.error(code, f"{rel}/{name}", problem, fix=fix, items=names)
        else:
            report.error(code, rel, f"{len(items)} files: {items[0][1]} (first: {items[0][0]}); all: "
                         f"{examples(names)}", fix=items[0][2], items=names)
    if len(set(dims.values())) > 1:
        counts = Counter(dims.values())
        common, n_common = counts.most_common(1)[0]
        odd = sorted(f for f, d in dims.items() if d != common)
        desc = [f"{f} ({dims[f]})" for f in odd]
        report.error("dim_mismatch", "semantic", f"the feature dimension must be the same in every file: {n_common} "
                     f"files have {common} columns, {len(odd)} differ: {examples(desc)}",
                     fix="extract every file with the same encoder and layer", items=odd)
