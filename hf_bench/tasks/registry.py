"""One registry of built-in tasks.

Each suite module exposes a tuple of ``TaskMetadata``; adding a task means adding one entry to one of them.
``tests/test_registry.py`` validates every entry.
"""

from __future__ import annotations

import difflib
import importlib
from functools import lru_cache
from pathlib import Path

from hf_bench.errors import TaskSpecError
from hf_bench.tasks.schema import TaskMetadata

# suite name -> (module, attribute); a task may belong to several suites (the same object)
SUITES: dict[str, tuple[str, str]] = {
    "embedded": ("hf_bench.tasks.embedded", "EMBEDDED_TASKS"),
    "embedded_full": ("hf_bench.tasks.embedded", "EMBEDDED_FULL_TASKS"),
    "xares": ("hf_bench.tasks.xares", "XARES_TASKS"),
    "lebenchmark": ("hf_bench.tasks.lebenchmark", "LEBENCHMARK_TASKS"),
    "embedded_fr": ("hf_bench.tasks.embedded", "FRENCH_TASKS"),
    "wenetspeech_wu": ("hf_bench.tasks.wenetspeech_wu", "WU_TASKS"),
    "embedded_zh": ("hf_bench.tasks.embedded", "ZH_TASKS"),
}
SUITE_SUMMARIES = {
    "embedded": "generated offline, every task type but LM-decoder ASR; mfb runs it in ~2.7 min on 2 CPU cores",
    "embedded_full": "embedded plus the LM-decoder ASR task, the four French LeBenchmark analogues and the four "
                     "Mandarin / Cantonese WenetSpeech-Wu analogues (every task type, head and fine-tune)",
    "xares": "the 22 public X-ARES tasks (Zenodo data, `hf-bench prepare --suite xares`)",
    "lebenchmark": "the 9 LeBenchmark tasks (Common Voice fr and mTEDx are public; ETAPE, MEDIA, RECOLA, AlloSat "
                   "are licensed: bring your copy)",
    "embedded_fr": "the four generated French LeBenchmark analogues (ASR, SLU, translation, loudness contour)",
    "embedded_zh": "the four generated Mandarin / Cantonese WenetSpeech-Wu analogues (ASR, gender, emotion, "
                   "Cantonese-to-Mandarin translation) with LoRA fine-tunes and the Wu prompts",
    "wenetspeech_wu": "the 5 WenetSpeech-Wu-Bench tasks (ASR, Wu-to-Mandarin AST, gender, age, emotion) with LoRA "
                      "fine-tunes; the data is announced on the Hub, not yet released",
}
SPEC_SUFFIXES = (".yaml", ".yml", ".json")


@lru_cache(maxsize=None)
def get_suite(name: str) -> tuple[TaskMetadata, ...]:
    if name not in SUITES:
        raise TaskSpecError(f"unknown suite {name!r}", where="--suite", fix=f"choose one of: {', '.join(SUITES)}")
    module, attr = SUITES[name]
    return tuple(getattr(importlib.import_module(module), attr))


@lru_cache(maxsize=None)
def all_tasks() -> dict[str, TaskMetadata]:
    tasks: dict[str, TaskMetadata] = {}
    for suite in SUITES:
        for task in get_suite(suite):
            if task.name in tasks and tasks[task.name] is not task:
                raise TaskSpecError(f"task name {task.name!r} is registered twice", where=SUITES[suite][0])
            tasks[task.name] = task
    return tasks


def suites_of(task: TaskMetadata) -> list[str]:
    """The suites a registered task belongs to (empty for a spec-file task)."""
    return [s for s in SUITES if any(t is task for t in get_suite(s))]


def get_task(name_or_path: str) -> TaskMetadata:
    """A registered task by name, or a task spec file (YAML/JSON) by path."""
    if name_or_path.endswith(SPEC_SUFFIXES) or Path(name_or_path).is_file():
        from hf_bench.tasks.spec import load_task_spec

        return load_task_spec(name_or_path)
    tasks = all_tasks()
    if name_or_path in tasks:
        return tasks[name_or_path]
    # a display name, as papers and the X-ARES / LeBenchmark tables print them ("ESC-50", "CREMA-D")
    by_display = {}
    for task in tasks.values():
        by_display.setdefault(task.display_name.lower(), []).append(task)
    found = by_display.get(name_or_path.strip().lower(), [])
    if len(found) == 1:
        return found[0]
    close = difflib.get_close_matches(name_or_path, tasks, n=3)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise TaskSpecError(f"unknown task {name_or_path!r}", where="--task",
                        fix=f"{hint}list tasks with `hf-bench tasks`, or pass a task spec file (.yaml/.json)")


def filter_tasks(tasks: list[TaskMetadata], *, types: list[str] | None = None, domains: list[str] | None = None,
                 languages: list[str] | None = None, benchmarks: list[str] | None = None) -> list[TaskMetadata]:
    """The tasks of ``tasks`` with one of ``types``, ``domains`` and ``benchmarks``, listing one of ``languages``
    (ISO 639-3); a filter left None keeps everything. Unknown names are an error listing the choices."""
    from typing import get_args

    from hf_bench.tasks.schema import LANGUAGE_CODE, Benchmark, Domain, TaskType

    for given, choices, what in ((types, get_args(TaskType), "type"), (domains, get_args(Domain), "domain"),
                                 (benchmarks, get_args(Benchmark), "benchmark")):
        bad = sorted(set(given or ()) - set(choices))
        if bad:
            raise TaskSpecError(f"unknown {what} {', '.join(map(repr, bad))}", where=f"--{what}",
                                fix=f"choose from: {', '.join(choices)}")
    for code in languages or ():
        if not LANGUAGE_CODE.match(code):
            raise TaskSpecError(f"language {code!r} is not an ISO 639-3 code", where="--language",
                                fix="use three lower-case letters: eng, fra, cmn, wuu, zxx (no speech), mul (many)")
    return [t for t in tasks
            if (types is None or t.type in types) and (domains is None or t.domain in domains)
            and (benchmarks is None or t.benchmark in benchmarks)
            and (languages is None or bool(set(t.languages) & set(languages)))]


def resolve_tasks(*, suites: list[str] | None = None, tasks: list[str] | None = None) -> list[TaskMetadata]:
    """Tasks selected on the command line, de-duplicated, in the given order."""
    out: dict[str, TaskMetadata] = {}
    for suite in suites or []:
        for task in get_suite(suite):
            out.setdefault(task.name, task)
    for name in tasks or []:
        task = get_task(name)
        if task.name in out and out[task.name] != task:
            raise TaskSpecError(f"two different tasks are named {task.name!r}", where=name,
                                fix="rename the task in your spec file")
        out.setdefault(task.name, task)
    if not out:
        raise TaskSpecError("no task selected", fix="pass --suite NAME or --task NAME_OR_SPEC")
    return list(out.values())
