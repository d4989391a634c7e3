"""Helpers for the data tests: tiny audio files and WebDataset shards built on the fly."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import numpy as np
import soundfile as sf


def tone(freq: float = 440.0, *, sr: int = 16000, seconds: float = 0.25, channels: int = 1) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    wave = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return wave if channels == 1 else np.stack([wave * (c + 1) / channels for c in range(channels)], axis=1)


def audio_bytes(fmt: str = "WAV", **kw) -> bytes:
    sr = kw.get("sr", 16000)
    buf = io.BytesIO()
    sf.write(buf, tone(**kw), sr, format=fmt, subtype="PCM_16")
    return buf.getvalue()


def write_audio(path: Path, **kw) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = {"wav": "WAV", "flac": "FLAC"}[path.suffix[1:]]
    path.write_bytes(audio_bytes(fmt, **kw))
    return path


def write_tar(path: Path, samples: list[tuple[str, str, bytes | None, object]]) -> Path:
    """samples: (key, audio ext, audio bytes or None, JSON label doc or None) in tar order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w") as tf:
        for key, ext, audio, doc in samples:
            members = []
            if audio is not None:
                members.append((f"{key}.{ext}", audio))
            if doc is not None:
                members.append((f"{key}.json", json.dumps(doc).encode()))
            for name, blob in members:
                info = tarfile.TarInfo(name)
                info.size = len(blob)
                tf.addfile(info, io.BytesIO(blob))
    return path


def hf_parquet(path, rows, *, class_names=None, audio_col="audio", extra=None):
    """A parquet file as datasets writes it: Audio struct column + label, features in the schema metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    audio = pa.array([{"bytes": b, "path": p} for b, p, _ in rows],
                     type=pa.struct([("bytes", pa.binary()), ("path", pa.string())]))
    labels = pa.array([lab for _, _, lab in rows])
    table = pa.table({audio_col: audio, "label": labels, **(extra or {})})
    features = {audio_col: {"_type": "Audio"}, "label": {"_type": "Value", "dtype": "string"}}
    if class_names:
        features["label"] = {"_type": "ClassLabel", "names": class_names}
    table = table.replace_schema_metadata({"huggingface": json.dumps({"info": {"features": features}})})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path
