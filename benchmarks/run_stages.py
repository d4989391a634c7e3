"""Time every stage of the default run (cold cache, then warm), and the frame-level and decoder-probe stages with
their peak memory.

    .venv/bin/python benchmarks/run_stages.py [--encoder mfb] [--suite embedded|embedded_full] [--keep]
    .venv/bin/python benchmarks/run_stages.py --task sentences --stages-only   # one task's stages alone

Cold = empty feature store and results (the embedded suite's audio is generated beforehand, as `bash setup.sh run`
does, and is not counted). Warm = the same command again. Also verifies that no clip was decoded or encoded
twice within the cold run. Then, for each frame-level, ASR and retrieval task of the suite, in fresh processes:
extraction into the store alone (time, peak RSS, bytes on disk), and the probe alone on the stored features
(time, peak RSS; for ASR this includes loading the frozen LM, for retrieval embedding the captions). Prints
Markdown tables for the README.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

CHILD = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from hf_bench.pipeline import RunConfig, evaluate_encoder
    from hf_bench.pipeline.run import extract_features
    from hf_bench.tasks import get_task
    stage, encoder, task, work, data = sys.argv[1:6]
    config = RunConfig(encoder=encoder, output_dir=Path(work) / "results", cache_dir=Path(work) / "cache",
                       data_dir=Path(data), progress=False, bootstrap=0)
    t0 = time.perf_counter()
    if stage == "extract":
        totals = extract_features(config, [get_task(task)], log=lambda m: None)
        extra = {"clips": totals["clips_encoded"]}
    else:
        out = evaluate_encoder(config, [get_task(task)], log=lambda m: None)
        extra = {"probe_s": out.timings["probe_s"], "clips_decoded": out.timings["clips_decoded"],
                 "score": out.scorecards["last"].scores[task]}
    # VmHWM, not ru_maxrss: ru_maxrss survives execve and would report the parent's peak
    hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
    print(json.dumps({"wall": time.perf_counter() - t0, "peak_mb": hwm / 1024, **extra}))
""")


def _child(stage: str, encoder: str, task: str, work: Path, data: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, stage, encoder, task, str(work), str(data)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--encoder", default="mfb")
    ap.add_argument("--suite", default="embedded")
    ap.add_argument("--task", nargs="+", default=None, help="these tasks instead of a suite")
    ap.add_argument("--stages-only", action="store_true",
                    help="skip the cold/warm runs: only the per-task stages in fresh processes")
    ap.add_argument("--data-dir", type=Path, default=None, help="prepared task data (default: the usual cache)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary cache/results")
    args = ap.parse_args()

    from hf_bench.data import load_task_data
    from hf_bench.features.store import default_cache_dir
    from hf_bench.pipeline import RunConfig, evaluate_encoder
    from hf_bench.tasks import resolve_tasks

    tasks = resolve_tasks(tasks=args.task) if args.task else resolve_tasks(suites=[args.suite])
    data_dir = args.data_dir or default_cache_dir() / "data"
    t0 = time.perf_counter()
    clips = 0
    for task in tasks:  # generation / download is setup, not part of the run
        clips += sum(len(s.refs) for s in load_task_data(task, data_root=data_dir, progress=False).values())
    prep = time.perf_counter() - t0

    work = Path(tempfile.mkdtemp(prefix="hf_bench_bench_"))
    rows, frame_rows = [], []
    peak_mb = avg = None
    try:
        for label in () if args.stages_only else ("cold", "warm"):
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
        for task in (t for t in tasks if t.is_frame_level or t.type in ("asr", "retrieval")):
            fwork = work / f"frames-{task.name}"
            ext = _child("extract", args.encoder, task.name, fwork, data_dir)
            stored = sum(f.stat().st_size for f in (fwork / "cache" / "features").rglob("*") if f.is_file())
            probe = _child("probe", args.encoder, task.name, fwork, data_dir)
            frame_rows.append((task, ext, stored, probe))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print(f"{len(tasks)} tasks, {clips} clips; data ready check {prep:.1f}s; encoder {args.encoder}")
    if rows:
        _print_runs(rows, peak_mb, avg)
    return _print_stages(frame_rows)


def _print_runs(rows, peak_mb, avg) -> None:
    print("| run | total | load | decode | encode | probes | scoring |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, wall, t in rows:
        print(f"| {label} | {wall:.1f} s | {t['load_s']:.1f} s | {t['decode_s']:.1f} s | {t['encode_s']:.1f} s | "
              f"{t['probe_s']:.1f} s | {t['score_s']:.1f} s |")
    cold, warm = rows[0][1], rows[1][1]
    c = rows[0][2]
    print(f"\ncold run: {c['clips']} clips, each decoded {c['clips_decoded'] / max(1, c['clips']):.0f}x "
          f"and encoded {c['clips_encoded'] / max(1, c['clips']):.0f}x; warm run decoded {rows[1][2]['clips_decoded']}")
    print(f"warm / cold = {100 * warm / cold:.1f} %; peak RSS {peak_mb:.0f} MB; weighted average {avg}")


def _print_stages(frame_rows) -> int:
    if frame_rows:
        print("\nframe-level and decoder-probe tasks, each stage alone in a fresh process (peak RSS includes the "
              "imports):\n")
        print("| task | clips | extraction into the store | peak RSS | features on disk | probe "
              "(train + predict) | peak RSS | score |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for task, ext, stored, probe in frame_rows:
            print(f"| {task.name} | {ext['clips']} | {ext['wall']:.1f} s | {ext['peak_mb']:.0f} MB | "
                  f"{stored / 1e6:.0f} MB | {probe['probe_s']:.1f} s | {probe['peak_mb']:.0f} MB | "
                  f"{probe['score']['mlp']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
