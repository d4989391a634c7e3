"""Probes on synthetic in-memory features: learn real signal, are deterministic, handle every head."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score

from hf_bench.probes.clip_knn import KNNConfig, knn_scores
from hf_bench.probes.mlp import MLPConfig, mlp_probe
from hf_bench.tasks.types import ClassCoding, LabelSetCoding, ValueCoding


def knn_probe(coding, train_x, train_y, test_x, config=KNNConfig(), chunk=1024):
    return coding.from_votes(knn_scores(coding.votes(train_y), train_x, test_x, config, chunk))


def blobs(n, classes=4, dim=16, seed=0, spread=3.0):
    rng = np.random.default_rng(seed)
    centers = np.random.default_rng(99).normal(size=(classes, dim)) * spread
    y = rng.integers(0, classes, n)
    return (centers[y] + rng.normal(size=(n, dim))).astype(np.float32), y.astype(np.int64)


def acc_metric(scores, y):
    return accuracy_score(y, scores.argmax(1))


def test_mlp_learns_and_is_deterministic():
    (xtr, ytr), (xva, yva), (xte, yte) = blobs(300, seed=1), blobs(80, seed=2), blobs(200, seed=3)
    head = ClassCoding(4)
    cfg = MLPConfig(epochs=5, learning_rate=1e-2)
    s1, sel1 = mlp_probe(head, (xtr, ytr), (xva, yva), xte, valid_metric=acc_metric, config=cfg, seed=7)
    s2, sel2 = mlp_probe(head, (xtr, ytr), (xva, yva), xte, valid_metric=acc_metric, config=cfg, seed=7)
    acc = accuracy_score(yte, s1.argmax(1))
    assert acc > 0.8  # chance is 0.25
    np.testing.assert_array_equal(s1, s2)
    assert sel1["epoch"] == sel2["epoch"] and 1 <= sel1["epoch"] <= 5
    assert len(sel1["history"]) == 5
    assert np.allclose(s1.sum(1), 1.0)


def test_mlp_keeps_best_epoch_not_last():
    # whatever the validation history, the recorded choice is its argmax (first on ties)
    (xtr, ytr), (xva, yva), (xte, _) = blobs(200, seed=4), blobs(60, seed=5), blobs(50, seed=6)
    head = ClassCoding(4)
    _, sel = mlp_probe(head, (xtr, ytr), (xva, yva), xte, valid_metric=acc_metric, config=MLPConfig(epochs=4))
    best = max(sel["history"], key=lambda h: (h["valid"], -h["epoch"]))
    assert sel["epoch"] == best["epoch"] and sel["valid_score"] == best["valid"]


def test_mlp_weighted_layers_finds_the_informative_layer():
    (x, y), (xv, yv), (xt, yt) = blobs(300, seed=1), blobs(80, seed=2), blobs(200, seed=3)
    rng = np.random.default_rng(0)
    noise = lambda a: rng.normal(size=a.shape).astype(np.float32) * 3  # noqa: E731
    stack = lambda a: np.stack([noise(a), a, noise(a)], axis=1)  # [N, 3 layers, D]  # noqa: E731
    head = ClassCoding(4)
    scores, sel = mlp_probe(head, (stack(x), y), (stack(xv), yv), stack(xt), valid_metric=acc_metric,
                            config=MLPConfig(epochs=10, learning_rate=1e-2))
    w = sel["layer_weights"]
    assert len(w) == 3 and abs(sum(w) - 1) < 1e-5 and w[1] == max(w)
    assert accuracy_score(yt, scores.argmax(1)) > 0.6


def test_mlp_regression_and_multilabel_heads():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 8)).astype(np.float32)
    target = (x @ rng.normal(size=8) * 10 + 50).astype(np.float32)
    head = ValueCoding(float(target[:300].mean()), float(target[:300].std()))
    pred, _ = mlp_probe(head, (x[:300], target[:300]), (x[300:350], target[300:350]), x[350:],
                        valid_metric=lambda s, y: -np.mean((s - y) ** 2), config=MLPConfig(epochs=10, learning_rate=1e-2))
    assert np.corrcoef(pred, target[350:])[0, 1] > 0.85
    assert abs(pred.mean() - target[350:].mean()) < 5  # outputs are mapped back from the standardised scale

    labels = (x[:, :3] > 0).astype(np.float32)
    head = LabelSetCoding(3)
    scores, _ = mlp_probe(head, (x[:300], labels[:300]), (x[300:350], labels[300:350]), x[350:],
                          valid_metric=lambda s, y: float(((s > 0.5) == y).mean()), config=MLPConfig(epochs=20, learning_rate=1e-2))
    assert scores.shape == (50, 3) and ((scores > 0.5) == labels[350:]).mean() > 0.75  # all-zero guess: ~0.5


def test_knn_matches_brute_force():
    (xtr, ytr), (xte, _) = blobs(120, seed=1), blobs(30, seed=2)
    head = ClassCoding(4)
    cfg = KNNConfig(k=10, temperature=0.07)
    got = knn_probe(head, xtr, ytr, xte, cfg, chunk=7)
    a = xtr / np.linalg.norm(xtr, axis=1, keepdims=True)
    for i, q in enumerate(xte):
        sim = a @ (q / np.linalg.norm(q))
        top = np.argsort(-sim)[:10]
        w = np.exp(sim[top] / 0.07 - (sim[top] / 0.07).max())
        w /= w.sum()
        expect = np.zeros(4)
        for j, wj in zip(top, w):
            expect[ytr[j]] += wj
        np.testing.assert_allclose(got[i], expect, atol=1e-5)


def test_knn_xares_per_dimension_normalisation_differs():
    (xtr, ytr), (xte, _) = blobs(100, seed=1, spread=0.5), blobs(20, seed=2, spread=0.5)
    xtr = xtr * np.linspace(0.1, 10, xtr.shape[1], dtype=np.float32)  # uneven dimensions: the two normalisations disagree
    head = ClassCoding(4)
    a = knn_probe(head, xtr, ytr, xte, KNNConfig())
    b = knn_probe(head, xtr, ytr, xte, KNNConfig(normalization="per_dimension"))
    assert not np.allclose(a, b)


@pytest.mark.parametrize("kind", ["clip_multilabel", "clip_regression"])
def test_knn_other_heads(kind):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 5)).astype(np.float32)
    y = (x[:, :2] > 0).astype(np.float32) if kind == "clip_multilabel" else x[:, 0].astype(np.float32)
    coding = LabelSetCoding(2) if kind == "clip_multilabel" else ValueCoding()
    out = knn_probe(coding, x[:50], y[:50], x[50:], KNNConfig(k=5))
    assert out.shape == ((10, 2) if kind == "clip_multilabel" else (10,))
    assert np.all(np.isfinite(out))


def _trainer_reference(coding, train, valid, test_x, config, seed, metric):
    """The clip MLP as it ran before every fold shared one model: a Trainer over a map-style dataset (its own
    seeded sampler and collator), evaluated by Trainer.evaluate each epoch. Kept here as the yardstick."""
    import math
    import tempfile

    import torch
    import transformers
    from transformers import Trainer, TrainerCallback, default_data_collator

    from hf_bench.probes.mlp import KeepBest, epoch_cosine, linear_model, quiet_trainer, single_thread, training_args

    class Arrays:
        def __init__(self, x, y):
            self.x, self.y = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), torch.from_numpy(y)

        def __len__(self):
            return len(self.x)

        def __getitem__(self, i):
            return {"features": self.x[i], "labels": self.y[i]}

    keep = KeepBest(True)

    class OnEvaluate(TrainerCallback):
        def on_evaluate(self, args, state, control, metrics=None, model=None, **kwargs):
            keep.update(int(round(state.epoch)), float(metrics["eval_main"]), model)

    with single_thread(), tempfile.TemporaryDirectory() as tmp:
        transformers.set_seed(seed)
        model = linear_model(train[0].shape[-1], None, coding)
        opt = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, epoch_cosine(config, math.ceil(len(train[0]) / config.batch_size)))
        trainer = Trainer(model=model, args=training_args(tmp, config, seed, evaluate_each_epoch=True),
                          train_dataset=Arrays(*train), eval_dataset=Arrays(*valid), data_collator=default_data_collator,
                          compute_metrics=lambda p: {"main": metric(coding.scores(p.predictions), p.label_ids)},
                          optimizers=(opt, sched), callbacks=[OnEvaluate()])
        quiet_trainer(trainer)
        trainer.train()
        keep.restore(model)
        logits = trainer.predict(Arrays(test_x, np.zeros(len(test_x), np.int64))).predictions
    return coding.scores(logits), keep.selected()


def test_all_folds_in_one_model_train_exactly_as_each_fold_alone_on_the_plain_trainer():
    from hf_bench.probes.mlp import FoldLinearHeads

    # folds of different sizes (different steps per epoch), learnable but noisy labels so epochs differ
    x, y = blobs(700, classes=6, dim=12, seed=8, spread=0.6)
    xv, yv = blobs(90, classes=6, dim=12, seed=9, spread=0.6)
    xt, _ = blobs(70, classes=6, dim=12, seed=10, spread=0.6)
    cut = [700, 640, 575]
    train = [(x[:n], y[:n]) for n in cut]
    valid = [(xv[k * 30:(k + 1) * 30], yv[k * 30:(k + 1) * 30]) for k in range(3)]
    tests = [xt[k:] for k in range(3)]
    cfg = MLPConfig(epochs=6, learning_rate=3e-3)
    heads = FoldLinearHeads([ClassCoding(6)] * 3, cfg)
    selected = heads.fit(train, valid, valid_metric=acc_metric, seed=11)
    predicted = heads.predict(tests)
    for k in range(3):
        ref_scores, ref_sel = _trainer_reference(ClassCoding(6), train[k], valid[k], tests[k], cfg, 11, acc_metric)
        np.testing.assert_array_equal(predicted[k], ref_scores)  # bit for bit: the scores did not move
        assert selected[k]["epoch"] == ref_sel["epoch"] and selected[k]["history"] == ref_sel["history"]
