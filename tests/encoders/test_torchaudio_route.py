"""The torchaudio route (``bash setup.sh torchaudio``): X-ARES encoders that import torchaudio run unchanged.

PyPI's torchaudio 2.11.0 is a CUDA build: beside CPU torch its compiled ``torchaudio/lib/`` fails to load
(``libc10_cuda.so``), while its pure-Python parts work. ``setup.sh install``/``test`` keep the wheel in
``<venv>/hf_bench-wheels/`` (one download); these tests unpack it into a temporary folder (the venv stays free of
torchaudio) and run ``hf-bench check-encoder`` in a subprocess with that folder on PYTHONPATH. Without the wheel
they fail under CI (``$CI`` set) and skip elsewhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
SPEC = f"{ROOT}/examples/torchaudio_mel_encoder.py:TorchaudioMelEncoder"
WHEELS = Path(os.environ.get("HF_BENCH_WHEELS") or Path(sys.prefix) / "hf_bench-wheels")


def _wheel() -> Path:
    found = sorted(WHEELS.glob("torchaudio-*.whl"))
    if not found:
        why = f"no torchaudio wheel in {WHEELS}: run bash setup.sh install (it downloads it once)"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return found[-1]


def _unpack(dest: Path, *, with_lib: bool) -> Path:
    with zipfile.ZipFile(_wheel()) as whl:
        for name in whl.namelist():
            if with_lib or not name.startswith("torchaudio/lib/"):
                whl.extract(name, dest)
    return dest


def _run(args: list[str], pythonpath: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def route(tmp_path_factory):
    """One subprocess with the pure-Python torchaudio on PYTHONPATH: ``hf-bench check-encoder`` on the X-ARES-style
    torchaudio encoder, then its frames for a fixed input (saved for comparison here, without torchaudio)."""
    pure = _unpack(tmp_path_factory.mktemp("torchaudio_pure"), with_lib=False)
    work = tmp_path_factory.mktemp("route")
    wav = 0.1 * torch.randn(2, 24000, generator=torch.Generator().manual_seed(0))
    np.save(work / "wav.npy", wav.numpy())
    script = ("import numpy as np, torch, torchaudio\n"
              "from hf_bench.cli import main\n"
              f"rc = main(['check-encoder', {SPEC!r}])\n"
              "from hf_bench.encoders.module import ModuleEncoder\n"
              f"enc = ModuleEncoder.from_spec({SPEC!r})\n"
              "np.save('frames.npy', enc.module(torch.from_numpy(np.load('wav.npy'))).numpy())\n"
              "print('torchaudio', torchaudio.__version__, 'from', torchaudio.__file__)\n"
              "raise SystemExit(rc)\n")
    return pure, wav, work, _run(["-c", script], pure, work)


def _reference_logmel(wav: torch.Tensor) -> torch.Tensor:
    """The encoder's log-mel without torchaudio: transformers' mel filters and torch.stft."""
    from transformers.audio_utils import mel_filter_bank

    fb = torch.from_numpy(mel_filter_bank(num_frequency_bins=201, num_mel_filters=64, min_frequency=0.0,
                                          max_frequency=8000.0, sampling_rate=16000, norm=None, mel_scale="htk"))
    spec = torch.stft(wav.double(), 400, 160, 400, torch.hann_window(400, dtype=torch.float64), center=True,
                      pad_mode="reflect", return_complex=True).abs() ** 2
    return torch.log(spec.transpose(-1, -2) @ fb + 1e-6).float()


def test_xares_torchaudio_encoder_passes_check_encoder(route):
    pure, _, _, r = route
    assert not (pure / "torchaudio" / "lib").exists()
    assert r.returncode == 0, r.stdout + r.stderr
    assert "X-ARES forward" in r.stdout and "PASSED" in r.stdout, r.stdout
    assert f"from {pure}" in r.stdout  # the unpacked copy, not one in the venv


def test_torchaudio_frames_match_a_torchaudio_free_logmel(route):
    _, wav, work, r = route
    assert r.returncode == 0, r.stdout + r.stderr
    frames = torch.from_numpy(np.load(work / "frames.npy"))
    ref = _reference_logmel(wav)
    assert frames.shape == ref.shape == (2, 151, 64)
    assert float((frames - ref).abs().max()) < 1e-3


def test_whole_pypi_torchaudio_gives_one_readable_error(tmp_path):
    broken = _unpack(tmp_path / "broken", with_lib=True)  # as `pip install torchaudio` leaves it
    r = _run(["-m", "hf_bench", "check-encoder", SPEC], broken, tmp_path)
    assert r.returncode != 0
    assert "torchaudio_mel_encoder.py" in r.stdout and "compiled library" in r.stdout, r.stdout + r.stderr
    assert "fix: bash setup.sh torchaudio" in r.stdout and "Traceback" not in r.stdout + r.stderr


def test_missing_torchaudio_names_the_file_and_the_fix():
    from hf_bench.encoders.module import ModuleEncoder
    from hf_bench.errors import HFBenchError

    try:
        import torchaudio  # noqa: F401
    except ModuleNotFoundError:
        pass
    except OSError:
        pytest.skip("this venv has PyPI's whole torchaudio")
    else:
        pytest.skip("torchaudio is installed in this venv (bash setup.sh torchaudio)")
    with pytest.raises(HFBenchError) as err:
        ModuleEncoder.from_spec(SPEC)
    text = str(err.value)
    assert "torchaudio_mel_encoder.py" in text and "torchaudio is not installed" in text
    assert "fix: bash setup.sh torchaudio" in text


def test_torchaudio_failure_raised_in_init_is_recognised(tmp_path):
    """An encoder that imports torchaudio lazily, in __init__, gets the same message."""
    from hf_bench.encoders.module import ModuleEncoder, torchaudio_problem
    from hf_bench.errors import EncoderError

    (tmp_path / "lazy.py").write_text(
        "import torch\n\nclass LazyEncoder(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        raise OSError('Could not load this library: /v/site-packages/torchaudio/lib/_torchaudio.abi3.so')"
        "\n")
    with pytest.raises(EncoderError, match="fix: bash setup.sh torchaudio"):
        ModuleEncoder.from_spec(f"{tmp_path}/lazy.py:LazyEncoder")
    assert torchaudio_problem(OSError("libc10_cuda.so: cannot open shared object file")) is not None
    assert torchaudio_problem(OSError("disk full")) is None
