"""Helpers shared by the embedded-suite generator tests."""

from __future__ import annotations

import shutil

import pytest

LIMIT = 3  # clips per split: enough to see several labels, fast enough for every task (a few seconds in all)


def _have_tools() -> bool:
    if not all(shutil.which(t) for t in ("espeak-ng", "flite")):
        return False
    try:
        import fluidsynth  # noqa: F401
    except (ImportError, OSError):
        return False
    from hf_bench.data.synth._tools import SOUNDFONT

    return SOUNDFONT.is_file()


HAVE_TOOLS = _have_tools()
needs_tools = pytest.mark.skipif(not HAVE_TOOLS, reason="espeak-ng, flite, libfluidsynth3 or timgm6mb-soundfont "
                                 "missing (bash setup.sh install)")
