"""A ZeroSpeech submission directory: ``params.yaml``, ``meta.yaml``, score files and semantic features.

``init_submission`` creates the complete layout; ``load_params`` / ``check_meta`` read and check the two YAML
files; ``read_score_file`` parses a ``<id> <score>`` file line by line (so that every problem can be named with its
line); ``load_feature`` reads one semantic feature file without ever unpickling.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hf_bench.errors import HFBenchError
from hf_bench.utils.io import atomic_write_text, ensure_dir
from hf_bench.zerospeech.constants import (
    LEXICAL_RESULT_FILES,
    META_BENCHMARK_NAMES,
    META_FILE,
    PARAMS_FILE,
    PROSAUDIT,
    PROSODY_RESULT_PATTERN,
    SCORE_FILES,
    SCORES_DIR,
    SEMANTIC_METRICS,
    SEMANTIC_POOLINGS,
    SEMANTIC_RESULT_FILES,
    SEMANTIC_TYPES,
    SETS,
    SLM21,
    SYNTACTIC_RESULT_FILES,
    check_benchmark,
)
from hf_bench.zerospeech.report import ValidationReport, examples

# ------------------------------------------------------------------------------------------------------------------
# params.yaml
# ------------------------------------------------------------------------------------------------------------------

Metric = Literal[SEMANTIC_METRICS]  # type: ignore[valid-type]
Pooling = Literal[SEMANTIC_POOLINGS]  # type: ignore[valid-type]


def _copy(d: dict) -> dict:
    return {k: dict(v) for k, v in d.items()}


def _check_result_filenames(value: dict[str, dict[str, str]], defaults: dict) -> dict[str, dict[str, str]]:
    merged = _copy(defaults)
    for set_, names in value.items():
        if set_ not in merged:
            raise ValueError(f"unknown set {set_!r} (use {', '.join(SETS)})")
        for key, name in names.items():
            if key not in merged[set_]:
                raise ValueError(f"unknown output {set_}.{key} (use {', '.join(merged[set_])})")
            if not name or "/" in name or "\\" in name or name in (".", ".."):
                raise ValueError(f"{set_}.{key} must be a plain file name, got {name!r}")
            merged[set_][key] = name
    return merged


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LexicalParams(_Params):
    by_pair: bool = True
    by_length: bool = True
    by_frequency: bool = True
    result_filenames: dict[str, dict[str, str]] = Field(default_factory=lambda: _copy(LEXICAL_RESULT_FILES))

    @field_validator("result_filenames")
    @classmethod
    def _names(cls, v):
        return _check_result_filenames(v, LEXICAL_RESULT_FILES)


class SyntacticParams(_Params):
    # the original also uses this hidden field as the semantic feature extension; we keep that behaviour
    score_files_type: Literal[".npy", ".txt"] = ".npy"
    result_filenames: dict[str, dict[str, str]] = Field(default_factory=lambda: _copy(SYNTACTIC_RESULT_FILES))

    @field_validator("result_filenames")
    @classmethod
    def _names(cls, v):
        return _check_result_filenames(v, SYNTACTIC_RESULT_FILES)


class SemanticParams(_Params):
    metric: Metric = "euclidean"
    pooling: Pooling = "mean"
    synthetic: bool = True
    librispeech: bool = True
    correlations: bool = True
    n_jobs: int = 1
    result_filenames: dict[str, dict[str, str]] = Field(default_factory=lambda: _copy(SEMANTIC_RESULT_FILES))

    @field_validator("result_filenames")
    @classmethod
    def _names(cls, v):
        return _check_result_filenames(v, SEMANTIC_RESULT_FILES)

    @field_validator("n_jobs")
    @classmethod
    def _jobs(cls, v):
        if v == 0 or v < -1:
            raise ValueError("n_jobs must be a positive number of workers, or -1 for one per CPU core")
        return v

    def types(self) -> tuple[str, ...]:
        return tuple(t for t in SEMANTIC_TYPES if getattr(self, t))


class SLM21Params(_Params):
    quiet: bool = False
    lexical: LexicalParams = Field(default_factory=LexicalParams)
    syntactic: SyntacticParams = Field(default_factory=SyntacticParams)
    semantic: SemanticParams = Field(default_factory=SemanticParams)

    def exported(self) -> dict:
        """What ``zrc submission:init`` writes (the hidden fields stay out, as in the original)."""
        s = self.semantic
        return {"quiet": self.quiet, "semantic": {"librispeech": s.librispeech, "metric": s.metric,
                                                  "n_jobs": s.n_jobs, "pooling": s.pooling,
                                                  "synthetic": s.synthetic}}


class ProsAuditParams(_Params):
    quiet: bool = False
    results_filename: str = PROSODY_RESULT_PATTERN

    @field_validator("results_filename")
    @classmethod
    def _pattern(cls, v):
        if "/" in v or "\\" in v:
            raise ValueError(f"must be a plain file name pattern, got {v!r}")
        try:
            name = v.format("english", "dev", "by_pair")
        except (IndexError, KeyError, ValueError) as e:
            raise ValueError(f"must be a pattern with {{0}} {{1}} {{2}} (task, set, table), got {v!r} ({e})") from None
        if name == v.format("english", "dev", "by_type"):
            raise ValueError(f"must contain {{2}} (by_pair / by_type), got {v!r}")
        return v

    def exported(self) -> dict:
        return {"quiet": self.quiet, "results_filename": self.results_filename}


PARAMS_MODELS = {SLM21: SLM21Params, PROSAUDIT: ProsAuditParams}


def default_params(benchmark: str) -> SLM21Params | ProsAuditParams:
    return PARAMS_MODELS[check_benchmark(benchmark)]()


def params_yaml(params: SLM21Params | ProsAuditParams) -> str:
    import yaml

    flow = None if isinstance(params, SLM21Params) else False
    return yaml.safe_dump(params.exported(), default_flow_style=flow, sort_keys=True)


def _deep_merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def params_summary(params: SLM21Params | ProsAuditParams) -> dict:
    """params.yaml as loaded: the exported fields with their effective values, plus any hidden field that was set."""
    return _deep_merge(params.exported(), params.model_dump(mode="json", exclude_unset=True))


def load_params(benchmark: str, submission: str | os.PathLike,
                report: ValidationReport | None = None) -> SLM21Params | ProsAuditParams:
    """Read ``params.yaml`` (defaults when absent). Problems go to ``report``; without one they raise."""
    import yaml

    benchmark = check_benchmark(benchmark)
    path = Path(submission) / PARAMS_FILE
    model = PARAMS_MODELS[benchmark]
    report_ = report if report is not None else ValidationReport(str(submission), benchmark)
    if not path.is_file():
        report_.warning("params_missing", PARAMS_FILE, "params.yaml not found; the original defaults are used",
                        fix=f"run `hf-bench zerospeech init {benchmark}` to get one, or write it by hand")
        return model()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        report_.error("params_invalid", PARAMS_FILE, f"not valid YAML ({e})", fix="fix the syntax (see docs/zerospeech.md)")
        raw = None
    else:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            report_.error("params_invalid", PARAMS_FILE, "must be a mapping of fields (quiet, semantic: ...)",
                          fix=f"restore it with `hf-bench zerospeech init {benchmark} NEWDIR` and copy params.yaml")
            raw = None
    params = model()
    if raw is not None:
        try:
            params = model.model_validate(raw)
        except ValidationError as e:
            for err in e.errors():
                loc = ".".join(str(p) for p in err["loc"])
                problem, fix = _params_error(benchmark, loc, err)
                report_.error("params_invalid", f"{PARAMS_FILE}: {loc}", problem, fix=fix)
    if report is None and report_.errors:
        raise HFBenchError(report_.render(include_warnings=False), where=path,
                           fix="correct params.yaml as shown above")
    return params


def _params_error(benchmark: str, loc: str, err: dict) -> tuple[str, str]:
    value = err.get("input")
    if loc == "semantic.pooling" and value in ("off", False):  # YAML reads a bare off as false
        return ("pooling 'off' is accepted by the original toolkit but cannot be scored (the distance needs one "
                "vector per token)", f"use one of: {', '.join(SEMANTIC_POOLINGS)}")
    if loc == "semantic.metric":
        return f"unknown metric {value!r}", f"use one of the scipy cdist metrics: {', '.join(SEMANTIC_METRICS)}"
    if loc == "semantic.pooling":
        return f"unknown pooling {value!r}", f"use one of: {', '.join(SEMANTIC_POOLINGS)}"
    if err["type"] == "extra_forbidden":
        fields = ", ".join(PARAMS_MODELS[benchmark]().exported())
        return (f"unknown field {loc!r}", f"remove it or fix the spelling (fields: {fields}; semantic: metric, "
                                          "pooling, synthetic, librispeech, n_jobs, correlations)")
    return f"{err['msg']} (got {value!r})", "see docs/zerospeech.md for the allowed values"


# ------------------------------------------------------------------------------------------------------------------
# meta.yaml
# ------------------------------------------------------------------------------------------------------------------

_TEMPLATE_RE = re.compile(r"<.*>", re.S)
_FLAT_FIELDS = {"model_id", "gpu_budget", "system_description", "train_set", "author_label", "authors",
                "paper_title", "paper_url", "publication_year", "institution", "team"}
_META_FIELDS = {
    "": {"username", "submission_id", "benchmark_name", "model_info", "publication", "open_source", "code_url"},
    "model_info": {"model_id", "system_description", "train_set", "gpu_budget"},
    "publication": {"author_label", "authors", "paper_title", "paper_url", "publication_year", "bib_reference", "DOI",
                    "institution", "team"},
}


def meta_template(benchmark: str) -> str:
    """A ``meta.yaml`` to fill in; every ``<...>`` value must be replaced (validation reports those left)."""
    benchmark = check_benchmark(benchmark)
    year = datetime.now(timezone.utc).year
    return f"""\
# Fill in every <...> value, optional ones included, or delete the optional lines you do not use:
# `hf-bench zerospeech validate` reports every <...> left. model_info.model_id may be added to link several submissions of one system.
benchmark_name: {benchmark}
code_url: "<optional: URL of the code used to build this system>"
model_info:
  gpu_budget: "<optional: GPU hours used to train the system>"
  system_description: "<required: a short description of the system>"
  train_set: "<required: the data set(s) used to train the system>"
open_source: true
publication:
  author_label: "<required: a short label for tables, e.g. Doe et al.>"
  authors: "<required: the full names of the authors>"
  institution: "<required: university, company, ...>"
  paper_title: "<optional: title of the paper describing the system>"
  paper_url: "<optional: URL of the paper (arxiv.org or other)>"
  publication_year: {year}
  team: "<optional: name of the team>"
username: "<required: your user name on zerospeech.com>"
"""


def load_meta(submission: str | os.PathLike) -> dict | None:
    """``meta.yaml`` as a mapping, or None when absent or unreadable (``check_meta`` says why)."""
    import yaml

    path = Path(submission) / META_FILE
    try:
        obj = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return obj if isinstance(obj, dict) else None


def check_meta(benchmark: str, submission: str | os.PathLike, report: ValidationReport) -> None:
    """The original ``MetaFile.is_valid`` rules plus a check that ``benchmark_name`` matches the benchmark."""
    import yaml

    benchmark = check_benchmark(benchmark)
    path = Path(submission) / META_FILE
    fix_init = f"create one with `hf-bench zerospeech init {benchmark} NEWDIR` and copy its meta.yaml"
    if not path.is_file():
        report.error("meta_missing", META_FILE, "meta.yaml not found", fix=fix_init)
        return
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        report.error("meta_invalid", META_FILE, f"not valid YAML ({e})", fix="fix the YAML syntax")
        return
    if not isinstance(meta, dict):
        report.error("meta_invalid", META_FILE, "must be a mapping of fields", fix=fix_init)
        return

    flat = sorted(_FLAT_FIELDS & set(meta))
    if flat:
        report.error("meta_flat", META_FILE,
                     f"fields {', '.join(flat)} are at the top level (the flat example of the zerospeech.com page)",
                     fix="nest model_id, gpu_budget, system_description, train_set under model_info: and the "
                         "publication fields under publication: (see the template written by init)")

    def section(name: str) -> dict:
        value = meta.get(name)
        if value is None:
            report.error("meta_missing_field", META_FILE, f"{name}: missing", fix=f"add the {name}: section")
            return {}
        if not isinstance(value, dict):
            report.error("meta_invalid", META_FILE, f"{name}: must be a mapping", fix=f"indent the {name} fields")
            return {}
        return value

    model_info, publication = section("model_info"), section("publication")
    scopes = {"": meta, "model_info": model_info, "publication": publication}

    for scope, fields in _META_FIELDS.items():
        unknown = sorted(set(scopes[scope]) - fields - (_FLAT_FIELDS if scope == "" else set()))
        if unknown:
            label = f"{scope}." if scope else ""
            report.warning("meta_unknown_field", META_FILE, f"unknown field(s) {', '.join(label + u for u in unknown)}",
                           fix=f"remove them or fix the spelling ({', '.join(sorted(fields))})")

    def text(scope: str, name: str, level: str) -> None:
        key = f"{scope}.{name}" if scope else name
        value = scopes[scope].get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if level == "error":
                report.error("meta_missing_field", META_FILE, f"{key}: required, missing or empty",
                             fix=f"fill in {key}")
            elif level == "warning":
                report.warning("meta_missing_field", META_FILE, f"{key}: not set", fix=f"fill in {key} if you can")
            return
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            report.error("meta_invalid", META_FILE, f"{key}: must be text, got {type(value).__name__}",
                         fix=f"write {key} as a quoted string")

    text("", "username", "error")
    text("", "submission_id", "optional")
    text("", "code_url", "warning")
    text("model_info", "model_id", "optional")
    text("model_info", "system_description", "error")
    text("model_info", "train_set", "error")
    text("model_info", "gpu_budget", "warning")
    text("publication", "authors", "error")
    text("publication", "institution", "error")
    text("publication", "paper_title", "warning")
    text("publication", "paper_url", "warning")
    for name in ("author_label", "bib_reference", "DOI", "team"):
        text("publication", name, "optional")

    year = publication.get("publication_year")
    if publication and (not isinstance(year, int) or isinstance(year, bool)):
        report.error("meta_invalid", META_FILE, f"publication.publication_year: must be a whole year, got {year!r}",
                     fix="write the year as a number, e.g. publication_year: 2024")
    if not isinstance(meta.get("open_source"), bool):
        report.error("meta_invalid", META_FILE, f"open_source: must be true or false, got {meta.get('open_source')!r}",
                     fix="write open_source: true or open_source: false")

    name = meta.get("benchmark_name")
    allowed = META_BENCHMARK_NAMES + tuple(f"test-{b}" for b in META_BENCHMARK_NAMES)
    if name not in allowed:
        report.error("meta_invalid", META_FILE, f"benchmark_name: {name!r} is not a benchmark name",
                     fix=f"write benchmark_name: {benchmark}")
    elif name.removeprefix("test-") != benchmark:
        report.error("meta_wrong_benchmark", META_FILE, f"benchmark_name: {name!r} but this is a {benchmark} run",
                     fix=f"write benchmark_name: {benchmark}, or run the {name.removeprefix('test-')} benchmark")

    template = []
    for scope, mapping in scopes.items():
        for key, value in mapping.items():
            if isinstance(value, str) and _TEMPLATE_RE.search(value):
                template.append(f"{scope}.{key}" if scope else key)
    if template:
        report.error("meta_template", META_FILE,
                     f"{len(template)} field(s) still have the value from the template: {examples(sorted(template))}",
                     fix="replace each <...> value with real information, or delete the optional fields",
                     items=sorted(template))


# ------------------------------------------------------------------------------------------------------------------
# init
# ------------------------------------------------------------------------------------------------------------------

_HELP = {
    SLM21: """\
# sLM21 submission

- `lexical/dev.txt`, `lexical/test.txt`, `syntactic/dev.txt`, `syntactic/test.txt`: one line per wav of the
  dataset, `<file stem> <score>` separated by ONE space, any order. Higher score = more probable.
- `semantic/{dev,test}/{synthetic,librispeech}/<file stem>.npy`: one 2-D float64 array (frames x dim) per wav,
  the same dim everywhere (`hf-bench zerospeech features` writes them from any hf_bench encoder).
- `params.yaml`: semantic metric (any scipy cdist metric) and pooling (min, max, mean, sum, last, lastlast).
- `meta.yaml`: replace every `<...>` value.

Then: `hf-bench zerospeech validate sLM21 . --dataset DATASET` and `hf-bench zerospeech run sLM21 . --dataset DATASET`.
""",
    PROSAUDIT: """\
# ProsAudit submission

- `english_dev.txt`, `english_test.txt`: one line per wav of the dataset, `<file stem> <score>` separated by ONE
  space, any order. Higher score = more probable.
- `meta.yaml`: replace every `<...>` value.

Then: `hf-bench zerospeech validate prosAudit . --dataset DATASET` and
`hf-bench zerospeech run prosAudit . --dataset DATASET`.
""",
}


def init_submission(benchmark: str, directory: str | os.PathLike) -> list[Path]:
    """Create the complete submission layout (``semantic/test/*`` included), ``params.yaml`` and ``meta.yaml``.

    Refuses a directory that exists and is not empty, so that nothing of a user's is overwritten.
    Returns the created files and directories.
    """
    benchmark = check_benchmark(benchmark)
    root = Path(directory).expanduser()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise HFBenchError("already exists and is not an empty directory", where=root,
                           fix="choose a new directory; init never overwrites a submission")
    created: list[Path] = [ensure_dir(root)]
    if benchmark == SLM21:
        dirs = ["lexical", "syntactic"] + [f"semantic/{s}/{t}" for s in SETS for t in SEMANTIC_TYPES]
    else:
        dirs = []
    for d in dirs + [SCORES_DIR]:
        created.append(ensure_dir(root / d))
    if benchmark == PROSAUDIT:  # the original creates these two empty files
        for set_ in SETS:
            f = root / SCORE_FILES[("english", set_)]
            atomic_write_text(f, "")
            created.append(f)
    for name, text in ((PARAMS_FILE, params_yaml(default_params(benchmark))), (META_FILE, meta_template(benchmark)),
                       ("help.md", _HELP[benchmark])):
        atomic_write_text(root / name, text)
        created.append(root / name)
    return created


# ------------------------------------------------------------------------------------------------------------------
# score files
# ------------------------------------------------------------------------------------------------------------------

@dataclass
class ScoreFile:
    """Parsed ``<id> <score>`` lines: ``scores`` keeps the first line of a duplicated id; unparsable lines are out."""

    path: Path
    scores: dict[str, float]
    lines: int
    duplicates: dict[str, list[int]]
    seen_ids: set[str] = field(default_factory=set)  # first token of every non-blank line, parsable or not


def read_score_file(path: str | os.PathLike, report: ValidationReport | None = None,
                    where: str | None = None) -> ScoreFile:
    """Parse a score file line by line; every malformed line goes to ``report`` with its number.

    Rules (those of the original, which parses with ``sep=' '``, plus the checks it lacks): one id and one score
    separated by a single space; no tab; the score parses as a float and is not NaN; an id appears once. Blank lines
    are ignored. Raises ``HFBenchError`` when the file is absent or not UTF-8 text and no report is given.
    """
    path = Path(path)
    where = where or str(path)
    rep = report if report is not None else ValidationReport(str(path.parent), "")
    if not path.is_file():
        rep.error("file_missing", where, "file not found",
                  fix="write one '<id> <score>' line per wav of the dataset set (see help.md)")
        if report is None:
            raise HFBenchError("score file not found", where=path,
                               fix="write one '<id> <score>' line per wav of the dataset set")
        return ScoreFile(path, {}, 0, {})
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        rep.error("not_text", where, f"not UTF-8 text ({e.reason} at byte {e.start})",
                  fix="write the file as plain UTF-8 text, '<id> <score>' per line")
        if report is None:
            raise HFBenchError("not UTF-8 text", where=path, fix="write plain '<id> <score>' lines") from None
        return ScoreFile(path, {}, 0, {})

    scores: dict[str, float] = {}
    first_line: dict[str, int] = {}
    dups: dict[str, list[int]] = {}
    seen: set[str] = set()
    tabs, shape, nonfloat, nans, infs = [], [], [], [], []
    n = 0
    for n, raw in enumerate(text.split("\n"), start=1):
        line = raw[:-1] if raw.endswith("\r") else raw
        if not line.strip():
            continue
        seen.add(line.split()[0])
        if "\t" in line:
            tabs.append(n)
            continue
        parts = line.split(" ")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            shape.append(f"line {n} ({line[:40]!r})")
            continue
        ident, value = parts
        try:
            score = float(value)
        except ValueError:
            nonfloat.append(f"line {n} ({ident}: {value[:20]!r})")
            continue
        if math.isnan(score):
            nans.append(f"line {n} ({ident})")
        elif math.isinf(score):
            infs.append(f"line {n} ({ident})")
        if ident in first_line:
            dups.setdefault(ident, [first_line[ident]]).append(n)
            continue
        first_line[ident] = n
        scores[ident] = score
    if text.endswith("\n"):
        n -= 1

    if tabs:
        rep.error("tab_separated", where, f"{len(tabs)} line(s) separate id and score with a TAB: "
                  f"{examples(f'line {i}' for i in tabs)}", fix="use exactly one space between id and score",
                  items=tabs)
    if shape:
        rep.error("bad_line", where, f"{len(shape)} line(s) are not '<id> <score>' with one single space: "
                  f"{examples(shape)}", fix="write exactly '<id> <score>' per line: one space, no extra spaces",
                  items=shape)
    if nonfloat:
        rep.error("not_a_number", where, f"{len(nonfloat)} score(s) are not numbers: {examples(nonfloat)}",
                  fix="write each score as a decimal number, e.g. -313.374", items=nonfloat)
    if nans:
        rep.error("nan_score", where, f"{len(nans)} score(s) are NaN: {examples(nans)}",
                  fix="give every item a finite score (a NaN pair would silently count as lost)", items=nans)
    if infs:
        rep.warning("inf_score", where, f"{len(infs)} score(s) are infinite: {examples(infs)}",
                    fix="two equal infinite scores count as a tie (0.5); use finite log-probabilities if you can",
                    items=infs)
    if dups:
        desc = [f"{i} (lines {', '.join(map(str, ls))})" for i, ls in dups.items()]
        rep.error("duplicate_ids", where, f"{len(dups)} id(s) appear on more than one line: {examples(desc)}",
                  fix="keep exactly one line per id", items=list(dups))
    return ScoreFile(path, scores, n, dups, seen)


def write_score_file(path: str | os.PathLike, scores: dict[str, float]) -> None:
    """Write ``<id> <score>`` lines (full float precision) atomically."""
    atomic_write_text(path, "".join(f"{k} {float(v)!r}\n" for k, v in scores.items()))


# ------------------------------------------------------------------------------------------------------------------
# semantic features
# ------------------------------------------------------------------------------------------------------------------

def feature_dir(submission: str | os.PathLike, set_: str, kind: str) -> Path:
    return Path(submission) / "semantic" / set_ / kind


def load_feature(path: str | os.PathLike, ext: str = ".npy"):
    """One feature file as a numpy array (``.npy`` never unpickled; ``.txt`` via ``numpy.loadtxt``).

    Raises ``HFBenchError`` naming the file when it is not a plain numeric array.
    """
    import numpy as np

    path = Path(path)
    if ext == ".txt":
        try:
            return np.loadtxt(path, dtype=np.float64, ndmin=2)
        except (OSError, ValueError) as e:
            raise HFBenchError(f"not a numeric text matrix ({e})", where=path,
                               fix="write one frame per line, values separated by spaces") from None
    try:
        with open(path, "rb") as f:
            magic = f.read(6)
            f.seek(0)
            if magic != b"\x93NUMPY":  # np.load would try to unpickle it and blame pickling
                kind = "an .npz archive" if magic.startswith(b"PK") else "not .npy data"
                raise HFBenchError(f"does not contain a numpy array ({kind})", where=path,
                                   fix="save one array per file with numpy.save(path, array)")
            return np.load(f, allow_pickle=False)
    except HFBenchError:
        raise
    except ValueError as e:
        raise HFBenchError(f"not a plain numeric .npy array ({e})", where=path,
                           fix="save with numpy.save(path, array.astype(numpy.float64)); never pickle") from None
    except (OSError, EOFError) as e:
        raise HFBenchError(f"does not contain a numpy array ({e})", where=path,
                           fix="re-create the file with numpy.save(path, array)") from None


def feature_problems(array, pooling: str = "mean") -> list[tuple[str, str, str]]:
    """Contract violations of one feature array as (code, problem, fix); empty when it is usable."""
    import numpy as np

    out = []
    if array.dtype.kind != "f" or array.dtype.itemsize != 8:
        out.append(("npy_dtype", f"array is {array.dtype}, must be float64",
                    "save array.astype(numpy.float64)"))
    if array.ndim != 2:
        out.append(("npy_rank", f"array has {array.ndim} dimension(s) {tuple(array.shape)}, must be 2 "
                                "(frames x dim)", "save a 2-D array, one row per frame (reshape(1, -1) for one vector)"))
        return out
    need = 2 if pooling == "lastlast" else 1
    if array.shape[0] < need:
        out.append(("npy_frames", f"array has {array.shape[0]} frame(s); pooling {pooling!r} needs at least {need}",
                    "give every file at least one frame (two for lastlast)"))
    if array.shape[1] < 1:
        out.append(("npy_frames", "array has feature dimension 0", "save frames x dim with dim >= 1"))
    if array.dtype.kind in "fc" and array.size and not np.isfinite(array).all():
        out.append(("npy_nonfinite", "array contains NaN or Inf", "replace non-finite values (check the encoder)"))
    return out
