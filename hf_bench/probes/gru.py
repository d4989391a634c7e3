"""``gru``: LeBenchmark's continuous-emotion head, a GRU-32 over frame features trained with 1 - CCC.

As LeBenchmark's AER runners define it (``GRU 32-1``; ``GRU 64-1`` with ``probe.hidden_size: 64``): a 1-layer GRU
of hidden size 32 over the frame sequence,
then a per-frame Linear + Tanh; loss 1 - CCC; Adam 1e-3 at a constant rate; at most 250 epochs with early stopping
(patience 15, never before 50 epochs; the task may set ``probe.epochs`` / ``patience`` / ``min_epochs``); the
kept epoch is the best validation CCC, computed as the test score is: predictions resampled to the annotation
times, one CCC over the concatenation of every sequence (``testConcated``). Differences, on purpose: the input
is standardised per dimension with the training frames' mean and std (feature scales differ by orders of
magnitude across encoders; a per-frame LayerNorm would erase the frame's level, which carries loudness and
arousal); frames are averaged to one GRU step per 40 ms, RECOLA's annotation period (a 10 ms encoder would
otherwise cost four times the sequential steps for the same targets); the Tanh output is mapped onto the task's ``target_range`` (else the training targets'
range), so targets need not lie in [-1, 1]; the CCC of the loss uses population variances, like the metric
(LeBenchmark's loss mixes an unbiased variance with a biased covariance).
"""

from __future__ import annotations

import math

import numpy as np

from hf_bench.errors import HFBenchError
from hf_bench.features.frames import EpochBatches
from hf_bench.probes.base import Fold, ProbeData, selection_rule
from hf_bench.probes.heads import FrameHead
from hf_bench.probes.mlp import KeepBest, single_thread, train_epochs

DEFAULT_EPOCHS, DEFAULT_BATCH, DEFAULT_LR = 250, 8, 1e-3
DEFAULT_PATIENCE, DEFAULT_MIN_EPOCHS = 15, 50
HIDDEN = 32
EVAL_BATCH = 64
POOL_MS = 40.0   # RECOLA's annotation period: the GRU steps every 40 ms, whatever the encoder's hop


def _statistics(features, limit: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Per-dimension mean and std of the training frames (of the first ``limit`` items, in float64)."""
    total, sq, n = None, None, 0
    for k in range(min(len(features), limit)):
        x = features.item(k).astype(np.float64)
        total = x.sum(0) if total is None else total + x.sum(0)
        sq = (x * x).sum(0) if sq is None else sq + (x * x).sum(0)
        n += len(x)
    mean = total / max(n, 1)
    std = np.sqrt(np.maximum(sq / max(n, 1) - mean * mean, 0.0))
    return mean, np.where(std > 1e-8, std, 1.0)


def ccc_loss(pred, target, mask):
    """1 - CCC over the valid frames of the batch, as one concatenated sequence."""
    p, t = pred[mask], target[mask]
    mp, mt = p.mean(), t.mean()
    cov = ((p - mp) * (t - mt)).mean()
    return 1.0 - 2.0 * cov / (p.var(unbiased=False) + t.var(unbiased=False) + (mp - mt) ** 2 + 1e-8)


def _model(dim: int, layers: int | None, low: float, high: float, mean: np.ndarray, std: np.ndarray, pool: int,
           hidden: int = HIDDEN):
    import torch
    from torch import nn

    class GRUHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer_weights = nn.Parameter(torch.zeros(layers)) if layers else None
            # training-set statistics per dimension: scales become comparable, levels (loudness) survive
            self.register_buffer("mean", torch.from_numpy(mean.astype(np.float32)))
            self.register_buffer("inv_std", torch.from_numpy((1.0 / std).astype(np.float32)))
            self.rnn = nn.GRU(dim, hidden, num_layers=1, batch_first=True)
            self.out = nn.Linear(hidden, 1)
            self.register_buffer("center", torch.tensor((high + low) / 2.0))
            self.register_buffer("spread", torch.tensor(max((high - low) / 2.0, 1e-6)))

        def predict(self, features, mask):
            """Per-frame predictions [B, T]: the GRU runs on frames averaged ``pool`` at a time."""
            x = (features - self.mean) * self.inv_std
            if self.layer_weights is not None:
                x = (torch.softmax(self.layer_weights, 0)[:, None] * x).sum(dim=-2)
            b, t, d = x.shape
            m = mask.to(x.dtype)
            pad = (-t) % pool
            if pad:
                x, m = torch.nn.functional.pad(x, (0, 0, 0, pad)), torch.nn.functional.pad(m, (0, pad))
            m = m.reshape(b, -1, pool)
            x = (x.reshape(b, -1, pool, d) * m[..., None]).sum(2) / m.sum(2).clamp(min=1)[..., None]
            lengths = (mask.sum(1) + pool - 1) // pool
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            h, _ = self.rnn(packed)
            h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=x.shape[1])
            y = self.center + self.spread * torch.tanh(self.out(h).squeeze(-1))
            return y.repeat_interleave(pool, dim=1)[:, :t]

        def forward(self, features, mask, labels=None):
            y = self.predict(features, mask)
            out = {"logits": y}
            if labels is not None:
                out["loss"] = ccc_loss(y, labels, mask)
            return out

    return GRUHead()


class GRUHead(FrameHead):
    name = "gru"
    label = "GRU"
    task_types = frozenset({"frame_regression"})
    summary = "GRU-32 + Linear + Tanh per frame, 1 - CCC loss, early stopping (LeBenchmark continuous emotion)"
    defaults, eval_batch, final_lr_ratio = (DEFAULT_EPOCHS, DEFAULT_BATCH, DEFAULT_LR), EVAL_BATCH, 1.0

    def pool(self) -> int:
        return max(1, int(round(POOL_MS / self.settings.hop_ms)))

    def patience(self) -> tuple[int, int]:
        o = self.task.probe
        return int(o.patience or DEFAULT_PATIENCE), int(o.min_epochs or DEFAULT_MIN_EPOCHS)

    def config(self) -> dict:
        patience, min_epochs = self.patience()
        hidden = self.task.probe.hidden_size or HIDDEN
        return {**self.train_config().to_dict(), "model": f"GRU {hidden} x 1, Linear + Tanh per step, "
                "scaled to the target range", "input": "standardised with the training frames' per-dimension mean "
                "and std", "frames_per_step": self.pool(), "optimizer": "Adam", "schedule": "constant",
                "loss": "1 - CCC over the batch's frames (population variances)",
                "early_stopping": {"patience": patience, "min_epochs": min_epochs},
                "target_range": list(self.task.target_range) if self.task.target_range else "training targets",
                "scoring": "predictions resampled to the annotation times, one CCC over all sequences",
                "selection": "best validation CCC (" + selection_rule(self.task, self.settings.select_on_test) + ")",
                "max_frames_per_batch": self.settings.max_frames, "frame_dtype": self.settings.frame_dtype}

    def _batch(self, features, targets, index):
        import torch

        x, mask = features.padded(index)
        out = {"features": torch.from_numpy(x), "mask": torch.from_numpy(mask)}
        if targets is not None:
            y = np.zeros(mask.shape, dtype=np.float32)
            for row, k in enumerate(index):
                t = targets.frames(k)
                y[row, :len(t)] = t
            out["labels"] = torch.from_numpy(y)
        return out

    def _predict(self, model, features) -> list[np.ndarray]:
        import torch

        out: list[np.ndarray | None] = [None] * len(features)
        model.eval()
        device = next(model.parameters()).device
        with torch.inference_mode():
            for index in features.batches(EVAL_BATCH, self.settings.max_frames, None):
                b = self._batch(features, None, index)
                y = model.predict(b["features"].to(device), b["mask"].to(device)).float().cpu().numpy()
                for row, k in enumerate(index):
                    out[k] = y[row, :int(b["mask"][row].sum())].astype(np.float32)
        model.train()
        return out

    def fit(self, fold: Fold, coding, *, seed: int) -> dict:
        import transformers
        from torch.utils.data import DataLoader
        from transformers import Trainer

        from hf_bench import metrics
        from hf_bench.tasks.types import get_type

        transformers.logging.set_verbosity_error()
        task, s, config = self.task, self.settings, self.train_config()
        adapter = get_type(task.type)
        train, valid = fold.train, fold.valid
        if task.target_range:
            low, high = (float(v) for v in task.target_range)
        else:
            values = np.concatenate(train.targets.values)
            low, high = float(values.min()), float(values.max())
        keep = KeepBest(True)
        patience, min_epochs = self.patience()
        probe = self

        def valid_score(model) -> float:
            preds, refs = adapter.metric_inputs(task, coding, probe._predict(model, valid.features), valid.targets)
            return float(metrics.compute(task.metric, preds, refs, **task.metric_args)[task.main_score])

        def stop(k: KeepBest) -> bool:
            epoch = k.history[-1]["epoch"]
            return epoch >= min_epochs and k.best_epoch is not None and epoch - k.best_epoch >= patience

        sampler = EpochBatches(train.features, config.batch_size, s.max_frames, seed)

        class GRUTrainer(Trainer):
            def get_train_dataloader(self):
                return DataLoader(list(range(len(train))), batch_sampler=sampler,
                                  collate_fn=lambda idx: probe._batch(train.features, train.targets, idx))

        with single_thread():
            transformers.set_seed(seed)
            mean, std = _statistics(train.features)
            model = _model(train.features.dim, train.features.layer_axis, low, high, mean, std, self.pool(),
                           self.task.probe.hidden_size or HIDDEN)
            train_epochs(GRUTrainer, model, model.parameters(), config, len(sampler), seed, keep, valid_score,
                         stop=stop, prefix="hf_bench_gru_", bar=f"{task.name} gru", progress=s.progress,
                         train_dataset=list(range(len(train))))
        self.model = model
        if keep.best is None or not math.isfinite(keep.best):
            raise HFBenchError("the GRU head's validation CCC is not finite", where=f"task {task.name}",
                               fix="check the encoder's features and the targets for NaN/huge values")
        selected = keep.selected()
        selected.update(batches_per_epoch=len(sampler), epochs_trained=keep.history[-1]["epoch"],
                        output_range=[low, high])
        return self.learned(selected, keep, train.features, model)

    def predict(self, test: ProbeData):
        with single_thread():
            return self._predict(self.model, test.features)


__all__ = ["GRUHead", "ccc_loss"]
