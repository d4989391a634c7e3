"""mfb / mfcc: Kaldi-compatible numbers, frame arithmetic, padding invariance, options, fingerprints."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from enc_helpers import batch, noise

from hf_bench.encoders import filterbank, load_encoder
from hf_bench.errors import EncoderError


def kaldi_reference(wav: np.ndarray, n_mels: int, low: float, high: float) -> np.ndarray:
    """The numpy Kaldi fbank of transformers' Speech2Text feature extractor (its torchaudio-free path)."""
    from transformers.audio_utils import mel_filter_bank, spectrogram, window_function

    mel = mel_filter_bank(num_frequency_bins=257, num_mel_filters=n_mels, min_frequency=low, max_frequency=high,
                          sampling_rate=16000, norm=None, mel_scale="kaldi", triangularize_in_mel_space=True)
    return spectrogram(wav.astype(np.float64) * 32768, window_function(400, "povey", periodic=False),
                       frame_length=400, hop_length=160, fft_length=512, power=2.0, center=False, preemphasis=0.97,
                       mel_filters=mel, log_mel="log", mel_floor=1.192092955078125e-07, remove_dc_offset=True).T


@pytest.mark.parametrize("spec,n_mels", [("mfb", 80), ("mfb:n_mels=40", 40)])
def test_mfb_matches_kaldi_reference(spec, n_mels):
    wav = noise(2.37, seed=1)
    out = load_encoder(spec).encode(wav[None], torch.tensor([wav.shape[0]]))
    ref = kaldi_reference(wav.numpy(), n_mels, 20, 8000)
    got = out.hidden_states[0][0].numpy()
    assert got.shape == ref.shape == (1 + (wav.shape[0] - 400) // 160, n_mels)
    np.testing.assert_allclose(got, ref, atol=5e-4, rtol=1e-5)


def test_mfcc_is_kaldi_hires_mfcc():
    from scipy.fft import dct

    wav = noise(1.5, seed=2)
    out = load_encoder("mfcc").encode(wav[None], torch.tensor([wav.shape[0]]))
    fbank = kaldi_reference(wav.numpy(), 40, 20, 7600)  # mfcc_hires.conf: 40 bins, 20 Hz .. Nyquist - 400
    ceps = dct(fbank, type=2, norm="ortho", axis=-1)[:, :40] * (1 + 11 * np.sin(np.pi * np.arange(40) / 22))
    got = out.hidden_states[0][0].numpy()
    assert got.shape == ceps.shape
    np.testing.assert_allclose(got, ceps, atol=2e-3, rtol=1e-4)


def test_mfcc_options_truncate_cepstra():
    wav = noise(1.0)
    full = load_encoder("mfcc:n_mels=23,n_ceps=23").encode(wav[None], torch.tensor([16000])).hidden_states[0]
    first = load_encoder("mfcc:n_ceps=13,n_mels=23").encode(wav[None], torch.tensor([16000])).hidden_states[0]
    assert first.shape[-1] == 13
    torch.testing.assert_close(first, full[..., :13], atol=1e-4, rtol=1e-5)


@pytest.mark.parametrize("spec,dim", [("mfb", 80), ("mfcc", 40)])
def test_shapes_lengths_and_hop(spec, dim):
    enc = load_encoder(spec)
    assert (enc.num_layers, enc.dim, enc.hop_ms, enc.sampling_rate, enc.n_parameters) == (1, dim, 10.0, 16000, 0)
    sizes = [16000, 12345, 560, 559, 400, 399, 100]
    wavs, lengths = batch(*[noise(n / 16000, seed=i) for i, n in enumerate(sizes)])
    out = enc.encode(wavs, lengths)
    expected = [1 + (max(n, 400) - 400) // 160 for n in sizes]  # Kaldi snip_edges; < 25 ms still gives one frame
    assert out.lengths.tolist() == expected == [98, 75, 2, 1, 1, 1, 1]
    assert out.lengths.dtype == torch.int64
    assert out.hidden_states[0].shape == (len(sizes), enc.expected_frames(wavs.shape[1]), dim)
    assert abs(enc.expected_frames(160000) - 1000) <= 2  # 10 s at a 10 ms hop
    # padded frames are zeros, valid ones are not
    for i, n in enumerate(expected):
        assert torch.count_nonzero(out.hidden_states[0][i, n:]) == 0
        assert torch.all(out.hidden_states[0][i, :n].abs().sum(-1) > 0)


def test_tiny_batch_shorter_than_one_window():
    out = load_encoder("mfb").encode(noise(0.01)[None], torch.tensor([160]))
    assert out.hidden_states[0].shape == (1, 1, 80) and out.lengths.tolist() == [1]


@pytest.mark.parametrize("spec", ["mfb", "mfcc"])
def test_padding_invariance_and_determinism(spec):
    enc = load_encoder(spec)
    a, b = noise(1.0, seed=3), noise(3.1, seed=4)
    wavs, lengths = batch(a, b)
    both = enc.encode(wavs, lengths)
    alone = enc.encode(a[None], torch.tensor([a.shape[0]]))
    n = int(alone.lengths[0])
    assert int(both.lengths[0]) == n
    torch.testing.assert_close(both.hidden_states[0][0, :n], alone.hidden_states[0][0], atol=1e-5, rtol=1e-6)
    again = enc.encode(wavs, lengths)
    assert torch.equal(both.hidden_states[0], again.hidden_states[0])


def test_blocked_computation_equals_one_block(monkeypatch):
    enc = load_encoder("mfb")
    wavs, lengths = batch(noise(2.0, seed=5), noise(1.3, seed=6))
    whole = enc.encode(wavs, lengths).hidden_states[0]
    monkeypatch.setattr(filterbank, "_FRAMES_PER_BLOCK", 7)
    blocked = enc.encode(wavs, lengths).hidden_states[0]
    torch.testing.assert_close(blocked, whole, atol=1e-5, rtol=0)


def test_fingerprints():
    fps = {s: load_encoder(s).fingerprint() for s in ("mfb", "mfb:n_mels=40", "mfcc", "mfcc:n_ceps=13")}
    assert len(set(fps.values())) == 4
    assert load_encoder("mfb").fingerprint() == fps["mfb"]
    assert load_encoder("mfb:n_mels=80").fingerprint() == fps["mfb"]  # same parameters, same features


@pytest.mark.parametrize("spec,needle", [
    ("mfb:n_mels=abc", "not a number"),
    ("mfb:n_ceps=13", "bad option"),
    ("mfb:n_mels", "bad option"),
    ("mfb:n_mels=0", "n_mels=0"),
    ("mfcc:n_ceps=50", "n_ceps=50"),
    ("mfb:low_freq=9000", "low_freq"),
])
def test_bad_options(spec, needle):
    with pytest.raises(EncoderError) as e:
        load_encoder(spec)
    assert needle in str(e.value) and spec in str(e.value) and e.value.fix
