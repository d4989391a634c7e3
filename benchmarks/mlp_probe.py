"""The clip MLP probe alone: every fold's head in one Trainer run vs the folds one by one, on in-memory features.

    .venv/bin/python benchmarks/mlp_probe.py [--folds 5] [--train 1440] [--valid 160] [--test 400] [--dim 64]
                                             [--classes 50] [--epochs 10]

The defaults are ESC-50's shape in X-ARES (5 folds of 400 clips: 1440 train + a carved 160 for validation, 400
test; 50 classes), the 64-dimensional log-mel of benchmarks/compare_xares.py. Prints the one-off import of
``transformers.trainer`` (paid once per process), then the wall time of both routes and checks that they give the
same test scores bit for bit.
"""

from __future__ import annotations

import argparse
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--train", type=int, default=1440)
    ap.add_argument("--valid", type=int, default=160)
    ap.add_argument("--test", type=int, default=400)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--classes", type=int, default=50)
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()

    t0 = time.perf_counter()
    import torch  # noqa: F401

    t1 = time.perf_counter()
    import transformers.trainer  # noqa: F401

    t2 = time.perf_counter()
    import numpy as np

    from hf_bench.probes.mlp import FoldLinearHeads, MLPConfig
    from hf_bench.tasks.types import ClassCoding

    rng = np.random.default_rng(0)
    w = rng.normal(size=(args.dim, args.classes))

    def split(n):
        x = rng.normal(size=(n, args.dim)).astype(np.float32)
        return x, (x @ w + 2 * rng.normal(size=(n, args.classes))).argmax(1)

    folds = [(split(args.train), split(args.valid), split(args.test)[0]) for _ in range(args.folds)]

    def accuracy(scores, targets):
        return float((scores.argmax(1) == targets).mean())

    config, coding = MLPConfig(epochs=args.epochs), ClassCoding(args.classes)
    t3 = time.perf_counter()
    heads = FoldLinearHeads([coding] * args.folds, config)
    heads.fit([f[0] for f in folds], [f[1] for f in folds], valid_metric=accuracy, seed=42)
    together = heads.predict([f[2] for f in folds])
    t4 = time.perf_counter()
    alone = []
    for train, valid, test in folds:
        one = FoldLinearHeads([coding], config)
        one.fit([train], [valid], valid_metric=accuracy, seed=42)
        alone.append(one.predict([test])[0])
    t5 = time.perf_counter()
    same = all(np.array_equal(a, b) for a, b in zip(together, alone))
    print(f"{args.folds} folds x {args.train} train / {args.valid} valid / {args.test} test, {args.dim}-d, "
          f"{args.classes} classes, {args.epochs} epochs, batch {config.batch_size}\n")
    print("| step | wall |\n|---|---:|")
    print(f"| import torch | {t1 - t0:.2f} s |")
    print(f"| import transformers.trainer (once per process) | {t2 - t1:.2f} s |")
    print(f"| every fold in one Trainer run (train + validate each epoch + predict) | {t4 - t3:.2f} s |")
    print(f"| the folds one by one (a Trainer run each) | {t5 - t4:.2f} s |")
    print(f"\nidentical test scores: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
