"""Signal processing shared by the generators: fitting into a clip, noise, channel colouring, levels, FLAC.

Every random choice takes an explicit ``numpy.random.Generator`` so that a clip depends only on its seed.
"""

from __future__ import annotations

import io

import numpy as np

from hf_bench.data.synth._tools import SAMPLE_RATE

# quieter than this (peak) counts as silence: a synthesiser that produced nothing is a bug, not a clip
SILENCE_PEAK = 1e-3


def active_region(audio: np.ndarray, threshold_db: float = -40.0) -> tuple[int, int]:
    """First and last sample (exclusive) whose 10 ms frame energy is within ``threshold_db`` of the loudest."""
    hop = SAMPLE_RATE // 100
    n = len(audio) // hop
    if n == 0:
        return 0, len(audio)
    energy = (audio[: n * hop].reshape(n, hop) ** 2).mean(axis=1) + 1e-12
    on = np.nonzero(10 * np.log10(energy / energy.max()) > threshold_db)[0]
    if len(on) == 0:
        return 0, len(audio)
    return int(on[0] * hop), int(min(len(audio), (on[-1] + 1) * hop))


def trim(audio: np.ndarray) -> np.ndarray:
    start, end = active_region(audio)
    return audio[start:end]


def fit(audio: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
    """Place ``audio`` at a random offset in ``length`` zeros, or cut a random window of ``length`` out of it."""
    out = np.zeros(length, dtype=np.float32)
    if len(audio) <= length:
        start = int(rng.integers(0, length - len(audio) + 1))
        out[start:start + len(audio)] = audio
    else:
        start = int(rng.integers(0, len(audio) - length + 1))
        out[:] = audio[start:start + length]
    return out


def speed_perturb(audio: np.ndarray, factor: float) -> np.ndarray:
    """Play ``factor`` times faster (pitch and formants scale with it, like a shorter or longer vocal tract)."""
    if abs(factor - 1.0) < 1e-6:
        return audio
    import soxr

    # resampling to a rate reinterpreted as 16 kHz is exactly tape-speed change
    return soxr.resample(audio, SAMPLE_RATE, SAMPLE_RATE / factor, quality="HQ").astype(np.float32)


def _spectral_shape(n: int, rng: np.random.Generator, exponent: float) -> np.ndarray:
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spec), dtype=np.float64)
    f[0] = 1.0
    return np.fft.irfft(spec / f ** (exponent / 2.0), n=n)


def noise(n: int, rng: np.random.Generator, color: str) -> np.ndarray:
    """Unit-RMS noise: ``white``, ``pink`` (1/f) or ``brown`` (1/f^2)."""
    exponent = {"white": 0.0, "pink": 1.0, "brown": 2.0}[color]
    x = rng.standard_normal(n) if exponent == 0 else _spectral_shape(n, rng, exponent)
    x = x - x.mean()
    return (x / (np.sqrt(np.mean(x ** 2)) + 1e-12)).astype(np.float32)


def add_noise(audio: np.ndarray, snr_db: float, rng: np.random.Generator, color: str = "white") -> np.ndarray:
    """Add noise at ``snr_db`` relative to the RMS of the active (non-silent) part of ``audio``."""
    start, end = active_region(audio)
    level = np.sqrt(np.mean(audio[start:end] ** 2)) + 1e-9
    return (audio + noise(len(audio), rng, color) * level * 10 ** (-snr_db / 20.0)).astype(np.float32)


def random_channel(audio: np.ndarray, rng: np.random.Generator, depth_db: float) -> np.ndarray:
    """Colour ``audio`` with a smooth random EQ curve (up to about +-``depth_db``), like an unknown microphone/room.

    The curve is a sum of a few random cosines over log-frequency, so it is smooth (broad bands, no notches).
    """
    if depth_db <= 0:
        return audio
    n = len(audio)
    spec = np.fft.rfft(audio)
    freqs = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE)
    logf = np.log2(np.maximum(freqs, 50.0) / 50.0) / np.log2(SAMPLE_RATE / 2 / 50.0)  # 0..1 over 50 Hz..Nyquist
    curve = np.zeros_like(logf)
    for k in range(1, 4):
        curve += rng.uniform(-1, 1) / k * np.cos(np.pi * k * logf + rng.uniform(0, 2 * np.pi))
    curve += rng.uniform(-1, 1) * (logf - 0.5)  # overall tilt
    curve_db = depth_db * curve / (np.abs(curve).max() + 1e-9)
    return np.fft.irfft(spec * 10 ** (curve_db / 20.0), n=n).astype(np.float32)


def set_peak(audio: np.ndarray, peak: float) -> np.ndarray:
    """Scale to the given peak (0 < peak < 1) so the clip never clips and loudness is a random nuisance."""
    m = float(np.max(np.abs(audio)))
    if m < 1e-9:
        raise ValueError("cannot set the level of a silent clip")
    return (audio * (peak / m)).astype(np.float32)


def mix(parts: list[np.ndarray], gains_db: list[float]) -> np.ndarray:
    """Sum equal-length signals after scaling each to unit RMS and applying ``gains_db``."""
    out = np.zeros_like(parts[0])
    for x, g in zip(parts, gains_db):
        rms = np.sqrt(np.mean(x ** 2)) + 1e-9
        out += x / rms * 10 ** (g / 20.0)
    return out


def encode_flac(audio: np.ndarray) -> bytes:
    """16-bit FLAC bytes of a mono float clip (deterministic: same samples -> same bytes)."""
    import soundfile as sf

    if audio.ndim != 1:
        raise ValueError("expected mono audio")
    if not np.all(np.isfinite(audio)):
        raise ValueError("audio contains NaN/Inf")
    buf = io.BytesIO()
    sf.write(buf, np.clip(audio, -1.0, 1.0), SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    return buf.getvalue()
