"""validate_output (the per-batch contract), CheckReport rendering, spec parsing and import cost."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from hf_bench.encoders import SPEC_FORMS, check_encoder, load_encoder, parse_spec
from hf_bench.encoders.base import Encoder, EncoderOutput
from hf_bench.encoders.check import CheckReport
from hf_bench.encoders.contract import check_inputs, validate_output
from hf_bench.errors import EncoderError


class Fake(Encoder):
    """Returns whatever ``make(wavs, lengths)`` builds; 20 ms hop, D=4, 2 layers by default."""

    def __init__(self, make, *, dim=4, num_layers=2, hop_ms=20.0):
        self.id, self.name, self.sampling_rate = "fake.py:FakeEncoder", "FakeEncoder", 16000
        self.hop_ms, self.num_layers, self.dim = hop_ms, num_layers, dim
        self.make = make

    def _encode(self, wavs, lengths):
        return self.make(wavs, lengths)

    def fingerprint(self):
        return "fake"


def frames(wavs, lengths, *, dim=4, layers=2, t=None, hop=320):
    t = t if t is not None else round(wavs.shape[1] / hop)
    lens = torch.clamp(torch.ceil(lengths / hop).long(), 1, t)
    return EncoderOutput([torch.ones(wavs.shape[0], t, dim) for _ in range(layers)], lens)


WAVS, LENGTHS = torch.zeros(2, 32000), torch.tensor([16000, 32000])


def test_a_good_output_passes():
    enc = Fake(frames)
    out = enc.encode(WAVS, LENGTHS)
    assert out.lengths.tolist() == [50, 100]


@pytest.mark.parametrize("make,words", [
    (lambda w, n: EncoderOutput(torch.ones(2, 100, 4), n), ["a single tensor [2, 100, 4]", "list"]),
    (lambda w, n: EncoderOutput([torch.ones(2, 4)] * 2, n), ["wrong rank", "[2, 4]", "expected 3-D"]),
    (lambda w, n: EncoderOutput([torch.ones(2, 100, 4, 1)] * 2, n), ["wrong rank", "4-D"]),
    (lambda w, n: EncoderOutput([torch.ones(3, 100, 4)] * 2, n), ["batch size mismatch", "2 waveforms"]),
    (lambda w, n: EncoderOutput([torch.ones(2, 100, 4, dtype=torch.float64)] * 2, n), ["float64", "float32"]),
    (lambda w, n: EncoderOutput([torch.ones(2, 100, 4), torch.ones(2, 99, 4)], n), ["different shapes"]),
    (lambda w, n: EncoderOutput([torch.ones(2, 100, 4)] * 3, n), ["3 hidden states", "num_layers=2"]),
    (lambda w, n: frames(w, n, dim=5), ["D=5", "output_dim=4", "every call"]),
    (lambda w, n: EncoderOutput([torch.ones(2, 100, 4)] * 2, torch.tensor([0, 100])), ["out of range"]),
    (lambda w, n: EncoderOutput([torch.ones(2, 100, 4)] * 2, torch.tensor([50.0, 100.0])), ["int64"]),
    (lambda w, n: frames(w, n, t=200, hop=160), ["inconsistent with the declared hop", "T=200", "10.0 ms",
                                                 "hop_size_in_ms"]),
    (lambda w, n: EncoderOutput([torch.ones(2, 100, 4)] * 2, torch.tensor([50, 60])),
     ["longest item", "60 valid frames"]),
])
def test_contract_violations(make, words):
    with pytest.raises(EncoderError) as e:
        Fake(make).encode(WAVS, LENGTHS)
    text = str(e.value)
    assert text.startswith("encoder 'fake.py:FakeEncoder'") and "\n  fix: " in text
    assert all(w in text for w in words), (words, text)


def test_nan_and_inf_are_located():
    def make(w, n):
        out = frames(w, n)
        out.hidden_states[1] = out.hidden_states[1].clone()
        out.hidden_states[1][1, 3, :2] = float("nan")
        out.hidden_states[1][1, 4, 0] = float("inf")
        return out

    with pytest.raises(EncoderError, match=r"hidden state 1 of 2 contains 2 NaN and 1 Inf values .* item\(s\) \[1\]"):
        Fake(make).encode(WAVS, LENGTHS)


def test_hop_tolerance():
    ok = Fake(lambda w, n: frames(w, n, t=102))  # 2 frames off for 100 expected: allowed
    ok.encode(WAVS, LENGTHS)
    with pytest.raises(EncoderError, match="hop"):
        Fake(lambda w, n: frames(w, n, t=112)).encode(WAVS, LENGTHS)  # 12 % off


def test_bad_inputs():
    enc = Fake(frames)
    for wavs, lengths, needle in [
        (torch.zeros(32000), torch.tensor([5]), "floating tensor [B, N]"),
        (torch.zeros(2, 100, dtype=torch.int16), torch.tensor([5, 5]), "floating tensor"),
        (torch.zeros(2, 100), torch.tensor([5]), "integer tensor [2]"),
        (torch.zeros(2, 100), torch.tensor([0, 100]), "[1, 100]"),
        (torch.zeros(2, 100), torch.tensor([5, 101]), "[1, 100]"),
    ]:
        with pytest.raises(EncoderError, match=needle.replace("[", r"\[").replace("]", r"\]")):
            check_inputs(enc, wavs, lengths)


def test_validate_output_is_what_encode_runs():
    out = frames(WAVS, LENGTHS)
    validate_output(Fake(frames), out, WAVS, LENGTHS)
    with pytest.raises(EncoderError):
        validate_output(Fake(frames, dim=8), out, WAVS, LENGTHS)


def test_check_encoder_on_an_encoder_instance():
    report = check_encoder(Fake(frames))
    assert report.ok, report.render()
    bad = check_encoder(Fake(lambda w, n: frames(w, n, dim=3 + w.shape[1] % 2)))
    assert not bad.ok


def test_render():
    report = CheckReport(spec="x.py:XEncoder")
    report.add("load", "pass", "ok")
    report.add("hop", "fail", "T=3 frames", "declare the hop")
    report.add("determinism", "warn", "differs", "call eval()")
    report.add("extra", "skip", "n/a")
    text = report.render(unicode=True)
    assert text.splitlines()[0] == "check-encoder x.py:XEncoder"
    assert "  ✓ load" in text and "  ✗ hop" in text and "  ! determinism" in text and "  - extra" in text
    assert "fix: declare the hop" in text and "fix: call eval()" in text
    assert text.splitlines()[-1] == "FAILED: 1 passed, 1 failed, 1 warning, 1 skipped"
    ascii_text = report.render(unicode=False)
    assert "[FAIL] hop" in ascii_text and "✓" not in ascii_text
    assert not report.ok and report.to_dict()["items"][1]["status"] == "fail"
    report.items.pop(1)
    assert report.ok and report.summary().startswith("PASSED")


@pytest.mark.parametrize("spec,kind", [
    ("mfb", "filterbank"), ("mfcc", "filterbank"), ("mfb:n_mels=40", "filterbank"), ("MFB", "filterbank"),
    ("hf:facebook/wav2vec2-base", "hf"), ("hf:./models/w2v", "hf"), ("enc.py:MyEncoder", "module"),
    ("path/to/enc.py:MyEncoder", "module"),
])
def test_parse_spec(spec, kind):
    assert parse_spec(spec)[0] == kind


@pytest.mark.parametrize("spec,needle", [
    ("", "empty encoder spec"), ("wav2vec2", "unknown encoder spec"), ("hf:", "needs a Hub model id"),
    ("enc.py", "needs the class"),
])
def test_bad_specs_list_the_accepted_forms(spec, needle):
    with pytest.raises(EncoderError, match=needle) as e:
        load_encoder(spec)
    if needle == "unknown encoder spec":
        assert all(form.split()[0] in e.value.fix for form in SPEC_FORMS)


def test_directory_without_prefix(tmp_path):
    with pytest.raises(EncoderError, match="no 'hf:' prefix") as e:
        load_encoder(str(tmp_path))
    assert f"hf:{tmp_path}" in e.value.fix


def test_revision_only_for_hf():
    with pytest.raises(EncoderError, match="--revision"):
        load_encoder("mfb", revision="main")


def test_importing_the_package_is_cheap():
    code = ("import sys, hf_bench.encoders as e; assert callable(e.load_encoder); "
            "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
