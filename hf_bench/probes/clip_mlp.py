"""``mlp`` on clip-level tasks: X-ARES's linear probe (LayerNorm + Linear) on pooled features."""

from __future__ import annotations

from hf_bench.features.featurizer import select_layer
from hf_bench.features.views import POOLED
from hf_bench.probes.base import Fold, Probe, ProbeData, selection_rule
from hf_bench.probes.mlp import ClipLinearHead, MLPConfig
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
        from hf_bench import metrics
        from hf_bench.tasks.types import get_type

        task, adapter = self.task, get_type(self.task.type)

        def valid_metric(scores, targets):
            preds, refs = adapter.metric_inputs(task, coding, scores, targets)
            return metrics.compute(task.metric, preds, refs, **task.metric_args)[task.main_score]

        self.head = ClipLinearHead(coding, self.mlp_config(),
                                   higher_is_better=metrics.METRICS[task.metric].higher_is_better)
        return self.head.fit((self._x(fold.train), fold.train.targets), (self._x(fold.valid), fold.valid.targets),
                             valid_metric=valid_metric, seed=seed)

    def predict(self, test: ProbeData):
        return self.head.predict(self._x(test))
