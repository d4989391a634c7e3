"""The external synthesisers of the embedded suite: espeak-ng, flite and FluidSynth (+ the TimGM6mb soundfont).

Everything here renders one utterance or one set of notes and returns float32 mono audio at 16 kHz. Tools are
looked up lazily so that importing the package never fails; a missing tool raises ``HFBenchError`` naming the
tool and how to install it.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import io
import os
import re
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hf_bench.errors import HFBenchError

SAMPLE_RATE = 16000
SOUNDFONT = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")
INSTALL_FIX = ("install the synthesis tools: `apt-get install espeak-ng flite libfluidsynth3 timgm6mb-soundfont` "
               "and `pip install pyfluidsynth` (or run `bash setup.sh install`)")
# a stuck synthesiser must not hang a whole run
_TIMEOUT_S = 60


def _missing(tool: str, detail: str = "") -> HFBenchError:
    return HFBenchError(f"{tool} is needed to generate the embedded suite but was not found{detail}",
                        where=tool, fix=INSTALL_FIX)


def _which(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise _missing(tool, " on PATH")
    return path


def _run(argv: list[str], what: str, *, ok_codes: tuple[int, ...] = (0,)) -> bytes:
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=_TIMEOUT_S, check=False)
    except FileNotFoundError:
        raise _missing(argv[0]) from None
    except subprocess.TimeoutExpired:
        raise HFBenchError(f"{what} did not finish within {_TIMEOUT_S} s", where=argv[0],
                           fix="check that the tool works: run it by hand with the same arguments") from None
    if proc.returncode not in ok_codes:
        err = proc.stderr.decode("utf-8", "replace").strip()[-300:]
        raise HFBenchError(f"{what} failed with exit code {proc.returncode}: {err}", where=" ".join(argv[:3]),
                           fix="check the tool installation (`bash setup.sh install`)")
    return proc.stdout


def _decode_wav(data: bytes, where: str) -> tuple[np.ndarray, int]:
    import soundfile as sf

    try:
        audio, sr = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (RuntimeError, ValueError) as e:  # soundfile.LibsndfileError is a RuntimeError
        raise HFBenchError(f"synthesiser output is not a readable WAV ({e})", where=where,
                           fix="check the tool installation (`bash setup.sh install`)") from None
    return audio.mean(axis=1), int(sr)


def to_16k(audio: np.ndarray, sr: int) -> np.ndarray:
    if sr == SAMPLE_RATE:
        return np.ascontiguousarray(audio, dtype=np.float32)
    import soxr

    return soxr.resample(audio.astype(np.float32), sr, SAMPLE_RATE, quality="HQ").astype(np.float32)


# ---------------------------------------------------------------------------------------------------- speech
@dataclass(frozen=True)
class Voice:
    """One synthetic voice: an espeak-ng language voice plus a variant, or a flite voice."""

    engine: str            # "espeak" | "flite"
    name: str              # espeak: "<language>+<variant>" (e.g. "en-us+m3"); flite: kal, kal16, awb, rms, slt
    gender: str            # "male" | "female" ("" where it does not matter)


def espeak(text: str, voice: str, *, speed: int = 175, pitch: int = 50) -> np.ndarray:
    """Speak ``text`` with espeak-ng (``-v voice -s speed -p pitch``, ``speed`` in words per minute); 16 kHz float32."""
    argv = [_which("espeak-ng"), "-v", voice, "-s", str(int(speed)), "-p", str(int(pitch)), "--stdout", text]
    audio, sr = _decode_wav(_run(argv, "espeak-ng"), f"espeak-ng -v {voice}")
    return to_16k(audio, sr)


def flite(text: str, voice: str, *, stretch: float = 1.0, f0_shift: float = 1.0) -> np.ndarray:
    """Speak ``text`` with flite (``-voice voice``; ``duration_stretch`` > 1 is slower); 16 kHz float32."""
    with tempfile.TemporaryDirectory(prefix="hf_bench_flite_") as tmp:
        out = os.path.join(tmp, "out.wav")
        _run([_which("flite"), "-voice", voice, "--setf", f"duration_stretch={stretch:.3f}",
              "--setf", f"f0_shift={f0_shift:.3f}", "-t", text, "-o", out], f"flite -voice {voice}")
        with open(out, "rb") as f:
            audio, sr = _decode_wav(f.read(), f"flite -voice {voice}")
    return to_16k(audio, sr)


# ----------------------------------------------------------------------------------------------------- music
@dataclass(frozen=True)
class Note:
    """One MIDI note: GM ``program`` (0-127), ``key`` (MIDI number), ``velocity``, ``onset``/``duration`` in s."""

    program: int
    key: int
    velocity: int
    onset: float
    duration: float


_FLUID_SETTINGS = {"synth.reverb.active": 0, "synth.chorus.active": 0, "synth.polyphony": 64}


def _fluidsynth():
    try:
        import fluidsynth  # pyfluidsynth; raises ImportError when libfluidsynth is missing
    except (ImportError, OSError) as e:
        raise _missing("FluidSynth (pyfluidsynth + libfluidsynth3)", f" ({e})") from None
    if not SOUNDFONT.is_file():
        raise _missing(f"the General MIDI soundfont {SOUNDFONT}")
    return fluidsynth


def _c_api(fluidsynth):
    """The few libfluidsynth calls pyfluidsynth does not wrap (all public FluidSynth 2 API)."""
    lib = getattr(fluidsynth, "_fl", None)
    if lib is None:
        raise _missing("FluidSynth 2 (the pyfluidsynth CDLL handle)", " (pyfluidsynth too old?)")
    lib.fluid_synth_get_sfont_by_id.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.fluid_synth_get_sfont_by_id.restype = ctypes.c_void_p
    lib.fluid_synth_add_sfont.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.fluid_synth_add_sfont.restype = ctypes.c_int
    lib.fluid_synth_remove_sfont.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.fluid_synth_remove_sfont.restype = ctypes.c_int
    lib.fluid_synth_write_float.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int,
                                            ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    lib.fluid_synth_write_float.restype = ctypes.c_int
    lib.fluid_set_log_function.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
    lib.fluid_set_log_function(2, None, None)  # FLUID_WARN: a new synth warns once per channel about no preset
    return lib


_free_soundfonts: list = []
_free_lock = threading.Lock()


def _load_soundfont():
    """(fluidsynth module, C API, soundfont handle, holder synth): one loaded copy of TimGM6mb."""
    fluidsynth = _fluidsynth()
    lib = _c_api(fluidsynth)
    holder = fluidsynth.Synth(samplerate=float(SAMPLE_RATE), channels=16, **_FLUID_SETTINGS)
    sfid = holder.sfload(str(SOUNDFONT))
    sfont = lib.fluid_synth_get_sfont_by_id(holder.synth, sfid) if sfid >= 0 else None
    if not sfont:
        holder.delete()
        raise HFBenchError("FluidSynth cannot load the soundfont", where=SOUNDFONT,
                           fix="reinstall it: `apt-get install --reinstall timgm6mb-soundfont`")
    return fluidsynth, lib, sfont, holder


@contextlib.contextmanager
def _borrow_soundfont():
    """Lend a loaded soundfont to one thread at a time.

    Loading TimGM6mb takes tens of ms while a clip renders in about one, so loaded copies are kept (one per
    concurrently rendering thread, never more) and lent to a fresh synthesiser per clip.
    """
    with _free_lock:
        item = _free_soundfonts.pop() if _free_soundfonts else None
    if item is None:
        item = _load_soundfont()
    try:
        yield item
    finally:
        with _free_lock:
            _free_soundfonts.append(item)


def render_notes(notes: list[Note], length_s: float) -> np.ndarray:
    """Render ``notes`` (one MIDI channel each) with FluidSynth and TimGM6mb; 16 kHz float32 mono of ``length_s``.

    A fresh synthesiser per clip: FluidSynth's voice pool keeps filter and amplitude state across notes, so
    reusing one would make a clip depend on the clips rendered before it (and on the thread that rendered it).
    Float output (no int16 dither or clipping); reverb and chorus are off so the dry instrument is all there is.
    """
    if len(notes) > 15:
        raise ValueError("at most 15 simultaneous notes (MIDI channel 9 is reserved for drums)")
    with _borrow_soundfont() as (fluidsynth, lib, sfont, _):
        return _render(fluidsynth, lib, sfont, notes, length_s)


def _render(fluidsynth, lib, sfont, notes: list[Note], length_s: float) -> np.ndarray:
    synth = fluidsynth.Synth(gain=0.4, samplerate=float(SAMPLE_RATE), channels=16, **_FLUID_SETTINGS)
    sfid = lib.fluid_synth_add_sfont(synth.synth, sfont)
    try:
        channels = [c for c in range(16) if c != 9][: len(notes)]
        events = []
        for ch, note in zip(channels, notes):
            synth.program_select(ch, sfid, 0, int(note.program))
            events.append((note.onset, 1, ch, note))
            events.append((note.onset + note.duration, 0, ch, note))
        events.sort(key=lambda e: (e[0], e[1], e[2]))
        total = int(round(length_s * SAMPLE_RATE))
        chunks, pos = [], 0
        for t, on, ch, note in events:
            at = min(total, int(round(t * SAMPLE_RATE)))
            if at > pos:
                chunks.append(_samples(lib, synth, at - pos))
                pos = at
            if on:
                synth.noteon(ch, int(note.key), int(note.velocity))
            else:
                synth.noteoff(ch, int(note.key))
        if total > pos:
            chunks.append(_samples(lib, synth, total - pos))
    finally:
        lib.fluid_synth_remove_sfont(synth.synth, sfont)  # lent, not owned: deleting the synth must not free it
        synth.delete()
    return np.concatenate(chunks).mean(axis=1).astype(np.float32)


def _samples(lib, synth, n: int) -> np.ndarray:
    """``n`` stereo frames as float32 [n, 2]."""
    left, right = np.zeros(n, np.float32), np.zeros(n, np.float32)
    if lib.fluid_synth_write_float(synth.synth, n, left.ctypes.data, 0, 1, right.ctypes.data, 0, 1) != 0:
        raise HFBenchError("FluidSynth failed to render audio", where="libfluidsynth",
                           fix="check the installation (`bash setup.sh install`)")
    return np.stack([left, right], axis=1)


# -------------------------------------------------------------------------------------------------- versions
@functools.lru_cache(maxsize=None)
def espeak_version() -> str:
    out = _run([_which("espeak-ng"), "--version"], "espeak-ng --version").decode("utf-8", "replace")
    m = re.search(r"text-to-speech:\s*([^\s]+)", out)
    return m.group(1) if m else out.strip().splitlines()[0]


@functools.lru_cache(maxsize=None)
def flite_version() -> str:
    # flite 2.2 prints its version and exits with status 1
    out = _run([_which("flite"), "--version"], "flite --version", ok_codes=(0, 1)).decode("utf-8", "replace")
    m = re.search(r"version:\s*(.+)", out)
    return (m.group(1) if m else out).strip()


@functools.lru_cache(maxsize=None)
def soundfont_sha256() -> str:
    from hf_bench.utils.io import sha256_file

    _fluidsynth()
    return sha256_file(SOUNDFONT)


@functools.lru_cache(maxsize=None)
def fluidsynth_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    fluidsynth = _fluidsynth()
    try:
        py = version("pyfluidsynth")
    except PackageNotFoundError:
        py = getattr(fluidsynth, "api_version", "unknown")
    lib = "unknown"
    fn = getattr(getattr(fluidsynth, "_fl", None), "fluid_version", None)
    if fn is not None:  # the C library version (the renderer that actually shapes the audio)
        major, minor, micro = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        fn(ctypes.byref(major), ctypes.byref(minor), ctypes.byref(micro))
        lib = f"{major.value}.{minor.value}.{micro.value}"
    return {"pyfluidsynth": py, "libfluidsynth": lib}


def check_tools(tools: tuple[str, ...]) -> None:
    """Raise ``HFBenchError`` for the first of ``tools`` ("espeak-ng", "flite", "fluidsynth") that is missing."""
    for tool in tools:
        if tool == "fluidsynth":
            _fluidsynth()
        else:
            _which(tool)
