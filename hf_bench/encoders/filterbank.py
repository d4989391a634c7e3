"""Built-in baselines with no weights: ``mfb`` (Kaldi log-mel filterbank) and ``mfcc`` (Kaldi "hires" MFCC).

Both follow Kaldi's ``compute-fbank-feats`` / ``compute-mfcc-feats`` frame by frame, as
``torchaudio.compliance.kaldi`` does (torchaudio cannot be used here, so this is a vectorised torch port):

* the waveform is scaled to the 16-bit integer range (x 2**15), like fairseq's speech-to-text recipes that
  LeBenchmark's AST baseline used; this only shifts log energies, except near the log floor;
* 25 ms frames every 10 ms, ``snip_edges=True`` (``1 + (N - 400) // 160`` frames at 16 kHz), dither 0 (so that
  outputs are deterministic), DC offset removed per frame, pre-emphasis 0.97, Povey window, 512-point FFT, power
  spectrum, triangular filters on Kaldi's mel scale (1127 ln(1 + f/700)), natural log floored at FLT_EPSILON;
* ``mfb``: 80 bands over 20 Hz - 8 kHz, as in ``torchaudio.compliance.kaldi.fbank(num_mel_bins=80)``: the
  "MFB" rows of LeBenchmark's AST (mTEDx) results; its AER runners used 40 bands (``mfb:n_mels=40``);
* ``mfcc``: Kaldi's ``conf/mfcc_hires.conf`` (40 mel bins over 20 Hz - 7.6 kHz, 40 cepstra, so no dimension
  reduction, orthonormal DCT-II, cepstral liftering 22, no energy): the "hires MFCC" rows of LeBenchmark's
  hybrid ASR.

No normalisation (CMVN) is applied: that is the probe's business, and per-utterance statistics would make a frame
depend on the rest of its clip.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from functools import cached_property
from typing import TYPE_CHECKING

from hf_bench.encoders.base import Encoder, EncoderOutput
from hf_bench.encoders.contract import check_inputs
from hf_bench.errors import EncoderError

if TYPE_CHECKING:  # torch is imported when features are computed: a warm run never needs it
    import torch

# Bump when the numbers this module produces change (invalidates cached features through the fingerprint).
IMPLEMENTATION_VERSION = 1

_FLT_EPSILON = 1.1920928955078125e-07  # Kaldi's log floor (std::numeric_limits<float>::epsilon())
_PREEMPHASIS = 0.97
_FRAMES_PER_BLOCK = 16384              # bounds memory on long inputs (~30 MB of frames per block)


@dataclass(frozen=True)
class FilterbankConfig:
    kind: str = "mfb"              # "mfb" or "mfcc"
    sampling_rate: int = 16000
    frame_length_ms: float = 25.0
    frame_shift_ms: float = 10.0
    n_mels: int = 80
    low_freq: float = 20.0
    high_freq: float = 0.0         # Kaldi convention: <= 0 means Nyquist + high_freq
    n_ceps: int | None = None      # mfcc only
    cepstral_lifter: float = 22.0  # mfcc only

    @property
    def win_length(self) -> int:
        return int(self.sampling_rate * self.frame_length_ms / 1000)

    @property
    def hop_length(self) -> int:
        return int(self.sampling_rate * self.frame_shift_ms / 1000)

    @property
    def n_fft(self) -> int:
        return 1 << (self.win_length - 1).bit_length()  # Kaldi round_to_power_of_two

    @property
    def dim(self) -> int:
        return self.n_ceps if self.kind == "mfcc" else self.n_mels


PRESETS = {
    "mfb": FilterbankConfig(kind="mfb", n_mels=80),
    "mfcc": FilterbankConfig(kind="mfcc", n_mels=40, n_ceps=40, high_freq=-400.0),
}
# Options a spec may override, e.g. ``mfb:n_mels=40`` or ``mfcc:n_ceps=13,n_mels=23``.
OPTIONS = {"mfb": ("n_mels", "low_freq", "high_freq"),
           "mfcc": ("n_mels", "n_ceps", "low_freq", "high_freq", "cepstral_lifter")}


def parse_filterbank_spec(spec: str) -> FilterbankConfig:
    """``mfb``, ``mfcc`` or ``mfb:key=value,key=value`` -> a validated config."""
    kind, _, options = spec.partition(":")
    kind = kind.strip().lower()
    if kind not in PRESETS:
        raise EncoderError(f"unknown built-in encoder {kind!r}", where=f"encoder {spec!r}", fix="use 'mfb' or 'mfcc'")
    values = asdict(PRESETS[kind])
    types = {f.name: f.type for f in fields(FilterbankConfig)}
    allowed = OPTIONS[kind]
    for item in filter(None, (s.strip() for s in options.split(","))):
        key, eq, raw = item.partition("=")
        key = key.strip()
        if not eq or key not in allowed:
            raise EncoderError(f"bad option {item!r}", where=f"encoder {spec!r}",
                               fix=f"write {kind}:key=value[,key=value]; keys for {kind}: {', '.join(allowed)}")
        try:
            values[key] = int(raw) if "int" in str(types[key]) else float(raw)
        except ValueError:
            raise EncoderError(f"option {key}={raw!r} is not a number", where=f"encoder {spec!r}",
                               fix=f"give a number, e.g. {kind}:{key}={values[key]}") from None
    cfg = FilterbankConfig(**values)
    nyquist = cfg.sampling_rate / 2
    high = cfg.high_freq if cfg.high_freq > 0 else nyquist + cfg.high_freq
    problems = []
    if not 1 <= cfg.n_mels <= cfg.n_fft // 2:
        problems.append(f"n_mels={cfg.n_mels} must be between 1 and {cfg.n_fft // 2}")
    if not 0 <= cfg.low_freq < high <= nyquist:
        problems.append(f"need 0 <= low_freq ({cfg.low_freq}) < high_freq ({high:g} Hz) <= {nyquist:g} Hz")
    if cfg.kind == "mfcc" and not (cfg.n_ceps and 1 <= cfg.n_ceps <= cfg.n_mels):
        problems.append(f"n_ceps={cfg.n_ceps} must be between 1 and n_mels={cfg.n_mels}")
    if problems:
        raise EncoderError("; ".join(problems), where=f"encoder {spec!r}", fix="fix the option values")
    return cfg


def _kaldi_mel(freq: "torch.Tensor | float"):
    import torch

    if isinstance(freq, torch.Tensor):
        return 1127.0 * torch.log1p(freq / 700.0)
    return 1127.0 * math.log1p(freq / 700.0)


def kaldi_mel_banks(cfg: FilterbankConfig) -> torch.Tensor:
    """[n_fft // 2 + 1, n_mels] triangular filters, as Kaldi's ``MelBanks`` (the Nyquist bin gets weight 0)."""
    import torch

    n_bins = cfg.n_fft // 2
    nyquist = cfg.sampling_rate / 2
    high = cfg.high_freq if cfg.high_freq > 0 else nyquist + cfg.high_freq
    mel_low, mel_high = _kaldi_mel(cfg.low_freq), _kaldi_mel(high)
    delta = (mel_high - mel_low) / (cfg.n_mels + 1)
    left = mel_low + delta * torch.arange(cfg.n_mels, dtype=torch.float64)
    center, right = left + delta, left + 2 * delta
    mel = _kaldi_mel(torch.arange(n_bins, dtype=torch.float64) * (cfg.sampling_rate / cfg.n_fft))[:, None]
    up = (mel - left) / (center - left)
    down = (right - mel) / (right - center)
    banks = torch.clamp(torch.minimum(up, down), min=0.0)
    return torch.cat([banks, torch.zeros(1, cfg.n_mels, dtype=torch.float64)]).float()


def kaldi_dct_matrix(n_mels: int, n_ceps: int, lifter: float) -> torch.Tensor:
    """[n_mels, n_ceps] orthonormal DCT-II (Kaldi ``ComputeDctMatrix``) with the cepstral lifter folded in."""
    import torch

    n = torch.arange(n_mels, dtype=torch.float64)
    k = torch.arange(n_ceps, dtype=torch.float64)[:, None]
    dct = torch.cos(math.pi / n_mels * (n + 0.5) * k) * math.sqrt(2.0 / n_mels)
    dct[0] = math.sqrt(1.0 / n_mels)
    if lifter:
        dct *= (1.0 + 0.5 * lifter * torch.sin(math.pi * k / lifter))
    return dct.T.float().contiguous()


def povey_window(length: int) -> torch.Tensor:
    import torch

    return torch.hann_window(length, periodic=False, dtype=torch.float64).pow(0.85).float()


class FilterbankEncoder(Encoder):
    """Kaldi-compatible log-mel filterbank (``mfb``) or MFCC (``mfcc``); one hidden state, no parameters."""

    def __init__(self, spec: str = "mfb", *, device: str = "cpu"):
        self.config = parse_filterbank_spec(spec)
        cfg = self.config
        self.id = spec
        self.name = spec
        self.sampling_rate = cfg.sampling_rate
        self.hop_ms = float(cfg.frame_shift_ms)
        self.num_layers = 1
        self.dim = cfg.dim
        self.n_parameters = 0
        self.revision = None
        self._device = device
        if device != "cpu":
            self._tensors  # noqa: B018 - an unknown or absent device fails here, not at the first batch

    @cached_property
    def _tensors(self):
        """(window, mel banks, DCT or None) on the device, built at the first batch."""
        import torch

        cfg, device = self.config, torch.device(self._device)
        dct = kaldi_dct_matrix(cfg.n_mels, cfg.n_ceps, cfg.cepstral_lifter).to(device) if cfg.kind == "mfcc" else None
        return povey_window(cfg.win_length).to(device), kaldi_mel_banks(cfg).to(device), dct

    @property
    def device(self):
        import torch

        return torch.device(self._device)

    def num_frames(self, num_samples: torch.Tensor | int):
        """Kaldi ``snip_edges=True`` frame count; inputs shorter than one window are padded to one frame."""
        win, hop = self.config.win_length, self.config.hop_length
        if hasattr(num_samples, "clamp"):  # a tensor
            return 1 + (num_samples.clamp(min=win) - win).div(hop, rounding_mode="floor")
        return 1 + (max(int(num_samples), win) - win) // hop

    def expected_frames(self, num_samples: int) -> int:
        return int(self.num_frames(num_samples))

    def _features(self, frames: torch.Tensor) -> torch.Tensor:
        """[..., win] raw frames -> [..., dim] features."""
        import torch

        window, banks, dct = self._tensors
        frames = frames - frames.mean(dim=-1, keepdim=True)
        previous = torch.cat([frames[..., :1], frames[..., :-1]], dim=-1)
        frames = (frames - _PREEMPHASIS * previous) * window
        power = torch.fft.rfft(frames, n=self.config.n_fft).abs().pow(2)
        feats = torch.clamp(power @ banks, min=_FLT_EPSILON).log()
        if dct is not None:
            feats = feats @ dct
        return feats

    def _encode(self, wavs: torch.Tensor, lengths: torch.Tensor) -> EncoderOutput:
        import torch

        check_inputs(self, wavs, lengths)
        cfg = self.config
        x = wavs.to(self.device, torch.float32) * 32768.0
        if x.shape[1] < cfg.win_length:
            x = torch.nn.functional.pad(x, (0, cfg.win_length - x.shape[1]))
        frames = x.unfold(1, cfg.win_length, cfg.hop_length)  # [B, T, win], a view
        batch, num_t = frames.shape[:2]
        step = max(1, _FRAMES_PER_BLOCK // batch)  # whole batch at once, a block of frames at a time
        feats = torch.cat([self._features(frames[:, t:t + step]) for t in range(0, num_t, step)], dim=1)
        out_lengths = self.num_frames(lengths.to(torch.int64).cpu())
        valid = torch.arange(num_t)[None, :] < out_lengths[:, None]
        feats = feats.cpu().masked_fill(~valid[:, :, None], 0.0)  # padded frames are zero, never batch-dependent
        return EncoderOutput(hidden_states=[feats.contiguous()], lengths=out_lengths)

    def fingerprint(self) -> str:
        from hf_bench.utils.io import stable_hash

        return "fb-" + stable_hash({"impl": IMPLEMENTATION_VERSION, "config": asdict(self.config)})
