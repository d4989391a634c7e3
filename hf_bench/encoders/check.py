"""Encoder validation: the per-batch contract check and ``hf-bench check-encoder``.

``validate_output`` runs on every batch the pipeline encodes (through ``Encoder.encode``) and raises one
``EncoderError`` that names the encoder, what came back, what was expected and the fix.
``check_encoder`` runs X-ARES's own encoder checks plus ours on synthetic audio and returns a ``CheckReport``
whose ``render()`` is what the CLI prints.
"""

from __future__ import annotations

import math
import sys
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Literal

from hf_bench.errors import EncoderError, HFBenchError

if TYPE_CHECKING:  # torch stays out of module import time
    import torch

    from hf_bench.encoders.base import Encoder, EncoderOutput

HOP_TOLERANCE_FRAMES = 2
HOP_TOLERANCE_RATIO = 0.10

_CONTRACT = ("return EncoderOutput(hidden_states=[one float32 tensor [B, T, D] per layer], "
             "lengths=int64 tensor [B] of valid frames)")


def _where(encoder) -> str:
    return f"encoder {getattr(encoder, 'id', None) or type(encoder).__name__!r}"


def _shape(t) -> str:
    return "[" + ", ".join(str(s) for s in t.shape) + "]"


def _hop_fix(encoder) -> str:
    return ("hop_size_in_ms (hop_ms) must be the time between two output frames: N samples at sampling_rate Hz "
            "must give about N / (sampling_rate * hop_ms / 1000) frames. Declare the hop your model really has "
            f"(currently {float(encoder.hop_ms):g} ms), or fix forward() so that it returns one frame per hop")


def hop_tolerance(expected: int) -> int:
    return max(HOP_TOLERANCE_FRAMES, int(math.ceil(HOP_TOLERANCE_RATIO * expected)))


# --------------------------------------------------------------------------------------------------------------
# Inputs


def check_inputs(encoder, wavs, lengths) -> None:
    """What every ``_encode`` may assume: wavs [B, N] floating, lengths [B] integer in [1, N]."""
    import torch

    fix = "pass wavs as a zero-padded float32 tensor [B, N] and lengths as an int64 tensor [B] with 1 <= length <= N"
    if not isinstance(wavs, torch.Tensor) or wavs.dim() != 2 or not wavs.is_floating_point():
        what = _shape(wavs) + f" {wavs.dtype}" if isinstance(wavs, torch.Tensor) else type(wavs).__name__
        raise EncoderError(f"input waveforms must be a floating tensor [B, N], got {what}", where=_where(encoder),
                           fix=fix)
    if (not isinstance(lengths, torch.Tensor) or lengths.dim() != 1 or lengths.is_floating_point()
            or lengths.shape[0] != wavs.shape[0]):
        what = _shape(lengths) + f" {lengths.dtype}" if isinstance(lengths, torch.Tensor) else type(lengths).__name__
        raise EncoderError(f"input lengths must be an integer tensor [{wavs.shape[0]}], got {what}",
                           where=_where(encoder), fix=fix)
    if wavs.shape[0] == 0 or wavs.shape[1] == 0:
        raise EncoderError(f"empty input batch {_shape(wavs)}", where=_where(encoder), fix=fix)
    if int(lengths.min()) < 1 or int(lengths.max()) > wavs.shape[1]:
        raise EncoderError(f"input lengths must lie in [1, {wavs.shape[1]}], got {lengths.tolist()}",
                           where=_where(encoder), fix=fix)


# --------------------------------------------------------------------------------------------------------------
# Output contract, one function per aspect so that check-encoder can report each on its own line.


def _check_structure(encoder, out, wavs, lengths) -> str:
    import torch

    where = _where(encoder)
    hidden = getattr(out, "hidden_states", None)
    if isinstance(hidden, torch.Tensor) or not isinstance(hidden, (list, tuple)) or not hidden:
        got = (f"a single tensor {_shape(hidden)}" if isinstance(hidden, torch.Tensor)
               else f"{type(out).__name__} with hidden_states={type(hidden).__name__}")
        raise EncoderError(f"the output must hold a non-empty list of [B, T, D] tensors, got {got}", where=where,
                           fix=_CONTRACT)
    batch = wavs.shape[0]
    for i, h in enumerate(hidden):
        if not isinstance(h, torch.Tensor):
            raise EncoderError(f"hidden state {i} is a {type(h).__name__}, not a tensor", where=where, fix=_CONTRACT)
        if h.dim() != 3:
            hints = {2: "a [B, D] clip embedding or a [T, D] sequence; the contract needs frame-level [B, T, D] "
                        "(use unsqueeze to add the missing axis)",
                     4: "an extra axis (e.g. channels); squeeze or merge it so that the output is [B, T, D]"}
            raise EncoderError(
                f"wrong rank: hidden state {i} has shape {_shape(h)} ({h.dim()}-D) for an input of shape "
                f"{_shape(wavs)}; expected 3-D [B, T, D] = [{batch}, T, {encoder.dim}]",
                where=where, fix=hints.get(h.dim(), "forward(wav[B, N]) must return a [B, T, D] tensor"))
        if h.shape[0] != batch:
            raise EncoderError(
                f"batch size mismatch: {batch} waveforms in, hidden state {i} has shape {_shape(h)} (B={h.shape[0]})",
                where=where, fix="return one row per input waveform: output.shape[0] must equal wav.shape[0] "
                "(if the time axis comes first, transpose to [B, T, D])")
        if h.dtype != torch.float32 or h.device.type != "cpu":
            raise EncoderError(f"hidden state {i} is {h.dtype} on {h.device}; expected float32 on the CPU",
                               where=where, fix="return h.float().cpu()")
    shapes = {tuple(h.shape) for h in hidden}
    if len(shapes) > 1:
        raise EncoderError(f"hidden states have different shapes: {', '.join(_shape(h) for h in hidden)}",
                           where=where, fix="every hidden state must share the same T and D")
    if len(hidden) != encoder.num_layers:
        raise EncoderError(f"returned {len(hidden)} hidden states but declares num_layers={encoder.num_layers}",
                           where=where, fix="return the same number of hidden states for every call, equal to "
                           "num_layers")
    return f"{len(hidden)} hidden state(s) of shape {_shape(hidden[0])} for input {_shape(wavs)}"


def _check_dim(encoder, out, wavs, lengths) -> str:
    d = out.hidden_states[0].shape[-1]
    if d != encoder.dim:
        raise EncoderError(
            f"returned D={d} but declares output_dim={encoder.dim} (input {_shape(wavs)})", where=_where(encoder),
            fix="declare the true output dimension, and make it the same for every call whatever the input "
            "length or batch size (pad or project to a fixed size)")
    return f"D={d} as declared"


def _check_lengths(encoder, out, wavs, lengths) -> str:
    import torch

    where = _where(encoder)
    lens, num_t = out.lengths, out.hidden_states[0].shape[1]
    if (not isinstance(lens, torch.Tensor) or lens.dtype != torch.int64 or lens.dim() != 1
            or lens.shape[0] != wavs.shape[0]):
        got = f"{_shape(lens)} {lens.dtype}" if isinstance(lens, torch.Tensor) else type(lens).__name__
        raise EncoderError(f"lengths must be an int64 tensor [{wavs.shape[0]}], got {got}", where=where,
                           fix=_CONTRACT)
    if int(lens.min()) < 1 or int(lens.max()) > num_t:
        raise EncoderError(f"lengths {lens.tolist()} out of range [1, T={num_t}]", where=where,
                           fix="lengths[i] is the number of valid frames of item i: between 1 and T")
    return f"valid frames {lens.tolist()} of T={num_t}"


def _check_finite(encoder, out, wavs, lengths) -> str:
    import torch

    for i, h in enumerate(out.hidden_states):
        bad = ~torch.isfinite(h)
        if bad.any():
            n_nan, n_inf = int(torch.isnan(h).sum()), int(torch.isinf(h).sum())
            items = torch.nonzero(bad.flatten(1).any(dim=1)).flatten().tolist()
            raise EncoderError(
                f"hidden state {i} of {len(out.hidden_states)} contains {n_nan} NaN and {n_inf} Inf values "
                f"(of {h.numel()}), in batch item(s) {items}", where=_where(encoder),
                fix="look for log(0), division by a zero norm or std (silence, zero padding), or fp16 overflow; "
                "add an epsilon/clamp, or run in float32")
    return "no NaN or Inf"


def _check_hop(encoder, out, wavs, lengths) -> str:
    where = _where(encoder)
    n = wavs.shape[1]
    num_t = out.hidden_states[0].shape[1]
    expected = int(encoder.expected_frames(n))
    seconds = n / encoder.sampling_rate
    if abs(num_t - expected) > hop_tolerance(expected):
        implied = 1000.0 * seconds / max(num_t, 1)
        raise EncoderError(
            f"time axis inconsistent with the declared hop: {seconds:.2f} s ({n} samples at "
            f"{encoder.sampling_rate} Hz) gave T={num_t} frames, but hop {float(encoder.hop_ms):g} ms implies about "
            f"{expected} (T={num_t} means one frame every {implied:.1f} ms)", where=where, fix=_hop_fix(encoder))
    i = int(lengths.argmax())
    n_i, l_i = int(lengths[i]), int(out.lengths[i])
    expected_i = int(encoder.expected_frames(n_i))
    if abs(l_i - expected_i) > hop_tolerance(expected_i):
        raise EncoderError(
            f"lengths inconsistent with the declared hop: the longest item ({n_i} samples) has {l_i} valid frames, "
            f"hop {float(encoder.hop_ms):g} ms implies about {expected_i}", where=where,
            fix="compute lengths from the true sample counts with the same frame arithmetic as the model")
    return f"T={num_t} frames for {seconds:.2f} s, expected {expected} at one frame every {float(encoder.hop_ms):g} ms"


OUTPUT_CHECKS: list[tuple[str, Callable]] = [
    ("output shape", _check_structure),
    ("dimension", _check_dim),
    ("lengths", _check_lengths),
    ("finite values", _check_finite),
    ("hop", _check_hop),
]


def validate_output(encoder: "Encoder", out: "EncoderOutput", wavs: "torch.Tensor", lengths: "torch.Tensor") -> None:
    """Raise one ``EncoderError`` (naming the encoder and the fix) if ``out`` breaks the contract."""
    for _, check in OUTPUT_CHECKS:
        check(encoder, out, wavs, lengths)


# --------------------------------------------------------------------------------------------------------------
# check-encoder

Status = Literal["pass", "fail", "warn", "skip"]
_SYMBOLS = {"pass": ("✓", "[ok]  "), "fail": ("✗", "[FAIL]"), "warn": ("!", "[warn]"), "skip": ("-", "[skip]")}


@dataclass
class CheckItem:
    name: str
    status: Status
    detail: str = ""
    fix: str | None = None


@dataclass
class CheckReport:
    """Result of ``check_encoder``: one ``CheckItem`` per check, plus what the encoder declares."""

    spec: str
    items: list[CheckItem] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(i.status == "fail" for i in self.items)

    def counts(self) -> dict[str, int]:
        return {s: sum(i.status == s for i in self.items) for s in ("pass", "fail", "warn", "skip")}

    def add(self, name: str, status: Status, detail: str = "", fix: str | None = None) -> CheckItem:
        item = CheckItem(name, status, detail, fix)
        self.items.append(item)
        return item

    def summary(self) -> str:
        c = self.counts()
        verdict = "PASSED" if self.ok else "FAILED"
        parts = [f"{c['pass']} passed", f"{c['fail']} failed"]
        if c["warn"]:
            parts.append(f"{c['warn']} warning{'s' * (c['warn'] != 1)}")
        if c["skip"]:
            parts.append(f"{c['skip']} skipped")
        return f"{verdict}: {', '.join(parts)}"

    def render(self, unicode: bool | None = None) -> str:
        """One line per check (✓ pass, ✗ fail, ! warning, - skipped) with the fix under failures and warnings."""
        if unicode is None:
            try:
                "✓✗".encode(getattr(sys.stdout, "encoding", None) or "ascii")
                unicode = True
            except (UnicodeEncodeError, LookupError):
                unicode = False
        width = max([len(i.name) for i in self.items] + [8])
        lines = [f"check-encoder {self.spec}"]
        for item in self.items:
            mark = _SYMBOLS[item.status][0 if unicode else 1]
            detail = item.detail.replace("\n", "\n" + " " * (width + 6))
            lines.append(f"  {mark} {item.name.ljust(width)}  {detail}".rstrip())
            if item.fix and item.status in ("fail", "warn"):
                pad = " " * (len(mark) + 3 + width + 2)
                lines.append(f"{pad}fix: {item.fix}")
        if self.info:
            keys = ("name", "num_layers", "dim", "hop_ms", "sampling_rate", "n_parameters", "revision", "fingerprint")
            lines.append("encoder: " + ", ".join(f"{k}={self.info[k]}" for k in keys if self.info.get(k) is not None))
        lines.append(self.summary())
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"spec": self.spec, "ok": self.ok, "info": self.info,
                "items": [{"name": i.name, "status": i.status, "detail": i.detail, "fix": i.fix} for i in self.items]}


def describe_exception(exc: BaseException, source: str | None = None) -> str:
    """``TypeError: msg (my_encoder.py, line 12)``: the innermost frame in ``source`` (the user's file) if any."""
    text = f"{type(exc).__name__}: {exc}".strip()
    frames = traceback.extract_tb(exc.__traceback__)
    if source is not None:
        frames = [f for f in frames if f.filename == source] or frames
    if frames:
        text += f" ({frames[-1].filename}, line {frames[-1].lineno})"
    return text


def _noise(gen, seconds: float, sr: int):
    import torch

    return 0.1 * torch.randn(max(1, int(round(seconds * sr))), generator=gen)


def _batch(clips):
    import torch

    lengths = torch.tensor([c.shape[0] for c in clips], dtype=torch.int64)
    wavs = torch.zeros(len(clips), int(lengths.max()))
    for i, c in enumerate(clips):
        wavs[i, : c.shape[0]] = c
    return wavs, lengths


def check_encoder(spec_or_encoder: "str | Encoder | torch.nn.Module", *, device: str = "cpu",
                  trust_remote_code: bool = False, revision: str | None = None, seed: int = 0) -> CheckReport:
    """Load (a spec, or wrap an X-ARES ``nn.Module`` object) and exercise an encoder on synthetic audio.

    Never raises for encoder faults: every problem becomes a failed (or warning) line of the report.

    Checks: X-ARES's ``check_audio_encoder`` (for ``file.py:Class`` encoders), then a batch of two clips of
    different lengths (1.0 s and 3.1 s), one clip alone, a 0.3 s clip, output contract (rank, batch, dimension,
    lengths, NaN/Inf, hop) on each, dimension stable across calls, determinism (warning only), padding
    invariance (warning only) and the fingerprint.
    """
    import torch

    from hf_bench.encoders import load_encoder
    from hf_bench.encoders.base import Encoder

    spec = (spec_or_encoder if isinstance(spec_or_encoder, str)
            else getattr(spec_or_encoder, "id", None) or type(spec_or_encoder).__name__)
    report = CheckReport(spec=str(spec))

    # -- load
    if isinstance(spec_or_encoder, Encoder):
        enc = spec_or_encoder
        report.add("load", "pass", f"{type(enc).__name__} instance")
    else:
        try:
            if isinstance(spec_or_encoder, torch.nn.Module):  # an X-ARES module object, e.g. from a notebook
                from hf_bench.encoders.module import ModuleEncoder

                enc = ModuleEncoder(spec_or_encoder, spec=str(spec), device=device)
            else:
                enc = load_encoder(spec, device=device, trust_remote_code=trust_remote_code, revision=revision)
        except HFBenchError as e:
            report.add("load", "fail", (f"{e.where}: " if e.where else "") + e.problem, e.fix)
            return report
        except Exception as e:  # noqa: BLE001 - a user's encoder can raise anything; report it, never crash
            report.add("load", "fail", describe_exception(e), "fix the error above; it is raised while loading")
            return report
        report.add("load", "pass", f"{enc.name}: {enc.num_layers} hidden state(s), D={enc.dim}, "
                   f"one frame every {float(enc.hop_ms):g} ms, {enc.sampling_rate} Hz input")
    source = getattr(enc, "source_file", None)

    # -- X-ARES's own checks, for X-ARES-style modules
    xares = getattr(enc, "xares_checks", None)
    if callable(xares):
        for name, status, detail, fix in xares():
            report.add(name, status, detail, fix)

    sr = int(enc.sampling_rate)
    gen = torch.Generator().manual_seed(seed)
    short, long_ = _noise(gen, 1.0, sr), _noise(gen, 3.1, sr)
    tiny = _noise(gen, 0.3, sr)
    dims: dict[str, int] = {}

    failed_checks: set[str] = set()

    def run(label: str, wavs, lengths, *, report_checks: bool) -> Any:
        """Encode and run every output check; record lines; return the output or None on failure.

        ``report_checks``: one line per passed check (the first call). Later calls add a line only for a
        failure not already reported, so one fault does not fill the report.
        """
        try:
            with torch.inference_mode():
                out = enc._encode(wavs, lengths)
        except HFBenchError as e:
            report.add(label, "fail", e.problem, e.fix)
            return None
        except Exception as e:  # noqa: BLE001
            report.add(label, "fail", "forward raised " + describe_exception(e, source),
                       "fix the encoder so that it accepts this input")
            return None
        details = []
        for name, check in OUTPUT_CHECKS:
            try:
                details.append((name, check(enc, out, wavs, lengths)))
            except EncoderError as e:
                if name not in failed_checks:
                    report.add(name if report_checks else f"{label}: {name}", "fail", e.problem, e.fix)
                    failed_checks.add(name)
                return None
            finally:
                if name == "output shape" and details:
                    dims[label] = out.hidden_states[0].shape[-1]
        if report_checks:
            for name, detail in details:
                report.add(name, "pass", detail)
        return out

    secs = f"{short.shape[0] / sr:.1f} s and {long_.shape[0] / sr:.1f} s"
    wavs, lengths = _batch([short, long_])
    out = run("batch", wavs, lengths, report_checks=True)
    if out is not None:
        l_short, l_long = (int(x) for x in out.lengths)
        if l_short < l_long:
            report.add("variable lengths", "pass", f"clips of {secs} in one padded batch -> "
                       f"{l_short} and {l_long} valid frames")
        else:
            report.add("variable lengths", "fail",
                       f"clips of {secs} in one padded batch got {l_short} and {l_long} valid frames",
                       "lengths must count only the frames of each clip's own audio, not the padding")

    one = run("single clip", short[None, :], torch.tensor([short.shape[0]]), report_checks=False)
    if one is not None:
        report.add("single clip", "pass", f"a batch of one {short.shape[0] / sr:.1f} s clip -> "
                   f"{_shape(one.hidden_states[0])}")
    if callable(getattr(enc, "check_1d_input", None)):
        status, detail, fix = enc.check_1d_input(short)
        report.add("1-D input", status, detail, fix)

    small = run("short clip", tiny[None, :], torch.tensor([tiny.shape[0]]), report_checks=False)
    if small is not None:
        report.add("short clip", "pass", f"{tiny.shape[0] / sr:.1f} s -> {int(small.lengths[0])} frame(s)")

    if len(set(dims.values())) > 1:
        report.add("stable dimension", "fail", "D differs between calls: "
                   + ", ".join(f"{k} {v}" for k, v in dims.items()),
                   "the output dimension must not depend on the input length or batch size; declare it as "
                   "output_dim")
    elif len(dims) >= 2:
        report.add("stable dimension", "pass", f"D={next(iter(dims.values()))} in every call")
    else:
        report.add("stable dimension", "skip", "needs two calls that return [B, T, D]")

    if out is not None:
        again = run("determinism", wavs, lengths, report_checks=False)
        if again is not None:
            diffs = [float((a - b).abs().max()) for a, b in zip(out.hidden_states, again.hidden_states)]
            if all(torch.equal(a, b) for a, b in zip(out.hidden_states, again.hidden_states)):
                report.add("determinism", "pass", "two identical calls gave identical outputs")
            else:
                report.add("determinism", "warn", f"two identical calls differ (max |diff| {max(diffs):.3g})",
                           "call model.eval() (dropout), set dither to 0 and avoid random crops, or features "
                           "cached by hf_bench will not be reproducible")

        if one is not None and out.hidden_states[0].shape[1] > one.hidden_states[0].shape[1]:
            # the 1.0 s clip alone vs. the same clip zero-padded to 3.1 s in the batch, over its valid frames
            n = min(int(out.lengths[0]), int(one.lengths[0]))
            err = torch.stack([(a[0, :n] - b[0, :n]).abs().amax(-1) for a, b in zip(out.hidden_states,
                                                                                 one.hidden_states)]).amax(0)
            scale = max(float(b[0, :n].abs().max()) for b in one.hidden_states)
            tol = 1e-4 * max(scale, 1.0)
            diff = float(err.max())
            if diff <= tol:
                report.add("padding invariance", "pass", "a 1.0 s clip gives the same frames alone and zero-padded "
                           f"in a batch (max |diff| {diff:.2g})")
            else:
                bad = torch.nonzero(err > tol).flatten().tolist()
                span = f"frame {bad[0]}" if len(bad) == 1 else f"frames {bad[0]}..{bad[-1]}"
                report.add("padding invariance", "warn",
                           f"a 1.0 s clip's frames change when it is zero-padded to 3.1 s in a batch: {len(bad)} of "
                           f"{n} frames differ ({span}), max |diff| {diff:.3g}, max |value| {scale:.3g}",
                           "mask the padding inside forward() (or let hf_bench encode one clip per batch): results "
                           "otherwise depend on batch composition" if len(bad) > 3 else
                           "nothing to do if only the last frame or two differ: they see past the end of the clip "
                           "(torch.stft(center=True), a convolution's right context)")

    try:
        fp1, fp2 = enc.fingerprint(), enc.fingerprint()
        if fp1 and fp1 == fp2:
            report.add("fingerprint", "pass", fp1)
        else:
            report.add("fingerprint", "fail", f"not stable: {fp1!r} then {fp2!r}",
                       "fingerprint() must hash only the code version, config and weights")
    except Exception as e:  # noqa: BLE001
        report.add("fingerprint", "fail", describe_exception(e), "fingerprint() must not fail")

    try:
        info = enc.describe()
        from hf_bench.results.schema import EncoderInfo

        EncoderInfo(**info, layer="last")
        report.info = info
    except Exception as e:  # noqa: BLE001
        report.add("describe", "fail", describe_exception(e),
                   "id, name, num_layers, dim, hop_ms and sampling_rate must be set with the right types")
    return report
