"""Validation findings: one ``Issue`` per problem kind and file, naming the file, the lines or ids, and the fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Literal

Level = Literal["error", "warning"]


def examples(items: Iterable[object], limit: int = 8) -> str:
    """``a, b, c and 12 more``: enough to find the problem without flooding the terminal."""
    items = [str(i) for i in items]
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit} more"


@dataclass(frozen=True)
class Issue:
    """One problem found in a submission.

    ``code`` is stable and machine-readable (``missing_ids``, ``npy_dtype``...); ``where`` is the file (relative to
    the submission when possible) with ``:LINE`` when one line is at fault; ``items`` holds every offending id,
    line or file, where ``problem`` shows only the first few.
    """

    level: Level
    code: str
    where: str
    problem: str
    fix: str | None = None
    items: tuple[str, ...] = ()

    def render(self) -> str:
        text = f"{self.level}: {self.where}: {self.problem}"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


@dataclass
class ValidationReport:
    submission: str
    benchmark: str
    issues: list[Issue] = field(default_factory=list)

    def add(self, level: Level, code: str, where: str, problem: str, fix: str | None = None,
            items: Iterable[object] = ()) -> None:
        self.issues.append(Issue(level, code, str(where), problem, fix, tuple(str(i) for i in items)))

    def error(self, code: str, where: str, problem: str, fix: str | None = None, items: Iterable[object] = ()) -> None:
        self.add("error", code, where, problem, fix, items)

    def warning(self, code: str, where: str, problem: str, fix: str | None = None,
                items: Iterable[object] = ()) -> None:
        self.add("warning", code, where, problem, fix, items)

    def extend(self, other: "ValidationReport") -> None:
        self.issues.extend(other.issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def codes(self, level: Level | None = None) -> set[str]:
        return {i.code for i in self.issues if level is None or i.level == level}

    def render(self, *, include_warnings: bool = True) -> str:
        shown = self.issues if include_warnings else self.errors
        lines = [i.render() for i in sorted(shown, key=lambda i: (i.level != "error", i.where))]
        n_e, n_w = len(self.errors), len(self.warnings)
        if n_e:
            lines.append(f"Found {n_e} error{'s' * (n_e != 1)} and {n_w} warning{'s' * (n_w != 1)} in "
                         f"{self.benchmark} submission: {self.submission}")
        else:
            lines.append(f"{self.benchmark} submission {self.submission} is valid"
                         + (f" ({n_w} warning{'s' * (n_w != 1)})" if n_w else ""))
        return "\n".join(lines)
