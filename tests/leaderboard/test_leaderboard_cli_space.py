"""`hf-bench leaderboard build|serve|export` and the deployable Space folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hf_bench.cli import main
from hf_bench.leaderboard.table import LeaderboardTable

REPO = Path(__file__).resolve().parents[2]
SPACE = REPO / "spaces" / "leaderboard"
HEAVY = ("torch", "transformers", "evaluate", "datasets", "sklearn", "torchcodec", "accelerate", "peft")


def test_build_then_export(results_dir, tmp_path, capsys):
    out = tmp_path / "lb.parquet"
    assert main(["leaderboard", "build", str(results_dir), "-o", str(out)]) == 0
    assert "18 results, 2 ZeroSpeech score files" in capsys.readouterr().out
    table = LeaderboardTable.load(out)
    assert {"tiny-wavlm", "W2V-Fr-7K-large"} <= set(table.df["model"])
    assert main(["leaderboard", "export", "tiny-wavlm", "--table", str(out), "-o", str(tmp_path / "repo")]) == 0
    assert (tmp_path / "repo" / ".eval_results" / "hf_bench_xares.yaml").is_file()
    assert main(["leaderboard", "export", "mini-hubert", "--results", str(results_dir), "-o", str(tmp_path / "r2")]) == 0
    assert (tmp_path / "r2" / ".eval_results" / "hf_bench_embedded.yaml").is_file()


def test_build_without_reference_rows(results_dir, tmp_path):
    out = tmp_path / "lb.parquet"
    assert main(["leaderboard", "build", str(results_dir), "-o", str(out), "--no-reference"]) == 0
    assert set(LeaderboardTable.load(out).df["source_kind"]) == {"hf_bench"}


def test_user_errors_exit_2_with_a_clear_message(results_dir, tmp_path, capsys):
    assert main(["leaderboard", "build", str(tmp_path / "missing"), "-o", str(tmp_path / "x.parquet")]) == 2
    assert "results path not found" in capsys.readouterr().err
    assert main(["leaderboard", "build", str(results_dir), "-o", str(tmp_path / "x.csv")]) == 2
    assert ".parquet" in capsys.readouterr().err
    bad = json.loads((results_dir / "tiny-wavlm" / "mlp" / "esc50.json").read_text())
    bad["task"]["eval_weight"] = -3
    (results_dir / "tiny-wavlm" / "mlp" / "esc50.json").write_text(json.dumps(bad))
    assert main(["leaderboard", "build", str(results_dir), "-o", str(tmp_path / "x.parquet")]) == 2
    err = capsys.readouterr().err
    assert "esc50.json" in err and "task.eval_weight" in err
    assert main(["leaderboard", "build", str(results_dir), "-o", str(tmp_path / "x.parquet"), "--skip-invalid"]) == 0
    assert main(["leaderboard", "export", "nobody", "--table", str(tmp_path / "x.parquet")]) == 2
    assert "not on the leaderboard" in capsys.readouterr().err


def test_serve_help_and_lightweight_import():
    with pytest.raises(SystemExit) as e:
        main(["leaderboard", "serve", "--help"])
    assert e.value.code == 0
    code = ("import sys, hf_bench.cli as c; c.build_parser(); "
            "bad = [m for m in ('gradio', 'pandas', 'torch', 'huggingface_hub') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_space_metadata_and_requirements():
    text = (SPACE / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    meta = yaml.safe_load(text.split("---", 2)[1])
    import gradio

    assert meta["sdk"] == "gradio" and meta["sdk_version"] == gradio.__version__
    assert (SPACE / meta["app_file"]).is_file()
    assert meta["colorFrom"] in {"red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"}
    assert len(meta["short_description"]) <= 60 and meta["license"]
    reqs = [ln.split(">")[0].split("=")[0].split("<")[0].strip()
            for ln in (SPACE / "requirements.txt").read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert {"pandas", "pyarrow", "pydantic", "pyyaml", "huggingface_hub"} <= set(reqs)
    assert not set(reqs) & {"torch", "transformers", "gradio_leaderboard"}


def test_space_app_runs_with_and_without_a_table(results_dir, tmp_path):
    """One interpreter (gradio imports are slow): with $HF_BENCH_LEADERBOARD_TABLE, then with no table at all."""
    table = tmp_path / "lb.parquet"
    assert main(["leaderboard", "build", str(results_dir), "-o", str(table)]) == 0
    code = f"""
import os, runpy, sys, gradio
ns = runpy.run_path(sys.argv[1])
assert isinstance(ns['demo'], gradio.Blocks)
assert 'tiny-wavlm' in set(ns['demo'].hf_bench_views.table.df['model'])
bad = [m for m in {HEAVY!r} if m in sys.modules]
assert not bad, bad
del os.environ['HF_BENCH_LEADERBOARD_TABLE']
ns = runpy.run_path(sys.argv[1])
print(sorted(set(ns['demo'].hf_bench_views.table.df['source_kind'])))
"""
    env = dict(os.environ, HF_BENCH_LEADERBOARD_TABLE=str(table), HF_BENCH_PENDING_QUEUE=str(tmp_path / "q.jsonl"),
               GRADIO_ANALYTICS_ENABLED="False")
    out = subprocess.run([sys.executable, "-c", code, str(SPACE / "app.py")], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "['reference']"
    assert "published reference rows only" in out.stderr
