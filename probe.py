"""Run an hf_bench evaluation as a script: ``python probe.py ...`` or ``accelerate launch probe.py ...``.

Takes exactly the options of ``hf-bench run`` (``python probe.py --help``).

With several processes (``accelerate launch --num_processes N probe.py ...``, ``torchrun --nproc-per-node N
probe.py ...``, or several machines sharing the cache directory), the work is shared out in three phases:

1. features: the shards of every split of every task are numbered in one sequence and process ``r`` encodes
   shards ``r, r + N, r + 2N, ...`` into the shared feature store (the clips of each task are split across
   processes, not only whole tasks);
2. probes: process ``r`` trains the probes of tasks ``r, r + N, ...`` on those features (linear probes are too
   small for data parallelism to pay);
3. the main process reruns the whole selection, which reuses every feature and result (identical keys), and writes
   the scorecard and the summary table.

Scores are exactly those of a single-process run: a shard holds the same items, batched the same way, whichever
process encodes it. Processes meet through the launcher's own rendezvous store (nothing on disk to go stale) and
send a heartbeat; if one dies, the others stop with a message naming it instead of waiting, and a rerun of the
same command reuses every shard already finished.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time

_DIST_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK", "ROLE_RANK", "ROLE_WORLD_SIZE",
              "MASTER_ADDR", "MASTER_PORT", "ACCELERATE_USE_CPU", "TORCHELASTIC_RUN_ID")
HEARTBEAT_S = 2.0


def _parser() -> argparse.ArgumentParser:
    from hf_bench import commands

    parser = argparse.ArgumentParser(prog="probe.py")
    commands.register(parser.add_subparsers(dest="command"))
    return parser


class _Peers:
    """The other processes of the run, through the launcher's store: barriers that notice a dead process.

    A heartbeat is a counter each process increments; a waiter times how long a counter stays still on its own
    monotonic clock, so clocks that differ between machines do not matter."""

    def __init__(self, store, rank: int, world: int):
        self.store, self.rank, self.world = store, rank, world
        self.timeout = float(os.environ.get("HF_BENCH_RANK_TIMEOUT", "120"))
        self._stop = threading.Event()
        self._beats = 0
        self._seen: dict[int, tuple[bytes | None, float]] = {}
        self.store.set(f"alive/{rank}", "0")
        threading.Thread(target=self._beat, daemon=True).start()

    def _beat(self):
        while not self._stop.wait(HEARTBEAT_S):
            self._beats += 1
            with contextlib.suppress(Exception):  # the store went away: the barrier reports it
                self.store.set(f"alive/{self.rank}", str(self._beats))

    def _still(self, r: int) -> float:
        """Seconds (on this machine's clock) since process ``r``'s heartbeat last moved."""
        value = self.store.get(f"alive/{r}") if self.store.check([f"alive/{r}"]) else None
        old, since = self._seen.get(r, (None, time.monotonic()))
        if value != old or r not in self._seen:
            self._seen[r] = (value, time.monotonic())
            return 0.0
        return time.monotonic() - since

    def stop(self):
        self._stop.set()

    def arrive(self, phase: str, code: int) -> None:
        self.store.set(f"{phase}/{self.rank}", str(code))

    def wait(self, phase: str) -> list[int]:
        """Wait until every process reached ``phase``; return the ranks that failed it. A process whose heartbeat
        stops for ``HF_BENCH_RANK_TIMEOUT`` seconds (default 120) counts as failed."""
        while True:
            try:
                missing = [r for r in range(self.world) if not self.store.check([f"{phase}/{r}"])]
                if not missing:
                    return [r for r in range(self.world) if self.store.get(f"{phase}/{r}") != b"0"]
                dead = [r for r in missing if self._still(r) > self.timeout]  # also one that never beat at all
            except Exception:  # noqa: BLE001 - the store lives in process 0: it is gone
                return [0]
            if dead:
                return dead
            time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    from hf_bench.cli import main as cli_main
    from hf_bench.cli import setup_logging

    argv = list(sys.argv[1:] if argv is None else argv)
    run_parser = _parser()._subparsers._group_actions[0].choices["run"]
    run_parser.prog = "probe.py"
    if not argv or argv[:1] in (["-h"], ["--help"]):
        run_parser.print_help()
        return 0 if argv else 2
    rank, world = int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return cli_main(["run", *argv])
    setup_logging()
    args = run_parser.parse_args(argv)
    import datetime

    import torch.distributed as dist

    store, _, _ = next(dist.rendezvous("env://", timeout=datetime.timedelta(minutes=10)))
    store = dist.PrefixStore("hf_bench_probe", store)
    store.set_timeout(datetime.timedelta(minutes=10))
    peers = _Peers(store, rank, world)
    local_rank = os.environ.get("LOCAL_RANK", "0")
    # independent single-process jobs: hide the process group from transformers/accelerate, one GPU each
    for var in _DIST_VARS:
        os.environ.pop(var, None)
    if args.device.startswith("cuda") and "CUDA_VISIBLE_DEVICES" not in os.environ:
        os.environ["CUDA_VISIBLE_DEVICES"] = local_rank
    try:
        for phase, work in (("features", _extract_share), ("probes", _probe_share)):
            code = 1
            try:
                code = _run_namespace(args, func=lambda a, work=work: work(a, rank, world))
            finally:  # always reported, so no process waits on one that already stopped
                peers.arrive(phase, code)
            failed = peers.wait(phase)
            if failed:
                if rank == 0 or code == 0:
                    print(f"error: process(es) {failed} of {world} stopped during the {phase} phase; everything "
                          "finished so far is saved: rerun the same command to resume", file=sys.stderr)
                return 1
        return _run_namespace(args) if rank == 0 else 0
    finally:
        peers.stop()


def _selectors(args: argparse.Namespace) -> list[str]:
    """What to pass to --task for each selected task (a name or a spec path), as `hf-bench run` selects them."""
    from hf_bench.commands import selected_tasks
    from hf_bench.tasks import get_suite, get_task

    keep = {t.name for t in selected_tasks(args, lambda m: None)}
    out: dict[str, str] = {}
    for sel in [t.name for s in args.suite for t in get_suite(s)] + list(args.task):
        name = get_task(sel).name
        if name in keep:
            out.setdefault(name, sel)
    return list(out.values())


def _extract_share(args: argparse.Namespace, rank: int, world: int) -> int:
    """Encode this process's share of the shards of every selected task."""
    from hf_bench.commands import run_config
    from hf_bench.pipeline.run import extract_features
    from hf_bench.tasks import get_task

    tasks = [get_task(sel) for sel in _selectors(args)]
    quiet = argparse.Namespace(**{**vars(args), "quiet": True, "json": False})
    totals = extract_features(run_config(quiet), tasks, rank=rank, world=world, log=lambda m: None)
    print(f"process {rank}/{world}: decoded {totals['clips_decoded']} and encoded {totals['clips_encoded']} clips",
          file=sys.stderr)
    return 0


def _probe_share(args: argparse.Namespace, rank: int, world: int) -> int:
    """Evaluate tasks rank, rank + world, ... of the selection as an independent run."""
    from hf_bench.commands import cmd_run

    mine = _selectors(args)[rank::world]
    if not mine:
        return 0
    # a share's own table/JSON would be partial: only the final pass on rank 0 prints to stdout
    with contextlib.redirect_stdout(sys.stderr):
        return cmd_run(argparse.Namespace(**{**vars(args), "suite": [], "task": mine, "quiet": True, "json": False}))


def _run_namespace(args: argparse.Namespace, **overrides) -> int:
    """``hf-bench run`` on already-parsed options (no re-tokenising of argv), with the CLI's error handling."""
    from hf_bench.cli import run_handler

    return run_handler(argparse.Namespace(**{**vars(args), **overrides}))


if __name__ == "__main__":
    sys.exit(main())
