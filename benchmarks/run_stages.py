"""Time every stage of the default run (cold cache, then warm), and report peak memory.

    .venv/bin/python benchmarks/run_stages.py [--encoder mfb] [--suite embedded] [--keep]

Cold = empty feature cache and results (the embedded suite's audio is generated beforehand, as `bash setup.sh run`
does, and is not counted). Warm = the same command again. Also verifies that no clip was decoded or encoded
twice within the cold run. Prints a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--encoder", default="mfb")
    ap.add_argument("--suite", default="embedded")
    ap.add_argument("--data-dir", type=Path, default=None, help="prepared task data (default: the usual cache)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary cache/results")
    args = ap.parse_args()

    from hf_bench.data import load_task_data
    from hf_bench.features.store import default_cache_dir
    from hf_bench.pipeline import RunConfig, evaluate_encoder
    from hf_bench.tasks import resolve_tasks

    tasks = resolve_tasks(suites=[args.suite])
    data_dir = args.data_dir or default_cache_dir() / "data"
    t0 = time.perf_counter()
    clips = 0
    for task in tasks:  # generation / download is setup, not part of the run
        clips += sum(len(s.refs) for s in load_task_data(task, data_root=data_dir, progress=False).values())
    prep = time.perf_counter() - t0

    work = Path(tempfile.mkdtemp(prefix="hf_bench_bench_"))
    rows = []
    try:
        for label in ("cold", "warm"):
            config = RunConfig(encoder=args.encoder, output_dir=work / "results", cache_dir=work / "cache",
                               data_dir=data_dir, progress=False)
            start = time.perf_counter()
            outcome = evaluate_encoder(config, tasks, log=lambda m: None)
            wall = time.perf_counter() - start
            t = outcome.timings
            rows.append((label, wall, t))
            if label == "cold" and not (t["clips_decoded"] == t["clips_encoded"] == t["clips"]):
                print(f"WARNING: {t['clips']} clips but {t['clips_decoded']} decodes / {t['clips_encoded']} encodes")
            if label == "cold":
                avg = outcome.scorecards["last"].weighted_average
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print(f"{len(tasks)} tasks, {clips} clips; data ready check {prep:.1f}s; encoder {args.encoder}")
    print("| run | total | load | decode | encode | probes | scoring |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, wall, t in rows:
        print(f"| {label} | {wall:.1f} s | {t['load_s']:.1f} s | {t['decode_s']:.1f} s | {t['encode_s']:.1f} s | "
              f"{t['probe_s']:.1f} s | {t['score_s']:.1f} s |")
    cold, warm = rows[0][1], rows[1][1]
    print(f"\ncold run: {rows[0][2]['clips']} clips, each decoded {rows[0][2]['clips_decoded'] / max(1, rows[0][2]['clips']):.0f}x "
          f"and encoded {rows[0][2]['clips_encoded'] / max(1, rows[0][2]['clips']):.0f}x; warm run decoded {rows[1][2]['clips_decoded']}")
    print(f"warm / cold = {100 * warm / cold:.1f} %; peak RSS {peak_mb:.0f} MB; weighted average {avg}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
