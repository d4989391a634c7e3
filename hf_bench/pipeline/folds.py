"""Train / validation / test partitions as index arrays into a task's items (no feature is copied to build one).

- splits with their own validation split: train on train, select on valid, test on test;
- valid = test (X-ARES FSD18, VoxLingua33, DESED) and k-fold tasks: the validation set is a seeded 10 % of the
  training data, so the best epoch is never chosen on test data (X-ARES selects on the test split/fold:
  ``Protocol.select_on_test``);
- ``pool`` is every training item (train plus the carved validation part): what a probe that selects nothing
  (kNN) fits on. X-ARES's kNN also fits on the train split / the other folds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hf_bench.tasks.schema import TaskMetadata

VALID_FRACTION = 0.1


@dataclass
class FoldIndex:
    name: str
    train: np.ndarray
    valid: np.ndarray
    pool: np.ndarray
    test: np.ndarray


def _carve(index: np.ndarray, seed: int, salt: int, groups: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([seed, salt])
    if groups is None:
        perm = rng.permutation(len(index))
        n_valid = max(1, int(round(VALID_FRACTION * len(index))))
        return index[perm[n_valid:]], index[perm[:n_valid]]
    # items are crops: validation takes whole clips, so no clip sits on both sides
    g = groups[index]
    _, first = np.unique(g, return_index=True)
    clips = g[np.sort(first)]
    perm = rng.permutation(len(clips))
    held = np.isin(g, clips[perm[:max(1, int(round(VALID_FRACTION * len(clips))))]])
    return index[~held], index[held]


def make_folds(task: TaskMetadata, ranges: dict[str, np.ndarray], *, seed: int, select_on_test: bool = False,
               groups: np.ndarray | None = None) -> list[FoldIndex]:
    """One ``FoldIndex`` per fold (``"test"`` for split tasks); ``ranges`` maps each split/fold to its items and
    ``groups`` (optional) gives each item's source clip, when items are crops that must not be split apart."""
    if task.splits is not None:
        tr, va, te = task.splits
        train, test = ranges[tr], ranges[te]
        if va != te:
            return [FoldIndex("test", train, ranges[va], train, test)]
        if select_on_test:
            return [FoldIndex("test", train, test, train, test)]
        fit, valid = _carve(train, seed, 0, groups)
        return [FoldIndex("test", fit, valid, train, test)]
    folds = []
    for i, k in enumerate(task.folds):
        others = np.concatenate([ranges[f] for f in task.folds if f != k])
        if select_on_test:
            folds.append(FoldIndex(k, others, ranges[k], others, ranges[k]))
        else:
            fit, valid = _carve(others, seed, i, groups)
            folds.append(FoldIndex(k, fit, valid, others, ranges[k]))
    return folds


__all__ = ["FoldIndex", "make_folds", "VALID_FRACTION"]
