"""Missing tools give one clear error naming the tool and the fix; tool versions; the voices really exist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from synth_helpers import needs_tools

from hf_bench.data import synth
from hf_bench.data.synth import _tools as T
from hf_bench.errors import HFBenchError

pytestmark = needs_tools


@pytest.fixture
def no_tool_cache():
    """The version look-ups are cached per process; a simulated missing tool must not hit the cache."""
    for fn in (T.espeak_version, T.flite_version, T.soundfont_sha256, T.fluidsynth_versions):
        fn.cache_clear()
    yield
    for fn in (T.espeak_version, T.flite_version, T.soundfont_sha256, T.fluidsynth_versions):
        fn.cache_clear()


def _assert_names_tool_and_fix(err: HFBenchError, tool: str):
    text = str(err)
    assert tool in text
    assert "apt-get install espeak-ng flite libfluidsynth3 timgm6mb-soundfont" in text and "setup.sh" in text


@pytest.mark.parametrize("name,tool", [("kws", "espeak-ng"), ("lid", "espeak-ng"), ("speech_rate", "espeak-ng")])
def test_missing_speech_tool(tasks, tmp_path, monkeypatch, no_tool_cache, name, tool):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(HFBenchError) as e:
        synth.generate(tasks[name], tmp_path / name, limit_per_split=1, progress=False)
    _assert_names_tool_and_fix(e.value, tool)
    assert not (tmp_path / name).exists()  # checked before anything is written


def test_missing_flite_only(tasks, tmp_path, monkeypatch, no_tool_cache):
    """espeak-ng present but flite gone: the error names flite."""
    import shutil

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "espeak-ng").symlink_to(shutil.which("espeak-ng"))
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(HFBenchError) as e:
        synth.generate(tasks["speaker"], tmp_path / "speaker", limit_per_split=1, progress=False)
    _assert_names_tool_and_fix(e.value, "flite")
    # lid needs espeak-ng only, so it still works
    synth.generate(tasks["lid"], tmp_path / "lid", limit_per_split=1, progress=False)


def test_missing_soundfont(tasks, tmp_path, monkeypatch, no_tool_cache):
    monkeypatch.setattr(T, "SOUNDFONT", Path("/nonexistent/TimGM6mb.sf2"))
    with pytest.raises(HFBenchError) as e:
        synth.generate(tasks["instrument"], tmp_path / "instrument", limit_per_split=1, progress=False)
    _assert_names_tool_and_fix(e.value, "/nonexistent/TimGM6mb.sf2")


def test_missing_fluidsynth_library(tasks, tmp_path, monkeypatch, no_tool_cache):
    monkeypatch.setitem(sys.modules, "fluidsynth", None)  # import fluidsynth -> ImportError
    with pytest.raises(HFBenchError) as e:
        synth.generate(tasks["polyphony"], tmp_path / "polyphony", limit_per_split=1, progress=False)
    _assert_names_tool_and_fix(e.value, "FluidSynth")
    with pytest.raises(HFBenchError, match="FluidSynth"):
        synth.tool_versions()


def test_tool_versions():
    v = synth.tool_versions()
    assert set(v) == {"espeak-ng", "flite", "pyfluidsynth", "libfluidsynth", "soundfont", "soundfont_sha256", "numpy",
                      "soxr", "libsndfile"}
    out = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout
    assert v["espeak-ng"] in out
    assert v["flite"].startswith("flite-") and len(v["soundfont_sha256"]) == 64
    assert v["libfluidsynth"].count(".") == 2 and v["libfluidsynth"] != "unknown"


def test_espeak_voices_and_languages_exist():
    """espeak-ng silently falls back to its default voice for an unknown variant: check every name is real."""
    from hf_bench.data.synth.speech import ENGLISH_ACCENTS, ESPEAK_VARIANTS, LANGUAGES, SPEAKERS, Gender

    out = subprocess.run(["espeak-ng", "--voices=variant"], capture_output=True, text=True, check=True).stdout
    files = {m.group(1) for m in re.finditer(r"!v/(.+?)(?:\s{2,}|$)", out, flags=re.M)}
    assert "m3" in files and "Mr serious" in files
    missing = [v for v in ESPEAK_VARIANTS if v not in files]
    assert not missing, f"unknown espeak-ng variants: {missing}"
    assert len(set(ESPEAK_VARIANTS)) == len(ESPEAK_VARIANTS)
    listing = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, check=True).stdout
    langs = {line.split()[1] for line in listing.splitlines()[1:]}
    wanted = set(ENGLISH_ACCENTS) | {a for accents in LANGUAGES.values() for a in accents} | set(Gender.LANGS)
    wanted |= {v[1].split("+")[0] for v in SPEAKERS.values() if v[0] == "espeak"}
    assert wanted <= langs, f"unknown espeak-ng languages: {sorted(wanted - langs)}"
    flite = subprocess.run(["flite", "-lv"], capture_output=True, text=True).stdout.split()
    from hf_bench.data.synth.speech import FLITE_VOICES

    assert set(FLITE_VOICES) <= set(flite)


def test_renderers_are_order_and_thread_independent():
    """One FluidSynth clip does not depend on what was rendered before it or on which thread renders it."""
    from concurrent.futures import ThreadPoolExecutor

    notes = [T.Note(40, 64, 100, 0.1, 0.8), T.Note(0, 50, 90, 0.3, 0.5)]
    first = T.render_notes(notes, 1.0).tobytes()
    for program in (0, 33, 56, 81):
        T.render_notes([T.Note(program, 60, 127, 0.0, 0.9)], 1.0)
    with ThreadPoolExecutor(3) as pool:
        again = list(pool.map(lambda _: T.render_notes(notes, 1.0).tobytes(), range(6)))
    assert all(a == first for a in again)
    a = T.espeak("seven hundred", "en-us+m3", speed=160, pitch=40)
    b = T.espeak("seven hundred", "en-us+m3", speed=160, pitch=40)
    assert a.dtype.name == "float32" and a.tobytes() == b.tobytes() and len(a) > 8000
