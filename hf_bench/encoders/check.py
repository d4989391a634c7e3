"""``hf-bench check-encoder``: X-ARES's own encoder checks plus ours, on synthetic audio.

``check_encoder`` returns a ``CheckReport`` whose ``render()`` is what the CLI prints. The per-batch contract it
exercises lives in ``hf_bench.encoders.contract`` (also run on every batch of a real evaluation).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from hf_bench.encoders.contract import OUTPUT_CHECKS, describe_exception, shape_text
from hf_bench.errors import EncoderError, HFBenchError

if TYPE_CHECKING:  # torch stays out of module import time
    import torch

    from hf_bench.encoders.base import Encoder

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
        except (Exception, SystemExit) as e:  # noqa: BLE001 - a user's encoder can raise anything (sys.exit too); report it, never crash
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
        except (Exception, SystemExit) as e:  # noqa: BLE001 - sys.exit() in user code too
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
                   f"{shape_text(one.hidden_states[0])}")
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
    except (Exception, SystemExit) as e:  # noqa: BLE001 - sys.exit() in user code too
        report.add("fingerprint", "fail", describe_exception(e), "fingerprint() must not fail")

    try:
        info = enc.describe()
        from hf_bench.results.schema import EncoderInfo

        EncoderInfo(**info, layer="last")
        report.info = info
    except (Exception, SystemExit) as e:  # noqa: BLE001 - sys.exit() in user code too
        report.add("describe", "fail", describe_exception(e),
                   "id, name, num_layers, dim, hop_ms and sampling_rate must be set with the right types")
    return report
