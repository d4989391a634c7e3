"""Resume after SIGKILL of a real `hf-bench run` process mid-encoding."""
from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

from core_helpers import config, slow_encoder

from hf_bench.pipeline import evaluate_encoder
from hf_bench.tasks import get_task

SLOW = slow_encoder(0.02)  # ~0.3 s per 16-clip shard: time to kill mid-split

# the child runs the real CLI with 16-clip shards so a 114-clip task spans 8 shards
CHILD = textwrap.dedent("""
    import sys
    import hf_bench.features.extract as e
    e.SHARD_SIZE = 16
    from hf_bench.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def test_sigkill_mid_encoding_resumes_at_missing_shards(tmp_path, tone_task, monkeypatch):  # noqa: F811
    import hf_bench.features.extract as extract

    (tmp_path / "slow.py").write_text(SLOW)
    encoder = f"{tmp_path / 'slow.py'}:Slow"
    cmd = [sys.executable, "-c", CHILD, "run", "--encoder", encoder, "--task", str(tone_task), "--quiet",
           "--output-dir", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache"), "--bootstrap", "0"]
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    cache = tmp_path / "cache" / "features"
    deadline = time.time() + 60
    while len(list(cache.rglob("shard-*.done"))) < 3:   # kill once 3 shards are safely on disk
        assert child.poll() is None, child.stderr.read().decode()
        assert time.time() < deadline, "child made no progress"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    done_before = len(list(cache.rglob("shard-*.done")))
    assert 3 <= done_before < 8  # killed mid-way, not at the end
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("tones.json"))

    monkeypatch.setattr(extract, "SHARD_SIZE", 16)
    out = evaluate_encoder(config(tmp_path, encoder=encoder), [get_task(str(tone_task))], log=lambda m: None)
    # train 60 = 4 shards (3x16 + 12), valid 24 = 2, test 30 = 2; finished shards are not decoded again
    sizes = [16, 16, 16, 12, 16, 8, 16, 14]
    assert out.timings["clips_decoded"] == 114 - sum(sizes[:done_before])  # holds because shards finish in order
    assert out.timings["clips_decoded"] < 114
    fresh = evaluate_encoder(config(tmp_path / "fresh", encoder=encoder), [get_task(str(tone_task))], log=lambda m: None)
    assert out.scorecards["last"].scores == fresh.scorecards["last"].scores  # resumed features == uninterrupted ones
