"""X-ARES-style user encoders: ``path/to/file.py:ClassName``.

The X-ARES contract (xares 0.1.3, ``xares/audio_encoder_checker.py``): a ``torch.nn.Module`` with attributes
``sampling_rate`` (Hz), ``output_dim`` (D) and ``hop_size_in_ms`` (time between output frames), optionally
``max_length``, whose ``forward(audio[B, N]) -> [B, T, D]``. Such a class works here unchanged. hf_bench also
accepts a forward that returns a list/tuple of ``[B, T, D]`` tensors: they are taken as hidden states (for
``--layer``).

X-ARES encoders see a zero-padded batch and do not receive the true lengths, so valid frames are estimated as
``ceil(T * n_i / N)`` (clipped to [1, T]), where N is the padded length.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import math
import os
import sys
from pathlib import Path

import torch

from hf_bench.encoders.base import Encoder, EncoderOutput
from hf_bench.encoders.contract import check_inputs, describe_exception
from hf_bench.errors import EncoderError

REQUIRED_ATTRIBUTES = ("sampling_rate", "output_dim", "hop_size_in_ms")
_HOP_EXPLANATION = ("hop_size_in_ms is the time between two consecutive output frames in milliseconds (e.g. 20 "
                    "for wav2vec2/HuBERT, 10 for a 10 ms-hop filterbank, 40 for dasheng): T frames for N samples at "
                    "sampling_rate Hz means hop_size_in_ms = 1000 * N / (sampling_rate * T)")
_PROBE_SECONDS = 1.0


TORCHAUDIO_FIX = ("bash setup.sh torchaudio (installs torchaudio's pure-Python parts into the venv: transforms, "
                  "compliance.kaldi, functional and models work; forced_align does not), or drop the torchaudio "
                  "import (torch.stft + transformers.audio_utils.mel_filter_bank give the same log-mel)")


def torchaudio_problem(exc: BaseException) -> str | None:
    """Why ``exc`` (or an exception it was raised from) is torchaudio failing to import, or None.

    Two cases: torchaudio is not installed (``ModuleNotFoundError``), or PyPI's torchaudio wheel is installed
    whole: it is a CUDA build whose compiled ``torchaudio/lib/*.so`` needs ``libc10_cuda.so``, absent beside CPU
    torch (``OSError``), which also breaks transformers' audio feature extractors.
    """
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, ModuleNotFoundError) and (e.name or "").split(".")[0] == "torchaudio":
            return "torchaudio is not installed (hf_bench's environment leaves it out: PyPI has only CUDA builds)"
        if isinstance(e, OSError) and ("libc10_cuda" in str(e) or
                                      ("torchaudio" in str(e) and "Could not load this library" in str(e))):
            return ("torchaudio is installed, but its compiled library (PyPI's wheel is a CUDA build) does not "
                    "load beside CPU torch")
        e = e.__cause__ or e.__context__
    return None


def _import_file(path: Path, where: str):
    """Import a Python file by path under a private module name; errors name the file and line."""
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    name = f"hf_bench_user_{path.stem.replace('-', '_')}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise EncoderError("cannot be imported as a Python module", where=where, fix="give a .py file")
    module = importlib.util.module_from_spec(spec)
    # the file's own folder goes first on sys.path while it runs, so that it can import its sibling modules
    folder = str(path.parent)
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    sys.modules[name] = module  # dataclasses and pickling look modules up here
    no_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # write nothing into the user's folder
    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:
        sys.modules.pop(name, None)
        raise EncoderError(f"syntax error at line {e.lineno}: {e.msg}" + (f"\n    {e.text.rstrip()}" if e.text else ""),
                           where=path, fix=f"fix the Python syntax (python -m py_compile {path} shows it)") from None
    except (ModuleNotFoundError, OSError) as e:
        sys.modules.pop(name, None)
        problem = torchaudio_problem(e)
        if problem is not None:
            raise EncoderError(f"importing it failed: {problem} ({describe_exception(e, str(path))})", where=path,
                               fix=TORCHAUDIO_FIX) from None
        if not isinstance(e, ModuleNotFoundError):
            raise EncoderError(f"importing it failed: {describe_exception(e, str(path))}", where=path,
                               fix="fix the error raised while the file is imported") from None
        raise EncoderError(f"importing it failed: {describe_exception(e, str(path))}", where=path,
                           fix=f"install the missing package (pip install {e.name.split('.')[0]}) in this "
                           "environment" if e.name else "install the missing package") from None
    except (Exception, SystemExit) as e:  # noqa: BLE001 - user code can raise anything (sys.exit too) at import time
        sys.modules.pop(name, None)
        raise EncoderError(f"importing it failed: {describe_exception(e, str(path))}", where=path,
                           fix="fix the error raised while the file is imported") from None
    finally:
        sys.dont_write_bytecode = no_bytecode
        if added:
            try:
                sys.path.remove(folder)
            except ValueError:
                pass
    return module


def _module_classes(module) -> list[str]:
    return sorted(n for n, obj in vars(module).items()
                  if inspect.isclass(obj) and issubclass(obj, torch.nn.Module) and obj.__module__ == module.__name__)


def load_user_class(path: str, class_name: str):
    """Import ``path`` and return the class ``class_name`` (an ``nn.Module`` subclass)."""
    file = Path(os.path.expanduser(path))
    where = f"encoder file {path}"
    if not file.exists():
        raise EncoderError("file not found", where=where,
                           fix=f"check the path (relative paths start from {os.getcwd()})")
    if not file.is_file():
        raise EncoderError("not a file", where=where, fix="give the path of the .py file that defines the encoder")
    file = file.resolve()
    if not class_name.isidentifier():
        raise EncoderError(f"{class_name!r} is not a Python class name", where=f"encoder {path}:{class_name}",
                           fix="write path/to/file.py:ClassName")
    module = _import_file(file, where)
    candidates = _module_classes(module)
    cls = getattr(module, class_name, None)
    if cls is None:
        hint = f"classes defined there: {', '.join(candidates)}" if candidates else "it defines no nn.Module class"
        raise EncoderError(f"class {class_name!r} not found", where=file, fix=f"use one of its classes ({hint})")
    if not (inspect.isclass(cls) and issubclass(cls, torch.nn.Module)):
        raise EncoderError(f"{class_name!r} is not a torch.nn.Module subclass ({type(cls).__name__})", where=file,
                           fix="the encoder must be a class deriving from torch.nn.Module")
    return cls, file


def _tensors(result):
    """forward() result -> list of tensors, or None if it is neither a tensor nor a list/tuple of tensors."""
    if isinstance(result, torch.Tensor):
        return [result]
    if isinstance(result, (list, tuple)) and result and all(isinstance(t, torch.Tensor) for t in result):
        return list(result)
    return None


class ModuleEncoder(Encoder):
    """Wraps an X-ARES-style ``nn.Module``: instantiated with no arguments, run in eval mode."""

    def __init__(self, module: torch.nn.Module, *, spec: str, source_file: str | os.PathLike | None = None,
                 device: str = "cpu"):
        self.module = module
        self.id = spec
        self.class_name = type(module).__name__
        self.name = self.class_name
        self.source_file = str(source_file) if source_file is not None else None
        self.revision = None
        where = f"encoder {spec!r}"
        missing = [a for a in REQUIRED_ATTRIBUTES if not hasattr(module, a)]
        if missing:
            raise EncoderError(f"{self.class_name} has no attribute(s) {', '.join(missing)}", where=where,
                               fix="set them in __init__ (X-ARES contract): self.sampling_rate = 16000 (Hz of the "
                               "input), self.output_dim = D, self.hop_size_in_ms = ...; " + _HOP_EXPLANATION)
        self.sampling_rate = self._number(module, "sampling_rate", int, where)
        self.dim = self._number(module, "output_dim", int, where)
        self.hop_ms = float(self._number(module, "hop_size_in_ms", float, where))
        self.max_length = getattr(module, "max_length", None)
        if self.max_length is not None:
            self.max_length = self._number(module, "max_length", int, where)
        self.device = torch.device(device)
        try:
            module.to(self.device)
        except (Exception, SystemExit) as e:  # noqa: BLE001 - sys.exit() in user code too
            raise EncoderError(f"cannot move it to {device}: {describe_exception(e)}", where=where,
                               fix="use --device cpu, or make the module movable with .to()") from None
        module.eval()
        self.n_parameters = int(sum(p.numel() for p in module.parameters()))
        self._fingerprint: str | None = None
        # how many hidden states forward() returns: one call on a short, fixed noise clip
        probe = self._probe()
        self.num_layers = len(probe)

    @classmethod
    def from_spec(cls, spec: str, *, device: str = "cpu") -> "ModuleEncoder":
        path, _, class_name = spec.rpartition(":")
        if not class_name:
            raise EncoderError("no class name after the colon", where=f"encoder {spec!r}",
                               fix="write path/to/file.py:ClassName")
        klass, file = load_user_class(path, class_name)
        try:
            module = klass()
        except TypeError as e:
            raise EncoderError(f"{class_name}() cannot be created without arguments: {e}", where=file,
                               fix="give every __init__ argument a default, or add a subclass that passes them "
                               "and point hf-bench at that subclass") from None
        except (Exception, SystemExit) as e:  # noqa: BLE001 - sys.exit() in user code too
            problem = torchaudio_problem(e)  # e.g. a lazy "import torchaudio" inside __init__
            if problem is not None:
                raise EncoderError(f"{class_name}() failed: {problem} ({describe_exception(e, str(file))})",
                                   where=file, fix=TORCHAUDIO_FIX) from None
            raise EncoderError(f"{class_name}() raised {describe_exception(e, str(file))}", where=file,
                               fix="fix the error raised in __init__") from None
        return cls(module, spec=spec, source_file=file, device=device)

    @staticmethod
    def _number(module, attr: str, kind, where: str):
        value = getattr(module, attr)
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0
        if ok and kind is int and float(value) != int(value):
            ok = False
        if not ok:
            extra = f"; {_HOP_EXPLANATION}" if attr == "hop_size_in_ms" else ""
            raise EncoderError(f"{attr} = {value!r} must be a positive {'integer' if kind is int else 'number'}",
                               where=where, fix=f"set self.{attr} in __init__{extra}")
        return kind(value)

    def _forward(self, wavs: torch.Tensor):
        try:
            result = self.module(wavs.to(self.device))
        except (Exception, SystemExit) as e:  # noqa: BLE001 - sys.exit() in user code too
            raise EncoderError(f"forward() on input {list(wavs.shape)} raised "
                               f"{describe_exception(e, self.source_file)}",
                               where=f"encoder {self.id!r}",
                               fix="forward(audio) must accept a float32 tensor [B, N] at sampling_rate and return "
                               "[B, T, D]; try: hf-bench check-encoder " + self.id) from None
        tensors = _tensors(result)
        if tensors is None:
            raise EncoderError(f"forward() returned {type(result).__name__}, not a tensor",
                               where=f"encoder {self.id!r}",
                               fix="return a torch.Tensor [B, T, D] (or a list of them, one per layer)")
        return tensors

    def _probe(self) -> list[torch.Tensor]:
        gen = torch.Generator().manual_seed(0)
        wav = 0.1 * torch.randn(1, int(self.sampling_rate * _PROBE_SECONDS), generator=gen)
        with torch.inference_mode():
            return self._forward(wav)

    padding_invariant = False  # the module gets no lengths: run it on unpadded, equal-length batches

    def _encode(self, wavs: torch.Tensor, lengths: torch.Tensor) -> EncoderOutput:
        check_inputs(self, wavs, lengths)
        hidden = []
        for t in self._forward(wavs.to(torch.float32)):
            if t.is_floating_point():
                t = t.detach().to("cpu", torch.float32)
            hidden.append(t)
        # X-ARES modules never see the true lengths: valid frames are proportional to the valid samples
        num_t = hidden[0].shape[1] if hidden[0].dim() >= 2 else 1
        n_max = wavs.shape[1]
        out_lengths = torch.ceil(lengths.to(torch.float64) * num_t / n_max).to(torch.int64).clamp(1, max(num_t, 1))
        return EncoderOutput(hidden_states=hidden, lengths=out_lengths)

    def _tensors(self) -> list[tuple[str, torch.Tensor]]:
        """Every tensor the output can depend on: the state_dict (parameters, buffers) and plain tensor
        attributes of any submodule (``self.window = torch.hann_window(400)`` is in no state_dict)."""
        out = dict(self.module.state_dict())
        for prefix, mod in self.module.named_modules():
            for attr, value in vars(mod).items():
                if isinstance(value, torch.Tensor):
                    out.setdefault(f"{prefix}.{attr}".lstrip(".") + "#attr", value)
        return sorted(out.items())

    def fingerprint(self) -> str:
        """sha256 of the source file, the files the module declares it reads (``fingerprint_files``, paths), the
        declared attributes and the bytes of every tensor it holds (state_dict and plain tensor attributes)."""
        if self._fingerprint is None:
            from hf_bench.utils.io import sha256_file

            h = hashlib.sha256()
            h.update(b"hf_bench.module.v2\0")
            if self.source_file and os.path.isfile(self.source_file):
                h.update(sha256_file(self.source_file).encode())
            for side in sorted(str(p) for p in (getattr(self.module, "fingerprint_files", None) or ())):
                if not os.path.isfile(side):
                    raise EncoderError(f"fingerprint_files names {side!r}, which is not a file",
                                       where=f"encoder {self.id!r}", fix="list the files forward() reads")
                h.update(f"{os.path.basename(side)}|{sha256_file(side)}\0".encode())
            h.update(repr((self.class_name, self.sampling_rate, self.dim, self.hop_ms, self.num_layers)).encode())
            for key, tensor in self._tensors():
                t = tensor.detach().to("cpu").contiguous()
                h.update(f"{key}|{t.dtype}|{tuple(t.shape)}\0".encode())
                h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
            self._fingerprint = "mod-" + h.hexdigest()[:16]
        return self._fingerprint

    # -- used by check_encoder ---------------------------------------------------------------------------------

    def xares_checks(self):
        """X-ARES's ``check_audio_encoder``, as (name, status, detail, fix) rows."""
        rows = []
        if self.class_name.endswith("Encoder"):
            rows.append(("X-ARES class name", "pass", f"{self.class_name!r} ends with 'Encoder'", None))
        else:
            rows.append(("X-ARES class name", "warn",
                         f"{self.class_name!r} does not end with 'Encoder': X-ARES's checker rejects it "
                         "(hf_bench does not need it)", f"rename the class to {self.class_name}Encoder to run it in "
                         "X-ARES too"))
        rows.append(("X-ARES attributes", "pass",
                     f"nn.Module with sampling_rate={self.sampling_rate}, output_dim={self.dim}, "
                     f"hop_size_in_ms={self.hop_ms:g}" + (f", max_length={self.max_length}" if self.max_length else "")
                     , None))
        try:
            with torch.inference_mode():
                result = self.module(torch.randn(2, 50000, generator=torch.Generator().manual_seed(1)).to(self.device))
        except (Exception, SystemExit) as e:  # noqa: BLE001 - sys.exit() in user code too
            rows.append(("X-ARES forward", "fail", "encoder(torch.randn(2, 50000)) raised "
                         + describe_exception(e, self.source_file), "forward must accept a [B, N] float tensor"))
            return rows
        if isinstance(result, torch.Tensor):
            if result.dim() != 3:
                rows.append(("X-ARES forward", "fail", f"encoder(torch.randn(2, 50000)) returned shape "
                             f"{list(result.shape)}, not 3-D", "return [B, T, D]"))
            elif result.shape[0] != 2 or result.shape[2] != self.dim:
                rows.append(("X-ARES forward", "fail", f"encoder(torch.randn(2, 50000)) returned shape "
                             f"{list(result.shape)}; X-ARES needs batch 2 and size(2) == output_dim ({self.dim})",
                             "return [B, T, output_dim]"))
            else:
                rows.append(("X-ARES forward", "pass", f"encoder(torch.randn(2, 50000)) -> {list(result.shape)}",
                             None))
        elif _tensors(result) is not None:
            rows.append(("X-ARES forward", "warn", f"returns a {type(result).__name__} of {len(result)} tensors: "
                         "hf_bench uses them as hidden states, but X-ARES's checker needs a single Tensor",
                         "return one tensor to run it in X-ARES too"))
        else:
            rows.append(("X-ARES forward", "fail", f"encoder(torch.randn(2, 50000)) returned {type(result).__name__}",
                         "return a torch.Tensor [B, T, D]"))
        return rows

    def check_1d_input(self, wav: torch.Tensor):
        """X-ARES unsqueezes a 1-D input to [1, N]; its examples' forward accepts one. hf_bench always passes 2-D."""
        try:
            with torch.inference_mode():
                tensors = _tensors(self.module(wav.to(self.device)))
        except (Exception, SystemExit) as e:  # noqa: BLE001 - sys.exit() in user code too
            return ("warn", "forward(audio[N]) raised " + describe_exception(e, self.source_file),
                    "X-ARES's examples start forward() with: if audio.ndim == 1: audio = audio.unsqueeze(0) "
                    "(hf_bench itself always passes [B, N])")
        if tensors is None or tensors[0].dim() != 3 or tensors[0].shape[0] != 1:
            shape = list(tensors[0].shape) if tensors else None
            return ("warn", f"forward(audio[N]) returned {shape}, expected [1, T, D]",
                    "unsqueeze a 1-D input to [1, N] at the start of forward() (hf_bench always passes [B, N])")
        return ("pass", f"forward(audio[N]) -> {list(tensors[0].shape)}", None)
