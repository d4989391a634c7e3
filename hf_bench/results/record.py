"""predictions -> metric -> result: score every fold of one (task, probe) and write its TaskResult.

Every number comes from the task metric's pure function (``hf_bench.metrics``) on the inputs the task type's
adapter builds from the probe's outputs. k-fold tasks report the mean over folds; the bootstrap interval resamples
test items within each fold and averages, so it brackets that mean.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hf_bench.errors import HFBenchError
from hf_bench.results.schema import (
    ConfidenceInterval,
    DatasetInfo,
    EncoderInfo,
    ProbeInfo,
    Scores,
    TaskInfo,
    TaskResult,
)
from hf_bench.utils.io import atomic_write_json, atomic_write_text

log = logging.getLogger("hf_bench")


@dataclass
class FoldOutput:
    """One fold's test items and what the probe made of them."""
    ids: list[str]
    targets: Any
    coding: Any
    scores: Any


@dataclass
class RunContext:
    """What every result of one run shares."""
    protocol: str
    seed: int
    bootstrap: int
    libraries: dict
    config: dict          # the resolved run configuration, recorded in each result


@dataclass
class TaskContext:
    """One task as a run saw it: its metadata, type adapter, data fingerprint and item counts per split."""
    task: Any
    adapter: Any
    dataset_fp: str
    n_samples: dict[str, int]


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def library_versions() -> dict[str, str]:
    import importlib.metadata as md
    import platform

    out = {"python": platform.python_version()}
    for name in ("torch", "transformers", "accelerate", "datasets", "evaluate", "numpy", "scikit-learn", "soundfile",
                 "soxr", "jiwer", "sacrebleu"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return out


def score_folds(task, adapter, folds: dict[str, FoldOutput], *, bootstrap: int, seed: int):
    """(metric values, per-fold main scores or None, confidence interval or None, metric inputs per fold)."""
    from hf_bench import metrics

    inputs = {f: adapter.metric_inputs(task, o.coding, o.scores, o.targets) for f, o in folds.items()}
    fold_values = {f: metrics.compute(task.metric, p, r, **task.metric_args) for f, (p, r) in inputs.items()}
    if task.folds is not None:
        keys = fold_values[next(iter(fold_values))].keys()
        values = {k: float(np.mean([fv[k] for fv in fold_values.values()])) for k in keys}
        per_fold = {f: float(v[task.main_score]) for f, v in fold_values.items()}
    else:
        values = {k: float(v) for k, v in fold_values["test"].items()}
        per_fold = None
    ci = None
    if bootstrap > 0:
        try:
            c = metrics.fold_mean_bootstrap_ci(task.metric, list(inputs.values()), n_resamples=bootstrap, seed=seed,
                                               key=task.main_score, **task.metric_args)
            ci = ConfidenceInterval(low=c["low"], high=c["high"], level=c["level"], n_resamples=c["n_resamples"])
        except HFBenchError as e:  # a tiny test set has no interval; the score itself is still worth keeping
            log.warning("%s: no confidence interval (%s)", task.name, e.problem)
    return values, per_fold, ci


def write_predictions(path: Path, task, adapter, folds: dict[str, FoldOutput]) -> None:
    lines = []
    for fold, o in folds.items():
        for item_id, rec in zip(o.ids, adapter.records(task, o.coding, o.scores, o.targets)):
            lines.append(json.dumps({"id": item_id, "fold": fold, **rec}))
    atomic_write_text(path, "\n".join(lines) + "\n")


def record_result(path: Path, run: RunContext, data: TaskContext, encoder: EncoderInfo, *, probe: str,
                  probe_config: dict, selected: dict, folds: dict[str, FoldOutput], timings: dict,
                  result_key: str, features_cached: bool | None = None) -> TaskResult:
    """Score ``folds`` and write ``path`` (the TaskResult) and its predictions file next to it."""
    import time

    from hf_bench import __version__, metrics

    task, adapter = data.task, data.adapter
    t0 = time.perf_counter()
    values, per_fold, ci = score_folds(task, adapter, folds, bootstrap=run.bootstrap, seed=run.seed)
    timings = {**timings, "score_s": time.perf_counter() - t0}
    pred_name = f"{task.name}.predictions.jsonl"
    write_predictions(path.parent / pred_name, task, adapter, folds)
    info = metrics.METRICS[task.metric]
    result = TaskResult(
        hf_bench_version=__version__, created_at=now(), libraries=run.libraries, protocol=run.protocol,
        task=TaskInfo(name=task.name, version=task.version, benchmark=task.benchmark, domain=task.domain,
                      type=task.type, metric=task.metric, main_score=task.main_score,
                      higher_is_better=info.higher_is_better, eval_weight=task.eval_weight,
                      metadata=task.model_dump(mode="json")),
        dataset=DatasetInfo(fingerprint=data.dataset_fp, source=task.source.model_dump(mode="json"),
                            split_sizes=data.n_samples),
        encoder=encoder,
        probe=ProbeInfo(name=probe, config=probe_config, seed=run.seed, selected=selected),
        scores=Scores(metric=task.metric, main_score=float(values[task.main_score]), values=values,
                      per_fold=per_fold, ci=ci),
        n_samples=data.n_samples, timings=timings, features_cached=features_cached, predictions_file=pred_name,
        config={**run.config, "result_key": result_key},
    )
    atomic_write_json(path, result.model_dump(mode="json"))
    return result


__all__ = ["FoldOutput", "RunContext", "TaskContext", "score_folds", "record_result", "write_predictions",
           "library_versions", "now"]
