"""Decode one clip to a mono float32 waveform at the encoder's rate.

Decoding is soundfile (libsndfile: WAV, FLAC, MP3, OGG/Vorbis/Opus, AIFF, ...); resampling is soxr ("HQ"), or,
for ``--compat xares``, the windowed-sinc resampler of ``torchaudio.functional.resample`` that X-ARES uses (ported
here: torchaudio does not load beside CPU torch 2.13). Formats libsndfile cannot read (m4a, wma, aac, ...) go
through the ``ffmpeg`` command when it is installed. Every failure is an ``AudioError`` naming the clip and the
fix; nothing is cached between calls except the sinc kernels (one per rate pair).
"""

from __future__ import annotations

import functools
import io
import math
import os
import shutil
import subprocess
import tempfile
import threading
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
RESAMPLERS = ("soxr", "torchaudio")


def _extension(ref: AudioRef) -> str:
    name = ref.origin.rsplit("/", 1)[-1].rsplit(":", 1)[-1].rstrip(")")
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _read_soundfile(source, segment: tuple[float | None, float | None] = (None, None)) -> tuple[np.ndarray, int]:
    start, end = segment
    if start is None and end is None:
        data, sr = sf.read(source, dtype="float32", always_2d=True)
        return data, int(sr)
    with sf.SoundFile(source) as f:  # seek to the segment: a 15-minute talk is not decoded for a 5 s utterance
        sr = int(f.samplerate)
        a = int(round((start or 0.0) * sr))
        b = f.frames if end is None else min(f.frames, int(round(end * sr)))
        if a >= f.frames or b <= a:
            return np.zeros((0, f.channels), dtype=np.float32), sr
        f.seek(a)
        return f.read(b - a, dtype="float32", always_2d=True), sr


def _cut(data: np.ndarray, sr: int, ref: AudioRef) -> np.ndarray:
    if not ref.is_segment:
        return data
    a = int(round((ref.start_s or 0.0) * sr))
    b = len(data) if ref.end_s is None else min(len(data), int(round(ref.end_s * sr)))
    return data[a:max(a, b)]


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
        data, sr = _read_soundfile(out)
        return _cut(data, sr, ref), sr


def _wav_truncation(head: bytes, total: int) -> str | None:
    """Why a RIFF/WAVE file is cut short (its data chunk declares more bytes than the file holds), or None.
    libsndfile silently returns the frames that are there, which would turn a damaged clip into a short one."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos, block = 12, None
    while pos + 8 <= len(head):
        cid, size = head[pos:pos + 4], int.from_bytes(head[pos + 4:pos + 8], "little")
        if cid == b"fmt " and pos + 22 <= len(head):
            channels = int.from_bytes(head[pos + 10:pos + 12], "little")
            bits = int.from_bytes(head[pos + 22:pos + 24], "little") if pos + 24 <= len(head) else 0
            block = channels * max(bits // 8, 1) if channels else None
        if cid == b"data":
            if size in (0, 0xFFFFFFFF):  # streaming writers leave the size open
                return None
            held = total - (pos + 8)
            if held < size:
                frames = f" ({size // block} frames declared, {held // block} present)" if block else ""
                return f"truncated WAV: the header declares {size} bytes of audio, the file holds {held}{frames}"
            return None
        pos += 8 + size + (size & 1)
    return None


def read_audio(ref: AudioRef) -> tuple[np.ndarray, int]:
    """Decode ``ref`` to ``[frames, channels]`` float32 at its native rate (no checks beyond readability); a
    segment (``ref.start_s`` / ``ref.end_s``) is read alone."""
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
        with open(ref.path, "rb") as f:
            head = f.read(65536)
        source = str(ref.path)
    else:
        if len(raw) == 0:
            raise AudioError("audio is empty (0 bytes)", where=ref.origin, fix="replace the clip or remove it")
        head, size = raw[:65536], len(raw)
        source = io.BytesIO(raw)
    cut = _wav_truncation(head, size)
    if cut:
        raise AudioError(cut, where=ref.origin, fix=_REENCODE_FIX)
    try:
        return _read_soundfile(source, (ref.start_s, ref.end_s))
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError, EOFError) as e:
        # only formats libsndfile does not support go to ffmpeg: a corrupt WAV must fail, not be "repaired"
        if _extension(ref) not in SOUNDFILE_EXTS and shutil.which("ffmpeg"):
            return _read_ffmpeg(ref, raw)
        detail = str(e).strip() or type(e).__name__
        raise AudioError(f"cannot decode audio (corrupt or unsupported format: {detail})", where=ref.origin,
                         fix=_REENCODE_FIX) from None


def decode(ref: AudioRef, *, target_sr: int, expected_sr: int | None = None, downmix: bool = False,
           resampler: str = "soxr") -> np.ndarray:
    """Decode ``ref`` to a float32 mono waveform ``[N]`` at ``target_sr``.

    ``expected_sr``: the task's declared native rate; a file at any other rate is an error (None accepts any).
    ``downmix``: average channels; when False a multi-channel file is an error.
    ``resampler``: "soxr" (downmix, then soxr HQ) or "torchaudio" (X-ARES: each channel through torchaudio's
    windowed-sinc resampler, then the channel mean).
    Raises AudioError for unreadable, empty, NaN/Inf, wrongly-sampled or multi-channel (without downmix) audio.
    """
    if target_sr <= 0:
        raise ValueError(f"target_sr must be positive, got {target_sr}")
    if resampler not in RESAMPLERS:
        raise ValueError(f"unknown resampler {resampler!r} (use one of {RESAMPLERS})")
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
    if resampler == "torchaudio":
        channels = sinc_resample(np.ascontiguousarray(data.T), sr, target_sr) if sr != target_sr else data.T
        wav = channels.mean(axis=0) if channels.shape[0] > 1 else channels[0]
        return np.ascontiguousarray(wav, dtype=np.float32)
    wav = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    if sr != target_sr:
        wav = resample(wav, sr, target_sr)
    return np.ascontiguousarray(wav, dtype=np.float32)


_local = threading.local()


def resample(wav: np.ndarray, sr: int, target_sr: int) -> np.ndarray:
    """soxr HQ, as ``soxr.resample`` computes it (identical samples), with one resampler per thread and rate pair
    reused across clips instead of built for each."""
    streams = getattr(_local, "streams", None)
    if streams is None:
        streams = _local.streams = {}
    wav = np.ascontiguousarray(wav)
    key = (sr, target_sr, wav.dtype.str)
    stream = streams.get(key)
    if stream is None:
        stream = streams[key] = soxr.ResampleStream(sr, target_sr, 1, dtype=wav.dtype, quality="HQ")
    try:
        return stream.resample_chunk(wav, last=True)
    finally:
        stream.clear()


# ------------------------------------------------------------------------------------------ X-ARES's resampler
@functools.lru_cache(maxsize=16)
def _sinc_kernel(orig: int, new: int, lowpass_filter_width: int = 6, rolloff: float = 0.99):
    """torchaudio's ``_get_sinc_resample_kernel`` (hann window), in float32 as for a float32 waveform."""
    import torch

    base = min(orig, new) * rolloff
    width = math.ceil(lowpass_filter_width * orig / base)
    idx = torch.arange(-width, width + orig, dtype=torch.float32)[None, None] / orig
    t = torch.arange(0, -new, -1, dtype=torch.float32)[:, None, None] / new + idx
    t *= base
    t = t.clamp_(-lowpass_filter_width, lowpass_filter_width)
    window = torch.cos(t * math.pi / lowpass_filter_width / 2) ** 2
    t *= math.pi
    kernels = torch.where(t == 0, torch.tensor(1.0).to(t), t.sin() / t)
    kernels *= window * (base / orig)
    return kernels, width


def sinc_resample(waves: np.ndarray, orig_sr: int, new_sr: int) -> np.ndarray:
    """``torchaudio.functional.resample(waves, orig_sr, new_sr)`` with its defaults (lowpass_filter_width=6,
    rolloff=0.99, sinc_interp_hann) on float32 ``[..., N]``: the same kernel and the same strided convolution."""
    import torch

    gcd = math.gcd(int(orig_sr), int(new_sr))
    orig, new = int(orig_sr) // gcd, int(new_sr) // gcd
    kernel, width = _sinc_kernel(orig, new)
    x = torch.from_numpy(np.ascontiguousarray(waves, dtype=np.float32))
    shape = x.shape
    x = x.reshape(-1, shape[-1])
    length = x.shape[1]
    with torch.inference_mode():
        y = torch.nn.functional.conv1d(torch.nn.functional.pad(x, (width, width + orig))[:, None], kernel,
                                       stride=orig)
        y = y.transpose(1, 2).reshape(x.shape[0], -1)[..., :math.ceil(new * length / orig)]
    return y.reshape(shape[:-1] + y.shape[-1:]).numpy()


# ------------------------------------------------------------------------------------------ length without decoding
class _Window(io.RawIOBase):
    """A read-only, seekable view of ``size`` bytes at ``offset`` of a file (a tar member, for soundfile)."""

    def __init__(self, path, offset: int, size: int):
        self._f = open(path, "rb")
        self._offset, self._size, self._pos = offset, size, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, pos, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, min(self._size, base + pos))
        return self._pos

    def tell(self):
        return self._pos

    def readinto(self, buf):
        n = min(len(buf), self._size - self._pos)
        if n <= 0:
            return 0
        self._f.seek(self._offset + self._pos)
        got = self._f.readinto(memoryview(buf)[:n])
        self._pos += got
        return got

    def close(self):
        self._f.close()
        super().close()


def probe_seconds(ref: AudioRef) -> float | None:
    """Duration of ``ref`` from its header alone (no decoding), or None when the header does not tell."""
    try:
        if ref.data is not None:
            info = sf.info(io.BytesIO(ref.data))
        elif ref.tar_offset is not None and ref.path is not None:
            with _Window(ref.path, ref.tar_offset, ref.tar_size or 0) as window:
                info = sf.info(window)
        elif ref.path is not None:
            info = sf.info(str(ref.path))
        else:
            return None
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError, OSError):
        return None
    if not info.samplerate or info.frames <= 0:
        return None
    total = info.frames / info.samplerate
    if ref.is_segment:
        return max(0.0, min(total, ref.end_s if ref.end_s is not None else total) - (ref.start_s or 0.0))
    return total


__all__ = ["decode", "read_audio", "sinc_resample", "probe_seconds", "RESAMPLERS", "SOUNDFILE_EXTS"]
