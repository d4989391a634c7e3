"""``hf-bench metrics install|list``. Imports nothing heavy: installing copies files, it does not import evaluate."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "metrics", help="list the metrics; install their evaluate modules for offline evaluate.load",
        description="The metrics of hf_bench. Each is a pure function in hf_bench.metrics, wrapped by an evaluate "
                    "module in the repository's metrics/ folder.")
    sub = parser.add_subparsers(dest="metrics_command", metavar="ACTION")

    inst = sub.add_parser(
        "install", help='copy the evaluate modules into evaluate\'s modules cache: evaluate.load("hf_bench/<name>") '
                        "then works offline from any directory",
        description='Install every metric module so that evaluate.load("hf_bench/<name>") works offline from any '
                    "working directory. Re-run after updating hf_bench.")
    inst.add_argument("--cache-dir", metavar="DIR", default=None,
                      help="evaluate's modules cache (default: $HF_MODULES_CACHE, else $HF_HOME/modules, else "
                           "~/.cache/huggingface/modules). A non-default DIR must be exported as HF_MODULES_CACHE "
                           "when loading.")
    inst.add_argument("names", nargs="*", metavar="NAME", help="only these metrics (default: all)")
    inst.set_defaults(func=_install)

    lst = sub.add_parser("list", help="name, main key, direction, range and reference implementation of each metric",
                         description="List every metric: its name, main key, direction (higher or lower is better), "
                         "value range and the independent implementation the tests cross-check it against.")
    lst.add_argument("--json", action="store_true", help="print JSON instead of a table")
    lst.set_defaults(func=_list)

    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def _install(args: argparse.Namespace) -> int:
    from hf_bench.metrics.install import default_modules_cache, install_modules

    installed = install_modules(args.cache_dir, args.names or None)
    root = Path(args.cache_dir).expanduser() if args.cache_dir else default_modules_cache()
    for m in installed:
        print(f"installed {m.load_name:32s} -> {m.installed}")
    print(f'{len(installed)} module(s) in {root}: evaluate.load("hf_bench/<name>") now works offline from any '
          "directory.")
    if args.cache_dir and root.resolve() != default_modules_cache().resolve():
        print(f"note: this is not evaluate's default modules cache; export HF_MODULES_CACHE={root} before loading.")
    print("tip: export HF_EVALUATE_OFFLINE=1 to skip evaluate's Hub lookup (about 1.5 s per load when offline).")
    return 0


def _fmt(x: float) -> str:
    return f"{x:g}"


def _list(args: argparse.Namespace) -> int:
    from hf_bench.metrics.registry import METRICS

    rows = [{"name": m.name, "main_key": m.main_key, "keys": list(m.keys), "direction": m.direction,
             "worst": m.worst, "best": m.best, "unit": m.unit, "reference": m.reference,
             "description": m.description} for m in METRICS.values()]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    table = [("name", "main key", "better", "range (worst..best)", "bootstrap unit", "reference")]
    table += [(r["name"], r["main_key"], r["direction"], f"{_fmt(r['worst'])}..{_fmt(r['best'])}",
               r["unit"] or "-", r["reference"]) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]) - 1)]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1])
    return 0
