"""``--compat xares``: one test per deviation from xares 0.1.3, plus how results record and separate protocols."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from core_helpers import SR, config, tone, write_tar

from hf_bench.cli import main as cli
from hf_bench.data import AudioRef, SplitData
from hf_bench.errors import HFBenchError
from hf_bench.features.extract import _encode_shard
from hf_bench.features.store import FeatureStore
from hf_bench.features.views import POOLED, AudioPolicy, Extraction
from hf_bench.pipeline import PROTOCOLS, Protocol, evaluate_encoder
from hf_bench.results.schema import load_result, load_scorecard
from hf_bench.tasks import get_task

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "fixtures" / "torchaudio_2.11.0_resample.npz"
XARES = PROTOCOLS["xares"]

ENERGY = textwrap.dedent("""
    import torch
    class EnergyEncoder(torch.nn.Module):
        sampling_rate, output_dim, hop_size_in_ms = 16000, 3, 20
        def forward(self, audio):
            n = audio.shape[1] // 320
            f = audio[:, : n * 320].reshape(audio.shape[0], n, 320)
            return torch.stack([f.abs().mean(-1), f.pow(2).mean(-1), f.mean(-1) + 1.0], dim=-1)
""")


def _pooled(encoder, waves, extraction, policy=AudioPolicy()):
    split = SplitData("s", [AudioRef(id=str(i), origin=str(i)) for i in range(len(waves))], [None] * len(waves))
    entry = FeatureStore(Path(__import__("tempfile").mkdtemp())).entry({"encoder_fingerprint": "e"}, POOLED)
    _encode_shard(encoder, split, 0, waves, policy, extraction, {POOLED: entry}, 0)
    entry.finish(1)
    stored = entry.read()
    return stored.pooled()[:, 0], stored.index


def test_padding_xares_keeps_and_pools_the_padded_frames(tmp_path):
    from hf_bench.encoders import load_encoder

    (tmp_path / "e.py").write_text(ENERGY)
    enc = load_encoder(f"{tmp_path / 'e.py'}:EnergyEncoder")
    rng = np.random.default_rng(0)
    waves = [(0.3 * rng.normal(size=n)).astype(np.float32) for n in (3200, 6400, 9600, 4800, 8000)]
    masked, _ = _pooled(enc, waves, Extraction())
    padded, index = _pooled(enc, waves, Extraction(padding="xares", batch_items=2))
    import torch

    # X-ARES: consecutive batches of 2 in data order, zero-padded to the longest, mean over every output frame
    for start in range(0, len(waves), 2):
        group = waves[start:start + 2]
        batch = torch.zeros(len(group), max(len(w) for w in group))
        for r, w in enumerate(group):
            batch[r, :len(w)] = torch.from_numpy(w)
        expect = enc.module(batch).mean(dim=1).numpy()
        np.testing.assert_allclose(padded[start:start + 2], expect, rtol=1e-6, atol=1e-7)
    alone = [enc.module(torch.from_numpy(w)[None]).mean(dim=1).numpy()[0] for w in waves]
    np.testing.assert_allclose(masked, np.stack(alone), rtol=1e-6, atol=1e-7)  # hf_bench: never the padding
    assert not np.allclose(masked[0], padded[0])  # the short clip batched with a longer one differs in X-ARES
    assert index.frames[0] == 6400 // 320  # the stored frame count includes the padding, as X-ARES stores it


def test_torchaudio_resampler_matches_torchaudio():
    """Our port of torchaudio.functional.resample against outputs of torchaudio 2.11.0's own code."""
    from hf_bench.audio import sinc_resample

    ref = np.load(FIXTURE)
    pairs = [k[3:] for k in ref.files if k.startswith("in_")]
    assert len(pairs) == 5
    for pair in pairs:
        orig, new = (int(x) for x in pair.split("_"))
        got = sinc_resample(ref[f"in_{pair}"], orig, new)
        np.testing.assert_allclose(got, ref[f"out_{pair}"], rtol=0, atol=1e-6, err_msg=pair)


def test_decode_with_the_xares_resampler(tmp_path):
    from hf_bench.audio import decode, sinc_resample

    rng = np.random.default_rng(1)
    stereo = (0.2 * rng.normal(size=(4410, 2))).astype(np.float32)
    path = tmp_path / "s.wav"
    sf.write(path, stereo, 44100, subtype="FLOAT")
    ref = AudioRef(id="s", origin=str(path), path=path)
    xares = decode(ref, target_sr=16000, downmix=True, resampler="torchaudio")
    # X-ARES resamples each channel, then averages them
    np.testing.assert_allclose(xares, sinc_resample(stereo.T, 44100, 16000).mean(axis=0), atol=1e-7)
    ours = decode(ref, target_sr=16000, downmix=True)
    assert ours.shape == xares.shape and not np.allclose(ours, xares, atol=1e-6)


def _mixed_length_task(tmp_path, name="mixed", crop=None, valid_is_test=False):
    data = tmp_path / name
    data.mkdir()
    seed = 0
    for split, n in (("train", 36), ("valid", 12), ("test", 18)):
        items = []
        for i in range(n):
            c = i % 3
            wave = tone([220.0, 330.0, 495.0][c], seed, dur=0.3 + 0.1 * (i % 5))
            items.append((f"{split}{i:03d}", wave, {"label": f"n{c}"}, "wav"))
            seed += 1
        write_tar(data / f"{split}-000000.tar", items)
    spec = tmp_path / f"{name}.yaml"
    crop_line = f"crop: {{mode: sequential, length_s: {crop}}}\n" if crop else ""
    valid = "test" if valid_is_test else "valid"
    spec.write_text(f"name: {name}\ntype: clip_classification\ndomain: sound\n{crop_line}"
                    f"data:\n  format: webdataset\n  root: {name}\n  train: train-*.tar\n  valid: {valid}-*.tar\n"
                    "  test: test-*.tar\n")
    return get_task(str(spec))


def test_knn_per_dimension_and_results_record_the_protocol(tmp_path):
    task = _mixed_length_task(tmp_path)
    default = evaluate_encoder(config(tmp_path), [task], log=lambda m: None)
    compat = evaluate_encoder(config(tmp_path, protocol=XARES), [task], log=lambda m: None)
    knn = load_result(tmp_path / "out" / "mfb+xares" / "knn" / "mixed.json")
    assert knn.protocol == "xares" and knn.probe.config["normalization"] == "per_dimension"
    assert knn.config["protocol"] == {"name": "xares", **XARES.to_dict()}
    assert load_result(tmp_path / "out" / "mfb" / "knn" / "mixed.json").probe.config["normalization"] == "per_sample"
    card = load_scorecard(tmp_path / "out" / "mfb+xares" / "scorecard.json")
    assert card.protocol == "xares" and load_scorecard(tmp_path / "out" / "mfb" / "scorecard.json").protocol == "default"
    assert compat.scorecard_paths["last"] != default.scorecard_paths["last"]  # two protocols never overwrite
    # the X-ARES features (torchaudio resampling is a no-op at 16 kHz; padded pooling is not) are stored apart
    assert len(list((tmp_path / "cache" / "features").rglob("complete.json"))) == 6


def test_best_epoch_on_the_test_split_where_valid_is_test(tmp_path, monkeypatch):
    from hf_bench.probes.mlp import FoldLinearHeads

    task = _mixed_length_task(tmp_path, valid_is_test=True)
    seen = []
    real = FoldLinearHeads.fit

    def fit(self, train, valid, **kw):
        seen.extend((len(t[0]), len(v[0])) for t, v in zip(train, valid))
        return real(self, train, valid, **kw)

    monkeypatch.setattr(FoldLinearHeads, "fit", fit)
    evaluate_encoder(config(tmp_path, probes=("mlp",)), [task], log=lambda m: None)
    evaluate_encoder(config(tmp_path, probes=("mlp",), protocol=XARES), [task], log=lambda m: None)
    assert seen == [(32, 4), (36, 18)]  # ours: a carved 10 % of train; X-ARES: all of train, selected on test
    result = load_result(tmp_path / "out" / "mfb+xares" / "mlp" / "mixed.json")
    assert result.probe.config["selection"] == "best epoch on the test split (X-ARES)"


def test_kfold_selects_on_the_test_fold_in_compat():
    from hf_bench.pipeline.folds import make_folds

    task = get_task("esc50")
    ranges = {f: np.arange(10 * i, 10 * i + 10) for i, f in enumerate(task.folds)}
    ours = make_folds(task, ranges, seed=1)
    theirs = make_folds(task, ranges, seed=1, select_on_test=True)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(b.valid, b.test)
        assert not set(a.valid) & set(a.test) and len(a.train) == 36 and len(b.train) == 40
        np.testing.assert_array_equal(a.pool, b.pool)


def _xares_survivors(crops_per_clip: list[int], batch: int) -> list[tuple[int, int]]:
    """What X-ARES keeps: crops stream in order, batches of ``batch``; in each batch, the first crop of a clip."""
    stream = [(c, k) for c, n in enumerate(crops_per_clip) for k in range(n)]
    out = []
    for lo in range(0, len(stream), batch):
        seen = set()
        for c, k in stream[lo:lo + batch]:
            if c not in seen:
                seen.add(c)
                out.append((c, k))
    return out


def test_crop_deduplication_keeps_the_first_crop_per_clip_and_batch(tmp_path):
    task = _mixed_length_task(tmp_path, crop=0.1)  # clips of 0.3-0.7 s: 3-7 crops each
    compat = evaluate_encoder(config(tmp_path, protocol=XARES), [task], log=lambda m: None)
    result = compat.tasks[0].results[("last", "knn")]
    lines = (tmp_path / "out" / "mfb+xares" / "knn" / result.predictions_file).read_text().splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    durations = [0.3 + 0.1 * (i % 5) for i in range(18)]
    crops = [int(round(d * SR)) // int(0.1 * SR) for d in durations]
    expected = _xares_survivors(crops, 16)
    assert len(ids) == len(expected) == result.n_samples["test"]
    assert sum("#crop" in i for i in ids) == len(expected) - 18  # clips cut across two batches appear twice
    ours = evaluate_encoder(config(tmp_path), [task], log=lambda m: None).tasks[0].results[("last", "knn")]
    assert ours.n_samples["test"] == 18  # hf_bench: one item per clip, the frame-weighted mean of its crops


def test_short_clip_is_padded_to_one_crop_in_compat():
    from hf_bench.features.extract import crop_wave

    policy = AudioPolicy(crop_mode="sequential", crop_s=1.0)
    short = np.ones(4000, np.float32)
    assert [len(p) for p in crop_wave(short, policy, 16000)] == [4000]
    padded = crop_wave(short, policy, 16000, pad_short=True)
    assert [len(p) for p in padded] == [16000] and padded[0][4000:].max() == 0


def test_xares_label_raster():
    from hf_bench.tasks.types import EventTargets, FrameGrid

    events = [np.array([[0.05, 0.31, 0]])]
    grid = FrameGrid(0.04, np.array([20]), np.array([0.8]))
    center = EventTargets(events, 1, grid).frames(0)[:, 0]
    xares = EventTargets(events, 1, FrameGrid(0.04, np.array([20]), np.array([0.8]), "xares")).frames(0)[:, 0]
    # X-ARES: frames ceil(0.05 / 0.04) = 2 .. ceil(0.31 / 0.04) - 1 = 7; centres in [0.05, 0.31): frames 1 .. 7
    assert np.flatnonzero(xares).tolist() == list(range(math.ceil(0.05 / 0.04), math.ceil(0.31 / 0.04)))
    assert np.flatnonzero(center).tolist() == [1, 2, 3, 4, 5, 6, 7]


def test_protocol_settings_one_at_a_time(tmp_path, capsys):
    p = XARES.with_settings(["resampler=soxr", "select-on-test=false"])
    assert (p.resampler, p.select_on_test, p.padding) == ("soxr", False, "xares")
    assert p.name.startswith("custom-") and Protocol().name == "default" and XARES.name == "xares"
    with pytest.raises(HFBenchError, match="KEY one of: padding, resampler"):
        Protocol().with_settings(["colour=blue"])
    with pytest.raises(HFBenchError, match="use knn_normalization=per_sample or per_dimension"):
        Protocol().with_settings(["knn_normalization=cosine"])
    task = _mixed_length_task(tmp_path)
    code = cli(["run", "--encoder", "mfb", "--task", str(tmp_path / "mixed.yaml"), "--compat", "xares",
                "--protocol", "knn_normalization=per_sample", "--probe", "knn", "--output-dir", str(tmp_path / "o"),
                "--cache-dir", str(tmp_path / "c"), "--quiet", "--bootstrap", "0"])
    assert code == 0 and task.name == "mixed"
    folder = next((tmp_path / "o").iterdir())
    assert folder.name.startswith("mfb+custom-")
    assert "protocol custom-" in capsys.readouterr().out
