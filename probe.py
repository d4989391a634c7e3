"""Run an hf_bench evaluation as a script: ``python probe.py ...`` or ``accelerate launch probe.py ...``.

Takes exactly the options of ``hf-bench run`` (``python probe.py --help``).

With several processes (``accelerate launch --multi_gpu --num_processes 2 probe.py ...``, or torchrun), the tasks are
shared out: process r evaluates tasks r, r+W, r+2W, ... as an independent single-process job (linear probes are too
small for data parallelism to pay), then the main process waits for the others and reruns the whole selection,
which reuses every result they wrote (identical result keys) and writes the scorecard and the summary table.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

_DIST_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK", "ROLE_RANK", "ROLE_WORLD_SIZE",
              "MASTER_ADDR", "MASTER_PORT", "ACCELERATE_USE_CPU", "TORCHELASTIC_RUN_ID")


def _parser() -> argparse.ArgumentParser:
    from hf_bench import commands

    parser = argparse.ArgumentParser(prog="probe.py")
    commands.register(parser.add_subparsers(dest="command"))
    return parser


def main(argv: list[str] | None = None) -> int:
    from hf_bench.cli import main as cli_main

    argv = list(sys.argv[1:] if argv is None else argv)
    run_parser = _parser()._subparsers._group_actions[0].choices["run"]
    run_parser.prog = "probe.py"
    if not argv or argv[:1] in (["-h"], ["--help"]):
        run_parser.print_help()
        return 0 if argv else 2
    rank, world = int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return cli_main(["run", *argv])
    args = run_parser.parse_args(argv)  # the launcher's own rendezvous store: nothing on disk, nothing stale
    import datetime

    import torch.distributed as dist

    store, _, _ = next(dist.rendezvous("env://", timeout=datetime.timedelta(minutes=10)))
    store = dist.PrefixStore("hf_bench_probe", store)
    store.set_timeout(datetime.timedelta(days=7))
    local_rank = os.environ.get("LOCAL_RANK", "0")
    # independent single-process jobs: hide the process group from transformers/accelerate, one GPU each
    for var in _DIST_VARS:
        os.environ.pop(var, None)
    if args.device.startswith("cuda") and "CUDA_VISIBLE_DEVICES" not in os.environ:
        os.environ["CUDA_VISIBLE_DEVICES"] = local_rank
    code = 1
    try:
        code = _run_namespace(args, func=lambda a: _run_share(a, rank, world))
    finally:  # always reported, so rank 0 never waits on a process that already stopped
        store.set(f"rank{rank}", str(code))
    if rank != 0:
        return code
    store.wait([f"rank{r}" for r in range(world)])
    failed = [r for r in range(world) if store.get(f"rank{r}") != b"0"]
    if failed:
        print(f"error: process(es) {failed} failed; rerun the same command to resume", file=sys.stderr)
        return 1
    return _run_namespace(args)


def _run_share(args: argparse.Namespace, rank: int, world: int) -> int:
    """Evaluate tasks rank, rank + world, ... of the selection as an independent run."""
    from hf_bench.commands import cmd_run
    from hf_bench.tasks import get_suite, get_task

    selectors: dict[str, str] = {}  # task name -> what to pass to --task (a name or a spec path)
    for suite in args.suite:
        for t in get_suite(suite):
            if t.is_clip_level:  # as `hf-bench run --suite`: tasks without a probe yet are skipped
                selectors.setdefault(t.name, t.name)
    for sel in args.task:
        selectors.setdefault(get_task(sel).name, sel)
    mine = list(selectors.values())[rank::world]
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
