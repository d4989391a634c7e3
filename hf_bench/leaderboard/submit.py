"""Submissions: validate an uploaded result JSON (or a zip of them) and queue it for review.

Nothing uploaded is executed, unpickled or extracted to disk: JSON is parsed from bytes (NaN/Infinity rejected)
and validated against the results schema; zip members are read in memory with hard size limits that do not trust
the sizes the archive declares. Accepted entries go to a pending queue (JSONL, rewritten atomically), never
straight onto the board.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any

from hf_bench.errors import HFBenchError
from hf_bench.utils.io import atomic_write_text, file_lock

MAX_JSON_BYTES = 5 * 1024 * 1024
MAX_ZIP_BYTES = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_JSON_TOTAL = 50 * 1024 * 1024
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
DEFAULT_QUEUE = "pending/submissions.jsonl"

_QUEUE_LOCK = threading.Lock()


class SubmissionError(HFBenchError):
    """An upload that cannot be queued; ``problems`` lists every ``(where, message)`` found."""

    def __init__(self, problems: list[tuple[str, str]], *, fix: str | None = None):
        self.problems = problems
        lines = "\n".join(f"  - {w}: {m}" for w, m in problems)
        super().__init__(f"the upload was rejected ({len(problems)} problem{'s' if len(problems) != 1 else ''}):\n{lines}",
                         fix=fix or "fix the listed fields (files written by `hf-bench run` pass as they are) and upload again")


@dataclass
class Submission:
    kind: str                      # 'hf_bench.task_result' | 'hf_bench.zerospeech_scores'
    name: str                      # file name, or archive.zip:member
    sha256: str                    # of the canonical JSON (whitespace and key order do not matter)
    payload: dict[str, Any]
    summary: dict[str, Any] = field(default_factory=dict)


def queue_path(path: str | os.PathLike | None = None) -> Path:
    """The pending queue file: the argument, ``$HF_BENCH_PENDING_QUEUE``, or ``pending/submissions.jsonl``."""
    return Path(path or os.environ.get("HF_BENCH_PENDING_QUEUE") or DEFAULT_QUEUE)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not allowed in a result (scores must be finite numbers)")


def _parse_json(data: bytes, where: str) -> Any:
    if len(data) > MAX_JSON_BYTES:
        raise SubmissionError([(where, f"file is larger than {MAX_JSON_BYTES // 2**20} MB")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SubmissionError([(where, f"not UTF-8 text ({e.reason} at byte {e.start})")]) from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise SubmissionError([(where, f"not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})")]) from None
    except (ValueError, RecursionError) as e:
        raise SubmissionError([(where, f"not acceptable JSON: {e}")]) from None


def _summary_task_result(r) -> dict[str, Any]:
    return {"model": r.encoder.name, "encoder_id": r.encoder.id, "benchmark": r.task.benchmark,
            "task": r.task.name, "probe": r.probe.name, "metric": r.task.metric,
            "score": round(float(r.scores.main_score), 6)}


def _summary_zerospeech(s) -> dict[str, Any]:
    scored = {k: v.model_dump() for k, v in s.scores.items()}
    return {"model": s.submission.model_id, "benchmark": f"zerospeech/{s.benchmark}", "task": ", ".join(scored),
            "probe": "zerospeech", "metric": "zerospeech", "score": ""}


_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_BENCHMARK_TASKS = {"xares": ("hf_bench.tasks.xares", "XARES_TASKS"),
                    "embedded": ("hf_bench.tasks.embedded", "EMBEDDED_FULL_TASKS")}


def _task_result_problems(r, where: str) -> list[tuple[str, str]]:
    """What a schema cannot say: every number finite and within its metric's range, names from a closed
    alphabet, a task of a built-in benchmark one that benchmark has."""
    import importlib
    import math

    from hf_bench import metrics

    problems = []
    for key, value in (("task.benchmark", r.task.benchmark), ("task.name", r.task.name), ("probe.name", r.probe.name)):
        if not _NAME.match(str(value)):
            problems.append((where, f"{key}: {value!r} is not a name (lower-case letters, digits, '_')"))
    numbers = [("scores.main_score", r.scores.main_score)]
    numbers += [(f"scores.values.{k}", v) for k, v in r.scores.values.items()]
    numbers += [(f"scores.per_fold.{k}", v) for k, v in (r.scores.per_fold or {}).items()]
    if r.scores.ci is not None:
        numbers += [("scores.ci.low", r.scores.ci.low), ("scores.ci.high", r.scores.ci.high)]
    bad = [(f, v) for f, v in numbers if not math.isfinite(float(v))]
    problems += [(where, f"{f}: {v!r} is not a finite number") for f, v in bad]
    info = metrics.METRICS.get(r.task.metric)
    if info is not None and not bad:
        lo, hi = sorted((info.worst, info.best))
        if not info.higher_is_better:  # error rates: bounded below only (insertions can exceed 100 %)
            hi = math.inf
        for f, v in [("scores.main_score", r.scores.main_score)] + (
                [("scores.ci.low", r.scores.ci.low), ("scores.ci.high", r.scores.ci.high)] if r.scores.ci else []):
            if not lo - 1e-9 <= float(v) <= hi + 1e-9:
                problems.append((where, f"{f}: {v} is outside the range of {r.task.metric} ({lo:g}..{hi:g})"))
    if r.task.benchmark in _BENCHMARK_TASKS and _NAME.match(str(r.task.name)):
        module, attr = _BENCHMARK_TASKS[r.task.benchmark]
        names = {t.name for t in getattr(importlib.import_module(module), attr)}
        if r.task.name not in names:
            problems.append((where, f"task.name: {r.task.name!r} is not a task of {r.task.benchmark} "
                                    f"(`hf-bench tasks --suite {r.task.benchmark}` lists them)"))
    return problems


def validate_json_bytes(data: bytes, where: str) -> Submission | None:
    """One uploaded JSON document -> a Submission; ``None`` for a scorecard (a summary, not a result)."""

    from hf_bench.leaderboard.table import SCORECARD_KIND, TASK_RESULT_KIND, ZEROSPEECH_KIND
    from hf_bench.leaderboard.zerospeech_scores import ZeroSpeechScores
    from hf_bench.results.schema import TaskResult, validate_payload

    raw = _parse_json(data, where)
    if not isinstance(raw, dict):
        raise SubmissionError([(where, f"expected a JSON object, got {type(raw).__name__}")])
    kind = raw.get("kind")
    try:
        if kind == TASK_RESULT_KIND:
            r = validate_payload(raw, TaskResult, where=where)
            problems = _task_result_problems(r, where)
            if problems:
                raise SubmissionError(problems)
            summary = _summary_task_result(r)
        elif kind == ZEROSPEECH_KIND:
            s = validate_payload(raw, ZeroSpeechScores, where=where)
            summary = _summary_zerospeech(s)
        elif kind == SCORECARD_KIND:
            return None
        else:
            raise SubmissionError([(where, f"kind: expected '{TASK_RESULT_KIND}' (a <probe>/<task>.json written by "
                                           f"`hf-bench run`) or '{ZEROSPEECH_KIND}' (a ZeroSpeech scores.json), "
                                           f"got {kind!r}")])
    except SubmissionError:
        raise
    except HFBenchError as e:  # validate_payload lists every bad field as 'field.path: message', one per line
        fields = [line.strip() for line in e.problem.splitlines()[1:] if line.strip()]
        raise SubmissionError([(where, f) for f in fields] or [(where, e.problem)]) from None
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Submission(kind=kind, name=where, sha256=hashlib.sha256(canonical).hexdigest(), payload=raw,
                      summary=summary)


def _safe_member_name(name: str) -> bool:
    p = PurePosixPath(name.replace("\\", "/"))
    return not (p.is_absolute() or ".." in p.parts or (p.parts and ":" in p.parts[0]))


def _read_zip(path: Path, display: str) -> tuple[list[Submission], list[str]]:
    problems: list[tuple[str, str]] = []
    subs: list[Submission] = []
    ignored: list[str] = []
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise SubmissionError([(display, f"not a readable zip archive ({e})")]) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise SubmissionError([(display, f"the archive has {len(infos)} members (limit {MAX_ZIP_MEMBERS})")])
        total = 0
        for info in infos:
            name = info.filename
            where = f"{display}:{name}"
            if info.is_dir():
                continue
            if not _safe_member_name(name):
                problems.append((where, "unsafe member path (absolute or containing '..')"))
                continue
            if not name.lower().endswith(".json") or PurePosixPath(name).name.startswith("."):
                ignored.append(name)
                continue
            if info.flag_bits & 0x1:
                problems.append((where, "encrypted members are not accepted"))
                continue
            if info.file_size > MAX_JSON_BYTES:
                problems.append((where, f"larger than {MAX_JSON_BYTES // 2**20} MB uncompressed"))
                continue
            try:
                with zf.open(info) as fh:
                    data = fh.read(MAX_JSON_BYTES + 1)  # never trust the declared size
            except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as e:
                problems.append((where, f"cannot be read ({e})"))
                continue
            total += len(data)
            if len(data) > MAX_JSON_BYTES:
                problems.append((where, f"larger than {MAX_JSON_BYTES // 2**20} MB uncompressed"))
                continue
            if total > MAX_ZIP_JSON_TOTAL:
                problems.append((display, f"the JSON members add up to more than {MAX_ZIP_JSON_TOTAL // 2**20} MB"))
                break
            try:
                sub = validate_json_bytes(data, where)
            except SubmissionError as e:
                problems += e.problems
                continue
            if sub is None:
                ignored.append(name)
            else:
                subs.append(sub)
    if problems:
        raise SubmissionError(problems)
    if not subs:
        raise SubmissionError([(display, "the archive holds no result JSON (<probe>/<task>.json or scores.json)")])
    return subs, ignored


def validate_upload(path: str | os.PathLike, *, display_name: str | None = None) -> tuple[list[Submission], list[str]]:
    """Validate an uploaded file (a result JSON or a zip of them). Returns (submissions, ignored member names).

    All-or-nothing: one bad member rejects the whole upload, with every problem listed.
    """
    path = Path(path)
    display = display_name or path.name
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as e:
        raise SubmissionError([(display, f"cannot read the upload ({e.strerror})")]) from None
    if head in ZIP_MAGIC:
        if size > MAX_ZIP_BYTES:
            raise SubmissionError([(display, f"zip is larger than {MAX_ZIP_BYTES // 2**20} MB")])
        return _read_zip(path, display)
    if size > MAX_JSON_BYTES:
        raise SubmissionError([(display, f"file is larger than {MAX_JSON_BYTES // 2**20} MB")])
    sub = validate_json_bytes(path.read_bytes(), display)
    if sub is None:
        raise SubmissionError([(display, "this is a scorecard (a summary); upload the per-task result JSONs "
                                         "(<probe>/<task>.json) or a zip of the run's output directory")])
    return [sub], []


def read_queue(path: str | os.PathLike | None = None) -> list[dict[str, Any]]:
    """Entries of the pending queue (a missing file is an empty queue; unreadable lines are reported)."""
    path = queue_path(path)
    if not path.exists():
        return []
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as e:
            raise HFBenchError(f"line {i} of the pending queue is not JSON ({e.msg})", where=path,
                               fix="repair or remove that line (the queue is append-only JSONL)") from None
    return out


def append_to_queue(subs: list[Submission], path: str | os.PathLike | None = None) -> tuple[list[Submission], list[Submission]]:
    """Append submissions not already queued (same canonical sha256). Returns (added, duplicates)."""
    path = queue_path(path)
    with _QUEUE_LOCK, file_lock(path):  # threads of this process, and other processes (several app workers)
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        if existing and not existing.endswith("\n"):
            existing += "\n"
        known = {e.get("sha256") for e in read_queue(path)}
        added, dups, lines = [], [], []
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        for s in subs:
            if s.sha256 in known:
                dups.append(s)
                continue
            known.add(s.sha256)
            added.append(s)
            lines.append(json.dumps({"id": s.sha256[:16], "received_at": now, "status": "pending", "file": s.name,
                                     "sha256": s.sha256, "kind": s.kind, "summary": s.summary, "payload": s.payload},
                                    ensure_ascii=False, sort_keys=False, allow_nan=False))
        if lines:
            atomic_write_text(path, existing + "\n".join(lines) + "\n")
    return added, dups
