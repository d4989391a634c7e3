"""Frame-level features (the ZeroSpeech feature stage): layer checks, batch independence, cache reuse."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from hf_bench.encoders import load_encoder
from hf_bench.errors import HFBenchError
from hf_bench.features.extract import iter_frame_features

PAD_SENSITIVE = """
import torch
class PadEncoder(torch.nn.Module):
    sampling_rate, output_dim, hop_size_in_ms = 16000, 4, 20
    def forward(self, audio):
        n = audio.shape[1] // 320
        frames = audio[:, : n * 320].reshape(audio.shape[0], n, 320)
        # the mean over the whole (padded) input leaks into every frame: batch composition matters
        return frames[..., :4] + audio.mean(dim=1, keepdim=True)[:, :, None]
"""


def _wavs(tmp_path, n=3):
    paths = []
    for i in range(n):
        p = tmp_path / f"w{i}.wav"
        sf.write(p, np.random.default_rng(i).normal(size=8000 + 3200 * i).astype("float32") * 0.1, 16000)
        paths.append(p)
    return paths


def test_bad_layer_is_a_clear_error(tmp_path):
    with pytest.raises(HFBenchError, match="layer 3 does not exist"):
        list(iter_frame_features(load_encoder("mfb"), _wavs(tmp_path, 1), layer="3", cache_dir=tmp_path / "c"))


def test_padding_sensitive_module_gets_unpadded_batches_and_cache_is_reused(tmp_path):
    enc_file = tmp_path / "pad_enc.py"
    enc_file.write_text(PAD_SENSITIVE)
    encoder = load_encoder(f"{enc_file}:PadEncoder")
    paths = _wavs(tmp_path)
    together = dict(iter_frame_features(encoder, paths, cache_dir=tmp_path / "a", progress=False))
    alone = {p: dict(iter_frame_features(encoder, [p], cache_dir=tmp_path / "b", progress=False))[p] for p in paths}
    for p in paths:
        np.testing.assert_array_equal(together[p], alone[p])
        assert together[p].shape == (len(sf.read(p)[0]) // 320, 4)
    cached = sorted((tmp_path / "a").rglob("*.npy"))
    before = [f.stat().st_mtime_ns for f in cached]
    again = dict(iter_frame_features(encoder, paths, cache_dir=tmp_path / "a", progress=False))
    assert [f.stat().st_mtime_ns for f in cached] == before  # read back, not recomputed
    for p in paths:
        np.testing.assert_array_equal(again[p], together[p])
