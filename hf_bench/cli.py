"""``hf-bench`` command line.

Each area of hf_bench owns its subcommands in its own module, which exposes ``register(subparsers)``; this file
only wires them together. Command modules must import nothing heavy at module level (torch, transformers,
evaluate) so that ``--help`` answers instantly.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from hf_bench import __version__
from hf_bench.errors import HFBenchError

# Order = order in `hf-bench --help`.
COMMAND_MODULES = [
    "hf_bench.commands",          # run, tasks, prepare, check-encoder
    "hf_bench.metrics.cli",       # metrics install|list
    "hf_bench.zerospeech.cli",    # zerospeech init|validate|run|features|download
    "hf_bench.leaderboard.cli",   # leaderboard build|serve|export
    "hf_bench.wu.cli",            # wu export|score, finetune, infer
]

EPILOG = """\
examples:
  hf-bench run --encoder mfb --suite embedded          evaluate the built-in baseline on the embedded suite
  hf-bench run --encoder hf:facebook/wav2vec2-base --task kws --layer weighted
  hf-bench tasks --suite xares                          list the X-ARES tasks with sizes and metrics
  hf-bench check-encoder my_encoder.py:MyEncoder        validate an X-ARES-style encoder
  hf-bench zerospeech run sLM21 SUBMISSION --dataset DATASET
  hf-bench leaderboard build results/ -o leaderboard.parquet
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hf-bench",
        description="Evaluate frozen audio encoders across X-ARES, LeBenchmark, ZeroSpeech and WenetSpeech-Wu, "
        "offline and reproducibly.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"hf_bench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:  # an area not built yet must not break the others
            if e.name and name.startswith(e.name):
                continue
            raise
        module.register(sub)
    return parser


class _Stderr(logging.Handler):
    """``warning: ...`` lines on whatever ``sys.stderr`` is at the time (tests and redirections swap it)."""

    def emit(self, record):
        try:
            sys.stderr.write(f"{record.levelname.lower()}: {record.getMessage()}\n")
        except Exception:  # noqa: BLE001 - logging must never break a run
            self.handleError(record)


def setup_logging() -> None:
    """hf_bench's warnings (logger "hf_bench") as one line each on stderr."""
    logger = logging.getLogger("hf_bench")
    if not any(isinstance(h, _Stderr) for h in logger.handlers):
        logger.addHandler(_Stderr())
        logger.setLevel(logging.INFO)
        logger.propagate = False


def main(argv: list[str] | None = None) -> int:
    setup_logging()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return run_handler(args)


def run_handler(args: argparse.Namespace) -> int:
    """Run a parsed command; user errors become one `error:` line and exit code 2."""
    try:
        return int(args.func(args) or 0)
    except HFBenchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `hf-bench tasks | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0
    except OSError as e:  # disk full, permissions, a directory where a file goes: not a bug, no traceback
        where = e.filename or "(unknown path)"
        print(f"error: {where}: {e.strerror or e}\n  fix: free disk space or choose a writable location "
              "(--output-dir / --cache-dir); finished work is kept", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: everything finished so far is saved; rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
