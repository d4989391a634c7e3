"""Small X-ARES-layout WebDataset tars for the frame-level tasks (DESED, MAESTRO): tones at known times.

DESED: ``wds-audio-{train,eval}-000000.tar``, members ``<key>.wav`` + ``<key>.json`` where the JSON is the event
list itself, ``[{"onset": s, "offset": s, "label": "A,B"}]`` (keys with dots, as DESED's file names have).
MAESTRO: ``maestro_{train,valid,test}_000000.tar``, JSON ``[{"start": s, "end": s, "note": 21..107}]``.
Each class is a tone of its own frequency, so a frame probe on log-mel frames can learn it.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 16000
DESED_CLASSES = ("Cat", "Speech", "Running_water", "Dishes", "Electric_shaver_toothbrush", "Vacuum_cleaner",
                 "Blender", "Alarm_bell_ringing", "Dog", "Frying")


def midi_hz(note: int) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def render(events, duration: float, freq_of, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(duration * SR)
    t = np.arange(n) / SR
    wave = 0.01 * rng.normal(size=n)
    for on, off, cls in events:
        a, b = int(on * SR), min(n, int(off * SR))
        wave[a:b] += 0.2 * np.sin(2 * np.pi * freq_of(cls) * t[a:b])
    return wave.astype(np.float32)


def write_tar(path: Path, samples) -> None:
    with tarfile.open(path, "w") as tar:
        for key, wave, label in samples:
            buf = io.BytesIO()
            sf.write(buf, wave, SR, format="WAV", subtype="PCM_16")
            for name, data in ((f"{key}.wav", buf.getvalue()), (f"{key}.json", json.dumps(label).encode())):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


def desed_tars(root: Path, *, n_train: int = 40, n_eval: int = 16, duration: float = 3.0, seed: int = 0,
               events_of=None) -> Path:
    """``root/xares/desed/wds-audio-{train,eval}-000000.tar``; returns the folder."""
    folder = root / "xares" / "desed"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    freqs = {c: 300.0 * 1.45 ** i for i, c in enumerate(DESED_CLASSES)}
    for split, n in (("train", n_train), ("eval", n_eval)):
        samples = []
        for i in range(n):
            events = []
            for _ in range(int(rng.integers(1, 4))):
                on = float(np.round(rng.uniform(0, duration - 0.8), 3))
                off = float(np.round(min(duration, on + rng.uniform(0.5, 1.5)), 3))
                events.append((on, off, DESED_CLASSES[int(rng.integers(0, 5))]))
            label = events_of(events) if events_of else [
                {"onset": on, "offset": off, "label": c} for on, off, c in events]
            samples.append((f"Y{split}{i:03d}_{i}.000_{i + 10}.000", render(events, duration, freqs.get, seed * 1000 + i),
                            label))
            seed += 1
        write_tar(folder / f"wds-audio-{split}-000000.tar", samples)
    return folder


def maestro_tars(root: Path, *, sizes=(("train", 24), ("valid", 8), ("test", 8)), duration: float = 2.5,
                 seed: int = 0) -> Path:
    folder = root / "xares" / "maestro"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for split, n in sizes:
        samples = []
        for i in range(n):
            notes = []
            t = 0.0
            while t < duration - 0.4:
                d = float(rng.uniform(0.3, 0.8))
                notes.append((round(t, 3), round(min(duration, t + d), 3), int(rng.choice([60, 64, 67, 72]))))
                t += float(rng.uniform(0.2, 0.7))
            label = [{"start": a, "end": b, "note": k} for a, b, k in notes]
            samples.append((f"{split}_{i:03d}", render(notes, duration, midi_hz, seed * 1000 + i), label))
            seed += 1
        write_tar(folder / f"maestro_{split}_000000.tar", samples)
    return folder
