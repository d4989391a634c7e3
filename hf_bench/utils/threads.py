"""How many threads the CPU stages use: from the cores that are free now, or ``--threads``.

On a shared machine, torch's default (one thread per core) oversubscribes as soon as anything else runs: an
encoder forward with two threads on two busy cores measured 4x slower than with one. So a run counts the cores it
may use (CPU affinity), measures how busy they are over a tenth of a second (``/proc/stat``), and plans:

* ``torch``: intra-op threads of the encoder forward (``torch.set_num_threads``) and BLAS threads (numpy's
  matrix products in the kNN), all free cores but the decoder's;
* ``decode``: audio decoding workers, which run *beside* the encoder (the next shard is decoded while this one
  is encoded): one for up to 3 free cores, a quarter of them above;
* ``total``: a stage with nothing beside it takes every thread: the first shard's decoding (nothing to encode
  yet) and the last shard's encoding (nothing left to decode), so a one-shard split runs as fast as before.

``--threads N`` (or ``HF_BENCH_THREADS``) fixes the total instead of measuring. The plan is logged and recorded
in the run's timings.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass

ENV = "HF_BENCH_THREADS"


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def _cpu_times() -> tuple[int, int] | None:
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields), idle


def free_cores(sample_s: float = 0.1) -> float:
    """Cores idle over ``sample_s`` seconds (machine-wide, scaled to the cores this process may use)."""
    cores = usable_cores()
    before = _cpu_times()
    if before is None:
        return float(cores)
    time.sleep(sample_s)
    after = _cpu_times()
    total, idle = after[0] - before[0], after[1] - before[1]
    if total <= 0:
        return float(cores)
    machine = os.cpu_count() or cores
    return max(0.0, min(float(cores), idle / total * machine))


@dataclass(frozen=True)
class ThreadPlan:
    torch: int      # encoder threads while the next shard is decoded beside it
    decode: int     # decoding workers beside the encoder
    why: str
    total: int = 1  # threads for a stage that runs alone (the first shard's decoding, the last shard's encoding)

    def to_dict(self) -> dict:
        return {"torch": self.torch, "decode": self.decode, "total": self.total, "why": self.why}


def plan_threads(threads: int | None = None) -> ThreadPlan:
    """The plan for ``threads`` in total (None: ``HF_BENCH_THREADS``, else the free cores, at least 1)."""
    cores = usable_cores()
    if threads is None and os.environ.get(ENV, "").strip():
        try:
            threads = int(os.environ[ENV])
        except ValueError:
            from hf_bench.errors import HFBenchError

            raise HFBenchError(f"{ENV}={os.environ[ENV]!r} is not a whole number", where=ENV,
                               fix="set it to the number of threads to use, e.g. 4, or unset it") from None
    if threads is not None:
        total, why = max(1, int(threads)), f"--threads {threads}"
    else:
        free = free_cores()
        total = max(1, min(cores, int(free + 0.5)))
        why = f"{free:.1f} of {cores} core(s) free"
    decode = 1 if total < 4 else total // 4
    return ThreadPlan(torch=max(1, total - decode) if total > 1 else 1, decode=decode, why=why, total=total)


@contextlib.contextmanager
def limited(plan: ThreadPlan):
    """torch and BLAS threads set to ``plan.torch`` inside the block (restored after)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(plan.torch)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        limits = contextlib.nullcontext()
    else:
        limits = threadpool_limits(plan.torch)
    try:
        with limits:
            yield
    finally:
        torch.set_num_threads(before)


__all__ = ["ThreadPlan", "plan_threads", "free_cores", "usable_cores", "limited", "ENV"]
