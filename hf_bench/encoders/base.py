"""The encoder contract (s3prl style): waveforms in, every hidden state out, known frame rate.

An ``Encoder`` takes a zero-padded batch of mono float32 waveforms at ``sampling_rate`` plus the true length of
each, and returns every hidden layer as ``[B, T, D]`` plus the number of valid frames per item. Padded frames
are never pooled downstream; that is why ``lengths`` is part of the contract.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hf_bench.encoders.contract import validate_output

if TYPE_CHECKING:  # imported when encoding: describing or fingerprinting a built-in encoder needs no torch
    import torch


@dataclass
class EncoderOutput:
    hidden_states: list[torch.Tensor]  # num_layers tensors, each [B, T, D], float32, on CPU
    lengths: torch.Tensor              # [B] int64, valid frames per item (<= T)


class Encoder(ABC):
    """Base class of every hf_bench encoder.

    Subclasses set the attributes below in ``__init__`` and implement ``_encode`` and ``fingerprint``.
    ``encode`` (not ``_encode``) is what the pipeline calls: it runs the subclass under ``inference_mode``
    and validates the output against the contract.
    """

    id: str              # what the user passed to --encoder
    name: str            # display name
    sampling_rate: int   # Hz expected by the encoder
    hop_ms: float        # frame hop of the outputs
    num_layers: int      # len(hidden_states)
    dim: int             # D
    n_parameters: int | None = None
    revision: str | None = None
    # False when outputs for an item change with the padding around it (e.g. modules that get no lengths):
    # the pipeline then batches only clips of equal length
    padding_invariant: bool = True

    @abstractmethod
    def _encode(self, wavs: torch.Tensor, lengths: torch.Tensor) -> EncoderOutput:
        """wavs [B, N] float32 zero-padded; lengths [B] int64 samples."""

    @abstractmethod
    def fingerprint(self) -> str:
        """Stable hash of everything that changes outputs: code version, config and weights."""

    def expected_frames(self, num_samples: int) -> int:
        """Frames the encoder should emit for ``num_samples`` samples (used to check the declared hop)."""
        hop = self.sampling_rate * self.hop_ms / 1000.0
        return max(1, int(round(num_samples / hop)))

    def encode(self, wavs: torch.Tensor, lengths: torch.Tensor) -> EncoderOutput:
        import torch

        with torch.inference_mode():
            out = self._encode(wavs, lengths)
        validate_output(self, out, wavs, lengths)
        return out

    def describe(self) -> dict:
        return {
            "id": self.id, "name": self.name, "fingerprint": self.fingerprint(), "num_layers": self.num_layers,
            "dim": self.dim, "hop_ms": float(self.hop_ms), "sampling_rate": int(self.sampling_rate),
            "n_parameters": self.n_parameters, "revision": self.revision,
        }
