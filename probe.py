"""Run an hf_bench evaluation as a script: ``python probe.py ...`` or ``accelerate launch probe.py ...``.

Takes exactly the options of ``hf-bench run`` (``python probe.py --help``).

With several processes (``accelerate launch --multi_gpu --num_processes 2 probe.py ...``, or torchrun), the tasks are
shared out: process r evaluates tasks r, r+W, r+2W, ... as an independent single-process job (linear probes are too
small for data parallelism to pay), then the main process waits for the others and reruns the whole selection,
which reuses every result they wrote (identical result keys) and writes the scorecard and the summary table.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

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

    # Independent single-process jobs: hide the launcher's process group from transformers/accelerate.
    for var in _DIST_VARS:
        os.environ.pop(var, None)
    from hf_bench.tasks import get_suite, get_task

    args = run_parser.parse_args(argv)
    selectors: dict[str, str] = {}  # task name -> what to pass to --task (a name or a spec path)
    for suite in args.suite:
        for t in get_suite(suite):
            selectors.setdefault(t.name, t.name)
    for sel in args.task:
        selectors.setdefault(get_task(sel).name, sel)
    mine = list(selectors.values())[rank::world]
    rest, skipping = [], False
    for token in argv:  # the same options without the task selection
        if token in ("--suite", "--task"):
            skipping = True
        elif skipping and token.startswith("-"):
            skipping = False
        if not skipping:
            rest.append(token)
    marker_dir = Path(args.output_dir) / ".probe-ranks"
    marker_dir.mkdir(parents=True, exist_ok=True)
    code = cli_main(["run", *rest, "--task", *mine, "--quiet"]) if mine else 0
    (marker_dir / f"rank-{rank}.{'ok' if code == 0 else 'failed'}").touch()
    if rank != 0:
        return code
    deadline = time.time() + 24 * 3600
    while time.time() < deadline:
        done = {p.name.split(".")[0] for p in marker_dir.iterdir()}
        if all(f"rank-{r}" in done for r in range(world)):
            break
        time.sleep(2)
    failed = sorted(p.name for p in marker_dir.glob("*.failed"))
    for p in marker_dir.iterdir():
        p.unlink()
    marker_dir.rmdir()
    if failed:
        print(f"error: process(es) failed: {', '.join(failed)}; rerun to resume", file=sys.stderr)
        return 1
    return cli_main(["run", *argv])


if __name__ == "__main__":
    sys.exit(main())
