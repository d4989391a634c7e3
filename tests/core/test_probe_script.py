"""probe.py: the same evaluation as `hf-bench run`, alone or shared out over several launcher processes."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

from core_helpers import slow_encoder

ROOT = Path(__file__).resolve().parents[2]


def _run(args, env=None, **kw):
    return subprocess.Popen([sys.executable, str(ROOT / "probe.py"), *args], cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_single_process_matches_cli(tmp_path, tone_task):
    common = ["--encoder", "mfb", "--task", str(tone_task), "--bootstrap", "0", "--json",
              "--cache-dir", str(tmp_path / "cache")]
    p = _run([*common, "--output-dir", str(tmp_path / "a")])
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0, err
    cli = subprocess.run([sys.executable, "-m", "hf_bench", "run", *common, "--output-dir", str(tmp_path / "b")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(out) == json.loads(cli.stdout)
    help_ = subprocess.run([sys.executable, str(ROOT / "probe.py"), "--help"], capture_output=True, text=True)
    assert help_.returncode == 0 and "--encoder" in help_.stdout and "probe.py" in help_.stdout


def test_two_processes_share_the_tasks(tmp_path, tone_task):
    second = tmp_path / "tones2.yaml"
    second.write_text(tone_task.read_text().replace("name: tones", "name: tones_b"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = ["--encoder", "mfb", "--task", str(tone_task), str(second), "--bootstrap", "0", "--json",
            "--output-dir", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache")]
    procs = [_run(args, env={"RANK": str(r), "LOCAL_RANK": str(r), "WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1",
                             "MASTER_PORT": str(port)}) for r in (0, 1)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    summary = json.loads(outs[0][0])
    assert outs[1][0] == ""  # only the main process prints the (complete) summary
    assert set(summary) == {"tones", "tones_b", "weighted_average"}
    # the two tasks read the same audio, so they share one stored entry per split, each shard encoded once
    dirs = list((tmp_path / "cache" / "features").rglob("complete.json"))
    assert len(dirs) == 3
    decoded = [int(re.search(r"process \d/2: decoded (\d+)", err).group(1)) for _, err in outs]
    assert sum(decoded) == 114 and min(decoded) > 0


# probe.py with 16-clip shards: a 114-clip task spans 8 shards, enough to share one task between two processes
SMALL_SHARDS = ("import runpy, sys; import hf_bench.features.extract as e; e.SHARD_SIZE = 16; "
                "sys.argv = [sys.argv[0]] + sys.argv[1:]; runpy.run_path(%r, run_name='__main__')" % str(ROOT / "probe.py"))


def _launch(args, world, port, extra_env=None):
    env = {"WORLD_SIZE": str(world), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), **(extra_env or {})}
    return [subprocess.Popen([sys.executable, "-c", SMALL_SHARDS, *args], cwd=ROOT,
                             env={**os.environ, **env, "RANK": str(r), "LOCAL_RANK": str(r)},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for r in range(world)]


def _port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_split_the_clips_of_one_task_and_match_one_process(tmp_path, tone_task):
    common = ["--encoder", "mfb", "--task", str(tone_task), "--bootstrap", "0", "--json"]
    procs = _launch([*common, "--output-dir", str(tmp_path / "two"), "--cache-dir", str(tmp_path / "c2")], 2, _port())
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    decoded = [int(re.search(r"process \d/2: decoded (\d+)", err).group(1)) for _, err in outs]
    assert sum(decoded) == 114 and min(decoded) > 30  # each process encoded a share of the same task's clips
    one = subprocess.run([sys.executable, "-c", SMALL_SHARDS, *common, "--output-dir", str(tmp_path / "one"),
                          "--cache-dir", str(tmp_path / "c1")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert one.returncode == 0, one.stderr
    assert json.loads(outs[0][0]) == json.loads(one.stdout)  # exactly the single-process scores


SLOW = slow_encoder(0.05)


def test_a_killed_process_is_reported_and_its_finished_shards_are_reused(tmp_path, tone_task):
    import signal
    import time

    (tmp_path / "slow.py").write_text(SLOW)
    args = ["--encoder", f"{tmp_path / 'slow.py'}:Slow", "--task", str(tone_task), "--bootstrap", "0", "--quiet",
            "--output-dir", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache")]
    procs = _launch(args, 2, _port(), {"HF_BENCH_RANK_TIMEOUT": "3"})
    store = tmp_path / "cache" / "features"
    deadline = time.time() + 120
    # shards are dealt out in turn over train (4), valid (2), test (2): process 1 gets the odd ones of train
    while not [d for d in store.rglob("shard-0000[1357].done")]:
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        assert time.time() < deadline, "no progress"
        time.sleep(0.05)
    procs[1].send_signal(signal.SIGKILL)
    out0, err0 = procs[0].communicate(timeout=120)
    procs[1].wait()
    assert procs[0].returncode == 1 and "process(es) [1] of 2 stopped during the features phase" in err0, err0
    assert "rerun the same command to resume" in err0
    done = list(store.rglob("shard-*.done"))
    assert done and not list((tmp_path / "out").rglob("tones.json"))

    from core_helpers import config

    import hf_bench.features.extract as extract
    from hf_bench.pipeline import evaluate_encoder
    from hf_bench.tasks import get_task

    old, extract.SHARD_SIZE = extract.SHARD_SIZE, 16
    try:
        resumed = evaluate_encoder(config(tmp_path, encoder=args[1]), [get_task(str(tone_task))], log=lambda m: None)
        fresh = evaluate_encoder(config(tmp_path / "fresh", encoder=args[1]), [get_task(str(tone_task))],
                                 log=lambda m: None)
    finally:
        extract.SHARD_SIZE = old
    assert resumed.timings["clips_decoded"] < 114 - 8  # the finished shards (of both processes) were kept
    assert resumed.scorecards["last"].scores == fresh.scorecards["last"].scores
