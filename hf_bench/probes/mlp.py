"""The X-ARES linear probe engine on transformers' ``Trainer``, shared by the clip and frame MLP probes.

LayerNorm + Linear (on a learned softmax-weighted mix of all hidden layers with ``--layer weighted``, s3prl's
featuriser), Adam 1e-3 with X-ARES's per-epoch cosine decay to 0.1x, 10 epochs, batch 32, no gradient clipping,
and the best epoch chosen on validation data (its weights are kept in memory; nothing is written to disk).
Features live in memory or in memory maps: an epoch is a pass over arrays, not over tar files.
"""

from __future__ import annotations

import contextlib
import copy
import math
import shutil
import tempfile
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np

if TYPE_CHECKING:
    from hf_bench.tasks.schema import TaskMetadata
    from hf_bench.tasks.types.coding import Coding


@dataclass(frozen=True)
class MLPConfig:
    epochs: int = 10
    batch_size: int = 32
    learning_rate: float = 1e-3
    final_lr_ratio: float = 0.1
    eval_batch_size: int = 512

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def for_task(cls, task: "TaskMetadata") -> "MLPConfig":
        """The X-ARES defaults with the task's own overrides (epochs, batch size, learning rate)."""
        o = task.probe
        return cls(epochs=o.epochs or cls.epochs, batch_size=o.batch_size or cls.batch_size,
                   learning_rate=o.learning_rate or cls.learning_rate)


def linear_model(dim: int, num_layers: int | None, coding: "Coding", *, frames: bool = False):
    """LayerNorm + Linear on [B, D] / [B, L, D] (clips) or [B, T, D] / [B, T, L, D] (frames, with a mask)."""
    import torch
    from torch import nn

    class LinearProbe(nn.Module):
        def __init__(self):
            super().__init__()
            # zeros -> uniform mix at init, as in s3prl's weighted-sum featuriser
            self.layer_weights = nn.Parameter(torch.zeros(num_layers)) if num_layers else None
            self.norm = nn.LayerNorm(dim)
            self.linear = nn.Linear(dim, coding.out_dim)

        def forward(self, features, labels=None, mask=None):
            x = features
            if self.layer_weights is not None:
                w = torch.softmax(self.layer_weights, dim=0)
                x = (w[:, None] * x).sum(dim=-2) if frames else (w[None, :, None] * x).sum(dim=1)
            logits = self.linear(self.norm(x))
            out = {"logits": logits}
            if labels is not None:
                out["loss"] = coding.loss(logits, labels, mask) if frames else coding.loss(logits, labels)
            return out

    return LinearProbe()


@contextlib.contextmanager
def single_thread():
    # a linear probe is tiny: with 2 OpenMP threads small ops stall under contention (10-100x slower here)
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def epoch_cosine(config: MLPConfig, steps_per_epoch: int) -> Callable[[int], float]:
    """X-ARES/ignite: stepped once per epoch, from lr to final_lr_ratio * lr (a LambdaLR factor of the step)."""
    def factor(step: int) -> float:
        epoch = step // steps_per_epoch
        r = config.final_lr_ratio
        return r + (1 - r) * 0.5 * (1 + math.cos(math.pi * epoch / config.epochs)) if config.epochs > 1 else 1.0
    return factor


def training_args(output_dir: str, config: MLPConfig, seed: int, *, evaluate_each_epoch: bool):
    import torch
    from transformers import TrainingArguments

    return TrainingArguments(
        output_dir=output_dir, per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.eval_batch_size, num_train_epochs=config.epochs,
        learning_rate=config.learning_rate, eval_strategy="epoch" if evaluate_each_epoch else "no",
        save_strategy="no", logging_strategy="no", report_to="none", seed=seed, data_seed=seed,
        dataloader_num_workers=0, disable_tqdm=True, remove_unused_columns=False, label_names=["labels"],
        use_cpu=not torch.cuda.is_available(),
        max_grad_norm=0.0,  # X-ARES's Adam does not clip gradients (Trainer clips at 1.0 by default)
    )


class KeepBest:
    """The best epoch's weights and the validation history (first best on ties; a NaN epoch never wins)."""

    def __init__(self, higher_is_better: bool):
        self.higher_is_better = higher_is_better
        self.best, self.best_epoch, self.state, self.history = None, None, None, []

    def update(self, epoch: int, value: float, model) -> None:
        self.history.append({"epoch": epoch, "valid": value})
        if math.isnan(value):
            return
        if self.best is None or (value > self.best if self.higher_is_better else value < self.best):
            self.best, self.best_epoch = value, epoch
            self.state = copy.deepcopy(model.state_dict())

    def restore(self, model) -> None:
        if self.state is None:
            from hf_bench.errors import HFBenchError

            raise HFBenchError("the MLP probe produced no valid validation score in any epoch (NaN every time)",
                               where="probe mlp", fix="check the encoder's features for NaN/huge values, or lower "
                                                      "the learning rate")
        model.load_state_dict(self.state)

    def selected(self) -> dict:
        return {"epoch": self.best_epoch, "valid_score": self.best, "history": self.history}


def quiet_trainer(trainer) -> None:
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    for cb in (PrinterCallback, ProgressCallback):  # our own progress display; no per-epoch log lines
        trainer.remove_callback(cb)


def step_bar(label: str, total: int, enabled: bool):
    """A TrainerCallback drawing one tqdm bar over every training step (the decoder probes run for minutes), its
    postfix the last epoch's validation score; ``None`` when disabled."""
    if not enabled:
        return None
    from tqdm.auto import tqdm
    from transformers import TrainerCallback

    class StepBar(TrainerCallback):
        def __init__(self):
            self.bar = None

        def on_train_begin(self, args, state, control, **kwargs):
            self.bar = tqdm(total=total, desc=label, unit="step", leave=False)

        def on_step_end(self, args, state, control, **kwargs):
            self.bar.update(1)

        def on_train_end(self, args, state, control, **kwargs):
            self.bar.close()

    return StepBar()


def train_epochs(trainer_cls, model, params, config: MLPConfig, steps_per_epoch: int, seed: int, keep: KeepBest,
                 valid_score: Callable, *, kept=None, prefix: str, bar: str | None = None, progress: bool = False,
                 stop: Callable[[KeepBest], bool] | None = None, **trainer_kwargs) -> None:
    """The epoch loop every trained probe shares: Adam on ``params`` with the per-epoch cosine, ``config.epochs``
    epochs of ``trainer_cls`` (its output in a temporary folder), ``keep.update(epoch, valid_score(model), kept)``
    after each epoch and the best state restored into ``kept`` (default: ``model``) at the end. ``stop(keep)``,
    asked after each epoch, ends training early (early stopping)."""
    import shutil
    import tempfile

    import torch
    from transformers import TrainerCallback

    kept = model if kept is None else kept

    class OnEpochEnd(TrainerCallback):
        def on_epoch_end(self, args, state, control, model=None, **kwargs):
            keep.update(int(round(state.epoch)), valid_score(model), kept)
            if stop is not None and stop(keep):
                control.should_training_stop = True

    tmp = tempfile.mkdtemp(prefix=prefix)
    try:
        optimizer = torch.optim.Adam(params, lr=config.learning_rate)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, epoch_cosine(config, steps_per_epoch))
        callbacks = [c for c in (OnEpochEnd(), step_bar(bar, config.epochs * steps_per_epoch, progress and bool(bar)))
                     if c]
        trainer = trainer_cls(model=model, args=training_args(tmp, config, seed, evaluate_each_epoch=False),
                              optimizers=(optimizer, scheduler), callbacks=callbacks, **trainer_kwargs)
        quiet_trainer(trainer)
        trainer.train()
        keep.restore(kept)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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


class ClipLinearHead:
    """Train on in-memory clip features, keep the best epoch on validation data, predict test scores."""

    def __init__(self, coding: "Coding", config: MLPConfig, *, higher_is_better: bool = True):
        self.coding, self.config, self.higher_is_better = coding, config, higher_is_better
        self.trainer = None
        self.weighted = False

    def fit(self, train: tuple[np.ndarray, np.ndarray], valid: tuple[np.ndarray, np.ndarray], *,
            valid_metric: Callable[[np.ndarray, np.ndarray], float], seed: int = 42) -> dict:
        """``valid_metric(scores, targets) -> float`` rates an epoch (scores in the coding's score space)."""
        import torch
        import transformers
        from transformers import Trainer, TrainerCallback, default_data_collator

        transformers.logging.set_verbosity_error()
        train_x, train_y = train
        valid_x, valid_y = valid
        self.weighted = train_x.ndim == 3
        self.label_shape, self.label_dtype = train_y.shape[1:], train_y.dtype
        config, coding = self.config, self.coding
        keep = KeepBest(self.higher_is_better)

        class OnEvaluate(TrainerCallback):
            def on_evaluate(self, args, state, control, metrics=None, model=None, **kwargs):
                keep.update(int(round(state.epoch)), float(metrics["eval_main"]), model)

        def compute_metrics(pred):
            logits = pred.predictions[0] if isinstance(pred.predictions, tuple) else pred.predictions
            return {"main": float(valid_metric(coding.scores(logits), pred.label_ids))}

        tmp = tempfile.mkdtemp(prefix="hf_bench_mlp_")
        try:
            with single_thread():
                transformers.set_seed(seed)
                model = linear_model(train_x.shape[-1], train_x.shape[1] if self.weighted else None, coding)
                optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
                steps_per_epoch = math.ceil(len(train_x) / config.batch_size)
                scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, epoch_cosine(config, steps_per_epoch))
                trainer = Trainer(model=model, args=training_args(tmp, config, seed, evaluate_each_epoch=True),
                                  train_dataset=_Arrays(train_x, train_y), eval_dataset=_Arrays(valid_x, valid_y),
                                  data_collator=default_data_collator, compute_metrics=compute_metrics,
                                  optimizers=(optimizer, scheduler), callbacks=[OnEvaluate()])
                quiet_trainer(trainer)
                trainer.train()
                keep.restore(model)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self.trainer, self.model = trainer, model
        selected = keep.selected()
        if self.weighted:
            w = torch.softmax(keep.state["layer_weights"], dim=0).tolist()
            selected["layer_weights"] = [round(v, 6) for v in w]
        return selected

    def predict(self, test_x: np.ndarray) -> np.ndarray:
        with single_thread():
            dummy = np.zeros((len(test_x),) + self.label_shape, dtype=self.label_dtype)
            logits = self.trainer.predict(_Arrays(test_x, dummy)).predictions
        if isinstance(logits, tuple):
            logits = logits[0]
        return self.coding.scores(logits)


def mlp_probe(coding: "Coding", train, valid, test_x, *, valid_metric, higher_is_better: bool = True,
              config: MLPConfig = MLPConfig(), seed: int = 42) -> tuple[np.ndarray, dict]:
    """Train on ``train``, keep the best epoch on ``valid``, return (test scores, what was selected)."""
    head = ClipLinearHead(coding, config, higher_is_better=higher_is_better)
    selected = head.fit(train, valid, valid_metric=valid_metric, seed=seed)
    return head.predict(test_x), selected


__all__ = ["MLPConfig", "ClipLinearHead", "KeepBest", "linear_model", "mlp_probe", "epoch_cosine", "training_args",
           "single_thread", "quiet_trainer"]
