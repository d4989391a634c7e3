"""One exception type for every user-facing failure.

Every message names the thing at fault (a file, a field, an encoder) and, where there is one, the fix.
The CLI prints ``str(error)`` and exits with code 2 (1 for "validation found problems"), never a traceback.
"""

from __future__ import annotations

import os


class HFBenchError(Exception):
    """A problem the user can fix. ``where`` names the file/field/object, ``fix`` says what to do."""

    def __init__(self, problem: str, *, where: str | os.PathLike | None = None, fix: str | None = None):
        self.problem = problem
        self.where = None if where is None else str(where)
        self.fix = fix
        super().__init__(self._render())

    def _render(self) -> str:
        text = f"{self.where}: {self.problem}" if self.where else self.problem
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


class AudioError(HFBenchError):
    """Audio that cannot be decoded or does not meet the task's requirements."""


class EncoderError(HFBenchError):
    """An encoder that breaks the contract (rank, hop, dimension, NaN/Inf...)."""


class TaskSpecError(HFBenchError):
    """A task definition or a task spec file that does not validate."""


class DataError(HFBenchError):
    """Missing, corrupt or inconsistent task data (labels, manifests, archives, checksums)."""


class OfflineError(HFBenchError):
    """Something needs the network and the network is not there."""
