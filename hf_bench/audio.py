"""Decode one clip to a mono float32 waveform at the encoder's rate.

Decoding is soundfile (libsndfile: WAV, FLAC, MP3, OGG/Vorbis/Opus, AIFF, ...); resampling is soxr. Formats
libsndfile cannot read (m4a, wma, aac, ...) go through the ``ffmpeg`` command when it is installed. Every failure
is an ``AudioError`` naming the clip and the fix; nothing is cached between calls.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from hf_bench.data import AudioRef
from hf_bench.errors import AudioError, DataError

# extensions libsndfile decodes itself; anything else may be handed to ffmpeg
SOUNDFILE_EXTS = frozenset({"wav", "wave", "flac", "mp3", "ogg", "oga", "opus", "aif", "aiff", "aifc", "au", "snd",
                            "caf", "w64", "rf64"})
_REENCODE_FIX = "re-encode it as 16-bit PCM WAV or FLAC (e.g. `ffmpeg -i IN -c:a flac OUT.flac`) or remove it"


def _extension(ref: AudioRef) -> str:
    name = ref.origin.rsplit("/", 1)[-1].rsplit(":", 1)[-1].rstrip(")")
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _read_soundfile(source) -> tuple[np.ndarray, int]:
    data, sr = sf.read(source, dtype="float32", always_2d=True)
    return data, int(sr)


def _read_ffmpeg(ref: AudioRef, raw: bytes | None) -> tuple[np.ndarray, int]:
    """Decode with the ffmpeg CLI into a temporary float WAV, keeping the native rate and channels."""
    with tempfile.TemporaryDirectory(prefix="hf_bench_ffmpeg_") as tmp:
        if raw is not None:
            src = Path(tmp) / f"in.{_extension(ref) or 'bin'}"
            src.write_bytes(raw)
        else:
            src = ref.path
        out = Path(tmp) / "out.wav"
        cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i", str(src), "-vn",
               "-c:a", "pcm_f32le", "-f", "wav", str(out)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            raise AudioError("ffmpeg did not finish decoding within 10 minutes", where=ref.origin,
                             fix=_REENCODE_FIX) from None
        if proc.returncode != 0 or not out.is_file():
            msg = (proc.stderr or "").strip().splitlines()
            raise AudioError(f"cannot decode audio (ffmpeg: {msg[-1] if msg else 'failed'})", where=ref.origin,
                             fix=_REENCODE_FIX)
        return _read_soundfile(out)


def read_audio(ref: AudioRef) -> tuple[np.ndarray, int]:
    """Decode ``ref`` to ``[frames, channels]`` float32 at its native rate (no checks beyond readability)."""
    try:
        raw = ref.read_bytes()
    except DataError as e:
        raise AudioError(e.problem, where=ref.origin, fix=e.fix) from None
    if raw is None:
        if ref.path is None:
            raise AudioError("clip has neither a file path nor bytes", where=ref.origin,
                             fix="fix the data source: every item needs an audio file or audio bytes")
        try:
            size = os.path.getsize(ref.path)
        except OSError as e:
            raise AudioError(f"cannot open audio file ({e.strerror or e})", where=ref.origin,
                             fix="check that the file exists and is readable") from None
        if size == 0:
            raise AudioError("audio file is empty (0 bytes)", where=ref.origin, fix="replace the file or remove it")
        source = str(ref.path)
    else:
        if len(raw) == 0:
            raise AudioError("audio is empty (0 bytes)", where=ref.origin, fix="replace the clip or remove it")
        source = io.BytesIO(raw)
    try:
        return _read_soundfile(source)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError, EOFError) as e:
        # only formats libsndfile does not support go to ffmpeg: a corrupt WAV must fail, not be "repaired"
        if _extension(ref) not in SOUNDFILE_EXTS and shutil.which("ffmpeg"):
            return _read_ffmpeg(ref, raw)
        detail = str(e).strip() or type(e).__name__
        raise AudioError(f"cannot decode audio (corrupt or unsupported format: {detail})", where=ref.origin,
                         fix=_REENCODE_FIX) from None


def decode(ref: AudioRef, *, target_sr: int, expected_sr: int | None = None, downmix: bool = False) -> np.ndarray:
    """Decode ``ref`` to a float32 mono waveform ``[N]`` at ``target_sr``.

    ``expected_sr``: the task's declared native rate; a file at any other rate is an error (None accepts any).
    ``downmix``: average channels; when False a multi-channel file is an error.
    Raises AudioError for unreadable, empty, NaN/Inf, wrongly-sampled or multi-channel (without downmix) audio.
    """
    if target_sr <= 0:
        raise ValueError(f"target_sr must be positive, got {target_sr}")
    data, sr = read_audio(ref)
    if data.shape[0] == 0:
        raise AudioError("audio has no samples (0 frames)", where=ref.origin, fix="replace the clip or remove it")
    if expected_sr is not None and sr != expected_sr:
        raise AudioError(f"sample rate is {sr} Hz but the task declares {expected_sr} Hz", where=ref.origin,
                         fix=f"resample the file to {expected_sr} Hz, or declare `sample_rate: {sr}` in the task "
                             "spec (or remove `sample_rate` to accept any rate; audio is resampled for the encoder)")
    if data.shape[1] > 1 and not downmix:
        raise AudioError(f"audio has {data.shape[1]} channels; the task expects mono", where=ref.origin,
                         fix="set `downmix: true` in the task spec to average the channels, or convert the file "
                             "to mono")
    if not np.isfinite(data).all():
        bad = int((~np.isfinite(data)).sum())
        raise AudioError(f"audio contains {bad} NaN/Inf samples", where=ref.origin,
                         fix="re-export the file from its source or remove it")
    wav = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    if sr != target_sr:
        wav = soxr.resample(wav, sr, target_sr, quality="HQ")
    return np.ascontiguousarray(wav, dtype=np.float32)


__all__ = ["decode", "read_audio", "SOUNDFILE_EXTS"]
