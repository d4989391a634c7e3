"""``hf-bench wu export|score``, ``hf-bench finetune`` and ``hf-bench infer``: the WenetSpeech-Wu workflow."""

from __future__ import annotations

import argparse
from pathlib import Path

from hf_bench.errors import HFBenchError

RAW = argparse.RawDescriptionHelpFormatter


def _label_map(text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    out = {}
    for part in text.split(","):
        name, sep, label = part.partition("=")
        if not sep or not name.strip() or not label.strip():
            raise HFBenchError(f"bad --label-map entry {part!r}", where="--label-map", fix="write NAME=标签,NAME=标签")
        out[name.strip()] = label.strip()
    return out


def _data_args(p, split: str):
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--task", help="an hf_bench task (asr, translation or an age / gender / emotion classification)")
    src.add_argument("--data", type=Path, help="a wenet or swift JSONL file")
    p.add_argument("--split", default=split, help=f"the task split to use (default: {split})")
    p.add_argument("--kind", choices=("asr", "ast", "age", "gender", "emotion"), default=None,
                   help="the Wu task kind (default: from the task type, its class names or the file's prompts)")
    p.add_argument("--label-map", default=None, metavar="NAME=LABEL,...",
                   help="class name -> Wu label for names hf_bench does not know (e.g. 'kid=儿童,teen=少年')")
    p.add_argument("--data-dir", type=Path, default=None, help="where task data lives (default: $HF_BENCH_CACHE/data, else ~/.cache/hf_bench/data)")


def _model_args(p):
    p.add_argument("--model", default=None, help="a Whisper or Qwen2-Audio model (Hub id or local folder)")
    p.add_argument("--encoder", default=None, help="an hf_bench encoder for the speech LLM (mfb, hf:..., file.py:Cls)")
    p.add_argument("--decoder", default=None, help="the speech LLM's causal LM (default: smollm2-135m-instruct)")
    p.add_argument("--device", default="cpu", help="torch device (default: cpu)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def cmd_export(args) -> int:
    from hf_bench.features.store import default_cache_dir
    from hf_bench.tasks.registry import get_task
    from hf_bench.wu.export import task_samples
    from hf_bench.wu.formats import write_samples

    root = args.data_dir or default_cache_dir() / "data"
    out = Path(args.output)
    kind, samples = task_samples(get_task(args.task), args.split, data_root=root,
                                 audio_dir=out.parent / f"{out.stem}_audio", kind=args.kind,
                                 label_map=_label_map(args.label_map), progress=not args.quiet)
    n = write_samples(out, samples, args.format)
    print(f"wrote {n} {args.format} lines ({kind}) to {out}")
    return 0


def cmd_score(args) -> int:
    import json

    from hf_bench.finetune.run import data_samples, save_result
    from hf_bench.wu.score import score_results

    items, md, kind = None, None, args.kind
    if args.task or args.data:
        kind, items, md = data_samples(task=args.task, data=args.data, split=args.split, data_root=args.data_dir,
                                       kind=args.kind, label_map=_label_map(args.label_map))
    score = score_results(args.results, kind=kind, items=items, n_resamples=args.bootstrap)
    if args.json:
        print(json.dumps({"kind": score.kind, "metric": score.metric, "n": score.n, **score.values,
                          "answers": score.rules, "unmapped": len(score.unmapped)}, ensure_ascii=False))
    else:
        print(score.summary())
        for key, answer in score.unmapped[:20]:
            print(f"  unmapped (counted wrong): {key}: {answer!r}")
        if len(score.unmapped) > 20:
            print(f"  ... and {len(score.unmapped) - 20} more")
    if args.output_dir:
        if not args.name:
            raise HFBenchError("a result needs the model's name", where="--output-dir", fix="pass --name MODEL")
        path = save_result(score, md, args.output_dir, model_info=None, adapters=None, name=args.name,
                           probe=args.probe)
        print(f"result: {path}")
    return 0


def cmd_finetune(args) -> int:
    from hf_bench.finetune.lora import LoRASettings
    from hf_bench.finetune.run import finetune

    targets = tuple(t.strip() for t in args.lora_targets.split(",")) if args.lora_targets else None
    settings = LoRASettings(rank=args.lora_rank, alpha=args.lora_alpha, dropout=args.lora_dropout, targets=targets,
                            epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.learning_rate,
                            seed=args.seed, max_new_tokens=args.max_new_tokens)
    meta = finetune(out_dir=args.output, settings=settings, model=args.model, encoder=args.encoder,
                    decoder=args.decoder, task=args.task, data=args.data, split=args.split, kind=args.kind,
                    label_map=_label_map(args.label_map), data_root=args.data_dir, device=args.device,
                    progress=not args.quiet)
    if "base" in meta:
        losses = meta["training"]["losses"]
        first, last = (losses[0]["loss"], losses[-1]["loss"]) if losses else (float("nan"),) * 2
        print(f"adapters: {args.output} ({meta['task']['items']} items, {meta['training']['steps']} steps, loss "
              f"{first:.3f} -> {last:.3f})")
    return 0


def cmd_infer(args) -> int:
    from hf_bench.finetune.run import infer

    score = infer(adapters=args.adapters, out=args.output, model=args.model, encoder=args.encoder,
                  decoder=args.decoder, task=args.task, data=args.data, split=args.split, kind=args.kind,
                  label_map=_label_map(args.label_map), data_root=args.data_dir, device=args.device,
                  batch_size=args.batch_size, max_new_tokens=args.max_new_tokens, results_dir=args.results_dir,
                  name=args.name, progress=not args.quiet)
    print(f"results: {args.output}")
    if score is not None:
        print(score.summary())
    return 0


def register(sub) -> None:
    wu = sub.add_parser("wu", help="WenetSpeech-Wu data: export tasks as wenet / swift JSONL, score swift results",
                        description="WenetSpeech-Wu's two data formats and its scoring. `export` writes any hf_bench "
                        "ASR / translation / age-gender-emotion task as wenet JSONL or ms-swift chat JSONL with the "
                        "five Wu prompts verbatim; `score` scores a results.jsonl from `swift infer` or "
                        "`hf-bench infer`.", formatter_class=RAW)
    wsub = wu.add_subparsers(dest="wu_command", metavar="ACTION", required=True)
    ex = wsub.add_parser("export", help="write a task split as wenet or swift JSONL",
                         description="Write TASK's split as wenet ({key, wav, txt}) or swift ({messages, audios}) "
                         "JSONL. Clips that are not plain files are written as 16 kHz WAVs next to the output "
                         "(<output stem>_audio/).")
    ex.add_argument("task", help="an hf_bench task name or spec file")
    ex.add_argument("--format", choices=("wenet", "swift"), required=True)
    ex.add_argument("-o", "--output", required=True, help="the JSONL file to write")
    ex.add_argument("--split", default="train", help="the split to export (default: train)")
    ex.add_argument("--kind", choices=("asr", "ast", "age", "gender", "emotion"), default=None,
                    help="the Wu kind of a classification task (default: from its class names)")
    ex.add_argument("--label-map", default=None, metavar="NAME=LABEL,...", help="class name -> Wu label")
    ex.add_argument("--data-dir", type=Path, default=None, help="where task data lives (default: $HF_BENCH_CACHE/data, else ~/.cache/hf_bench/data)")
    ex.add_argument("--quiet", action="store_true", help="no progress bars")
    ex.set_defaults(func=cmd_export)

    sc = wsub.add_parser("score", help="score a results.jsonl (swift infer --result_path / hf-bench infer)",
                         description="Score RESULTS: CER %% for ASR (wenet normalisation), BLEU (sacreBLEU zh) for "
                         "AST, accuracy for age / gender / emotion. A class answer is the label it equals after "
                         "normalisation, else the label it names first, else wrong (listed). With --task / --data "
                         "every line must match one item (missing, extra or repeated lines are an error).",
                         formatter_class=RAW)
    sc.add_argument("results", type=Path)
    src = sc.add_mutually_exclusive_group()
    src.add_argument("--task", help="score against this task's items (default: each line's labels)")
    src.add_argument("--data", type=Path, help="score against the items of this wenet / swift JSONL file")
    sc.add_argument("--split", default="test")
    sc.add_argument("--kind", choices=("asr", "ast", "age", "gender", "emotion"), default=None,
                    help="the task kind (default: from the task or the Wu prompt of the lines)")
    sc.add_argument("--label-map", default=None, metavar="NAME=LABEL,...")
    sc.add_argument("--data-dir", type=Path, default=None)
    sc.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the CI (0: none)")
    sc.add_argument("--output-dir", type=Path, default=None,
                    help="also save a TaskResult here for the leaderboard (needs --name)")
    sc.add_argument("--name", default=None, help="the model's name in the leaderboard")
    sc.add_argument("--probe", default="swift", help="the leaderboard probe label of the row (default: swift)")
    sc.add_argument("--json", action="store_true", help="print the scores as one JSON object")
    sc.set_defaults(func=cmd_score)

    ft = sub.add_parser("finetune", help="LoRA fine-tune Whisper, Qwen2-Audio or the speech LLM (Wu prompts)",
                        description="LoRA fine-tuning on the transformers Trainer (peft), as WenetSpeech-Wu's models "
                        "were: --model M (Whisper or Qwen2-Audio), or --encoder E [--decoder LM] for hf_bench's "
                        "speech LLM (encoder frames + adapter + LoRA causal LM). Under `torchrun` / `accelerate launch` the "
                        "processes share the batches and rank 0 writes. "
                        "Writes the adapter folder with hf_bench_adapter.json (base model, revision, fingerprint, "
                        "task, settings, losses).", formatter_class=RAW)
    _model_args(ft)
    _data_args(ft, "train")
    ft.add_argument("-o", "--output", required=True, type=Path, help="the adapter folder to write")
    ft.add_argument("--lora-rank", type=int, default=8, help="LoRA rank (ms-swift default 8)")
    ft.add_argument("--lora-alpha", type=int, default=32, help="LoRA alpha (ms-swift default 32)")
    ft.add_argument("--lora-dropout", type=float, default=0.05, help="LoRA dropout (ms-swift default 0.05)")
    ft.add_argument("--lora-targets", default=None,
                    help="comma-separated module names (default: Whisper q/k/v/out_proj, fc1, fc2; LLMs q/k/v/o, "
                         "gate/up/down_proj of the language model)")
    ft.add_argument("--epochs", type=float, default=3.0)
    ft.add_argument("--batch-size", type=int, default=4)
    ft.add_argument("--learning-rate", type=float, default=1e-4)
    ft.add_argument("--max-new-tokens", type=int, default=128, help="generation cap recorded for infer")
    ft.add_argument("--seed", type=int, default=0)
    ft.set_defaults(func=cmd_finetune)

    inf = sub.add_parser("infer", help="answer a task or a swift JSONL with a (fine-tuned) model; write results.jsonl",
                         description="Run the model (with --adapters from `hf-bench finetune`) on every item and write "
                         "a results.jsonl like `swift infer --result_path` (messages, response, labels, audios, key); "
                         "items with references are scored. The adapter folder names its base model: --model may be "
                         "left out, and a different one is an error.", formatter_class=RAW)
    _model_args(inf)
    _data_args(inf, "test")
    inf.add_argument("--adapters", type=Path, default=None, help="an adapter folder (default: the base model as is)")
    inf.add_argument("-o", "--output", required=True, type=Path, help="results.jsonl to write")
    inf.add_argument("--batch-size", type=int, default=8)
    inf.add_argument("--max-new-tokens", type=int, default=None)
    inf.add_argument("--results-dir", type=Path, default=None, help="also save a TaskResult here (leaderboard)")
    inf.add_argument("--name", default=None, help="the row's model name (default: base name + '+LoRA')")
    inf.set_defaults(func=cmd_infer)


__all__ = ["register"]
