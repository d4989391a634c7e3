"""``mlp`` on frame-level tasks: X-ARES's frame probe, LayerNorm + Linear on every frame of [B, T, D].

As X-ARES defines it (``xares/trainer.py`` ``prepare_frame_task_batch``, ``models/simple.py``): frames of the
encoder's own hop, targets on that grid, BCE with logits (MAESTRO weights positives by ``pos_weight=10``), Adam
with the per-epoch cosine schedule, the task's epochs and batch size, the best epoch kept by the task metric on
validation data. Differences, on purpose: padded frames of a batch are masked out of the loss (X-ARES trains on
them as silence; batches here group items of similar length, so there are few), and a batch holds at most
``max_frames`` padded frames (memory stays bounded whatever the clip length). ``frame_regression`` trains the same
head with MSE on standardised values.
"""

from __future__ import annotations

import numpy as np

from hf_bench.features.featurizer import layers_needed
from hf_bench.features.frames import EpochBatches
from hf_bench.features.views import FeatureView
from hf_bench.probes.base import Fold, Probe, ProbeData, selection_rule
from hf_bench.probes.mlp import KeepBest, MLPConfig, linear_model, single_thread, train_epochs
from hf_bench.tasks.schema import FRAME_TYPES


def _collate(features, targets, batch):
    import torch

    x, mask = features.padded(batch)
    labels = np.zeros(mask.shape + targets.frames(batch[0]).shape[1:], dtype=np.float32)
    for row, k in enumerate(batch):
        t = targets.frames(k)
        labels[row, :len(t)] = t
    return {"features": torch.from_numpy(x), "labels": torch.from_numpy(labels), "mask": torch.from_numpy(mask)}


class FrameMLP(Probe):
    name = "mlp"
    label = "MLP"
    task_types = frozenset(FRAME_TYPES)
    summary = "per-frame linear probe (LayerNorm + Linear) on frame features, best epoch on validation data"

    def view(self):
        return FeatureView("frames", layers_needed(self.settings.layer, self.settings.num_layers),
                           self.settings.frame_dtype)

    def mlp_config(self) -> MLPConfig:
        return MLPConfig.for_task(self.task)

    def config(self) -> dict:
        loss = ("BCE with logits" + (f", pos_weight={self.task.probe.pos_weight:g}" if self.task.probe.pos_weight
                                     else "") if self.task.type == "frame_multilabel" else "MSE on standardised values")
        return {**self.mlp_config().to_dict(), "model": "per-frame LayerNorm+Linear", "optimizer": "Adam",
                "schedule": "cosine per epoch to 0.1x", "gradient_clipping": None, "loss": loss + " over valid frames",
                "max_frames_per_batch": self.settings.max_frames, "frame_dtype": self.settings.frame_dtype,
                "label_raster": self.settings.label_raster, "decision_threshold": 0.5,
                "selection": selection_rule(self.task, self.settings.select_on_test)}

    def _predict(self, model, features) -> list[np.ndarray]:
        import torch

        out: list[np.ndarray | None] = [None] * len(features)
        model.eval()
        device = next(model.parameters()).device  # the Trainer may have moved the model to a GPU
        with torch.no_grad():
            for batch in features.batches(self.mlp_config().eval_batch_size, self.settings.max_frames, None):
                x, mask = features.padded(batch)
                logits = model(torch.from_numpy(x).to(device))["logits"].float().cpu().numpy()
                for row, k in enumerate(batch):
                    out[k] = self.coding.scores(logits[row, :int(mask[row].sum())]).astype(np.float32)
        return out

    def fit(self, fold: Fold, coding, *, seed: int) -> dict:
        import torch
        import transformers
        from torch.utils.data import DataLoader
        from transformers import Trainer

        from hf_bench import metrics
        from hf_bench.tasks.types import get_type

        transformers.logging.set_verbosity_error()
        self.coding = coding
        task, adapter, config = self.task, get_type(self.task.type), self.mlp_config()
        train, valid = fold.train, fold.valid
        keep = KeepBest(metrics.METRICS[task.metric].higher_is_better)
        probe = self

        def valid_score(model) -> float:
            scores = probe._predict(model, valid.features)
            preds, refs = adapter.metric_inputs(task, coding, scores, valid.targets)
            value = metrics.compute(task.metric, preds, refs, **task.metric_args)[task.main_score]
            model.train()
            return float(value)

        sampler = EpochBatches(train.features, config.batch_size, self.settings.max_frames, seed)

        class FrameTrainer(Trainer):
            def get_train_dataloader(self):
                return DataLoader(list(range(len(train))), batch_sampler=sampler,
                                  collate_fn=lambda b: _collate(train.features, train.targets, b))

        with single_thread():
            transformers.set_seed(seed)
            model = linear_model(train.features.dim, train.features.layer_axis, coding, frames=True)
            train_epochs(FrameTrainer, model, model.parameters(), config, len(sampler), seed, keep, valid_score,
                         prefix="hf_bench_frame_mlp_", train_dataset=list(range(len(train))))
        self.model = model
        selected = keep.selected()
        selected["batches_per_epoch"] = len(sampler)
        if train.features.layer_axis:
            selected["layer_weights"] = [round(v, 6) for v in torch.softmax(keep.state["layer_weights"], 0).tolist()]
        return selected

    def predict(self, test: ProbeData):
        with single_thread():
            return self._predict(self.model, test.features)


__all__ = ["FrameMLP"]
