"""Difficulty check of the embedded suite with a cheap proxy of the ``mfb`` baseline.

For every embedded task: generate the data (or reuse it), compute an 80-band log-mel spectrogram (25 ms Hann
window, 10 ms hop) of each clip, mean-pool it over time, standardise with train statistics, and fit

* classification: multinomial logistic regression -> test accuracy;
* multi-label:    one-vs-rest logistic regression decision scores -> macro average precision (mAP);
* regression:     ridge regression -> concordance correlation coefficient (CCC).

The regularisation strength is picked on the valid split; the model is refit on train only (like the probes).
Target per task: clearly above chance and clearly below perfect (accuracy in [chance + 0.15, 0.92], CCC in
[0.2, 0.9]). With ``--mfb`` the features come from ``hf_bench.encoders.load_encoder("mfb")`` instead (mean over
frames of its last layer), which checks the proxy against the real baseline front end.

    .venv/bin/python benchmarks/embedded_difficulty.py --data-dir /tmp/hf_bench_embedded [--tasks kws pitch] [--mfb]

``--pick-test-programs`` reproduces the choice of ``hf_bench.data.synth.music.TEST_PROGRAMS``: for each GM family,
the pair of programs whose notes (mfb features, per-clip normalised) are, in the worst case, most similar to the
family's other six programs relative to the most similar program of any other family.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

SR = 16000
WIN, HOP, NFFT, NMELS = 400, 160, 512, 80


def _mel_matrix() -> np.ndarray:
    from transformers.audio_utils import mel_filter_bank

    return mel_filter_bank(num_frequency_bins=NFFT // 2 + 1, num_mel_filters=NMELS, min_frequency=20.0,
                           max_frequency=SR / 2, sampling_rate=SR, norm=None, mel_scale="kaldi").astype(np.float32)


def logmel_mean(audio: np.ndarray, mel: np.ndarray) -> np.ndarray:
    n = 1 + max(0, (len(audio) - WIN) // HOP)
    idx = np.arange(WIN)[None, :] + HOP * np.arange(n)[:, None]
    frames = audio[idx] * np.hanning(WIN).astype(np.float32)
    power = np.abs(np.fft.rfft(frames, n=NFFT)) ** 2
    return np.log(power @ mel + 1e-6).mean(axis=0)


def _read_split(folder: Path, split: str):
    import soundfile as sf

    rows = [json.loads(line) for line in (folder / split / "manifest.jsonl").read_text().splitlines() if line]
    audio = [sf.read(folder / split / r["audio"], dtype="float32")[0] for r in rows]
    return audio, [r["label"] for r in rows]


def _features(audio: list[np.ndarray], mel: np.ndarray, encoder=None) -> np.ndarray:
    if encoder is None:
        return np.stack([logmel_mean(a, mel) for a in audio])
    import torch

    out = []
    for a in audio:
        wav = torch.from_numpy(a)[None]
        res = encoder.encode(wav, torch.tensor([len(a)]))
        h = res.hidden_states[-1][0, : int(res.lengths[0])]
        out.append(h.mean(0).numpy())
    return np.stack(out)


def ccc(y: np.ndarray, p: np.ndarray) -> float:
    my, mp = y.mean(), p.mean()
    cov = ((y - my) * (p - mp)).mean()
    return float(2 * cov / (y.var() + p.var() + (my - mp) ** 2))


def evaluate(task, X: dict, Y: dict) -> dict:
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.metrics import accuracy_score, average_precision_score
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X["train"])
    Xs = {k: scaler.transform(v) for k, v in X.items()}
    grid = [0.001, 0.01, 0.1, 1.0, 10.0]
    if task.type == "clip_classification":
        def fit(c):
            return LogisticRegression(C=c, max_iter=3000).fit(Xs["train"], Y["train"])

        def score(m, s):
            return accuracy_score(Y[s], m.predict(Xs[s]))
    elif task.type == "clip_multilabel":
        def onehot(ls):
            return np.array([[int(c in row) for c in task.labels] for row in ls])

        Y = {k: onehot(v) for k, v in Y.items()}

        def fit(c):
            return OneVsRestClassifier(LogisticRegression(C=c, max_iter=3000)).fit(Xs["train"], Y["train"])

        def score(m, s):
            return average_precision_score(Y[s], m.decision_function(Xs[s]), average="macro")
    else:
        Y = {k: np.asarray(v, dtype=np.float64) for k, v in Y.items()}
        grid = [0.1, 1.0, 10.0, 100.0, 1000.0]

        def fit(a):
            return Ridge(alpha=a).fit(Xs["train"], Y["train"])

        def score(m, s):
            return ccc(Y[s], m.predict(Xs[s]))
    best = max(grid, key=lambda c: score(fit(c), "valid"))
    model = fit(best)
    return {"train": score(model, "train"), "valid": score(model, "valid"), "test": score(model, "test"),
            "hyper": best}


def pick_test_programs() -> dict[str, tuple[int, int]]:
    import itertools

    import torch

    from hf_bench.data.synth._tools import Note, render_notes
    from hf_bench.data.synth.music import FAMILIES, FAMILY_KEYS, audible, family_programs
    from hf_bench.encoders import load_encoder

    encoder = load_encoder("mfb")
    rng = np.random.default_rng(0)
    feats = {}
    for family in FAMILIES:
        lo, hi = FAMILY_KEYS[family]
        for program in family_programs(family):
            rows = []
            for key in np.linspace(lo, hi, 6).astype(int):
                for velocity in (70, 120):
                    if not audible(program, int(key)):
                        continue
                    a = render_notes([Note(program, int(key), velocity, 0.05, 0.9)], 1.5)
                    a = (a / np.abs(a).max() * 0.5 + rng.standard_normal(len(a)) * 3e-3).astype(np.float32)
                    out = encoder.encode(torch.from_numpy(a)[None], torch.tensor([len(a)]))
                    h = out.hidden_states[-1][0].mean(0).numpy()
                    h = (h - h.mean()) / h.std()
                    rows.append(h / np.linalg.norm(h))
            feats[program] = np.stack(rows)
    family_of = {p: f for f in FAMILIES for p in family_programs(f)}

    def sim(p, q):  # how well q's renders cover p's: mean over p's renders of the best cosine match
        return float((feats[p] @ feats[q].T).max(axis=1).mean())

    sims = {(p, q): sim(p, q) for p in feats for q in feats if p != q}
    picked = {}
    for family in FAMILIES:
        programs = family_programs(family)

        def worst_margin(pair, programs=programs, family=family):
            train = [q for q in programs if q not in pair]
            return min(max(sims[p, q] for q in train) - max(sims[p, q] for q in feats if family_of[q] != family)
                       for p in pair)

        picked[family] = max(itertools.combinations(programs, 2), key=worst_margin)
        print(f"{family:22s} {picked[family]}  worst margin {worst_margin(picked[family]):+.3f}")
    return picked


def main(argv: list[str] | None = None) -> int:
    from hf_bench.data.synth import generate, is_up_to_date
    from hf_bench.tasks.embedded import EMBEDDED_TASKS

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, help="where the suite is generated (reused if current)")
    ap.add_argument("--tasks", nargs="+", default=None, help="only these tasks")
    ap.add_argument("--limit", type=int, default=None, help="only the first N clips of each split")
    ap.add_argument("--mfb", action="store_true", help="features from hf_bench's mfb encoder instead of the proxy")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--pick-test-programs", action="store_true", help="print the instrument task's test programs")
    args = ap.parse_args(argv)
    if args.pick_test_programs:
        pick_test_programs()
        return 0
    if args.data_dir is None:
        ap.error("--data-dir is required")

    mel = _mel_matrix()
    encoder = None
    if args.mfb:
        from hf_bench.encoders import load_encoder

        encoder = load_encoder("mfb")
    results = {}
    print(f"{'task':12s} {'metric':9s} {'chance':>6s} {'train':>6s} {'valid':>6s} {'test':>6s}  target  gen_s  feat_s")
    for task in EMBEDDED_TASKS:
        if args.tasks and task.name not in args.tasks:
            continue
        folder = args.data_dir / task.name
        t0 = time.time()
        if not is_up_to_date(task, folder, limit_per_split=args.limit):
            generate(task, folder, limit_per_split=args.limit, progress=sys.stderr.isatty())
        t1 = time.time()
        X, Y = {}, {}
        for split in task.splits:
            audio, Y[split] = _read_split(folder, split)
            X[split] = _features(audio, mel, encoder)
        t2 = time.time()
        r = evaluate(task, X, Y)
        chance = task.chance_level or 0.0
        if task.type == "clip_regression":
            ok = 0.2 <= r["test"] <= 0.9
        else:
            ok = chance + 0.15 <= r["test"] <= 0.92
        results[task.name] = {**r, "chance": chance, "metric": task.main_score, "in_target": ok,
                              "generate_s": round(t1 - t0, 1), "features_s": round(t2 - t1, 1)}
        print(f"{task.name:12s} {task.main_score:9s} {chance:6.3f} {r['train']:6.3f} {r['valid']:6.3f} "
              f"{r['test']:6.3f}  {'ok' if ok else 'MISS':6s} {t1 - t0:5.1f} {t2 - t1:6.1f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0 if all(r["in_target"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
