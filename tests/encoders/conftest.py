"""Fixtures for the encoder tests."""

from __future__ import annotations

import pytest
from enc_helpers import build_waveform_model, build_whisper


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    """name -> folder, built on first use and shared by the session."""
    cache: dict[str, str] = {}

    def get(name: str) -> str:
        if name not in cache:
            folder = tmp_path_factory.mktemp(name.replace("-", "_"))
            if name == "whisper":
                build_whisper(folder)
            else:
                build_waveform_model(name, folder)
            cache[name] = str(folder)
        return cache[name]

    return get
