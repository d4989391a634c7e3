"""hf_bench leaderboard: the Hugging Face Space entry point (also runs locally: `python spaces/leaderboard/app.py`).

It reads one precomputed table, ``leaderboard.parquet`` next to this file (or ``$HF_BENCH_LEADERBOARD_TABLE``), built
by ``hf-bench leaderboard build RESULTS_DIR -o leaderboard.parquet``; without it the Space shows the published
reference rows shipped with hf_bench. Submissions go to ``$HF_BENCH_PENDING_QUEUE``, else ``/data/pending/`` when the
Space has persistent storage, else ``pending/`` next to this file.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# the hf_bench package: uploaded next to this file (Space), or the checkout this file lives in (local run)
for root in (HERE, *HERE.parents[:2]):
    if (root / "hf_bench" / "leaderboard").is_dir():
        sys.path.insert(0, str(root))
        break

from hf_bench.leaderboard.app import create_app, launch  # noqa: E402


def _table():
    explicit = os.environ.get("HF_BENCH_LEADERBOARD_TABLE")
    if explicit:
        return explicit  # a wrong path must fail loudly, not fall back
    local = HERE / "leaderboard.parquet"
    if local.is_file():
        return local
    print("no leaderboard.parquet next to app.py: showing the published reference rows only", file=sys.stderr)
    return None


def _pending():
    if os.environ.get("HF_BENCH_PENDING_QUEUE"):
        return os.environ["HF_BENCH_PENDING_QUEUE"]
    data = Path("/data")
    base = data if data.is_dir() and os.access(data, os.W_OK) else HERE
    return base / "pending" / "submissions.jsonl"


demo = create_app(_table(), pending_path=_pending())

if __name__ == "__main__":
    # Spaces set GRADIO_SERVER_NAME=0.0.0.0; a local run stays on the loopback interface
    launch(demo, host=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
           port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
