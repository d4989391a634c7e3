"""Whisper's faithful 30 s window against the fast mode (``hf:<whisper>?window=fit``) on the embedded suite.

    .venv/bin/python benchmarks/whisper_window.py [--model hf:openai/whisper-tiny] [--clips 100] [--tasks kws,lid]

For each clip-level embedded task, the first ``--clips`` test clips (generated beforehand: ``hf-bench prepare
--suite embedded``) are encoded by both modes, timed separately (encoder forward only: the audio is decoded once,
before either clock starts), and compared: the mean cosine between the two modes' frames of the last layer and of
the mean over layers, and between their mean-pooled clip embeddings (what the clip probes read).

Without ``--model`` (no Hub access here) a randomly initialised model of whisper-tiny's shape is built from its
config (d_model 384, 4 encoder layers, 1500 positions, 80 mel bands): the speed-up is that of the real
architecture; the cosines of random weights only say how much the padding changes an untrained encoder, so
rerun with a real checkpoint for the figure that matters.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TINY = dict(d_model=384, encoder_layers=4, encoder_attention_heads=6, encoder_ffn_dim=1536, decoder_layers=4,
            decoder_attention_heads=6, decoder_ffn_dim=1536, num_mel_bins=80, max_source_positions=1500)


def random_whisper_tiny(folder: Path) -> str:
    import torch
    import transformers

    if not (folder / "config.json").is_file():
        torch.manual_seed(0)
        transformers.WhisperForConditionalGeneration(transformers.WhisperConfig(**TINY)).save_pretrained(folder)
        transformers.WhisperFeatureExtractor(feature_size=80).save_pretrained(folder)
    return f"hf:{folder}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="an hf: Whisper spec (default: random whisper-tiny shape)")
    ap.add_argument("--clips", type=int, default=100, help="test clips per task (default 100)")
    ap.add_argument("--tasks", default=None, help="comma-separated task names (default: the clip-level embedded "
                                                  "tasks)")
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args()

    import numpy as np
    import torch

    from hf_bench.audio import decode
    from hf_bench.data import load_task_data
    from hf_bench.encoders import load_encoder
    from hf_bench.features.store import default_cache_dir
    from hf_bench.tasks import get_suite, get_task
    from hf_bench.tasks.schema import CLIP_TYPES

    spec = args.model or random_whisper_tiny(ROOT / "build" / "whisper-tiny-random")
    full, fit = load_encoder(spec), load_encoder(spec + ("&" if "?" in spec else "?") + "window=fit")
    data_root = args.data_dir or default_cache_dir() / "data"
    tasks = ([get_task(t) for t in args.tasks.split(",")] if args.tasks else
             [t for t in get_suite("embedded") if t.type in CLIP_TYPES])
    torch.set_num_threads(max(1, torch.get_num_threads()))
    rows = []
    for task in tasks:
        split = load_task_data(task, data_root=data_root, progress=False, only=task.splits[2])[task.splits[2]]
        waves = [torch.from_numpy(decode(r, target_sr=16000, downmix=True)) for r in split.refs[:args.clips]]
        timings, outs = {}, {}
        for name, enc in (("30s", full), ("fit", fit)):
            t0 = time.perf_counter()
            outs[name] = [enc.encode(w[None], torch.tensor([len(w)])) for w in waves]
            timings[name] = time.perf_counter() - t0

        def cos(a, b):
            a, b = a.double(), b.double()
            return torch.nn.functional.cosine_similarity(a, b, dim=-1)

        last, mean_layers, pooled = [], [], []
        for a, b in zip(outs["30s"], outs["fit"]):
            n = int(a.lengths[0])
            ha, hb = torch.stack(a.hidden_states)[:, 0, :n], torch.stack(b.hidden_states)[:, 0, :n]  # [L, T, D]
            last.append(float(cos(ha[-1], hb[-1]).mean()))
            mean_layers.append(float(cos(ha.mean(0), hb.mean(0)).mean()))
            pooled.append(float(cos(ha[-1].mean(0), hb[-1].mean(0))))
        seconds = sum(len(w) for w in waves) / 16000
        rows.append((task.name, len(waves), seconds / len(waves), timings["30s"], timings["fit"],
                     float(np.mean(last)), float(np.mean(mean_layers)), float(np.mean(pooled))))
        print(f"[whisper_window] {task.name}: {timings['30s']:.1f} s -> {timings['fit']:.1f} s", file=sys.stderr)

    print(f"\n{spec} ({'random weights, whisper-tiny shape' if args.model is None else 'checkpoint'}); "
          f"{torch.get_num_threads()} torch thread(s)\n")
    print("| task | clips | mean clip | 30 s window | fit | speed-up | cosine, last layer frames | cosine, "
          "layer-mean frames | cosine, pooled clip |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, n, mean_s, t30, tfit, c_last, c_mean, c_pool in rows:
        print(f"| `{name}` | {n} | {mean_s:.1f} s | {t30:.1f} s | {tfit:.1f} s | {t30 / tfit:.1f}x | {c_last:.3f} | "
              f"{c_mean:.3f} | {c_pool:.3f} |")
    t30, tfit = sum(r[3] for r in rows), sum(r[4] for r in rows)
    print(f"\nall tasks: {t30:.1f} s -> {tfit:.1f} s ({t30 / tfit:.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
