"""X-ARES-style user modules (path/to/file.py:ClassName): the good one passes, each bad one is named and fixed."""

from __future__ import annotations

import math
import textwrap

import pytest
import torch
from enc_helpers import batch, noise

from hf_bench.encoders import check_encoder, load_encoder
from hf_bench.encoders.module import ModuleEncoder
from hf_bench.errors import EncoderError

# The X-ARES README's shape of an encoder: a trivial log-mel front end plus a linear layer (so it has weights).
GOOD = '''
import torch


class LogMelEncoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.sampling_rate = 16000
        self.output_dim = 24
        self.hop_size_in_ms = 10
        self.max_length = 10 * 16000
        torch.manual_seed(0)
        self.proj = torch.nn.Linear(64, 24)
        self.register_buffer("window", torch.hann_window(400))
        self.register_buffer("fb", torch.rand(201, 64))

    def forward(self, audio):
        if audio.ndim == 1:
            audio = audio.unsqueeze(0)
        spec = torch.stft(audio, 400, 160, window=self.window, return_complex=True).abs() ** 2
        mel = torch.log(spec.transpose(1, 2) @ self.fb + 1e-6)
        return self.proj(mel)
'''

BODY = '''
import torch


class {name}(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.sampling_rate = 16000
        self.output_dim = 8
        self.hop_size_in_ms = {hop}

    def forward(self, audio):
        b, n = audio.shape
        t = max(1, n // 320)
{body}
'''

BAD_FORWARDS = {
    # name: (forward body, check that fails, words the failure must contain)
    "wrong_rank": ("        return torch.zeros(b, 8)", "output shape", ["wrong rank", "[B, T, D]", "[2, 8]"]),
    "wrong_hop": ("        return torch.zeros(b, t, 8)", "hop", ["hop", "10 ms", "20.0 ms", "hop_size_in_ms"]),
    "nan_output": ("        x = torch.zeros(b, t, 8)\n        x[0, 0, :3] = float('nan')\n        return x",
                   "finite values", ["3 NaN", "hidden state 0"]),
    "dim_per_call": ("        return torch.zeros(b, t, 8 + n % 3)", "dimension", ["output_dim=8", "every call"]),
    "wrong_batch": ("        return torch.zeros(1, t, 8)", "output shape", ["batch size mismatch"]),
    "raises": ("        raise RuntimeError('boom')", "batch", ["RuntimeError: boom", "line"]),
}


def write(tmp_path, text: str, name: str = "enc.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def failed(report):
    return {i.name: i for i in report.items if i.status == "fail"}


def test_good_module_passes_check_encoder(tmp_path):
    spec = f"{write(tmp_path, GOOD)}:LogMelEncoder"
    report = check_encoder(spec)
    assert report.ok, report.render()
    names = {i.name: i.status for i in report.items}
    for name in ("X-ARES class name", "X-ARES attributes", "X-ARES forward", "output shape", "dimension", "lengths",
                 "finite values", "hop", "variable lengths", "single clip", "1-D input", "short clip",
                 "stable dimension", "determinism", "fingerprint"):
        assert names.get(name) == "pass", (name, report.render())
    assert report.info["dim"] == 24 and report.info["hop_ms"] == 10.0
    assert "PASSED" in report.render()


def test_module_encoder_contract(tmp_path):
    enc = load_encoder(f"{write(tmp_path, GOOD)}:LogMelEncoder")
    assert isinstance(enc, ModuleEncoder)
    assert (enc.name, enc.num_layers, enc.dim, enc.hop_ms, enc.sampling_rate) == ("LogMelEncoder", 1, 24, 10.0, 16000)
    assert enc.n_parameters == 64 * 24 + 24 and enc.max_length == 160000
    wavs, lengths = batch(noise(1.0), noise(0.25), noise(2.0))
    out = enc.encode(wavs, lengths)
    num_t = out.hidden_states[0].shape[1]
    assert num_t == 32000 // 160 + 1  # torch.stft(center=True)
    assert out.lengths.tolist() == [min(num_t, math.ceil(num_t * n / 32000)) for n in (16000, 4000, 32000)]
    assert out.hidden_states[0].dtype == torch.float32


def test_fingerprint_covers_weights_and_source(tmp_path):
    path = write(tmp_path, GOOD)
    enc = load_encoder(f"{path}:LogMelEncoder")
    fp = enc.fingerprint()
    assert fp == load_encoder(f"{path}:LogMelEncoder").fingerprint()
    with torch.no_grad():
        enc.module.proj.weight[0, 0] += 1
    assert ModuleEncoder(enc.module, spec=enc.id, source_file=path).fingerprint() != fp
    path.write_text(path.read_text() + "\n# edited\n")
    assert load_encoder(f"{path}:LogMelEncoder").fingerprint() != fp


def test_list_output_is_taken_as_hidden_states(tmp_path):
    body = "        x = torch.randn(b, t, 8)\n        return [x, 2 * x, 3 * x]"
    enc = load_encoder(f"{write(tmp_path, BODY.format(name='MultiEncoder', hop=20, body=body))}:MultiEncoder")
    assert enc.num_layers == 3
    out = enc.encode(*batch(noise(1.0), noise(0.5)))
    assert len(out.hidden_states) == 3 and out.lengths.tolist() == [50, 25]
    report = check_encoder(enc)
    assert report.ok
    statuses = {i.name: i.status for i in report.items}
    assert statuses["X-ARES forward"] == "warn" and statuses["determinism"] == "warn"


@pytest.mark.parametrize("case", list(BAD_FORWARDS))
def test_bad_forward_fails_the_right_check(tmp_path, case):
    body, check_name, words = BAD_FORWARDS[case]
    path = write(tmp_path, BODY.format(name="BadEncoder", hop=10 if case == "wrong_hop" else 20, body=body))
    spec = f"{path}:BadEncoder"
    if case == "raises":  # fails already when loading (one probe call)
        with pytest.raises(EncoderError) as e:
            load_encoder(spec)
        assert all(w in str(e.value) for w in words) and str(path) in str(e.value)
        report = check_encoder(spec)
        assert not report.ok and failed(report)["load"]
        return
    report = check_encoder(spec)
    assert not report.ok
    item = failed(report).get(check_name)
    assert item is not None, report.render()
    text = item.detail + " " + (item.fix or "")
    assert all(w in text for w in words), (words, text)
    assert item.fix
    rendered = report.render(unicode=True)
    assert f"✗ {check_name}" in rendered and "fix:" in rendered and "FAILED" in rendered
    # the pipeline path raises the same kind of error
    with pytest.raises(EncoderError) as e:
        load_encoder(spec).encode(*batch(noise(1.0), noise(0.5)))
    assert "fix:" in str(e.value) and spec in str(e.value)


@pytest.mark.parametrize("source,cls,words", [
    ("import torch\nclass NoAttrEncoder(torch.nn.Module):\n    def forward(self, x):\n        return x[..., None]\n",
     "NoAttrEncoder", ["sampling_rate, output_dim, hop_size_in_ms", "hop_size_in_ms is the time between"]),
    ("import torch\nclass HalfEncoder(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
     "        self.sampling_rate = 16000\n        self.output_dim = 4\n", "HalfEncoder", ["hop_size_in_ms"]),
    ("import torch\nclass NegEncoder(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
     "        self.sampling_rate = 16000\n        self.output_dim = 4\n        self.hop_size_in_ms = -1\n",
     "NegEncoder", ["hop_size_in_ms = -1", "positive"]),
    ("import torch\nclass Good(torch.nn.Module):\n    pass\n", "Missing", ["'Missing' not found", "Good"]),
    ("import torch\nclass ArgsEncoder(torch.nn.Module):\n    def __init__(self, ckpt):\n        super().__init__()\n",
     "ArgsEncoder", ["without arguments", "default"]),
    ("class PlainEncoder:\n    pass\n", "PlainEncoder", ["not a torch.nn.Module"]),
    ("import torch\nclass Broken(torch.nn.Module):\n    def forward(self, x)\n        return x\n", "Broken",
     ["syntax error at line 3", "def forward(self, x)"]),
    ("import torch\nimport dasheng_not_installed\n", "X", ["No module named 'dasheng_not_installed'",
                                                         "pip install dasheng_not_installed"]),
    ("raise ValueError('bad import')\n", "X", ["ValueError: bad import", "line 1"]),
])
def test_bad_files_give_one_readable_error(tmp_path, source, cls, words):
    spec = f"{write(tmp_path, source)}:{cls}"
    with pytest.raises(EncoderError) as e:
        load_encoder(spec)
    text = str(e.value)
    assert all(w in text for w in words), (words, text)
    assert "fix:" in text
    report = check_encoder(spec)
    assert not report.ok and report.items[0].name == "load" and report.items[0].status == "fail"
    assert all(w in report.render() for w in words)


def test_file_not_found_and_spec_errors(tmp_path):
    with pytest.raises(EncoderError, match="file not found"):
        load_encoder(f"{tmp_path / 'nope.py'}:MyEncoder")
    with pytest.raises(EncoderError, match="needs the class"):
        load_encoder(str(write(tmp_path, GOOD)))
    with pytest.raises(EncoderError, match="no class name"):
        load_encoder(f"{write(tmp_path, GOOD)}:")


def test_class_name_without_encoder_suffix_is_only_a_warning(tmp_path):
    path = write(tmp_path, GOOD.replace("LogMelEncoder", "LogMel"))
    report = check_encoder(f"{path}:LogMel")
    assert report.ok
    item = next(i for i in report.items if i.name == "X-ARES class name")
    assert item.status == "warn" and "LogMelEncoder" in item.fix


def test_module_can_import_its_sibling_files(tmp_path):
    (tmp_path / "helper_for_enc.py").write_text("DIM = 8\n")
    body = "        import torch\n        return torch.zeros(b, t, 8)"
    src = "from helper_for_enc import DIM\n" + BODY.format(name="SibEncoder", hop=20, body=body)
    enc = load_encoder(f"{write(tmp_path, src)}:SibEncoder")
    assert enc.dim == 8


def test_check_encoder_accepts_a_module_object(tmp_path):
    enc = load_encoder(f"{write(tmp_path, GOOD)}:LogMelEncoder")
    report = check_encoder(enc.module)
    assert report.ok and report.spec == "LogMelEncoder"
    assert report.info["fingerprint"].startswith("mod-")
