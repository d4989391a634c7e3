"""Encoders: what ``--encoder`` accepts, and the loader that turns a spec into an ``Encoder``.

Accepted specs (see ``docs/encoders.md``):

* ``mfb`` / ``mfcc``: built-in Kaldi log-mel filterbank (80 bands) / hires MFCC (40), no weights; options as
  ``mfb:n_mels=40`` or ``mfcc:n_ceps=13,n_mels=23``;
* ``hf:<hub id or local dir>``: a transformers audio model (wav2vec2, HuBERT, WavLM, data2vec-audio, Whisper's
  encoder, ...), every hidden state;
* ``path/to/file.py:ClassName``: an X-ARES-style ``torch.nn.Module``.

Importing this package is cheap: torch and transformers are imported by the functions that need them.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from hf_bench.errors import EncoderError

if TYPE_CHECKING:
    from hf_bench.encoders.base import Encoder, EncoderOutput
    from hf_bench.encoders.check import CheckReport

__all__ = ["load_encoder", "parse_spec", "check_encoder", "SPEC_FORMS", "Encoder", "EncoderOutput", "CheckReport"]

SPEC_FORMS = (
    "mfb                          built-in 80-band Kaldi log-mel filterbank (options: mfb:n_mels=40)",
    "mfcc                         built-in Kaldi hires MFCC, 40 coefficients (options: mfcc:n_ceps=13,n_mels=23)",
    "hf:<hub id or local dir>     a transformers audio model, e.g. hf:facebook/wav2vec2-base or hf:./my_model;\n"
    "                             Whisper's fast mode without 30 s padding: hf:openai/whisper-tiny?window=fit",
    "path/to/file.py:ClassName    an X-ARES-style torch.nn.Module defined in a Python file",
)


def _forms() -> str:
    return "use one of:\n    " + "\n    ".join(SPEC_FORMS)


def parse_spec(spec: str) -> tuple[str, str]:
    """``spec`` -> (kind, argument) with kind in {"filterbank", "hf", "module"}; raises ``EncoderError``."""
    if not isinstance(spec, str) or not spec.strip():
        raise EncoderError("empty encoder spec", where="--encoder", fix=_forms())
    spec = spec.strip()
    head = spec.split(":", 1)[0].lower()
    if head in ("mfb", "mfcc"):
        return "filterbank", spec
    if head == "hf":
        target = spec[3:].strip()
        if not target:
            raise EncoderError("'hf:' needs a Hub model id or a local directory", where=f"encoder {spec!r}",
                               fix="write e.g. hf:facebook/wav2vec2-base or hf:/path/to/saved_model")
        return "hf", target
    path, sep, cls = spec.rpartition(":")
    if sep and path.endswith(".py"):
        return "module", spec
    if spec.endswith(".py"):
        raise EncoderError("a Python file needs the class to load after a colon", where=f"encoder {spec!r}",
                           fix=f"write {spec}:MyEncoder (the torch.nn.Module class defined in the file)")
    if os.path.isdir(os.path.expanduser(spec)):
        raise EncoderError("looks like a model directory but has no 'hf:' prefix", where=f"encoder {spec!r}",
                           fix=f"write hf:{spec}")
    raise EncoderError("unknown encoder spec", where=f"encoder {spec!r}", fix=_forms())


def split_options(target: str, spec: str) -> tuple[str, dict[str, str]]:
    """``id?key=value&key=value`` -> (id, options)."""
    base, sep, query = target.partition("?")
    options = {}
    for part in filter(None, query.split("&")) if sep else ():
        key, eq, value = part.partition("=")
        if not eq or not key.strip() or not value.strip():
            raise EncoderError(f"option {part!r} is not key=value", where=f"encoder {spec!r}",
                               fix="write e.g. hf:openai/whisper-tiny?window=fit")
        options[key.strip()] = value.strip()
    return base, options


def load_encoder(spec: str, *, device: str = "cpu", trust_remote_code: bool = False,
                 revision: str | None = None) -> "Encoder":
    """Turn an ``--encoder`` spec into a ready (eval-mode) ``Encoder`` on ``device``.

    ``trust_remote_code`` and ``revision`` only apply to ``hf:`` encoders; remote code is never run unless the
    caller asks for it.
    """
    kind, arg = parse_spec(spec)
    spec = spec.strip()
    if revision is not None and kind != "hf":
        raise EncoderError("--revision only applies to hf: encoders", where=f"encoder {spec!r}",
                           fix="drop --revision, or use an hf:<hub id> encoder")
    if kind == "filterbank":
        from hf_bench.encoders.filterbank import FilterbankEncoder

        return FilterbankEncoder(arg, device=device)
    if kind == "hf":
        from hf_bench.encoders.hf import HFEncoder

        target, options = split_options(arg, spec)
        return HFEncoder(target, spec=spec, device=device, trust_remote_code=trust_remote_code, revision=revision,
                         options=options)
    from hf_bench.encoders.module import ModuleEncoder

    return ModuleEncoder.from_spec(arg, device=device)


def check_encoder(spec_or_encoder, **kwargs) -> "CheckReport":
    """See ``hf_bench.encoders.check.check_encoder``."""
    from hf_bench.encoders.check import check_encoder as _check

    return _check(spec_or_encoder, **kwargs)


def __getattr__(name: str):
    if name in ("Encoder", "EncoderOutput"):
        from hf_bench.encoders import base

        return getattr(base, name)
    if name == "CheckReport":
        from hf_bench.encoders.check import CheckReport

        return CheckReport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
