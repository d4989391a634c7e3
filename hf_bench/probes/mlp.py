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


class _FoldSteps:
    """Every fold's training batches, one optimizer step at a time, straight from in-memory tensors.

    Handed to the Trainer as its train dataloader (no DataLoader, sampler or collator per step). Each epoch, fold
    ``k`` is shuffled by its own generator seeded ``seed + epoch`` and cut into batches of ``batch_size``; a step
    holds one batch per fold, or ``None`` for a fold whose batches ran out (its parameters get no gradient, so
    Adam leaves them alone: each fold trains exactly as it would alone).
    """

    def __init__(self, data: list[tuple[np.ndarray, np.ndarray]], batch_size: int, seed: int):
        import torch

        self.x = [torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)) for x, _ in data]
        self.y = [torch.from_numpy(np.ascontiguousarray(y)) for _, y in data]
        self.batch_size, self.seed, self.epoch = batch_size, seed, 0
        self.steps = max(math.ceil(len(x) / batch_size) for x in self.x)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return self.steps

    def __iter__(self):
        import torch

        order = [torch.randperm(len(x), generator=torch.Generator().manual_seed(self.seed + self.epoch))
                 for x in self.x]
        b = self.batch_size
        for s in range(self.steps):
            yield {"batches": [(x[o[s * b:(s + 1) * b]], y[o[s * b:(s + 1) * b]]) if s * b < len(x) else None
                               for x, y, o in zip(self.x, self.y, order)]}


def _fold_heads(dims: tuple[int, int | None], codings: list["Coding"], seed: int):
    """One LayerNorm + Linear head per fold in one module; every head starts from the weights a lone head
    seeded ``seed`` would have."""
    import transformers
    from torch import nn

    class FoldHeads(nn.Module):
        def __init__(self):
            super().__init__()
            heads = []
            for coding in codings:
                transformers.set_seed(seed)
                heads.append(linear_model(dims[0], dims[1], coding))
            self.heads = nn.ModuleList(heads)

        def forward(self, batches):
            losses = [head(x, y)["loss"] for head, batch in zip(self.heads, batches) if batch is not None
                      for x, y in (batch,)]
            return {"loss": sum(losses)}

    return FoldHeads()


class FoldLinearHeads:
    """The clip MLP of every fold of a task trained at once, on the transformers ``Trainer``.

    One model holds one LayerNorm + Linear head per fold (separate parameters, separate Adam state); a training
    step feeds every fold its next batch; after each epoch one pass scores every fold's validation data and each
    fold keeps its own best epoch (exactly as if trained alone). Test scores come from each fold's best weights.
    """

    def __init__(self, codings: list["Coding"], config: MLPConfig, *, higher_is_better: bool = True,
                 progress: bool = False, label: str = "mlp"):
        self.codings, self.config, self.higher_is_better = codings, config, higher_is_better
        self.progress, self.label = progress, label
        self.model = None

    def _logits(self, head, x: np.ndarray) -> np.ndarray:
        import torch

        out = []
        with torch.no_grad():
            for lo in range(0, len(x), self.config.eval_batch_size):
                chunk = torch.from_numpy(np.ascontiguousarray(x[lo:lo + self.config.eval_batch_size],
                                                              dtype=np.float32))
                out.append(head(chunk)["logits"].numpy())
        return np.concatenate(out) if out else np.zeros((0, head.linear.out_features), np.float32)

    def fit(self, train: list[tuple[np.ndarray, np.ndarray]], valid: list[tuple[np.ndarray, np.ndarray]], *,
            valid_metric: Callable[[np.ndarray, np.ndarray], float] | list[Callable], seed: int = 42) -> list[dict]:
        """Per fold ``k``: train on ``train[k]``, keep the epoch best on ``valid[k]`` by ``valid_metric(scores,
        targets) -> float`` (scores in the coding's score space; one callable, or one per fold); returns each
        fold's selection."""
        import torch
        import transformers
        from transformers import Trainer, TrainerCallback

        transformers.logging.set_verbosity_error()
        x0 = train[0][0]
        self.weighted = x0.ndim == 3
        dims = (x0.shape[-1], x0.shape[1] if self.weighted else None)
        config, codings = self.config, self.codings
        keeps = [KeepBest(self.higher_is_better) for _ in codings]
        rate = valid_metric if isinstance(valid_metric, list) else [valid_metric] * len(codings)
        steps = _FoldSteps(train, config.batch_size, seed)
        logits = self._logits

        class OnEpochEnd(TrainerCallback):
            def on_epoch_end(self, args, state, control, model=None, **kwargs):
                model.eval()
                for keep, head, coding, (vx, vy), metric in zip(keeps, model.heads, codings, valid, rate):
                    keep.update(int(round(state.epoch)), float(metric(coding.scores(logits(head, vx)), vy)), head)
                model.train()

        class FoldTrainer(Trainer):
            def get_train_dataloader(self):
                return steps

        tmp = tempfile.mkdtemp(prefix="hf_bench_mlp_")
        try:
            with single_thread():
                model = _fold_heads(dims, codings, seed)
                optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
                scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, epoch_cosine(config, steps.steps))
                bar = step_bar(f"{self.label} ({len(codings)} fold{'s' if len(codings) > 1 else ''})",
                               config.epochs * steps.steps, self.progress)
                trainer = FoldTrainer(model=model, args=training_args(tmp, config, seed, evaluate_each_epoch=False),
                                      optimizers=(optimizer, scheduler),
                                      callbacks=[OnEpochEnd()] + ([bar] if bar else []))
                quiet_trainer(trainer)
                trainer.train()
                for keep, head in zip(keeps, model.heads):
                    keep.restore(head)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self.model = model.eval()
        selected = []
        for keep in keeps:
            sel = keep.selected()
            if self.weighted:
                w = torch.softmax(keep.state["layer_weights"], dim=0).tolist()
                sel["layer_weights"] = [round(v, 6) for v in w]
            selected.append(sel)
        return selected

    def predict(self, tests: list[np.ndarray]) -> list[np.ndarray]:
        """Each fold's test scores (in its coding's score space) from its best epoch."""
        with single_thread():
            return [coding.scores(self._logits(head, x)) for head, coding, x in zip(self.model.heads, self.codings,
                                                                                    tests)]


class ClipLinearHead:
    """One fold's clip MLP: ``FoldLinearHeads`` with a single fold."""

    def __init__(self, coding: "Coding", config: MLPConfig, *, higher_is_better: bool = True):
        self.heads = FoldLinearHeads([coding], config, higher_is_better=higher_is_better)

    def fit(self, train: tuple[np.ndarray, np.ndarray], valid: tuple[np.ndarray, np.ndarray], *,
            valid_metric: Callable[[np.ndarray, np.ndarray], float], seed: int = 42) -> dict:
        return self.heads.fit([train], [valid], valid_metric=valid_metric, seed=seed)[0]

    def predict(self, test_x: np.ndarray) -> np.ndarray:
        return self.heads.predict([test_x])[0]


def mlp_probe(coding: "Coding", train, valid, test_x, *, valid_metric, higher_is_better: bool = True,
              config: MLPConfig = MLPConfig(), seed: int = 42) -> tuple[np.ndarray, dict]:
    """Train on ``train``, keep the best epoch on ``valid``, return (test scores, what was selected)."""
    head = ClipLinearHead(coding, config, higher_is_better=higher_is_better)
    selected = head.fit(train, valid, valid_metric=valid_metric, seed=seed)
    return head.predict(test_x), selected


__all__ = ["MLPConfig", "ClipLinearHead", "FoldLinearHeads", "KeepBest", "linear_model", "mlp_probe", "epoch_cosine", "training_args",
           "single_thread", "quiet_trainer"]
