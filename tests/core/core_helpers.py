"""Shared helpers of the spine tests: a learnable WebDataset task of noisy tones, and a run config."""

from __future__ import annotations

import io
import json
import tarfile
import textwrap
from pathlib import Path

import numpy as np
import soundfile as sf

from hf_bench.pipeline import RunConfig

SR = 16000
FREQS = [220.0, 330.0, 495.0]


def tone(freq, seed, dur=0.5, sr=SR):
    rng = np.random.default_rng(seed)
    t = np.arange(int(dur * sr)) / sr
    wave = 0.3 * np.sin(2 * np.pi * freq * (1 + 0.03 * rng.normal()) * t) + 0.15 * rng.normal(size=t.size)
    return wave.astype(np.float32)


def write_tar(path: Path, items):
    with tarfile.open(path, "w") as tar:
        for key, wave, label, ext in items:
            buf = io.BytesIO()
            sf.write(buf, wave, SR, format="FLAC" if ext == "flac" else "WAV")
            for name, data in ((f"{key}.{ext}", buf.getvalue()), (f"{key}.json", json.dumps(label).encode())):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


def make_tone_task(tmp_path):
    """A WebDataset task in the X-ARES layout (wav + flac members, JSON labels), described by a YAML spec."""
    data = tmp_path / "data"
    data.mkdir()
    counts = {"train": 60, "valid": 24, "test": 30}
    seed = 0
    for split, n in counts.items():
        items = []
        for i in range(n):
            c = i % 3
            items.append((f"{split}{i:03d}", tone(FREQS[c], seed), {"label": f"note{c}"}, "flac" if i % 2 else "wav"))
            seed += 1
        half = n // 2
        write_tar(data / f"{split}-000000.tar", items[:half])
        write_tar(data / f"{split}-000001.tar", items[half:])
    spec = tmp_path / "tones.yaml"
    spec.write_text("name: tones\ntype: clip_classification\ndomain: sound\nsample_rate: 16000\n"
                    "data:\n  format: webdataset\n  label_key: label\n"
                    "  train: data/train-*.tar\n  valid: data/valid-*.tar\n  test: data/test-*.tar\n")
    return spec


def config(tmp_path, **kw):
    return RunConfig(encoder=kw.pop("encoder", "mfb"), output_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                     progress=False, bootstrap=kw.pop("bootstrap", 50), **kw)


def slow_encoder(seconds_per_clip: float = 0.02) -> str:
    """Source of an X-ARES-style module that sleeps per clip: time for a test to kill a run mid-extraction."""
    return textwrap.dedent(f"""
        import time, torch
        class Slow(torch.nn.Module):
            def __init__(self):
                super().__init__()
                torch.manual_seed(0)
                self.sampling_rate, self.output_dim, self.hop_size_in_ms = 16000, 8, 20
                self.proj = torch.nn.Linear(320, 8)
            def forward(self, audio):
                time.sleep({seconds_per_clip} * audio.shape[0])
                n = audio.shape[1] // 320
                return torch.log1p(self.proj(audio[:, : n * 320].reshape(audio.shape[0], n, 320)).abs())
    """)
