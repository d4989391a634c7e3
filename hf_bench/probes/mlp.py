"""The X-ARES MLP probe on transformers' ``Trainer``.

LayerNorm + Linear on mean-pooled frames (optionally on a learned softmax-weighted mix of all hidden layers,
s3prl's featuriser), Adam 1e-3 with X-ARES's per-epoch cosine decay to 0.1x, 10 epochs, batch 32, and the best
epoch chosen on the validation split (its weights are kept in memory; nothing is written to disk).
Features live in memory: an epoch is a pass over a tensor, not over tar files.
"""

from __future__ import annotations

import contextlib
import copy
import math
import tempfile
from dataclasses import asdict, dataclass

import numpy as np

from hf_bench.probes.heads import Head


@dataclass(frozen=True)
class MLPConfig:
    epochs: int = 10
    batch_size: int = 32
    learning_rate: float = 1e-3
    final_lr_ratio: float = 0.1
    eval_batch_size: int = 512

    def to_dict(self) -> dict:
        return asdict(self)


def _model(dim: int, num_layers: int | None, head: Head):
    import torch
    from torch import nn

    class LinearProbe(nn.Module):
        def __init__(self):
            super().__init__()
            # zeros -> uniform mix at init, as in s3prl's weighted-sum featuriser
            self.layer_weights = nn.Parameter(torch.zeros(num_layers)) if num_layers else None
            self.norm = nn.LayerNorm(dim)
            self.linear = nn.Linear(dim, head.out_dim)

        def forward(self, features, labels=None):
            x = features
            if self.layer_weights is not None:
                x = (torch.softmax(self.layer_weights, dim=0)[None, :, None] * x).sum(dim=1)
            logits = self.linear(self.norm(x))
            out = {"logits": logits}
            if labels is not None:
                out["loss"] = head.torch_loss(logits, labels)
            return out

    return LinearProbe()


class _Arrays:
    """Map-style dataset over in-memory arrays (default_data_collator stacks the items)."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        import torch

        self.x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        self.y = torch.from_numpy(np.ascontiguousarray(y))

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"features": self.x[i], "labels": self.y[i]}


@contextlib.contextmanager
def _single_thread():
    # a linear probe is tiny: with 2 OpenMP threads small ops stall under contention (10-100x slower here)
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def mlp_probe(head: Head, train: tuple[np.ndarray, np.ndarray], valid: tuple[np.ndarray, np.ndarray],
              test_x: np.ndarray, *, valid_metric, higher_is_better: bool = True, config: MLPConfig = MLPConfig(),
              seed: int = 42) -> tuple[np.ndarray, dict]:
    """Train on ``train``, keep the best epoch on ``valid`` (by ``valid_metric(scores, targets) -> float``),
    return test scores (head score space) and what was selected."""
    import torch
    import transformers
    from transformers import Trainer, TrainerCallback, TrainingArguments, default_data_collator
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    transformers.logging.set_verbosity_error()
    train_x, train_y = train
    valid_x, valid_y = valid
    weighted = train_x.ndim == 3
    steps_per_epoch = math.ceil(len(train_x) / config.batch_size)

    class KeepBest(TrainerCallback):
        def __init__(self):
            self.best, self.best_epoch, self.state, self.history = None, None, None, []

        def on_evaluate(self, args, state, control, metrics=None, model=None, **kwargs):
            value = float(metrics["eval_main"])
            epoch = int(round(state.epoch))
            self.history.append({"epoch": epoch, "valid": value})
            if math.isnan(value):  # a diverged epoch is never the best one
                return
            if self.best is None or (value > self.best if higher_is_better else value < self.best):
                self.best, self.best_epoch = value, epoch
                self.state = copy.deepcopy(model.state_dict())

    def compute_metrics(pred):
        logits = pred.predictions[0] if isinstance(pred.predictions, tuple) else pred.predictions
        return {"main": float(valid_metric(head.scores(logits), pred.label_ids))}

    def cosine(step: int) -> float:  # X-ARES/ignite: stepped once per epoch, from lr to final_lr_ratio * lr
        epoch = step // steps_per_epoch
        r = config.final_lr_ratio
        return r + (1 - r) * 0.5 * (1 + math.cos(math.pi * epoch / config.epochs)) if config.epochs > 1 else 1.0

    with _single_thread(), tempfile.TemporaryDirectory(prefix="hf_bench_mlp_") as tmp:
        transformers.set_seed(seed)
        model = _model(train_x.shape[-1], train_x.shape[1] if weighted else None, head)
        optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, cosine)
        args = TrainingArguments(
            output_dir=tmp, per_device_train_batch_size=config.batch_size,
            per_device_eval_batch_size=config.eval_batch_size, num_train_epochs=config.epochs,
            learning_rate=config.learning_rate, eval_strategy="epoch", save_strategy="no", logging_strategy="no",
            report_to="none", seed=seed, data_seed=seed, dataloader_num_workers=0, disable_tqdm=True,
            remove_unused_columns=False, label_names=["labels"], use_cpu=not torch.cuda.is_available(),
            max_grad_norm=0.0,  # X-ARES's Adam does not clip gradients (Trainer clips at 1.0 by default)
        )
        keep = KeepBest()
        trainer = Trainer(model=model, args=args, train_dataset=_Arrays(train_x, train_y),
                          eval_dataset=_Arrays(valid_x, valid_y), data_collator=default_data_collator,
                          compute_metrics=compute_metrics, optimizers=(optimizer, scheduler), callbacks=[keep])
        for cb in (PrinterCallback, ProgressCallback):  # our own progress display; no per-epoch log lines
            trainer.remove_callback(cb)
        trainer.train()
        if keep.state is None:
            from hf_bench.errors import HFBenchError

            raise HFBenchError("the MLP probe produced no valid validation score in any epoch (NaN every time)",
                               where="probe mlp", fix="check the encoder's features for NaN/huge values, or lower the learning rate")
        model.load_state_dict(keep.state)
        dummy = np.zeros(len(test_x), dtype=train_y.dtype) if train_y.ndim == 1 else np.zeros((len(test_x),) + train_y.shape[1:], train_y.dtype)
        logits = trainer.predict(_Arrays(test_x, dummy)).predictions
        if isinstance(logits, tuple):
            logits = logits[0]
    selected = {"epoch": keep.best_epoch, "valid_score": keep.best, "history": keep.history}
    if weighted:
        w = torch.softmax(keep.state["layer_weights"], dim=0).tolist()
        selected["layer_weights"] = [round(v, 6) for v in w]
    return head.scores(logits), selected
