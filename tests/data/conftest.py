"""Fixtures for the data tests."""

from __future__ import annotations

import pytest
from data_testutil import audio_bytes, write_tar


@pytest.fixture
def xares_like(tmp_path):
    """Shards laid out like an X-ARES Zenodo record (VocalSound style): several shards per split, wav + flac."""
    classes = ["laughter", "sigh", "cough"]
    root = tmp_path / "record"
    n = 0
    for split, shards in (("train", 2), ("valid", 1), ("test", 2)):
        for s in range(shards):
            samples = []
            for j in range(3):
                label = classes[(n + j) % 3]
                ext = "flac" if j % 2 else "wav"
                samples.append((f"{split}_{s}_{j}", ext, audio_bytes(ext.upper(), freq=200 + 50 * n + j),
                                {"label": label, "speaker": f"spk{j}"}))
            n += 1
            write_tar(root / f"{split}_{s:07d}.tar", samples)
    return root, classes
