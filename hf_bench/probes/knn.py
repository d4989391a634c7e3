"""kNN probe: k=10, temperature 0.07, on L2-normalised clip embeddings (X-ARES's probe, per-sample cosine).

X-ARES normalises the *training matrix per embedding dimension* (a slip when porting DINO's kNN); we use true
cosine similarity. Targets are voted with softmax(sim / T) weights over the k neighbours, which also gives a
multi-label score vector (mAP) and a regressed value (CCC) for those task types.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from hf_bench.probes.heads import Head


@dataclass(frozen=True)
class KNNConfig:
    k: int = 10
    temperature: float = 0.07
    normalization: str = "per_sample"   # X-ARES: per_dimension of the training matrix

    def to_dict(self) -> dict:
        return asdict(self)


def _l2(x: np.ndarray, axis: int) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=axis, keepdims=True), 1e-12)


def knn_probe(head: Head, train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray,
              config: KNNConfig = KNNConfig(), chunk: int = 1024) -> np.ndarray:
    """Per-test-item scores in the head's score space (probabilities / label scores / regressed value)."""
    train_x = train_x.astype(np.float32)
    test_x = _l2(test_x.astype(np.float32), axis=1)
    train_n = _l2(train_x, axis=0) if config.normalization == "per_dimension" else _l2(train_x, axis=1)
    if head.kind == "clip_classification":
        votes = np.eye(head.out_dim, dtype=np.float64)[train_y.astype(np.int64)]
    elif head.kind == "clip_multilabel":
        votes = train_y.astype(np.float64)
    else:
        votes = train_y.astype(np.float64)[:, None]
    k = min(config.k, len(train_x))
    out = np.empty((len(test_x), votes.shape[1]), np.float64)
    for lo in range(0, len(test_x), chunk):
        sim = test_x[lo:lo + chunk] @ train_n.T                       # [n, N_train]
        idx = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        top = np.take_along_axis(sim, idx, axis=1).astype(np.float64) / config.temperature
        w = np.exp(top - top.max(axis=1, keepdims=True))
        w /= w.sum(axis=1, keepdims=True)
        out[lo:lo + chunk] = np.einsum("nk,nkc->nc", w, votes[idx])
    return out[:, 0] if head.kind == "clip_regression" else out
