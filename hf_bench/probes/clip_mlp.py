"""``mlp`` on clip-level tasks: X-ARES's linear probe (LayerNorm + Linear) on pooled features."""

from __future__ import annotations

from hf_bench.features.featurizer import select_layer
from hf_bench.features.views import POOLED
from hf_bench.probes.base import Fold, Probe, ProbeData, selection_rule
from hf_bench.probes.mlp import FoldLinearHeads, MLPConfig
from hf_bench.tasks.schema import CLIP_TYPES


class ClipMLP(Probe):
    name = "mlp"
    label = "MLP"
    task_types = frozenset(CLIP_TYPES)
    summary = "linear probe (LayerNorm + Linear) on mean-pooled features, best epoch on validation data"

    def view(self):
        return POOLED

    def mlp_config(self) -> MLPConfig:
        return MLPConfig.for_task(self.task)

    def config(self) -> dict:
        return {**self.mlp_config().to_dict(), "model": "LayerNorm+Linear", "optimizer": "Adam",
                "schedule": "cosine per epoch to 0.1x", "gradient_clipping": None,
                "selection": selection_rule(self.task, self.settings.select_on_test)}

    def _x(self, data: ProbeData):
        return select_layer(data.features, self.settings.layer)

    def fit(self, fold: Fold, coding, *, seed: int) -> dict:
        return self._fit([(fold, coding)], seed)[0]

    def predict(self, test: ProbeData):
        return self.heads.predict([self._x(test)])[0]

    def fit_predict(self, folds, *, seed: int):
        """Every fold's head in one model on the Trainer (see ``FoldLinearHeads``): one training run per task."""
        folds = list(folds)
        selected = self._fit(folds, seed)
        return list(zip(selected, self.heads.predict([self._x(f.test) for f, _ in folds])))

    def _fit(self, folds: list, seed: int) -> list[dict]:
        from hf_bench import metrics
        from hf_bench.tasks.types import get_type

        task, adapter = self.task, get_type(self.task.type)

        def valid_metric(coding):
            def score(scores, targets):
                preds, refs = adapter.metric_inputs(task, coding, scores, targets)
                return metrics.compute(task.metric, preds, refs, **task.metric_args)[task.main_score]
            return score

        self.heads = FoldLinearHeads([coding for _, coding in folds], self.mlp_config(),
                                     higher_is_better=metrics.METRICS[task.metric].higher_is_better,
                                     progress=self.settings.progress, label=f"{task.name}: mlp")
        train = [(self._x(f.train), f.train.targets) for f, _ in folds]
        valid = [(self._x(f.valid), f.valid.targets) for f, _ in folds]
        return self.heads.fit(train, valid, valid_metric=[valid_metric(c) for _, c in folds], seed=seed)
