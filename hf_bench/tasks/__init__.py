"""The task registry: every built-in task, by name, validated (see ``schema.TaskMetadata``)."""

from hf_bench.tasks.registry import SUITES, all_tasks, get_suite, get_task, resolve_tasks
from hf_bench.tasks.schema import TaskMetadata

__all__ = ["SUITES", "TaskMetadata", "all_tasks", "get_suite", "get_task", "resolve_tasks"]
