"""Leaderboard start-up benchmark: N models x T tasks of result JSONs -> parquet -> Space start -> first page.

    .venv/bin/python benchmarks/leaderboard_startup.py                 # 500 models x 60 tasks (30,000 results)
    .venv/bin/python benchmarks/leaderboard_startup.py --models 50 --tasks 60 --keep /tmp/lb

Tasks: the 22 X-ARES tasks (MLP probe) plus synthetic embedded-suite tasks up to ``--tasks``. Times reported:
  generate       writing the result JSONs (not part of start-up)
  build          `hf-bench leaderboard build` (reading + validating every JSON, writing the parquet)
  start          a fresh Python process: import the app, load the parquet, construct the Blocks, serve HTTP
  first page     headless Chromium: navigation until the X-ARES table's first row is visible
The start-up figure the issue asks for (< 5 s) is start + first page.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hf_bench.leaderboard.catalog import default_boards  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-quic", "--disable-sync"]


def _result(task, benchmark, domain, score, model, n_params, weight, i_model):
    return {
        "kind": "hf_bench.task_result", "schema_version": 1, "hf_bench_version": "0.1.0",
        "created_at": "2026-08-01T00:00:00Z", "libraries": {},
        "task": {"name": task, "version": 1, "benchmark": benchmark, "domain": domain,
                 "type": "clip_classification", "metric": "accuracy", "main_score": "accuracy",
                 "higher_is_better": True, "eval_weight": weight, "metadata": {"display_name": task}},
        "dataset": {"fingerprint": "bench", "source": {}, "split_sizes": {}},
        "encoder": {"id": f"hf:bench/{model}", "name": model, "fingerprint": f"fp{i_model:05d}", "layer": "weighted",
                    "num_layers": 12, "dim": 768, "hop_ms": 20.0, "sampling_rate": 16000, "n_parameters": n_params},
        "probe": {"name": "mlp", "config": {}, "seed": 0, "selected": {}},
        "scores": {"metric": "accuracy", "main_score": score, "values": {"accuracy": score},
                   "ci": {"low": max(0.0, score - 0.02), "high": min(1.0, score + 0.02), "level": 0.95,
                          "n_resamples": 200, "method": "bootstrap over test items"}},
        "n_samples": {"test": 400}, "timings": {}, "config": {},
    }


def generate(root: Path, n_models: int, n_tasks: int, seed: int = 0) -> int:
    rng = random.Random(seed)
    xares = next(b for b in default_boards() if b.id == "xares")
    tasks = [(c.task, "xares", c.group, int(c.weight)) for c in xares.columns][:n_tasks]
    domains = ("speech", "sound", "music")
    tasks += [(f"synthetic_{i:02d}", "embedded", domains[i % 3], 100 + 10 * i) for i in range(n_tasks - len(tasks))]
    n = 0
    for m in range(n_models):
        model = f"bench-encoder-{m:03d}"
        skill = rng.uniform(0.2, 0.8)
        n_params = int(10 ** rng.uniform(6.5, 9.3))
        for task, bench, domain, weight in tasks:
            score = round(min(1.0, max(0.0, skill + rng.gauss(0, 0.08))), 4)
            path = root / model / "mlp" / f"{task}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(_result(task, bench, domain, score, model, n_params, weight, m)))
            n += 1
    return n


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER = """
import sys, time
t0 = time.perf_counter()
from hf_bench.leaderboard.app import create_app, launch
from hf_bench.leaderboard.table import LeaderboardTable
t1 = time.perf_counter()
table = LeaderboardTable.load(sys.argv[1])
t2 = time.perf_counter()
app = create_app(table, pending_path=sys.argv[3])
t3 = time.perf_counter()
launch(app, port=int(sys.argv[2]), prevent_thread_lock=True, quiet=True)
t4 = time.perf_counter()
print(f"TIMES import={t1-t0:.2f} load={t2-t1:.2f} construct={t3-t2:.2f} launch={t4-t3:.2f}", flush=True)
while True:
    time.sleep(1)
"""


def time_startup(table: Path, work: Path, port: int | None = None) -> dict[str, float]:
    port = port or free_port()
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(table), str(port), str(work / "pending.jsonl")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"server exited:\n{proc.stdout.read()}")
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        t_ready = time.perf_counter() - t0
        line = ""
        while not line.startswith("TIMES"):
            line = proc.stdout.readline()
        parts = dict(p.split("=") for p in line.split()[1:])

        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                        headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            t1 = time.perf_counter()
            page.goto(url)
            page.locator("#board-xares table.hfb-table tbody tr").first.wait_for(state="visible", timeout=60_000)
            t_page = time.perf_counter() - t1
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    return {"start": t_ready, "first_page": t_page, **{k: float(v) for k, v in parts.items()}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=int, default=500)
    ap.add_argument("--tasks", type=int, default=60)
    ap.add_argument("--keep", help="work directory to keep (default: a temporary one, removed)")
    ap.add_argument("--repeat", type=int, default=2, help="start-up measurements (the first one warms the disk cache)")
    ap.add_argument("--port", type=int, default=None,
                    help="port the Space listens on (default: a free one; fixed, e.g. to reach it through a firewall)")
    args = ap.parse_args()
    if args.port is not None and not 0 < args.port < 65536:
        ap.error("--port must be between 1 and 65535")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="hf_bench_lb_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results = work / "results"
        shutil.rmtree(results, ignore_errors=True)
        t = time.perf_counter()
        n = generate(results, args.models, args.tasks)
        print(f"generate     {time.perf_counter() - t:7.2f} s   {n} result JSONs ({args.models} models x {args.tasks} tasks)")
        table = work / "leaderboard.parquet"
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "hf_bench", "leaderboard", "build", str(results), "-o", str(table)],
                       check=True, cwd=ROOT)
        print(f"build        {time.perf_counter() - t:7.2f} s   {table.stat().st_size / 1e6:.1f} MB parquet")
        for i in range(args.repeat):
            r = time_startup(table, work, args.port)
            print(f"run {i + 1}: start {r['start']:5.2f} s (import {r['import']:.2f}, load table {r['load']:.2f}, "
                  f"construct {r['construct']:.2f}, launch {r['launch']:.2f}) + first page {r['first_page']:5.2f} s "
                  f"= {r['start'] + r['first_page']:5.2f} s")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
