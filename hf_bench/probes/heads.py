"""What differs between task types once features exist: output size, loss, and how outputs become metric inputs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hf_bench.errors import HFBenchError
from hf_bench.tasks.schema import TaskMetadata


@dataclass
class Head:
    kind: str                 # clip_classification | clip_multilabel | clip_regression
    out_dim: int
    target_mean: float = 0.0  # regression targets are standardised for training, outputs mapped back
    target_std: float = 1.0

    def torch_loss(self, logits, labels):
        import torch.nn.functional as F

        if self.kind == "clip_classification":
            return F.cross_entropy(logits, labels.long())
        if self.kind == "clip_multilabel":
            return F.binary_cross_entropy_with_logits(logits, labels.float())
        return F.mse_loss(logits.squeeze(-1), (labels.float() - self.target_mean) / self.target_std)

    def scores(self, logits: np.ndarray) -> np.ndarray:
        """Raw model outputs -> per-item scores: class probabilities, label probabilities, or the regressed value."""
        logits = np.asarray(logits, dtype=np.float64)
        if self.kind == "clip_classification":
            z = logits - logits.max(axis=1, keepdims=True)
            e = np.exp(z)
            return e / e.sum(axis=1, keepdims=True)
        if self.kind == "clip_multilabel":
            return 1.0 / (1.0 + np.exp(-logits))
        return logits.reshape(-1) * self.target_std + self.target_mean

    def metric_inputs(self, scores: np.ndarray):
        """Scores -> what the task metric expects as ``predictions``."""
        if self.kind == "clip_classification":
            return np.asarray(scores).argmax(axis=1)
        return np.asarray(scores)


def make_head(task: TaskMetadata, train_targets: np.ndarray) -> Head:
    if task.type == "clip_classification":
        return Head(task.type, task.num_classes)
    if task.type == "clip_multilabel":
        return Head(task.type, task.num_classes)
    if task.type == "clip_regression":
        std = float(np.std(train_targets))
        return Head(task.type, 1, float(np.mean(train_targets)), std if std > 0 else 1.0)
    raise HFBenchError(f"task type {task.type!r} has no clip-level probe head", where=task.name,
                       fix="run it with the probe built for its type")


def score(task: TaskMetadata, head: Head, scores: np.ndarray, targets: np.ndarray) -> dict[str, float]:
    """The task metric on probe outputs (the pure function from hf_bench.metrics: the single source of truth)."""
    from hf_bench import metrics

    return metrics.compute(task.metric, head.metric_inputs(scores), targets, **task.metric_args)
