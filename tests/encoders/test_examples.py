"""The X-ARES-style example wrappers in examples/ pass ``check-encoder`` with tiny random models (no network)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
import torch

from hf_bench.encoders.check import check_encoder
from hf_bench.encoders.module import ModuleEncoder

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _check(spec: str):
    report = check_encoder(str(EXAMPLES / spec))
    assert report.ok, report.render()
    names = {i.name: i.status for i in report.items}
    assert names["X-ARES forward"] == "pass" and names["X-ARES class name"] == "pass", report.render()
    return report


@pytest.mark.parametrize("cls, model, env", [("Wav2vec2Encoder", "wav2vec2-group", "WAV2VEC2_MODEL"),
                                              ("HubertEncoder", "hubert", "HUBERT_MODEL"),
                                              ("WavLMEncoder", "wavlm", "WAVLM_MODEL")])
def test_ssl_examples_pass_check_encoder(cls, model, env, tiny_models, monkeypatch):
    monkeypatch.setenv(env, tiny_models(model))
    report = _check(f"ssl_encoder.py:{cls}")
    assert report.info["dim"] == 32 and report.info["hop_ms"] == 20.0


def test_ssl_example_chunks_long_input_as_xares(tiny_models, monkeypatch):
    monkeypatch.setenv("WAV2VEC2_MODEL", tiny_models("wav2vec2-group"))
    enc = ModuleEncoder.from_spec(f"{EXAMPLES}/ssl_encoder.py:Wav2vec2Encoder")
    # 10.5 s: a 10 s chunk (499 frames) + 0.5 s zero-padded to 1 s (49 frames)
    out = enc.module(0.1 * torch.randn(1, 168000, generator=torch.Generator().manual_seed(0)))
    assert out.shape == (1, 499 + 49, 32)


def test_whisper_example_passes_and_drops_padding_frames(tiny_models, monkeypatch):
    # the tiny Whisper's window is 1 s (50 positions); real ones have 1500 (30 s)
    monkeypatch.setenv("WHISPER_MODEL", tiny_models("whisper"))
    report = _check("whisper_encoder.py:WhisperEncoder")
    assert report.info["hop_ms"] == 20.0 and report.info["dim"] == 32
    enc = ModuleEncoder.from_spec(f"{EXAMPLES}/whisper_encoder.py:WhisperEncoder")
    assert enc.max_length == 16000
    out = enc.module(torch.zeros(2, 40000))  # 2.5 s: windows of 1 s, 1 s and 0.5 s -> 50 + 50 + 25 frames
    assert out.shape == (2, 125, 32)


def test_dasheng_example_passes_check_encoder(tmp_path, monkeypatch):
    sys.path.insert(0, str(EXAMPLES))
    try:
        from dasheng_encoder import DashengModel
    finally:
        sys.path.remove(str(EXAMPLES))
    torch.manual_seed(0)
    DashengModel(embed_dim=16, depth=1, num_heads=2).save_pretrained(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "model.safetensors"]
    monkeypatch.setenv("DASHENG_MODEL", str(tmp_path))
    report = _check("dasheng_encoder.py:DashengEncoder")
    assert report.info["hop_ms"] == 40.0 and report.info["dim"] == 16
    enc = ModuleEncoder.from_spec(f"{EXAMPLES}/dasheng_encoder.py:DashengEncoder")
    out = enc.module(0.1 * torch.randn(1, 32000))  # 2 s: 201 mel frames -> 50 patches of 40 ms
    assert out.shape == (1, math.floor(201 / 4), 16)


def test_dasheng_example_without_model_says_how_to_get_one(monkeypatch):
    monkeypatch.delenv("DASHENG_MODEL", raising=False)
    report = check_encoder(f"{EXAMPLES}/dasheng_encoder.py:DashengEncoder")
    assert not report.ok and "DASHENG_MODEL" in report.render()
