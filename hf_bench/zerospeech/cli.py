"""``hf-bench zerospeech init|validate|run|features|download``: a drop-in for the ZeroSpeech ``zrc`` toolkit.

Imports stay inside the handlers so that ``hf-bench --help`` does not load pandas, scipy or torch.
"""

from __future__ import annotations

import argparse
import sys

from hf_bench.zerospeech.constants import BENCHMARKS, SEMANTIC_TYPES, SETS, TASKS

_ALL_TASKS = sorted({t for ts in TASKS.values() for t in ts})


def _benchmark(value: str) -> str:
    for b in BENCHMARKS:
        if value.lower() == b.lower():
            return b
    raise argparse.ArgumentTypeError(f"unknown benchmark {value!r} (choose from {', '.join(BENCHMARKS)})")


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr)


def register(subparsers) -> None:
    zs = subparsers.add_parser(
        "zerospeech", help="ZeroSpeech sLM21 / ProsAudit: init, validate, run, features, download",
        description="ZeroSpeech sLM21 (sWUGGY, sBLIMP, sSIMI) and ProsAudit, compatible with zerospeech-benchmarks "
                    "0.9.4 (same files, same numbers) without its bugs. Typical flow: init -> features -> "
                    "validate -> run.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  hf-bench zerospeech download sLM21 ~/zr-data/datasets\n"
               "  hf-bench zerospeech init sLM21 my_submission\n"
               "  hf-bench zerospeech features --encoder mfb ~/zr-data/datasets/sLM21-dataset my_submission\n"
               "  hf-bench zerospeech validate sLM21 my_submission --dataset ~/zr-data/datasets/sLM21-dataset\n"
               "  hf-bench zerospeech run sLM21 my_submission --dataset ~/zr-data/datasets/sLM21-dataset\n")
    sub = zs.add_subparsers(dest="zerospeech_command", metavar="COMMAND")
    zs.set_defaults(func=lambda args: (zs.print_help(), 2)[1])
    bench_kw = dict(type=_benchmark, metavar="{" + ",".join(BENCHMARKS) + "}", help="the benchmark")

    p = sub.add_parser("init", help="create an empty submission (complete layout, params.yaml, meta.yaml)",
                       description="Create an empty submission folder for BENCHMARK: the complete layout the "
                       "validator expects, plus params.yaml and meta.yaml to fill in.")
    p.add_argument("benchmark", **bench_kw)
    p.add_argument("directory", metavar="DIR", help="new submission directory (must not exist or be empty)")
    p.set_defaults(func=_init)

    def selection(p: argparse.ArgumentParser) -> None:
        p.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS), metavar="SET",
                       help="dataset sets to use: dev test (default: both)")
        p.add_argument("--tasks", nargs="+", default=None, metavar="TASK",
                       help="sLM21: lexical syntactic semantic; prosAudit: english (default: all)")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress bars or file-by-file messages")

    p = sub.add_parser("validate", help="check a submission against the dataset (exit code 1 on errors)",
                       description="Check a submission folder against the dataset in its official layout; each "
                       "problem is listed with its file. Exit code 1 when problems are found.")
    p.add_argument("benchmark", **bench_kw)
    p.add_argument("directory", metavar="DIR", help="submission directory")
    p.add_argument("--dataset", required=True, metavar="DATASET_DIR",
                   help="dataset directory in the official layout (with or without index.json)")
    selection(p)
    p.set_defaults(func=_validate)

    p = sub.add_parser("run", help="validate, then write the original's score CSVs and scores.json",
                       description="Validate the submission (unless --skip-validation), then score it: the "
                       "original's score CSVs and a scores.json that `hf-bench leaderboard build` reads.")
    p.add_argument("benchmark", **bench_kw)
    p.add_argument("directory", metavar="DIR", help="submission directory")
    p.add_argument("--dataset", required=True, metavar="DATASET_DIR",
                   help="dataset directory in the official layout (with or without index.json)")
    p.add_argument("-o", "--output-dir", metavar="SCORES_DIR", default=None, help="where to write (default: DIR/scores)")
    p.add_argument("--skip-validation", action="store_true",
                   help="score without validating first (missing or NaN scores then lose their pair)")
    selection(p)
    p.set_defaults(func=_run)

    p = sub.add_parser("features", help="write semantic/ frame features (float64 .npy) with an hf_bench encoder",
                       description="Write the semantic/ frame features of a submission (float64 .npy per wav) "
                       "with an hf_bench encoder, for sSIMI.")
    p.add_argument("--encoder", required=True, help="hf_bench encoder spec, e.g. mfb or hf:facebook/wav2vec2-base")
    p.add_argument("dataset", metavar="DATASET_DIR", help="sLM21 dataset directory (with the semantic wavs)")
    p.add_argument("directory", metavar="DIR", help="submission directory (created by init)")
    p.add_argument("--layer", default="last", help="hidden layer: 'last' (default) or an index")
    p.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS), metavar="SET", help="dev test (default: both)")
    p.add_argument("--types", nargs="+", choices=SEMANTIC_TYPES, default=None, metavar="TYPE",
                   help="synthetic librispeech (default: those enabled in params.yaml)")
    p.add_argument("--batch-size", type=int, default=8, help="files per encoder batch (default 8)")
    p.add_argument("--cache-dir", default=None, help="feature cache (default: $HF_BENCH_CACHE or ~/.cache/hf_bench)")
    p.add_argument("--overwrite", action="store_true", help="recompute every file, even valid ones")
    p.add_argument("-q", "--quiet", action="store_true", help="fewer messages")
    p.set_defaults(func=_features)

    p = sub.add_parser("download", help="download, md5-check and unpack the official dataset archive",
                       description="Download the official dataset archive of BENCHMARK (or use --archive), check "
                       "its md5 and unpack it under DEST. Needs the network unless --archive is given.")
    p.add_argument("benchmark", **bench_kw)
    p.add_argument("dest", metavar="DEST", help="directory that will hold <dataset name>/ (e.g. ~/zr-data/datasets)")
    p.add_argument("--url", default=None, help="archive URL (default: the official one; required for prosAudit)")
    p.add_argument("--md5", default=None, help="expected md5 (default: the official one for the official URL)")
    p.add_argument("--archive", default=None, metavar="FILE", help="use an archive already downloaded")
    p.add_argument("--keep-archive", action="store_true", help="keep the downloaded archive after unpacking")
    p.add_argument("--timeout", type=float, default=30.0, help="network timeout in seconds (default 30)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_download)


def _init(args) -> int:
    from hf_bench.zerospeech.submission import init_submission

    created = init_submission(args.benchmark, args.directory)
    print(f"created {args.benchmark} submission {created[0]}")
    for path in created[1:]:
        print(f"  {path.relative_to(created[0])}{'/' if path.is_dir() else ''}")
    print(f"next: fill in meta.yaml, add your scores/features (see {created[0] / 'help.md'}), then run "
          f"`hf-bench zerospeech validate {args.benchmark} {created[0]} --dataset DATASET_DIR`")
    return 0


def _validate(args) -> int:
    from hf_bench.zerospeech.validate import validate_submission

    report = validate_submission(args.benchmark, args.directory, args.dataset, sets=args.sets, tasks=args.tasks,
                                 progress=not args.quiet)
    print(report.render())
    return 0 if report.ok else 1


def _run(args) -> int:
    from hf_bench.zerospeech.run import run_benchmark

    result = run_benchmark(args.benchmark, args.directory, args.dataset, output_dir=args.output_dir, sets=args.sets,
                           tasks=args.tasks, skip_validation=args.skip_validation, progress=not args.quiet,
                           log=None if args.quiet else _stderr)
    if result.report is not None and (result.report.issues and (not result.report.ok or not args.quiet)):
        print(result.report.render(), file=sys.stdout if not result.report.ok else sys.stderr)
    if not result.ok:
        print("nothing was scored; fix the errors above (or pass --skip-validation)", file=sys.stderr)
        return 1
    for note in result.notes:
        _stderr(f"warning: {note}")
    width = max(len(k) for k in result.scores)
    print(f"{'score':<{width}}  {'dev':>9}  {'test':>9}")
    for name, values in result.scores.items():
        cells = ["-" if values[s] is None else f"{values[s]:.4f}" for s in SETS]
        print(f"{name:<{width}}  {cells[0]:>9}  {cells[1]:>9}")
    print(f"scores written to {result.output_dir} ({result.scores_json.name} + {len(result.files)} CSV files)")
    return 0


def _features(args) -> int:
    from hf_bench.zerospeech.features import extract_semantic_features

    result = extract_semantic_features(args.encoder, args.dataset, args.directory, layer=args.layer, sets=args.sets,
                                       types=args.types, cache_dir=args.cache_dir, batch_size=args.batch_size,
                                       overwrite=args.overwrite, progress=not args.quiet,
                                       log=None if args.quiet else _stderr)
    print(f"semantic features: {len(result.written)} written, {len(result.skipped)} already there "
          f"({result.total} files; encoder recorded in {result.stamp})")
    return 0


def _download(args) -> int:
    from hf_bench.zerospeech.download import download_dataset

    root = download_dataset(args.benchmark, args.dest, url=args.url, md5=args.md5, archive=args.archive,
                            keep_archive=args.keep_archive, timeout=args.timeout, progress=not args.quiet,
                            log=_stderr)
    print(f"use --dataset {root}")
    return 0
