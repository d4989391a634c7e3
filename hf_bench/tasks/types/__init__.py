"""Task types: one adapter per type (targets of a split; probe outputs -> metric inputs), in one registry.

``TYPES`` maps a task ``type`` to its adapter. The adapter is also the one source of each type's default metric
(``adapter.default_metric``) and of the metrics that may be used with it. Types declared in the schema but absent
here would have no adapter, hence no probe.
"""

from __future__ import annotations

from hf_bench.errors import HFBenchError
from hf_bench.tasks.types.base import FrameGrid, TaskTypeAdapter
from hf_bench.tasks.types.clip import ClipClassification, ClipMultilabel, ClipRegression
from hf_bench.tasks.types.coding import ClassCoding, Coding, LabelSetCoding, ValueCoding
from hf_bench.tasks.types.frame import CurveTargets, EventTargets, FrameMultilabel, FrameRegression
from hf_bench.tasks.types.text import (
    ASR,
    SLU,
    ConceptTargets,
    EmbeddingCoding,
    Retrieval,
    TextCoding,
    Transcripts,
    Translation,
    normalize_text,
)

TYPES: dict[str, TaskTypeAdapter] = {a.name: a for a in (
    ClipClassification(), ClipMultilabel(), ClipRegression(), FrameMultilabel(), FrameRegression(), ASR(),
    Translation(), SLU(), Retrieval())}


def get_type(name: str, *, where: str | None = None) -> TaskTypeAdapter:
    """The adapter of task type ``name`` (HFBenchError for a type that has none yet)."""
    if name not in TYPES:
        raise HFBenchError(f"task type {name!r} has no adapter (no probe can run it yet)", where=where or "task type",
                           fix=f"types that run today: {', '.join(TYPES)}")
    return TYPES[name]


__all__ = ["TYPES", "get_type", "TaskTypeAdapter", "FrameGrid", "ClassCoding", "LabelSetCoding", "ValueCoding",
           "Coding", "EventTargets", "CurveTargets", "Transcripts", "ConceptTargets", "TextCoding", "EmbeddingCoding",
           "normalize_text"]
