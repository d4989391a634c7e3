"""``hf-bench leaderboard build|serve|export``.

Nothing heavy at import time (pandas, gradio and huggingface_hub are imported by the handlers), so that
``hf-bench --help`` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hf_bench.errors import HFBenchError

EPILOG = """\
examples:
  hf-bench leaderboard build results/ -o leaderboard.parquet
  hf-bench leaderboard serve --table leaderboard.parquet --port 7860
  hf-bench leaderboard export "my-encoder" --table leaderboard.parquet -o my-model-repo/
  hf-bench leaderboard export --format latex --board xares --probe mlp+xares -o xares_mlp.tex
"""

EXPORT_EPILOG = """\
formats:
  eval-results (default)  MODEL's scores as the Hub's eval-results YAML: OUTPUT_DIR/.eval_results/*.yaml
  latex                   one board view as a booktabs table (models as rows, the board's column groups, best
                          bold, second underlined, the weighted average last): --board, optionally --probe, --split,
                          --models, --source; to -o FILE.tex or stdout. Needs \\usepackage{booktabs} (and graphicx
                          for a board of more than 12 columns, scaled to the text width)

Without --table / --results: ./leaderboard.parquet if there is one, else (latex only) the shipped published rows.

examples:
  hf-bench leaderboard export "my-encoder" --table leaderboard.parquet -o my-model-repo/
  hf-bench leaderboard export --format latex --board xares --probe mlp+xares -o xares_mlp.tex
  hf-bench leaderboard export --format latex --board xares --probe mlp --table leaderboard.parquet \\
      --models dasheng-base,my-encoder --no-float
"""


def register(subparsers) -> None:
    p = subparsers.add_parser("leaderboard", help="build, serve and export the leaderboard (HF Space)",
                              description="The leaderboard: one precomputed table, served by a Gradio app that is "
                                          "also the deployable HF Space in spaces/leaderboard/.",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="leaderboard_command", metavar="COMMAND")

    b = sub.add_parser("build", help="result JSONs (+ ZeroSpeech scores.json) -> one leaderboard table (parquet)",
                       description="Read every hf_bench result JSON (<probe>/<task>.json) and ZeroSpeech scores.json "
                                   "under RESULTS_DIR (recursively), add the shipped published reference rows, and "
                                   "write one parquet table that the Space reads at start-up. Scorecards and other "
                                   "JSON files are skipped; of two results for the same encoder/task/probe the newer "
                                   "one wins.")
    b.add_argument("results", nargs="*", metavar="RESULTS_DIR", help="output directories of `hf-bench run` / "
                   "`hf-bench zerospeech run`, or single JSON files (none: published rows only)")
    b.add_argument("-o", "--output", default="leaderboard.parquet", help="table to write (default: %(default)s)")
    b.add_argument("--no-reference", action="store_true", help="leave out the published reference rows")
    b.add_argument("--skip-invalid", action="store_true",
                   help="skip result files that do not validate (with a warning) instead of failing")
    b.add_argument("--no-paired", action="store_true",
                   help="skip the paired bootstrap of neighbouring hf_bench rows (the Space then marks ties by "
                        "overlapping 95%% intervals only). It reads every predictions file: about 86 s for 20 models "
                        "x 11 X-ARES-sized tasks on 2 cores")
    b.set_defaults(func=_build)

    s = sub.add_parser("serve", help="run the leaderboard app locally (the same app as the Space)",
                       description="Serve the leaderboard Gradio app. Without --table it shows the published "
                                   "reference rows only.")
    s.add_argument("--table", help="leaderboard table built by `hf-bench leaderboard build`")
    s.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    s.add_argument("--port", type=int, default=7860, help="port (default: %(default)s)")
    s.add_argument("--pending", help="pending-submissions queue file (default: $HF_BENCH_PENDING_QUEUE or "
                                     "pending/submissions.jsonl)")
    s.set_defaults(func=_serve)

    e = sub.add_parser("export", help="a model's scores as Hub eval-results YAML, or a board as a LaTeX table",
                       description="--format eval-results (default): write OUTPUT_DIR/.eval_results/"
                                   "hf_bench_<benchmark>.yaml for one MODEL, in the Hub's eval-results format "
                                   "(huggingface_hub EvalResultEntry), one file per benchmark. --format latex: one "
                                   "board view (the Space's table for --board/--probe/--split) as a LaTeX table.",
                       epilog=EXPORT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("model", metavar="MODEL", nargs="?",
                   help="eval-results: model name as the leaderboard shows it (latex: use --models)")
    e.add_argument("--format", choices=["eval-results", "latex"], default="eval-results",
                   help="what to write (default: %(default)s)")
    src = e.add_mutually_exclusive_group()
    src.add_argument("--table", help="leaderboard table (parquet)")
    src.add_argument("--results", nargs="+", metavar="RESULTS_DIR", help="read result JSONs directly instead")
    e.add_argument("-o", "--output-dir", "--output", dest="output", default=None, metavar="PATH",
                   help="eval-results: where .eval_results/ goes (default: .); latex: the .tex file to write "
                        "(default: stdout)")
    e.add_argument("--source", choices=["hf_bench", "reference"],
                   help="eval-results: which rows when the name is both published and computed (default: "
                        "hf_bench); latex: only those rows (default: both)")
    e.add_argument("--dataset-org", default=None, help="eval-results: Hub org of the benchmark datasets "
                                                      "(default: hf-bench)")
    e.add_argument("--source-url", default=None, help="eval-results: source URL written in each entry "
                                                     "(default: the Space)")
    lt = e.add_argument_group("latex")
    lt.add_argument("--board", help="board id: xares, lebenchmark, zerospeech_slm21, zerospeech_prosaudit, "
                                    "wenetspeech_wu_asr, wenetspeech_wu_und, embedded, custom")
    lt.add_argument("--probe", help="probe view of boards that have them (X-ARES: mlp+xares, knn+xares, mlp, knn; "
                                    "default: the board's first, as the Space shows it)")
    lt.add_argument("--split", help="split (default: test where the board has it)")
    lt.add_argument("--models", metavar="A,B,...", help="only these rows (comma-separated names as the board shows "
                                                        "them), best and second best marked among them")
    lt.add_argument("--no-float", action="store_true", help="the bare tabular, without the table float and caption")
    lt.add_argument("--caption", help="caption (LaTeX; default: board, probe, split, marks and sources)")
    lt.add_argument("--label", help="\\label (default: tab:hf-bench-<board>-<probe>)")
    e.set_defaults(func=_export)

    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _build(args) -> int:
    from hf_bench.leaderboard.table import build_table

    out = Path(args.output)
    if out.suffix != ".parquet":
        raise HFBenchError("the leaderboard table must be a .parquet file", where=out,
                           fix="pass -o leaderboard.parquet")
    table = build_table(args.results, include_reference=not args.no_reference, skip_invalid=args.skip_invalid,
                        comparisons=not args.no_paired)
    table.save(out)
    st = table.stats
    comps = table.comparisons
    if len(comps):
        paired = int((comps["method"] == "paired_bootstrap").sum())
        print(f"neighbouring rows compared: {paired} by paired bootstrap, {len(comps) - paired} by interval "
              f"overlap; {int(comps['tied'].sum())} tied", file=sys.stderr)
    n_models = table.df[["source_kind", "model"]].drop_duplicates().shape[0]
    print(f"wrote {out}: {len(table.df)} values, {n_models} models "
          f"({st.get('task_results', 0)} results, {st.get('zerospeech_scores', 0)} ZeroSpeech score files; skipped "
          f"{st.get('scorecards_skipped', 0)} scorecards, {st.get('other_json_skipped', 0)} other JSON, "
          f"{st.get('invalid_skipped', 0)} invalid; {st.get('superseded_results', 0)} superseded by newer runs)")
    if not args.results:
        print("no RESULTS_DIR given: the table holds the published reference rows only", file=sys.stderr)
    return 0


def _serve(args) -> int:
    from hf_bench.leaderboard.app import create_app, launch

    if args.table is None:
        print("no --table: serving the published reference rows only "
              "(build one with `hf-bench leaderboard build RESULTS_DIR -o leaderboard.parquet`)", file=sys.stderr)
    app = create_app(args.table, pending_path=args.pending)
    launch(app, host=args.host, port=args.port)
    return 0


def _export(args) -> int:
    from hf_bench.leaderboard.table import LeaderboardTable, build_table, reference_table

    latex = args.format == "latex"
    if latex and args.model:
        raise HFBenchError(f"--format latex exports a board, not one model ({args.model!r})", where="MODEL",
                           fix=f"drop MODEL (pass --models {args.model} for that row only) and name the board: "
                               "--board xares")
    if latex and not args.board:
        raise HFBenchError("--format latex needs the board to export", where="--board",
                           fix="pass --board xares (or lebenchmark, wenetspeech_wu_asr, ...)")
    if not latex:
        if not args.model:
            raise HFBenchError("which model's scores?", where="MODEL",
                               fix="pass the model name as the leaderboard shows it, or --format latex --board ID")
        given = [f"--{k.replace('_', '-')}" for k in ("board", "probe", "split", "models", "caption", "label")
                 if getattr(args, k)] + (["--no-float"] if args.no_float else [])
        if given:
            raise HFBenchError(f"{', '.join(given)}: options of --format latex", where="hf-bench leaderboard export",
                               fix="add --format latex (a board table), or drop them (a model's eval-results YAML)")
    if args.table:
        table = LeaderboardTable.load(args.table)
    elif args.results:
        table = build_table(args.results, progress=False)
    elif Path("leaderboard.parquet").is_file():
        print("reading ./leaderboard.parquet", file=sys.stderr)
        table = LeaderboardTable.load("leaderboard.parquet")
    elif latex:
        print("no --table: the published reference rows only", file=sys.stderr)
        table = reference_table()
    else:
        raise HFBenchError("no scores to export from", where="hf-bench leaderboard export",
                           fix="pass --table leaderboard.parquet or --results RESULTS_DIR")
    if latex:
        return _export_latex(args, table)
    from hf_bench.leaderboard.export import DEFAULT_DATASET_ORG, DEFAULT_SOURCE_URL, write_eval_results

    paths = write_eval_results(table, args.model, args.output or ".", source_kind=args.source,
                               dataset_org=args.dataset_org or DEFAULT_DATASET_ORG,
                               source_url=args.source_url or DEFAULT_SOURCE_URL)
    for p in paths:
        print(p)
    return 0


def _export_latex(args, table) -> int:
    from hf_bench.leaderboard.export import board_table_latex
    from hf_bench.utils.io import atomic_write_text

    models = [m for m in (args.models or "").split(",") if m.strip()] or None
    text = board_table_latex(table, args.board, probe=args.probe, split=args.split, models=models,
                             sources=[args.source] if args.source else None, float_env=not args.no_float,
                             caption=args.caption, label=args.label)
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        out = Path(args.output)
        if out.is_dir():
            raise HFBenchError("--format latex writes one .tex file, not into a folder", where=out,
                               fix=f"pass -o {out / (args.board + '.tex')}")
        atomic_write_text(out, text)
        print(out)
    return 0
