"""``features``: semantic frame features from an hf_bench encoder (the built-in ``mfb``), resumable."""

from __future__ import annotations

import json

import numpy as np
import pytest
import zs_data

from hf_bench.errors import DataError, HFBenchError
from hf_bench.zerospeech.features import extract_semantic_features
from hf_bench.zerospeech.run import run_benchmark
from hf_bench.zerospeech.validate import validate_submission

pytest.importorskip("hf_bench.encoders")


@pytest.fixture
def with_wavs(tmp_path):
    ds = zs_data.build_slm21_dataset(tmp_path / "ds", wavs=True)
    sub = zs_data.build_slm21_submission(tmp_path / "sub", features=False)
    return ds, sub, tmp_path / "cache"


def test_mfb_features_resume_and_score(with_wavs):
    ds, sub, cache = with_wavs
    result = extract_semantic_features("mfb", ds, sub, cache_dir=cache)
    assert len(result.written) == 24 and result.skipped == []
    arrays = {p.name: np.load(p, allow_pickle=False) for p in (sub / "semantic").rglob("*.npy")}
    assert len(arrays) == 24
    assert all(a.dtype == np.float64 and a.ndim == 2 and a.shape[1] == 80 and a.shape[0] > 10
               for a in arrays.values())
    stamp = json.loads(result.stamp.read_text())
    assert stamp["encoder_id"] == "mfb" and stamp["layer"] == "last" and stamp["dim"] == 80
    assert validate_submission("sLM21", sub, ds, tasks=["semantic"], progress=False).ok

    again = extract_semantic_features("mfb", ds, sub, cache_dir=cache)
    assert again.written == [] and len(again.skipped) == 24

    gone = sub / "semantic/dev/synthetic/dS3.npy"
    bad = sub / "semantic/test/librispeech/tL4.npy"
    before = np.load(bad)
    gone.unlink()
    np.save(bad, before.astype(np.float32))  # invalid: recomputed
    resumed = extract_semantic_features("mfb", ds, sub, cache_dir=cache)
    assert sorted(p.name for p in resumed.written) == ["dS3.npy", "tL4.npy"]
    np.testing.assert_array_equal(np.load(bad), before)

    result = run_benchmark("sLM21", sub, ds, tasks=["semantic"], progress=False)
    assert result.ok
    assert all(isinstance(v["dev"], float) for k, v in result.scores.items() if k.startswith("semantic"))


def test_another_encoder_needs_overwrite(with_wavs):
    ds, sub, cache = with_wavs
    extract_semantic_features("mfb", ds, sub, cache_dir=cache, sets=["dev"], types=["librispeech"])
    with pytest.raises(HFBenchError, match="holds features of 'mfb'"):
        extract_semantic_features("mfcc", ds, sub, cache_dir=cache, sets=["dev"], types=["librispeech"])
    res = extract_semantic_features("mfcc", ds, sub, cache_dir=cache, sets=["dev"], types=["librispeech"],
                                    overwrite=True)
    assert len(res.written) == 5
    assert {np.load(p).shape[1] for p in res.written} == {40}


def test_foreign_features_are_not_mixed(with_wavs):
    ds, sub, cache = with_wavs
    np.save(sub / "semantic/dev/synthetic/dS1.npy", np.zeros((3, 80)))
    with pytest.raises(HFBenchError, match="not written by `hf-bench zerospeech features`"):
        extract_semantic_features("mfb", ds, sub, cache_dir=cache)


def test_missing_wavs_are_named(with_wavs):
    ds, sub, cache = with_wavs
    (ds / "semantic/test/synthetic/tS7.wav").unlink()
    with pytest.raises(DataError, match="tS7.wav"):
        extract_semantic_features("mfb", ds, sub, cache_dir=cache)


def test_cli_features(with_wavs, capsys):
    from hf_bench.cli import main

    ds, sub, cache = with_wavs
    code = main(["zerospeech", "features", "--encoder", "mfb", str(ds), str(sub), "--sets", "test",
                 "--types", "synthetic", "--cache-dir", str(cache), "-q"])
    assert code == 0
    assert "7 written, 0 already there" in capsys.readouterr().out
