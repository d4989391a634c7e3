"""The probe registry: every probe module, and which of them serve a task.

Adding a probe is one module defining a ``Probe`` subclass (``hf_bench.probes.base``) and one line here. Names
are shared across task types where they are one concept: X-ARES's "MLP" column is the trained probe of each task:
a linear head on pooled features for clips and on every frame for frame tasks, an adapter into a frozen LM for ASR,
two towers for retrieval; all of them register as ``mlp``. LeBenchmark's downstream heads are probes of their own
(``ctc``, ``seq2seq``, ``gru``): its tasks name them in ``TaskMetadata.probes``, the probes a run uses for a task
when ``--probe`` is not given; so do the WenetSpeech-Wu tasks with ``lora``, a LoRA fine-tune with the Wu chat
prompts. A (name, task type) pair has at most one probe. ``--probe`` choices, scorecard
columns and the leaderboard's probe views come from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hf_bench.errors import HFBenchError
from hf_bench.probes.base import Probe
from hf_bench.probes.clip_knn import ClipKNN
from hf_bench.probes.clip_mlp import ClipMLP
from hf_bench.probes.ctc import CTCHead
from hf_bench.probes.frame_mlp import FrameMLP
from hf_bench.probes.gru import GRUHead
from hf_bench.probes.lm_asr import LMDecoderASR
from hf_bench.probes.lora import LoRAFineTune
from hf_bench.probes.retrieval import TwoTowerRetrieval
from hf_bench.probes.seq2seq import Seq2SeqHead

if TYPE_CHECKING:
    from hf_bench.tasks.schema import TaskMetadata

PROBES: tuple[type[Probe], ...] = (ClipMLP, FrameMLP, LMDecoderASR, TwoTowerRetrieval, ClipKNN, CTCHead, Seq2SeqHead,
                                   GRUHead, LoRAFineTune)


def _check() -> None:
    seen: dict[tuple[str, str], str] = {}
    for p in PROBES:
        for t in p.task_types:
            other = seen.setdefault((p.name, t), p.__name__)
            if other != p.__name__:
                raise RuntimeError(f"probes {other} and {p.__name__} both register {p.name!r} for {t!r}")


_check()


def probe_names() -> tuple[str, ...]:
    """Every probe name, in registry order (the scorecard's column order)."""
    return tuple(dict.fromkeys(p.name for p in PROBES))


def probe_label(name: str) -> str:
    """The column title of probe ``name`` ("MLP", "kNN"); the name itself for an unknown probe."""
    return next((p.label for p in PROBES if p.name == name), name)


def probes_for(task: "TaskMetadata", names: tuple[str, ...] | None = None) -> list[type[Probe]]:
    """The probes that serve ``task``, in registry order: those in ``names``, or (None) the task's own
    ``probes`` when it lists them, else every one that runs by default (not LeBenchmark's heads, unless no
    other probe serves the type)."""
    serving = [p for p in PROBES if p.serves(task)]
    allowed = names if names is not None else task.probes
    if allowed is not None:
        return [p for p in serving if p.name in allowed]
    # LeBenchmark's heads join a task only where named, unless nothing else serves its type (translation, slu)
    return [p for p in serving if p.by_default] or serving


def require_probes(task: "TaskMetadata", names: tuple[str, ...] | None = None) -> list[type[Probe]]:
    """``probes_for``, or an error saying why no probe can run the task and what would."""
    found = probes_for(task, names)
    if found:
        return found
    served = list(dict.fromkeys(p.name for p in PROBES if p.serves(task)))
    if served:
        raise HFBenchError(f"no probe among {' '.join(names)} serves task {task.name!r} (type {task.type})",
                           where=f"task {task.name}", fix=f"use --probe {' '.join(served)} for this task")
    raise HFBenchError(f"no probe can evaluate task {task.name!r} yet (type {task.type})", where=f"task {task.name}",
                       fix="run the tasks of the types probes serve today (" + ", ".join(sorted(served_types()))
                           + "); `hf-bench tasks` marks which tasks run")


def served_types() -> set[str]:
    return {t for p in PROBES for t in p.task_types}


def check_probe_names(names) -> tuple[str, ...]:
    known = probe_names()
    bad = [n for n in names if n not in known]
    if bad:
        raise HFBenchError(f"unknown probe {bad[0]!r}", where="--probe", fix=f"use one of: {', '.join(known)}")
    return tuple(dict.fromkeys(names))


__all__ = ["PROBES", "probe_names", "probe_label", "probes_for", "served_types", "check_probe_names", "require_probes"]
