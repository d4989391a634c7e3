"""The 22 public X-ARES tasks (xares 0.1.3) as task metadata.

The facts live in ``xares_tasks.json`` next to this module (shipped as package data; generated once from the
X-ARES reference): each entry's ``task`` validates as ``TaskMetadata``, and ``xares`` keeps facts that only the
X-ARES-faithful pipeline needs (encode batch size, X-ARES test size, encoded-tar names). Adding or changing a task
touches that one file; bump the task's ``version`` when a change can move its score.

Conventions: names keep X-ARES's ids (including the typo ``nsynthinstument``); split names are X-ARES's split
names and fold names are ``fold<k>`` with X-ARES's fold ids; integer labels (ESC-50, LibriCount, MAESTRO) are their
string forms; Clotho's ``label_key`` is ``"."`` (the whole JSON member: an object whose values are the captions).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from hf_bench.tasks.schema import TaskMetadata

DATA_FILE = "xares_tasks.json"


def _load() -> tuple[tuple[TaskMetadata, ...], dict[str, dict[str, Any]]]:
    doc = json.loads(resources.files("hf_bench.tasks").joinpath(DATA_FILE).read_text(encoding="utf-8"))
    tasks = tuple(TaskMetadata.model_validate(entry["task"]) for entry in doc["tasks"])
    extras = {entry["task"]["name"]: entry.get("xares", {}) for entry in doc["tasks"]}
    return tasks, extras


XARES_TASKS, XARES_EXTRAS = _load()
"""All public X-ARES tasks, in X-ARES's alphabetical order; extras keyed by task name."""

XARES_PUBLIC_WEIGHT = 38752      # sum of eval_weight over the 22 public tasks (X-ARES's public average)
XARES_KNN_PUBLIC_WEIGHT = 22889  # the same over the 16 tasks with a kNN score


def get_xares_task(name: str) -> TaskMetadata:
    """The X-ARES task called ``name`` (KeyError listing the valid names otherwise)."""
    for task in XARES_TASKS:
        if task.name == name:
            return task
    raise KeyError(f"no X-ARES task {name!r}; tasks: {', '.join(t.name for t in XARES_TASKS)}")


__all__ = ["XARES_TASKS", "XARES_EXTRAS", "XARES_PUBLIC_WEIGHT", "XARES_KNN_PUBLIC_WEIGHT", "get_xares_task"]
