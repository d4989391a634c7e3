"""Task spec files: bring your own task as a small YAML or JSON file (``--task path/to/task.yaml``).

A spec names the task, its type and domain, and points at local data (an audio folder, a CSV/JSONL manifest,
parquet files or WebDataset tars); everything else has a default or is computed from the data (class list,
eval weight, split sizes). ``load_task_spec`` validates it strictly (unknown fields, with the closest valid name),
indexes the data once to check every path and every label, and returns a ``TaskMetadata``. The format is
documented with a complete example per data format in ``docs/custom_tasks.md``.
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hf_bench.errors import DataError, TaskSpecError
from hf_bench.tasks.schema import MAX_EVAL_WEIGHT, Crop, EventFields, LocalSource, ProbeOverrides, TaskMetadata
from hf_bench.tasks.types import TYPES

# the types a spec may declare, with the metrics that apply (the first is the default): the type adapters' own
TASK_TYPES = tuple(TYPES)
FORMATS = ("audiofolder", "manifest", "parquet", "webdataset")
DOMAINS = ("speech", "sound", "music")
SPLIT_KEYS = ("train", "valid", "test")
DEFAULT_LICENSE = "unknown (user data)"

def _languages(value, path) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TaskSpecError(f"languages must be a list of ISO 639-3 codes, got {value!r}", where=str(path),
                            fix="write e.g. `languages: [fra, eng]` (zxx for audio without speech)")
    return tuple(value)


TOP_FIELDS = {
    "name": "snake_case id, e.g. my_birds (required)",
    "type": f"one of {', '.join(TASK_TYPES)} (required)",
    "domain": f"one of {', '.join(DOMAINS)} (required)",
    "data": "where the audio and labels are (required)",
    "version": "integer >= 1, bump when a change can move scores (default 1)",
    "display_name": "name shown in tables (default: name)",
    "description": "free text",
    "languages": "ISO 639-3 codes of the speech, then of any text output, e.g. [fra, eng]; zxx: no speech",
    "metric": "default from type: accuracy / mean_average_precision / ccc / segment_f1 / iwer (or wer, cer) / "
              "audio_text_recall / corpus_bleu / concept_error_rate",
    "metric_args": "segment_f1 only: {time_resolution: seconds (default 1.0), average: macro|micro}",
    "events": "frame_multilabel: keys of an event, {onset: onset, offset: offset, label: label} by default",
    "text_normalization": "asr / translation / slu: none | lower (default) | english (also strips punctuation); "
                          "both sides",
    "caption_keys": "retrieval: fields of the label that hold captions (a string or a list each; default: the "
                    "label itself is the caption(s))",
    "labels": "class names (default: every label found in the data, sorted)",
    "label_aliases": "raw label value -> class name",
    "target_range": "regression: plausible [min, max] of the targets",
    "sample_rate": "native rate every file must have (default: accept any rate)",
    "downmix": "average multi-channel files to mono (default false: reject them)",
    "crop": "{mode: truncate|sequential, length_s: seconds}",
    "max_duration_s": "shorthand for crop: {mode: truncate, length_s: ...}",
    "eval_weight": f"weight in the weighted average (default min({MAX_EVAL_WEIGHT}, test size))",
    "chance_level": "main score of a trivial predictor",
    "do_knn": "also run the kNN probe (default true)",
    "allow_shared_audio": "allow byte-identical audio in two splits (default false: an error, as leakage)",
    "probe": "{epochs, batch_size, learning_rate} overrides; asr: decoder, stack_ms, max_new_tokens; "
             "retrieval: text_encoder; LeBenchmark heads: vocab_size, beam_size, hidden_size, patience, min_epochs",
    "probes": "the probes a run uses by default, e.g. [ctc] (default: every probe that serves the type)",
    "license": f"licence of the data (default {DEFAULT_LICENSE!r})",
    "citation": "how to cite the data",
    "homepage": "URL of the data",
    "changelog": "list of 'vN: what changed' lines",
}
DATA_FIELDS = {
    "format": f"one of {', '.join(FORMATS)} (required)",
    "root": "folder the split paths are relative to (default: the spec file's folder)",
    "label_key": "JSON field / column holding the label (default 'label'; '.' = the whole JSON member)",
    "audio_key": "manifest / parquet column holding the audio (default 'audio')",
    "train": "file, folder or glob of the training split",
    "valid": "file, folder or glob of the validation split (may equal test)",
    "test": "file, folder or glob of the test split",
    "folds": "k-fold instead of train/valid/test: {fold_name: path} or [path, ...]",
}
CROP_FIELDS = {"mode": "none | truncate | sequential", "length_s": "crop length in seconds"}
PROBE_FIELDS = {"epochs": "integer", "batch_size": "integer", "learning_rate": "float",
                "vocab_size": "ctc / seq2seq heads: SentencePiece units (soft limit)",
                "beam_size": "ctc / seq2seq heads: beam width at test time",
                "hidden_size": "ctc / seq2seq / gru heads: width",
                "patience": "gru head: early-stopping patience in epochs",
                "min_epochs": "gru head: epochs before early stopping may stop",
                "pos_weight": "float, weight of positive targets in the BCE of multi-label types",
                "decoder": "asr: the frozen causal LM (Hub id, folder, .gguf file or built-in name)",
                "stack_ms": "asr: encoder frames per LM position, as a duration (default 40)",
                "max_new_tokens": "asr: generation cap",
                "text_encoder": "retrieval: the frozen text encoder (Hub id, folder or built-in name)"}
EVENT_FIELDS = {"onset": "key of the start time (s)", "offset": "key of the end time (s)",
                "label": "key of the class (several joined by ',' or ';')"}
METRIC_ARG_FIELDS = {"time_resolution": "segment_f1: segment length in seconds", "average": "segment_f1: macro or micro",
                     "tokenize": "corpus_bleu: sacreBLEU tokeniser (default 13a; zh for Chinese)"}
_METRIC_ARGS_OF = {"segment_f1": ("time_resolution", "average"), "corpus_bleu": ("tokenize",)}


def _where(path: Path, field: str | None = None) -> str:
    return f"{path}: {field}" if field else str(path)


def _check_fields(obj: dict, allowed: dict[str, str], path: Path, section: str | None) -> None:
    for key in obj:
        if key in allowed:
            continue
        close = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        field = f"{section}.{key}" if section else str(key)
        raise TaskSpecError(f"unknown field {field!r}", where=path,
                            fix=f"{hint}allowed fields{' in ' + section if section else ''}: {', '.join(allowed)}")


def _section(spec: dict, key: str, allowed: dict[str, str], path: Path) -> dict:
    value = spec.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TaskSpecError(f"field {key!r} must be a mapping", where=path,
                            fix=f"write it as `{key}: {{{', '.join(f'{k}: ...' for k in list(allowed)[:2])}}}`")
    _check_fields(value, allowed, path, key)
    return value


def _spec_loader():
    """A SafeLoader with YAML 1.2 booleans (only true/false: ``labels: [yes, no, on, off]`` are strings, as the
    keyword words they usually are) that refuses a key given twice in one mapping (the later one would silently
    win)."""
    import re

    import yaml

    class SpecLoader(yaml.SafeLoader):
        pass

    SpecLoader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    SpecLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                     list("tTfF"))

    def mapping(loader, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice in one mapping (first at line {seen[key] + 1})",
                    key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    SpecLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    return SpecLoader


def _unique_keys(pairs: list) -> dict:
    out = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"key {k!r} appears twice in one object")
        out[k] = v
    return out


def read_spec_file(path: str | os.PathLike) -> dict[str, Any]:
    """Parse a YAML or JSON spec file into a dict (TaskSpecError on syntax errors, with the line)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise TaskSpecError("task spec file does not exist", where=path,
                            fix="pass the path of a .yaml/.yml/.json task spec (see docs/custom_tasks.md)")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise TaskSpecError(f"cannot read the spec ({e})", where=path, fix="save it as UTF-8 text") from None
    try:
        if path.suffix.lower() == ".json":
            spec = json.loads(text, object_pairs_hook=_unique_keys)
        else:
            spec = yaml.load(text, Loader=_spec_loader())  # noqa: S506 - a SafeLoader subclass
    except json.JSONDecodeError as e:
        raise TaskSpecError(f"invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}", where=path,
                            fix="fix the syntax (or write the spec in YAML)") from None
    except ValueError as e:  # a key given twice
        raise TaskSpecError(f"invalid JSON: {e}", where=path, fix="keep one of the two (the later one would win)") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e)
        fix = ("keep one of the two (the later one would silently win)" if "appears twice" in problem else
               "fix the syntax; indent nested fields with spaces")
        raise TaskSpecError(f"invalid YAML{at}: {problem}", where=path, fix=fix) from None
    if not isinstance(spec, dict):
        raise TaskSpecError("a task spec must be a mapping of fields", where=path,
                            fix="start from the example in docs/custom_tasks.md")
    return spec


def _require(spec: dict, key: str, path: Path, section: str | None = None, allowed: dict | None = None) -> Any:
    value = spec.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        field = f"{section}.{key}" if section else key
        desc = (allowed or TOP_FIELDS).get(key, "")
        raise TaskSpecError(f"missing required field {field!r}", where=path, fix=f"add `{field}`: {desc}")
    return value


def _choice(value: Any, options: tuple[str, ...], field: str, path: Path) -> str:
    if value not in options:
        close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise TaskSpecError(f"{field} {value!r} is not supported", where=path,
                            fix=f"{hint}use one of: {', '.join(options)}")
    return value


def _split_paths(data: dict, path: Path) -> tuple[dict[str, str], tuple[str, str, str] | None, tuple[str, ...] | None]:
    """(split -> path pattern, splits, folds) from the data section."""
    has_splits = any(data.get(k) is not None for k in SPLIT_KEYS)
    folds = data.get("folds")
    if folds is not None and has_splits:
        raise TaskSpecError("give either data.train/valid/test or data.folds, not both", where=path,
                            fix="remove one of them")
    if folds is not None:
        if isinstance(folds, list):
            folds = {f"fold{i}": p for i, p in enumerate(folds, 1)}
        if not isinstance(folds, dict) or len(folds) < 2:
            raise TaskSpecError("data.folds must list at least 2 folds", where=path,
                                fix="write `folds: {fold1: a/*.tar, fold2: b/*.tar}` or `folds: [a/*.tar, b/*.tar]`")
        out = {}
        for name, pattern in folds.items():
            if not isinstance(pattern, str) or not pattern.strip():
                raise TaskSpecError(f"data.folds.{name} must be a path or glob", where=path,
                                    fix="give a file, folder or glob for every fold")
            out[str(name)] = pattern
        return out, None, tuple(out)
    if not has_splits:
        raise TaskSpecError("data has no splits", where=path,
                            fix="add data.train, data.valid and data.test (paths or globs), or data.folds")
    for key in SPLIT_KEYS:
        value = data.get(key)
        if value is None:
            fix = {"train": "add `data.train`: the training data",
                   "valid": "add `data.valid`: a validation split used to pick the best epoch; to select on the "
                            "test data as X-ARES does for some tasks, set it to the same path as `test`",
                   "test": "add `data.test`: the test data"}[key]
            raise TaskSpecError(f"missing required field 'data.{key}'", where=path, fix=fix)
        if not isinstance(value, str) or not value.strip():
            raise TaskSpecError(f"data.{key} must be a path or glob", where=path, fix="give a file, folder or glob")
    if data["train"] == data["test"]:
        raise TaskSpecError("data.train and data.test are the same path", where=path,
                            fix="point them at different data")
    if data["valid"] == data["test"]:  # X-ARES style: the best epoch is selected on the test split
        return {"train": data["train"], "test": data["test"]}, ("train", "test", "test"), None
    return {k: data[k] for k in SPLIT_KEYS}, ("train", "valid", "test"), None


def _sorted_labels(values: set[str]) -> tuple[str, ...]:
    if values and all(v.lstrip("-").isdigit() for v in values):
        return tuple(sorted(values, key=int))
    return tuple(sorted(values))


def _infer_labels(task_type: str, splits: dict, aliases: dict[str, str], events: EventFields) -> tuple[str, ...]:
    from hf_bench.data.targets import label_text, split_multilabel

    found: set[str] = set()
    for split in splits.values():
        for value in split.labels:
            if task_type == "frame_multilabel":
                items = [x for ev in (value if isinstance(value, list) else []) if isinstance(ev, dict)
                         for x in (split_multilabel(ev.get(events.label)) or [])]
            else:
                items = split_multilabel(value) if task_type == "clip_multilabel" else [value]
            for item in items or []:
                text = label_text(item)
                if text is not None:
                    found.add(aliases.get(text, text))
    return _sorted_labels(found)


def _validation_error(e: ValidationError, path: Path) -> TaskSpecError:
    rename = {"source": "data", "split_paths": "data", "labels": "labels"}
    lines = []
    for err in e.errors()[:5]:
        loc = ".".join(rename.get(str(p), str(p)) for p in err.get("loc", ()) if str(p) != "local")
        msg = err.get("msg", "").removeprefix("Value error, ")
        lines.append(f"{loc}: {msg}" if loc else msg)
    return TaskSpecError("invalid task spec: " + "; ".join(lines), where=path,
                         fix="fix the field(s) named above (see docs/custom_tasks.md for the format)")


def check_spec_fields(spec: dict, path: str | os.PathLike) -> None:
    """Check a parsed spec's structure without touching data: field names, required fields and choices."""
    path = Path(path)
    _check_fields(spec, TOP_FIELDS, path, None)
    data = _section(spec, "data", DATA_FIELDS, path)
    _section(spec, "crop", CROP_FIELDS, path)
    _section(spec, "probe", PROBE_FIELDS, path)
    _section(spec, "events", EVENT_FIELDS, path)
    margs = _section(spec, "metric_args", METRIC_ARG_FIELDS, path)
    _require(spec, "name", path)
    task_type = _choice(_require(spec, "type", path), TASK_TYPES, "type", path)
    _choice(_require(spec, "domain", path), DOMAINS, "domain", path)
    _require(spec, "data", path)
    _choice(_require(data, "format", path, "data", DATA_FIELDS), FORMATS, "data.format", path)
    adapter = TYPES[task_type]
    all_metrics = tuple(dict.fromkeys(m for a in TYPES.values() for m in a.metrics))
    metric = _choice(spec.get("metric") or adapter.default_metric[0], all_metrics, "metric", path)
    if metric not in adapter.metrics:
        raise TaskSpecError(f"metric {metric!r} does not apply to type {task_type!r}", where=path,
                            fix=f"use metric: {adapter.default_metric[0]} (or remove `metric` to get the default)")
    if spec.get("events") is not None and task_type != "frame_multilabel":
        raise TaskSpecError("`events` only applies to type frame_multilabel", where=path, fix="remove `events`")
    wrong = [k for k in margs if k not in _METRIC_ARGS_OF.get(metric, ())]
    if wrong:
        raise TaskSpecError(f"metric_args.{wrong[0]} does not apply to {metric}", where=path,
                            fix="remove it (metric_args: segment_f1 takes time_resolution / average, corpus_bleu "
                                "takes tokenize)")
    if "tokenize" in margs:
        from hf_bench.metrics.text import BLEU_TOKENIZERS

        _choice(margs["tokenize"], BLEU_TOKENIZERS, "metric_args.tokenize", path)
    if "average" in margs:
        _choice(margs["average"], ("macro", "micro"), "metric_args.average", path)
    if "time_resolution" in margs and not (isinstance(margs["time_resolution"], (int, float))
                                           and margs["time_resolution"] > 0):
        raise TaskSpecError("metric_args.time_resolution must be a positive number of seconds", where=path,
                            fix="write e.g. `metric_args: {time_resolution: 1.0}`")
    _split_paths(data, path)


EXTENDS_FIELDS = {"extends": "a built-in task whose corpus you hold (e.g. etape)",
                  "data": "{root: the folder of your copy of the corpus, relative to the spec file}"}


def _extend_builtin(spec: dict, path: Path) -> TaskMetadata:
    """A built-in corpus task (LeBenchmark's licensed corpora) read from the user's own copy: the same task,
    version and scores, only ``source.root`` set."""
    from hf_bench.data.local import resolve_split_path
    from hf_bench.tasks.registry import get_task

    _check_fields(spec, EXTENDS_FIELDS, path, None)
    data = _section(spec, "data", {"root": EXTENDS_FIELDS["data"]}, path)
    base = get_task(str(spec["extends"]))
    if base.source.kind != "corpus":
        raise TaskSpecError(f"`extends: {spec['extends']}` names a task whose data is {base.source.kind}, not a "
                            "corpus you hold", where=path, fix="only corpus tasks (hf-bench tasks --suite "
                                                              "lebenchmark) can be pointed at a local copy")
    root = Path(resolve_split_path(path.parent, str(_require(data, "root", path, "data", EXTENDS_FIELDS))))
    if not root.is_dir():
        raise TaskSpecError(f"data.root is not a folder ({root})", where=path,
                            fix=f"point data.root at your copy of {base.display_name}")
    return base.model_copy(update={"source": base.source.model_copy(update={"root": str(root)})})


def load_task_spec(path: str | os.PathLike, *, progress: bool = False) -> TaskMetadata:
    """Validate a YAML/JSON task spec, index its data, and return the task (benchmark ``custom``); a spec with
    ``extends: <built-in corpus task>`` returns that task reading the corpus from ``data.root``."""
    from hf_bench.data import check_splits
    from hf_bench.data.local import load_local_split, resolve_split_path, split_files
    from hf_bench.data.targets import encode_targets, label_text

    path = Path(path).expanduser().resolve()
    spec = read_spec_file(path)
    if "extends" in spec:
        return _extend_builtin(spec, path)
    check_spec_fields(spec, path)
    data = spec["data"]
    crop_spec, probe_spec = spec.get("crop") or {}, spec.get("probe") or {}
    name, task_type, domain, fmt = spec["name"], spec["type"], spec["domain"], data["format"]
    adapter = TYPES[task_type]
    metric = spec.get("metric") or adapter.default_metric[0]
    main_score = adapter.metrics[metric]
    metric_args = ({**adapter.default_metric_args, **(spec.get("metric_args") or {})} if metric == "segment_f1" else
                   dict(spec.get("metric_args") or {}))
    try:
        events = EventFields(**spec["events"]) if spec.get("events") else (
            EventFields() if task_type == "frame_multilabel" else None)
    except ValidationError as e:
        raise _validation_error(e, path) from None

    root = Path(resolve_split_path(path.parent, str(data.get("root") or ".")))
    if not root.is_dir():
        raise TaskSpecError(f"data.root {str(data.get('root'))!r} is not a folder ({root})", where=path,
                            fix="point data.root at the folder holding the data (relative to the spec file)")
    patterns, splits, folds = _split_paths(data, path)
    label_key = str(data.get("label_key") or "label")
    try:
        source = LocalSource(format=fmt, root=str(root), audio_key=str(data.get("audio_key") or "audio"),
                             split_paths={k: resolve_split_path(root, v) for k, v in patterns.items()})
    except ValidationError as e:
        raise _validation_error(e, path) from None
    for split, pattern in patterns.items():
        try:
            split_files(source, split)
        except DataError as e:
            field = f"data.folds.{split}" if folds else f"data.{split}"
            raise TaskSpecError(f"{field} {pattern!r} matches nothing ({e.problem})", where=path,
                                fix="check the path or glob; relative paths are relative to "
                                    f"{root}") from None

    if "crop" in spec and "max_duration_s" in spec:
        raise TaskSpecError("give either crop or max_duration_s, not both", where=path, fix="remove one of them")
    try:
        crop = (Crop(mode="truncate", length_s=spec["max_duration_s"]) if spec.get("max_duration_s") is not None
                else Crop(**crop_spec))
        probe = ProbeOverrides(**probe_spec)
    except ValidationError as e:
        raise _validation_error(e, path) from None

    # index the data once: every path must resolve and every item must have a usable label
    loaded = {}
    for split in patterns:
        stub = _Stub(source=source, label_key=label_key)
        loaded[split] = load_local_split(stub, split, progress=progress)

    aliases = spec.get("label_aliases") or {}
    if not isinstance(aliases, dict):
        raise TaskSpecError("label_aliases must be a mapping raw value -> class name", where=path,
                            fix="write `label_aliases: {M: male, F: female}`")
    aliases = {str(label_text(k) or k): str(v) for k, v in aliases.items()}
    labels = spec.get("labels")
    if labels is not None:
        if not isinstance(labels, list) or any(label_text(x) is None for x in labels):
            raise TaskSpecError("labels must be a list of class names", where=path,
                                fix="write `labels: [crow, robin, wren]` (or remove it to infer them from the data)")
        labels = tuple(label_text(x) for x in labels)
    elif task_type in ("clip_classification", "clip_multilabel", "frame_multilabel"):
        labels = _infer_labels(task_type, loaded, aliases, events or EventFields())

    if folds:
        sizes = [len(loaded[f]) for f in folds]
        default_weight = min(MAX_EVAL_WEIGHT, int(sum(sizes) / len(sizes)))
    else:
        default_weight = min(MAX_EVAL_WEIGHT, len(loaded["test"]))

    fields = {
        "name": name,
        "version": spec.get("version", 1),
        "display_name": spec.get("display_name") or name,
        "description": spec.get("description") or f"Custom task defined in {path.name} ({fmt} data).",
        "benchmark": "custom",
        "domain": domain,
        "type": task_type,
        "languages": _languages(spec.get("languages"), path),
        "labels": labels,
        "label_key": label_key,
        "label_aliases": aliases,
        "target_range": spec.get("target_range"),
        "metric": metric,
        "main_score": main_score,
        "metric_args": metric_args,
        "events": events,
        "text_normalization": spec.get("text_normalization", "lower"),
        "caption_keys": tuple(spec["caption_keys"]) if isinstance(spec.get("caption_keys"), list) else
        spec.get("caption_keys"),
        "eval_weight": spec.get("eval_weight", default_weight),
        "source": source,
        "splits": splits,
        "folds": folds,
        "sizes": {k: len(v) for k, v in loaded.items()},
        "sample_rate": spec.get("sample_rate"),
        "downmix": spec.get("downmix", False),
        "crop": crop,
        "chance_level": spec.get("chance_level"),
        "allow_shared_audio": bool(spec.get("allow_shared_audio", False)),
        "do_knn": spec.get("do_knn", task_type in ("clip_classification", "clip_multilabel", "clip_regression")),
        "probe": probe,
        "probes": tuple(spec["probes"]) if isinstance(spec.get("probes"), list) else spec.get("probes"),
        "license": spec.get("license") or DEFAULT_LICENSE,
        "citation": spec.get("citation") or "",
        "homepage": spec.get("homepage") or "",
        "changelog": tuple(spec.get("changelog") or ()),
    }
    if labels is not None and len(labels) < 2 and "regression" not in task_type:
        raise TaskSpecError(f"the data has {len(labels)} class(es) {list(labels)}; a {task_type} task needs at "
                            "least 2", where=path,
                            fix=("check `data.label_key` (the event list of each clip) and `events` (the keys of "
                                 "one event, default onset/offset/label), or list the classes in `labels`")
                            if task_type == "frame_multilabel" else
                            "check `data.label_key` points at the label (and, for audiofolder, that clips sit "
                            "in one folder per class), or list the classes in `labels`")
    try:
        task = TaskMetadata(**fields)
    except ValidationError as e:
        raise _validation_error(e, path) from None
    for split in task.split_names:
        encode_targets(task, loaded[split])  # DataError naming the clip, the value and the allowed classes
    check_splits(task, loaded)
    return task


class _Stub:
    """The two task fields the local readers need, before the full TaskMetadata can be built."""

    def __init__(self, source: LocalSource, label_key: str):
        self.source, self.label_key = source, label_key


__all__ = ["load_task_spec", "read_spec_file", "check_spec_fields", "TASK_TYPES"]
