"""``knn`` on clip-level tasks: X-ARES's kNN probe, k = 10 neighbours voting with softmax(similarity / 0.07).

Similarity is cosine between L2-normalised clip embeddings. X-ARES normalises the *training matrix per embedding
dimension* instead (a slip when porting DINO's kNN): ``normalization="per_dimension"``, which ``--compat xares``
selects. Neighbours vote in the task coding's score space (one-hot classes, label sets, or the value), so the same
probe gives class probabilities (accuracy), label scores (mAP) and a regressed value (CCC). With
``--layer weighted`` there is nothing to learn a layer mix with, so the kNN uses the mean of all layers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from hf_bench.features.featurizer import select_layer
from hf_bench.features.views import POOLED
from hf_bench.probes.base import Fold, Probe, ProbeData
from hf_bench.tasks.schema import CLIP_TYPES

NORMALIZATIONS = ("per_sample", "per_dimension")


@dataclass(frozen=True)
class KNNConfig:
    k: int = 10
    temperature: float = 0.07
    normalization: str = "per_sample"   # X-ARES: per_dimension of the training matrix

    def to_dict(self) -> dict:
        return asdict(self)


def _l2(x: np.ndarray, axis: int) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=axis, keepdims=True), 1e-12)


def knn_scores(votes: np.ndarray, train_x: np.ndarray, test_x: np.ndarray, config: KNNConfig = KNNConfig(),
               chunk: int = 1024) -> np.ndarray:
    """Per test item, the softmax-weighted mean of its k nearest training items' ``votes`` [N_train, C]."""
    train_x = train_x.astype(np.float32)
    test_x = _l2(test_x.astype(np.float32), axis=1)
    train_n = _l2(train_x, axis=0) if config.normalization == "per_dimension" else _l2(train_x, axis=1)
    k = min(config.k, len(train_x))
    out = np.empty((len(test_x), votes.shape[1]), np.float64)
    for lo in range(0, len(test_x), chunk):
        sim = test_x[lo:lo + chunk] @ train_n.T                       # [n, N_train]
        idx = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        top = np.take_along_axis(sim, idx, axis=1).astype(np.float64) / config.temperature
        w = np.exp(top - top.max(axis=1, keepdims=True))
        w /= w.sum(axis=1, keepdims=True)
        out[lo:lo + chunk] = np.einsum("nk,nkc->nc", w, votes[idx])
    return out


class ClipKNN(Probe):
    name = "knn"
    label = "kNN"
    task_types = frozenset(CLIP_TYPES)
    summary = "k = 10 nearest neighbours by cosine similarity, softmax(sim / 0.07) votes; fits on every training item"

    @classmethod
    def serves(cls, task) -> bool:
        return super().serves(task) and task.do_knn

    def view(self):
        return POOLED

    def knn_config(self) -> KNNConfig:
        return KNNConfig(normalization=self.settings.knn_normalization)

    def config(self) -> dict:
        return {**self.knn_config().to_dict(), "train_set": "train split" if self.task.splits else "other folds"}

    def _x(self, data: ProbeData) -> np.ndarray:
        x = select_layer(data.features, self.settings.layer)
        return x if x.ndim == 2 else x.mean(axis=1)

    def fit(self, fold: Fold, coding, *, seed: int) -> dict:
        self.coding = coding
        self.train_x = self._x(fold.pool)
        self.votes = coding.votes(fold.pool.targets)
        return {"train_items": int(len(self.train_x)),
                "layers": "mean of all layers" if self.settings.layer == "weighted" else None}

    def predict(self, test: ProbeData):
        return self.coding.from_votes(knn_scores(self.votes, self.train_x, self._x(test), self.knn_config()))
