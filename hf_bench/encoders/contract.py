"""The encoder contract, checked on every batch: inputs an ``Encoder`` may assume, outputs it must return.

``validate_output`` runs on every batch the pipeline encodes (through ``Encoder.encode``) and raises one
``EncoderError`` that names the encoder, what came back, what was expected and the fix. Each aspect is its own
function so that ``hf-bench check-encoder`` (``encoders.check``) can report it on its own line.
"""

from __future__ import annotations

import math
import traceback
from typing import TYPE_CHECKING, Callable

from hf_bench.errors import EncoderError

if TYPE_CHECKING:  # torch stays out of module import time
    import torch

    from hf_bench.encoders.base import Encoder, EncoderOutput

HOP_TOLERANCE_FRAMES = 2
HOP_TOLERANCE_RATIO = 0.10

_CONTRACT = ("return EncoderOutput(hidden_states=[one float32 tensor [B, T, D] per layer], "
             "lengths=int64 tensor [B] of valid frames)")


def _where(encoder) -> str:
    return f"encoder {getattr(encoder, 'id', None) or type(encoder).__name__!r}"


def shape_text(t) -> str:
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
        what = shape_text(wavs) + f" {wavs.dtype}" if isinstance(wavs, torch.Tensor) else type(wavs).__name__
        raise EncoderError(f"input waveforms must be a floating tensor [B, N], got {what}", where=_where(encoder),
                           fix=fix)
    if (not isinstance(lengths, torch.Tensor) or lengths.dim() != 1 or lengths.is_floating_point()
            or lengths.shape[0] != wavs.shape[0]):
        what = shape_text(lengths) + f" {lengths.dtype}" if isinstance(lengths, torch.Tensor) else type(lengths).__name__
        raise EncoderError(f"input lengths must be an integer tensor [{wavs.shape[0]}], got {what}",
                           where=_where(encoder), fix=fix)
    if wavs.shape[0] == 0 or wavs.shape[1] == 0:
        raise EncoderError(f"empty input batch {shape_text(wavs)}", where=_where(encoder), fix=fix)
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
        got = (f"a single tensor {shape_text(hidden)}" if isinstance(hidden, torch.Tensor)
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
                f"wrong rank: hidden state {i} has shape {shape_text(h)} ({h.dim()}-D) for an input of shape "
                f"{shape_text(wavs)}; expected 3-D [B, T, D] = [{batch}, T, {encoder.dim}]",
                where=where, fix=hints.get(h.dim(), "forward(wav[B, N]) must return a [B, T, D] tensor"))
        if h.shape[0] != batch:
            raise EncoderError(
                f"batch size mismatch: {batch} waveforms in, hidden state {i} has shape {shape_text(h)} (B={h.shape[0]})",
                where=where, fix="return one row per input waveform: output.shape[0] must equal wav.shape[0] "
                "(if the time axis comes first, transpose to [B, T, D])")
        if h.dtype != torch.float32 or h.device.type != "cpu":
            raise EncoderError(f"hidden state {i} is {h.dtype} on {h.device}; expected float32 on the CPU",
                               where=where, fix="return h.float().cpu()")
    shapes = {tuple(h.shape) for h in hidden}
    if len(shapes) > 1:
        raise EncoderError(f"hidden states have different shapes: {', '.join(shape_text(h) for h in hidden)}",
                           where=where, fix="every hidden state must share the same T and D")
    if len(hidden) != encoder.num_layers:
        raise EncoderError(f"returned {len(hidden)} hidden states but declares num_layers={encoder.num_layers}",
                           where=where, fix="return the same number of hidden states for every call, equal to "
                           "num_layers")
    return f"{len(hidden)} hidden state(s) of shape {shape_text(hidden[0])} for input {shape_text(wavs)}"


def _check_dim(encoder, out, wavs, lengths) -> str:
    d = out.hidden_states[0].shape[-1]
    if d != encoder.dim:
        raise EncoderError(
            f"returned D={d} but declares output_dim={encoder.dim} (input {shape_text(wavs)})", where=_where(encoder),
            fix="declare the true output dimension, and make it the same for every call whatever the input "
            "length or batch size (pad or project to a fixed size)")
    return f"D={d} as declared"


def _check_lengths(encoder, out, wavs, lengths) -> str:
    import torch

    where = _where(encoder)
    lens, num_t = out.lengths, out.hidden_states[0].shape[1]
    if (not isinstance(lens, torch.Tensor) or lens.dtype != torch.int64 or lens.dim() != 1
            or lens.shape[0] != wavs.shape[0]):
        got = f"{shape_text(lens)} {lens.dtype}" if isinstance(lens, torch.Tensor) else type(lens).__name__
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

def describe_exception(exc: BaseException, source: str | None = None) -> str:
    """``TypeError: msg (my_encoder.py, line 12)``: the innermost frame in ``source`` (the user's file) if any."""
    text = f"{type(exc).__name__}: {exc}".strip()
    frames = traceback.extract_tb(exc.__traceback__)
    if source is not None:
        frames = [f for f in frames if f.filename == source] or frames
    if frames:
        text += f" ({frames[-1].filename}, line {frames[-1].lineno})"
    return text
