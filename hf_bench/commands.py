"""Core commands: ``run``, ``tasks``, ``prepare`` and ``check-encoder``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _encoder_help() -> str:
    from hf_bench.encoders import SPEC_FORMS

    return "encoder to evaluate:\n  " + "\n  ".join(SPEC_FORMS) + "\n(hub ids must already be in the local HF cache offline)"


def _probe_help() -> str:
    from hf_bench.probes.registry import PROBES

    lines = [f"  {p.name:<5} {', '.join(sorted(p.task_types))}: {p.summary}" for p in PROBES]
    return "probes to run (default: every probe that serves each task):\n" + "\n".join(lines)


def _protocol_help() -> str:
    from hf_bench.pipeline.config import PROTOCOLS, Protocol

    x = PROTOCOLS["xares"]
    lines = [f"  {k}={'|'.join(str(c).lower() for c in Protocol.CHOICES[k])} (xares: {str(getattr(x, k)).lower()})"
             for k in Protocol.CHOICES]
    return "change one protocol setting, KEY=VALUE (repeatable):\n" + "\n".join(lines)


def _seed(text: str) -> int:
    value = int(text)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError("must be an integer between 0 and 2**32 - 1")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def _threads(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a whole number of at least 1")
    return value


def _resamples(text: str) -> int:
    value = int(text)
    if value != 0 and value < 10:
        raise argparse.ArgumentTypeError("use 0 (no confidence interval) or at least 10 resamples (1000 recommended)")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    fmt = argparse.RawTextHelpFormatter
    p = sub.add_parser(
        "run", formatter_class=fmt, help="evaluate one encoder on a set of tasks (MLP + kNN probes)",
        description="Evaluate one frozen encoder on tasks: decode and encode every clip once into the feature store\n"
                    "(pooled and/or frame features, as the probes need), train the probes on them, score the test\n"
                    "split, write one result JSON per (encoder, task, probe), a scorecard (JSON, Markdown, LaTeX,\n"
                    "PNG/SVG/PDF figure) and print a summary table. Rerunning the same command reuses stored\n"
                    "features and results; an interrupted run resumes. Several processes: accelerate launch /\n"
                    "torchrun probe.py (same options).",
        epilog="examples:\n  hf-bench run --encoder mfb --suite embedded\n"
               "  hf-bench run --encoder hf:./my-wavlm --task kws lid --layer weighted --json\n"
               "  hf-bench run --encoder my_enc.py:MyEncoder --task ./birds.yaml --probe knn\n"
               "  hf-bench run --encoder my_enc.py:MyEncoder --task esc50 desed --compat xares")
    p.add_argument("--encoder", required=True, help=_encoder_help())
    sel = p.add_argument_group("task selection (neither: the embedded suite)")
    sel.add_argument("--suite", nargs="+", default=[], metavar="SUITE", help="built-in suites: embedded (the default "
                     "when no --task is given either),\nembedded_full, xares, ... (`hf-bench tasks` says which is which)")
    sel.add_argument("--task", nargs="+", default=[], metavar="TASK",
                     help="task names (see `hf-bench tasks`) or task spec files (.yaml/.json)")
    from hf_bench.probes.registry import probe_names

    p.add_argument("--probe", nargs="+", default=None, choices=list(probe_names()), help=_probe_help())
    p.add_argument("--layer", default="last",
                   help="hidden layer(s): last (default), an index N (negative counts from the end), 'mean' (average\n"
                        "of all layers), 'weighted' (learned softmax mix of all layers; kNN uses their mean) or 'all'\n"
                        "(evaluate every layer separately: one scorecard per layer; encoded once)")
    p.add_argument("--output-dir", type=Path, default=Path("results"), help="where results go (default: ./results)")
    p.add_argument("--cache-dir", type=Path, default=None,
                   help="feature + data cache (default: $HF_BENCH_CACHE or ~/.cache/hf_bench)")
    p.add_argument("--data-dir", type=Path, default=None, help="task data (default: <cache-dir>/data)")
    p.add_argument("--seed", type=_seed, default=42, help="seed of the probes and the bootstrap (default: 42)")
    p.add_argument("--bootstrap", type=_resamples, default=1000, metavar="N",
                   help="bootstrap resamples for the 95%% confidence interval (0 disables, else >= 10; default 1000)")
    p.add_argument("--rerun", action="store_true", help="retrain probes even when an identical result exists")
    p.add_argument("--skip-missing", action="store_true",
                   help="run the selected tasks whose data is on this machine and list the others in the scorecard\n"
                        "(default: stop before any work, listing every task without data and how to get it)")
    p.add_argument("--device", default="cpu", help="torch device for the encoder (default: cpu)")
    p.add_argument("--trust-remote-code", action="store_true", help="allow custom code from hf: model repos (off by default)")
    p.add_argument("--batch-seconds", type=_positive, default=160.0, metavar="S",
                   help="max padded audio seconds per encoder batch (> 0; default 160)")
    p.add_argument("--threads", type=_threads, default=None, metavar="N",
                   help="CPU threads for decoding + encoding in total (default: $HF_BENCH_THREADS, else the cores\n"
                        "free when encoding starts, measured over 0.1 s: a busy shared machine gets fewer threads\n"
                        "instead of oversubscribed ones); the next shard is decoded while one is encoded",)
    proto = p.add_argument_group("evaluation protocol")
    proto.add_argument("--compat", choices=["default", "xares"], default="default",
                       help="'xares': reproduce xares 0.1.3 where it differs from hf_bench (padded pooling, torchaudio\n"
                            "resampling, per-dimension kNN normalisation, best epoch on the test split/fold, crop\n"
                            "de-duplication, X-ARES frame labels; ASR: teacher-forced checkpoint selection, no frame\n"
                            "stacking, raw transcripts, padded layout, 200 new tokens; Clotho: trainable embedding text\n"
                            "tower, unmasked InfoNCE); results go to <encoder>+xares/ (default: default)")
    proto.add_argument("--protocol", nargs="+", default=[], metavar="KEY=VALUE", help=_protocol_help())
    frames = p.add_argument_group("frame-level tasks")
    frames.add_argument("--frame-dtype", choices=["float32", "float16"], default="float32",
                        help="storage type of frame features (float16 halves the disk they take; default float32)")
    frames.add_argument("--max-cache-gb", type=_positive, default=50.0, metavar="GB",
                        help="refuse to extract frame features estimated to take more than this (default 50)")
    frames.add_argument("--max-frames", type=int, default=65536, metavar="N",
                        help="padded frames per training batch of a frame probe, bounds its memory (default 65536)")
    text = p.add_argument_group("decoder probes (asr, retrieval)")
    text.add_argument("--decoder", default=None, metavar="ID_OR_PATH",
                      help="frozen causal LM of the asr probe, for every asr task: a Hub id (id@revision), a local\n"
                           "folder, a .gguf file or a built-in name (smollm2-135m-instruct); default: each task's\n"
                           "own (LibriSpeech: Qwen/Qwen2.5-0.5B). Must be cached or local: nothing is downloaded")
    text.add_argument("--text-encoder", default=None, metavar="ID_OR_PATH",
                      help="frozen sentence encoder of the retrieval probe's text tower: a Hub id, a local folder or\n"
                           "a built-in name (all-minilm-l6-v2, shipped by a pip package); default: each task's own")
    text.add_argument("--lora-model", default=None, metavar="ID_OR_PATH",
                      help="lora probe: fine-tune this Whisper or Qwen2-Audio model end to end on the waveforms\n"
                           "(default: hf_bench's speech LLM, the encoder's frames + adapter + --decoder with LoRA)")
    p.add_argument("--scorecard-panels", nargs="+", choices=["raw", "normalized"], default=["normalized"],
                   metavar="PANEL",
                   help="panels of the scorecard figure, top to bottom: normalized (each score as (score - worst) /\n"
                        "(best - worst) of its metric, as the weighted average counts it; the default) and/or raw\n"
                        "(the scores as printed, in metric units); `--scorecard-panels raw normalized`: both, for a\n"
                        "paper. A rerun with other panels redraws the figure from the stored results")
    p.add_argument("--json", action="store_true",
                   help='print only a JSON summary: {task: {probe: main_score}, "weighted_average": {probe: value}}')
    p.add_argument("--quiet", action="store_true", help="no progress bars (they are also off when stderr is not a terminal: logs stay clean)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("tasks", help="list tasks with type, domain, metric and sizes",
                       description="List built-in tasks (or the tasks of task spec files).")
    p.add_argument("--suite", default=None, help="only this suite (embedded, embedded_full, embedded_fr, xares, "
                                                  "lebenchmark)")
    p.add_argument("--task", nargs="+", default=[], help="only these task names / spec files")
    p.add_argument("--type", nargs="+", default=None, metavar="TYPE",
                   help="only these task types (clip_classification, asr, frame_multilabel, ...)")
    p.add_argument("--domain", nargs="+", default=None, choices=["speech", "sound", "music"],
                   help="only these domains")
    p.add_argument("--language", nargs="+", default=None, metavar="CODE",
                   help="only tasks listing one of these ISO 639-3 codes (eng, fra, cmn, wuu; zxx: no speech)")
    p.add_argument("--benchmark", nargs="+", default=None, metavar="NAME",
                   help="only these benchmarks (embedded, xares, lebenchmark, wenetspeech_wu, custom)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="where downloaded and licensed corpora are looked for (default: $HF_BENCH_CACHE/data, "
                        "else ~/.cache/hf_bench/data; a corpus task reads <data-dir>/corpora/<folder>)")
    p.add_argument("--json", action="store_true", help="print the full metadata as JSON")
    p.set_defaults(func=cmd_tasks)

    p = sub.add_parser("prepare", help="generate or download task data ahead of a run",
                       description="Make the data of tasks available locally: generate the embedded suite, check "
                                   "local task specs, or download Zenodo/Hub data (needs the network).")
    p.add_argument("--suite", nargs="+", default=[], help="suites to prepare")
    p.add_argument("--task", nargs="+", default=[], help="tasks to prepare")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="task data (default: $HF_BENCH_CACHE/data, else ~/.cache/hf_bench/data)")
    p.add_argument("--force", action="store_true", help="download / regenerate even if the data is already there")
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("check-encoder", formatter_class=fmt, help="validate an encoder and explain any failure",
                       description="Run the X-ARES encoder checks plus hf_bench's (rank, hop, dimension stability, "
                                   "NaN/Inf, variable lengths, determinism) on synthetic audio.")
    p.add_argument("encoder", help=_encoder_help())
    p.add_argument("--device", default="cpu", help="torch device (default: cpu)")
    p.add_argument("--revision", default=None, help="hub revision for hf: encoders")
    p.add_argument("--trust-remote-code", action="store_true", help="allow custom code from hf: model repos")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_check_encoder)


def selected_tasks(args, log) -> list:
    """The tasks of ``--suite``/``--task``; suite tasks that no selected probe serves are skipped with a message
    (a task named with --task fails loudly instead)."""
    from hf_bench.probes.registry import probes_for
    from hf_bench.tasks import get_task, resolve_tasks

    if not args.suite and not args.task:
        args.suite = ["embedded"]  # the quick start: hf-bench run --encoder mfb
        log("no --suite or --task: running the embedded suite")
    tasks = resolve_tasks(suites=args.suite, tasks=args.task)
    named = {get_task(t).name for t in args.task}
    probes = tuple(dict.fromkeys(args.probe)) if args.probe else None
    skipped = [t for t in tasks if not probes_for(t, probes) and t.name not in named]
    if skipped:
        log(f"skipping {len(skipped)} task(s) that no selected probe serves yet: "
            + ", ".join(f"{t.name} ({t.type})" for t in skipped))
    return [t for t in tasks if t not in skipped]


def run_config(args):
    from hf_bench.pipeline import PROTOCOLS, RunConfig

    return RunConfig(encoder=args.encoder, layer=args.layer,
                     probes=tuple(dict.fromkeys(args.probe)) if args.probe else None,
                     output_dir=args.output_dir, cache_dir=args.cache_dir, data_dir=args.data_dir, seed=args.seed,
                     bootstrap=args.bootstrap, rerun=args.rerun,
                     # bars only on a terminal: logs and CI output get the per-task lines, no carriage returns
                     progress=not (args.quiet or args.json) and sys.stderr.isatty(),
                     device=args.device, trust_remote_code=args.trust_remote_code,
                     max_batch_seconds=args.batch_seconds, threads=args.threads,
                     suite="+".join(args.suite) if args.suite and not args.task else None,
                     protocol=PROTOCOLS[args.compat].with_settings(args.protocol), frame_dtype=args.frame_dtype,
                     max_cache_gb=args.max_cache_gb, max_frames=args.max_frames, decoder=args.decoder,
                     text_encoder=args.text_encoder, lora_model=args.lora_model,
                     skip_missing=args.skip_missing,
                     scorecard_panels=tuple(dict.fromkeys(args.scorecard_panels)))


def cmd_run(args) -> int:
    from hf_bench.pipeline import evaluate_encoder, render_table, summary_json

    log = (lambda msg: print(msg, file=sys.stderr)) if not args.json else (lambda msg: None)
    tasks = selected_tasks(args, log)
    config = run_config(args)
    outcome = evaluate_encoder(config, tasks, log=log)
    if args.json:
        print(json.dumps(summary_json(outcome.scorecards), indent=2))
        return 0
    for layer, card in outcome.scorecards.items():
        print()
        mode = "" if card.protocol == "default" else f", protocol {card.protocol}"
        print(f"{card.encoder.name}  (fingerprint {card.encoder.fingerprint[:12]}, {len(card.scores)} tasks{mode})")
        print(render_table(card, outcome.rows(layer)))
        print(f"scorecard: {outcome.scorecard_paths[layer]}  (+ .md, .tex, .png, .svg, .pdf)")
    t = outcome.timings
    reused = sum(v for o in outcome.tasks for v in o.reused.values())
    print(f"\ntime {t['total_s']:.1f}s: load {t['load_s']:.1f}s, decode {t['decode_s']:.1f}s, encode "
          f"{t['encode_s']:.1f}s, probes {t['probe_s']:.1f}s, scoring {t['score_s']:.1f}s"
          + (f"; threads {t['threads_torch']:.0f} encode + {t['threads_decode']:.0f} decode" if "threads_torch" in t
             else "")
          + (f"; {reused} result(s) reused from an identical earlier run (--rerun to retrain)" if reused else ""))
    return 0


def cmd_tasks(args) -> int:
    from hf_bench.probes.registry import probes_for
    from hf_bench.tasks import all_tasks, get_suite, get_task
    from hf_bench.tasks.registry import SUITE_SUMMARIES, filter_tasks, suites_of

    if args.task:
        tasks = [get_task(t) for t in args.task]
    elif args.suite:
        tasks = list(get_suite(args.suite))
    else:
        tasks = list(all_tasks().values())
    tasks = filter_tasks(tasks, types=args.type, domains=args.domain, languages=args.language,
                         benchmarks=args.benchmark)
    if not tasks:
        print("no task matches these filters (hf-bench tasks without filters lists them all)")
        return 1
    if args.json:
        print(json.dumps([t.model_dump(mode="json") for t in tasks], indent=2, ensure_ascii=False))
        return 0
    from hf_bench.features.store import default_cache_dir

    rows, absent = [], []
    data_dir = args.data_dir or default_cache_dir() / "data"
    for t in tasks:
        if t.splits is not None:
            sizes = "/".join(str(t.sizes.get(s, "?")) for s in t.splits)
        else:
            sizes = (f"{len(t.folds)} folds x ~{round(sum(t.sizes.values()) / len(t.sizes))}" if t.sizes
                     else f"{len(t.folds)} folds")
        chance = "-" if t.chance_level is None else f"{t.chance_level:.3f}"
        probes = [p.name for p in probes_for(t)]
        state = _data_state(t, data_dir)
        if state[1]:
            absent.append((t, state[1]))
        langs = ",".join(t.languages[:3]) + (f"+{len(t.languages) - 3}" if len(t.languages) > 3 else "")
        rows.append([t.name, t.benchmark, t.type, t.domain, langs or "-", f"{t.metric}:{t.main_score}",
                     sizes, str(t.eval_weight), chance, " ".join(dict.fromkeys(probes)) or "none yet", ",".join(suites_of(t)) or "-", state[0]])
    headers = ["task", "benchmark", "type", "domain", "languages", "metric", "train/valid/test", "weight", "chance",
               "probes", "suites", "data"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    print(f"\n{len(rows)} tasks. 'probes': what a run uses by default; 'mlp' is each task's trained probe (X-ARES's "
          "MLP column): a linear head, an adapter into a frozen LM (asr) or two towers (retrieval); ctc / seq2seq "
          "/ gru are LeBenchmark's downstream heads; lora is WenetSpeech-Wu's LoRA fine-tune. 'data': generated on "
          "demand, ready, or absent (see below).")
    if absent:
        print(f"\nData not on this machine (looked in {data_dir}):")
        for t, why in absent:
            print(f"  {t.name}: {why}")
    print("\nSuites (--suite NAME):")
    for name, summary in SUITE_SUMMARIES.items():
        print(f"  {name:<14} {summary}")
    return 0


def _data_state(task, data_dir: Path) -> tuple[str, str | None]:
    """(short state for the table, why it is absent and how to get it, or None)."""
    from hf_bench.data import missing_task_data

    kind = task.source.kind
    if kind == "generator":
        return "generated", None
    if kind in ("hub", "local"):
        return kind, None
    why = missing_task_data(task, data_root=data_dir)
    if why is None:
        return "ready", None
    if kind == "corpus":
        from hf_bench.data.corpora import get_reader

        reader = get_reader(task.source.reader)
        if reader.downloadable:
            return "absent (download)", why
        return ("absent (fetch it)" if reader.licence.startswith("public") else "absent (licensed)"), why
    return "absent (download)", why


def cmd_prepare(args) -> int:
    from hf_bench.data import download_task_data, load_task_data
    from hf_bench.data.fingerprint import duplicate_audio
    from hf_bench.features.store import default_cache_dir
    from hf_bench.tasks import resolve_tasks

    data_dir = args.data_dir or default_cache_dir() / "data"
    bars = sys.stderr.isatty()  # per-clip / per-file bars on a terminal; logs get one line per task
    for task in resolve_tasks(suites=args.suite, tasks=args.task):
        print(download_task_data(task, data_root=data_dir, progress=bars, force=args.force), flush=True)
        if task.source.kind == "generator":
            continue  # distinct by construction
        within, across = duplicate_audio(load_task_data(task, data_root=data_dir, progress=False))
        for split, pairs in within.items():
            print(f"  {task.name}: {len(pairs)} duplicate clip(s) within {split} (e.g. {pairs[0][0]} = {pairs[0][1]})")
        if across:
            a_split, a_id, b_split, b_id = across[0]
            print(f"  {task.name}: {len(across)} clip(s) with the same audio in two splits (e.g. {a_id} in {a_split}"
                  f" = {b_id} in {b_split})")
    return 0


def cmd_check_encoder(args) -> int:
    from hf_bench.encoders.check import check_encoder

    report = check_encoder(args.encoder, device=args.device, trust_remote_code=args.trust_remote_code,
                           revision=args.revision)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.render())
    return 0 if report.ok else 1
