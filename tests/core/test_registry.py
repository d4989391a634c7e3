"""Every registered task validates; names are unique; nothing enables remote code by default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hf_bench.errors import TaskSpecError
from hf_bench.tasks import SUITES, all_tasks, get_suite, get_task, resolve_tasks
from hf_bench.tasks.schema import TaskMetadata

TASKS = list(all_tasks().values())


@pytest.mark.parametrize("task", TASKS, ids=[t.name for t in TASKS])
def test_every_task_validates(task):
    again = TaskMetadata.model_validate(task.model_dump(mode="json"))  # round-trips through the strict schema
    assert again == task
    from hf_bench import metrics

    assert task.metric in metrics.METRICS, f"{task.name}: unknown metric {task.metric}"
    assert task.license and task.description
    if task.is_clip_level and task.splits:
        assert set(task.splits) <= set(task.split_names)


def test_names_unique_and_suites_nonempty():
    seen = {}
    for s in SUITES:
        names = [t.name for t in get_suite(s)]
        assert get_suite(s) and len(names) == len(set(names))
        for t in get_suite(s):  # a name in two suites is the same task
            assert seen.setdefault(t.name, t) is t


def test_embedded_suite_shape():
    suite = get_suite("embedded")
    assert len(suite) >= 8
    types = {t.type for t in suite}
    assert {"clip_classification", "clip_multilabel", "clip_regression"} <= types
    for t in suite:
        assert t.source.kind == "generator" and t.chance_level is not None


def test_unknown_task_and_suite_errors_suggest():
    with pytest.raises(TaskSpecError, match="did you mean"):
        get_task(TASKS[0].name + "x")
    with pytest.raises(TaskSpecError, match="unknown suite"):
        get_suite("nope")
    with pytest.raises(TaskSpecError, match="no task selected"):
        resolve_tasks()


def test_schema_rejects_unknown_fields_and_bad_combinations():
    base = TASKS[0].model_dump(mode="json")
    with pytest.raises(Exception, match="extra"):
        TaskMetadata.model_validate({**base, "colour": "blue"})
    with pytest.raises(Exception, match="exactly one"):
        TaskMetadata.model_validate({**base, "folds": ["a", "b"]})
    with pytest.raises(Exception, match="snake_case"):
        TaskMetadata.model_validate({**base, "name": "Bad-Name"})


def test_no_remote_code_enabled_by_default():
    root = Path(__file__).resolve().parents[2] / "hf_bench"
    offenders = [str(p) for p in root.rglob("*.py") if re.search(r"trust_remote_code\s*=\s*True", p.read_text())]
    assert not offenders
