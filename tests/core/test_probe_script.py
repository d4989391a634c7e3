"""probe.py: the same evaluation as `hf-bench run`, alone or shared out over several launcher processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

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
    # the two tasks read the same audio, so they share one stored entry per split
    dirs = list((tmp_path / "cache" / "features").rglob("complete.json"))
    assert len(dirs) == 3
