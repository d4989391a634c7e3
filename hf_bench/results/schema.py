"""The on-disk results schema (versioned).

Layout of an output directory written by ``hf-bench run``::

    OUTPUT_DIR/
      <encoder_slug>[+<protocol>]/         e.g. mfb, hf__facebook__wav2vec2-base@layer6, mfb+xares
        scorecard.json                     Scorecard: every task x probe main score + weighted averages
        scorecard.md                       the same as a Markdown table
        scorecard.png                      bar chart of the scorecard
        <probe>/<task>.json                TaskResult (this module)
        <probe>/<task>.predictions.jsonl   one line per test item: id, fold, target, prediction (+ class names)

A result never needs its path to be understood: everything (task version, dataset fingerprint, encoder
fingerprint and layer, probe config, seeds, library versions) is inside the JSON (Open ASR lesson).

Schema history (bump SCHEMA_VERSION and keep loading older files in ``load_result``):
  1: first version.
  2: ``protocol`` on results and scorecards ("default", "xares" for ``--compat xares``, "custom-<hash>");
     version-1 files load as protocol "default".
  3: ``features_cached`` (were the features read from the store, no audio decoded?) is a field of its own;
     ``timings`` holds seconds only. Older files' ``timings.features_cached`` moves there on loading.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hf_bench.errors import HFBenchError

SCHEMA_VERSION = 3


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TaskInfo(_Strict):
    name: str
    version: int
    benchmark: str
    domain: str
    type: str
    metric: str
    main_score: str
    higher_is_better: bool = True
    eval_weight: int = Field(ge=0)
    metadata: dict[str, Any] = Field(default_factory=dict, description="the fully resolved TaskMetadata")


class DatasetInfo(_Strict):
    fingerprint: str
    source: dict[str, Any] = Field(default_factory=dict)
    split_sizes: dict[str, int] = Field(default_factory=dict)


class EncoderInfo(_Strict):
    id: str = Field(description="what was passed to --encoder, e.g. 'mfb', 'hf:facebook/wav2vec2-base', 'enc.py:MyEncoder'")
    name: str = Field(description="display name used in tables and the leaderboard")
    fingerprint: str = Field(description="hash of the encoder's config and weights")
    layer: str = Field(description="'last', a layer index, 'weighted' (learned softmax weights) or 'mean'")
    num_layers: int
    dim: int
    hop_ms: float
    sampling_rate: int
    n_parameters: int | None = None
    revision: str | None = None


class ProbeInfo(_Strict):
    name: str = Field(description="the probe's registry name, e.g. 'mlp' or 'knn' (hf_bench.probes.registry)")
    config: dict[str, Any] = Field(default_factory=dict)
    seed: int
    selected: dict[str, Any] = Field(default_factory=dict, description="choices made on validation data, e.g. best epoch per fold")


class ConfidenceInterval(_Strict):
    low: float
    high: float
    level: float = 0.95
    n_resamples: int
    method: str = "bootstrap over test items"


class Scores(_Strict):
    metric: str
    main_score: float
    values: dict[str, float] = Field(default_factory=dict, description="every number the metric returned")
    per_fold: dict[str, float] | None = None
    ci: ConfidenceInterval | None = None


class TaskResult(_Strict):
    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, raw):
        # schema <= 2 kept the cache flag among the timings as 0.0 / 1.0
        if isinstance(raw, dict) and isinstance(raw.get("timings"), dict) and "features_cached" in raw["timings"]:
            timings = dict(raw["timings"])
            flag = timings.pop("features_cached")
            raw = {**raw, "timings": timings}
            raw.setdefault("features_cached", bool(flag) if isinstance(flag, (int, float, bool)) else None)
        return raw

    kind: Literal["hf_bench.task_result"] = "hf_bench.task_result"
    schema_version: int = SCHEMA_VERSION
    hf_bench_version: str
    created_at: str
    protocol: str = Field(default="default", description="evaluation protocol: 'default' or 'xares' (--compat xares)")
    libraries: dict[str, str] = Field(default_factory=dict)
    task: TaskInfo
    dataset: DatasetInfo
    encoder: EncoderInfo
    probe: ProbeInfo
    scores: Scores
    n_samples: dict[str, int] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict, description="seconds per stage: decode, encode, probe, score")
    features_cached: bool | None = Field(default=None, description="true when every feature came from the store "
                                         "(nothing decoded or encoded for this result)")
    predictions_file: str | None = Field(default=None, description="path relative to this JSON")
    config: dict[str, Any] = Field(default_factory=dict, description="the resolved run configuration")


class Scorecard(_Strict):
    kind: Literal["hf_bench.scorecard"] = "hf_bench.scorecard"
    schema_version: int = SCHEMA_VERSION
    hf_bench_version: str
    created_at: str
    encoder: EncoderInfo
    suite: str | None = None
    protocol: str = Field(default="default", description="evaluation protocol of every result it covers")
    scores: dict[str, dict[str, float]] = Field(description="task -> probe -> main score (raw metric value)")
    normalized: dict[str, dict[str, float]] = Field(description="task -> probe -> score mapped to [0, 1]")
    weights: dict[str, int] = Field(description="task -> eval weight used in the weighted average")
    weighted_average: dict[str, float] = Field(description="probe -> test-size-weighted average of normalized scores")
    result_files: list[str] = Field(default_factory=list, description="TaskResult files, relative to the scorecard")
    skipped: dict[str, str] = Field(default_factory=dict, description="task -> why it was not run (--skip-missing)")


def _load(path: str | os.PathLike, model: type[BaseModel]) -> Any:
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HFBenchError("result file not found", where=path) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise HFBenchError(f"not valid JSON ({e})", where=path, fix="re-run the evaluation that wrote it") from None
    return validate_payload(raw, model, where=path)


def validate_payload(raw: Any, model: type[BaseModel], *, where: str | os.PathLike = "<data>") -> Any:
    """Validate a decoded JSON object; errors list every bad field as ``field.path: message``."""
    if not isinstance(raw, dict):
        raise HFBenchError(f"expected a JSON object, got {type(raw).__name__}", where=where)
    version = raw.get("schema_version")
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise HFBenchError(f"schema_version {version} is newer than this hf_bench understands ({SCHEMA_VERSION})",
                           where=where, fix="upgrade hf_bench")
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        lines = [f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in e.errors()]
        raise HFBenchError("does not match the hf_bench results schema:\n    " + "\n    ".join(lines), where=where) from None


def load_result(path: str | os.PathLike) -> TaskResult:
    return _load(path, TaskResult)


def load_scorecard(path: str | os.PathLike) -> Scorecard:
    return _load(path, Scorecard)


def result_path(output_dir: str | os.PathLike, encoder_slug: str, probe: str, task: str) -> Path:
    return Path(output_dir) / encoder_slug / probe / f"{task}.json"
