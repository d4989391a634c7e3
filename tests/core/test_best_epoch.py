import numpy as np
from test_probes import blobs

from hf_bench.probes.mlp import MLPConfig, mlp_probe
from hf_bench.tasks.types import ClassCoding


def _peaks_at(epoch):
    calls = []

    def metric(scores, y):  # ignores the model: the validation score peaks at `epoch`
        calls.append(1)
        return 1.0 if len(calls) == epoch else 0.0
    return metric


def test_mlp_returns_the_best_epochs_weights_not_the_last():
    (xtr, ytr), (xva, yva), (xte, _) = blobs(200, seed=4), blobs(60, seed=5), blobs(50, seed=6)
    head, cfg = ClassCoding(4), MLPConfig(epochs=4, learning_rate=1e-2)
    run = lambda e: mlp_probe(head, (xtr, ytr), (xva, yva), xte, valid_metric=_peaks_at(e), config=cfg, seed=3)  # noqa: E731
    s2, sel2 = run(2)
    s4, sel4 = run(4)
    s2_again, _ = run(2)
    assert (sel2["epoch"], sel4["epoch"]) == (2, 4)
    np.testing.assert_array_equal(s2, s2_again)   # training does not depend on the validation metric
    assert np.abs(s2 - s4).max() > 1e-3           # epoch-2 weights were restored, not the last epoch's
