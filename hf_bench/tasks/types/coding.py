"""Output codings: how a probe's raw outputs stand for a task's targets.

A coding is the contract between a task type and every probe that serves it: the output size, the training loss
on raw outputs (logits), raw outputs -> *scores* (class probabilities, label probabilities, or the value itself),
targets expressed in that same score space (what a kNN neighbour votes), and scores -> the decision the metric
reads (argmax for one class, the scores themselves otherwise). The same three codings serve clip and frame
types: a frame is scored like a clip, one row per frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _masked_mean(per_element, mask):
    """Mean over the valid positions of a [B, T, ...] loss (``mask`` [B, T] true where a frame is real)."""
    m = mask.to(per_element.dtype).reshape(mask.shape + (1,) * (per_element.dim() - mask.dim()))
    per_item = per_element.numel() // (mask.numel() or 1)
    return (per_element * m).sum() / (m.sum() * per_item).clamp(min=1)


@dataclass(frozen=True)
class ClassCoding:
    """Exactly one of ``out_dim`` classes: softmax outputs, cross-entropy loss, argmax decision."""
    out_dim: int

    def loss(self, logits, labels, mask=None):
        import torch.nn.functional as F

        if mask is None:
            return F.cross_entropy(logits, labels.long())
        per = F.cross_entropy(logits.flatten(0, -2), labels.long().flatten(), reduction="none").view(mask.shape)
        return _masked_mean(per, mask)

    def scores(self, logits: np.ndarray) -> np.ndarray:
        logits = np.asarray(logits, dtype=np.float64)
        z = logits - logits.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def votes(self, targets: np.ndarray) -> np.ndarray:
        return np.eye(self.out_dim, dtype=np.float64)[np.asarray(targets).astype(np.int64)]

    def decide(self, scores: np.ndarray) -> np.ndarray:
        return np.asarray(scores).argmax(axis=-1)

    def from_votes(self, votes: np.ndarray) -> np.ndarray:
        return votes


@dataclass(frozen=True)
class LabelSetCoding:
    """Any subset of ``out_dim`` labels: sigmoid outputs, binary cross-entropy (optionally weighting positives,
    X-ARES MAESTRO's ``pos_weight=10``), label probabilities as the decision input."""
    out_dim: int
    pos_weight: float | None = None

    def loss(self, logits, labels, mask=None):
        import torch
        import torch.nn.functional as F

        pw = None if self.pos_weight is None else torch.tensor(self.pos_weight, dtype=logits.dtype,
                                                                device=logits.device)
        if mask is None:
            return F.binary_cross_entropy_with_logits(logits, labels.float(), pos_weight=pw)
        per = F.binary_cross_entropy_with_logits(logits, labels.float(), pos_weight=pw, reduction="none")
        return _masked_mean(per, mask)

    def scores(self, logits: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float64)))

    def votes(self, targets: np.ndarray) -> np.ndarray:
        return np.asarray(targets, dtype=np.float64)

    def decide(self, scores: np.ndarray) -> np.ndarray:
        return np.asarray(scores)

    def from_votes(self, votes: np.ndarray) -> np.ndarray:
        return votes


@dataclass(frozen=True)
class ValueCoding:
    """One real value: trained as MSE on targets standardised with the training split's mean and std, and mapped
    back to the target scale for scoring."""
    mean: float = 0.0
    std: float = 1.0
    out_dim: int = 1

    @classmethod
    def fit(cls, values: np.ndarray) -> "ValueCoding":
        values = np.asarray(values)  # statistics in the targets' own dtype, as they always were computed
        std = float(np.std(values))
        return cls(float(np.mean(values)), std if std > 0 else 1.0)

    def loss(self, logits, labels, mask=None):
        import torch.nn.functional as F

        target = (labels.float() - self.mean) / self.std
        if mask is None:
            return F.mse_loss(logits.squeeze(-1), target)
        return _masked_mean(F.mse_loss(logits.squeeze(-1), target.reshape(mask.shape), reduction="none"), mask)

    def scores(self, logits: np.ndarray) -> np.ndarray:
        logits = np.asarray(logits, dtype=np.float64)
        return logits.reshape(logits.shape[:-1] if logits.shape[-1:] == (1,) else logits.shape) * self.std + self.mean

    def votes(self, targets: np.ndarray) -> np.ndarray:
        return np.asarray(targets, dtype=np.float64)[:, None]

    def decide(self, scores: np.ndarray) -> np.ndarray:
        return np.asarray(scores)

    def from_votes(self, votes: np.ndarray) -> np.ndarray:
        return votes[:, 0]


Coding = ClassCoding | LabelSetCoding | ValueCoding

__all__ = ["ClassCoding", "LabelSetCoding", "ValueCoding", "Coding"]
