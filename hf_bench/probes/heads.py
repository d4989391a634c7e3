"""What LeBenchmark's three heads (``ctc``, ``seq2seq``, ``gru``) share: the frame view, the task's training
settings over each head's defaults, and, for the two text heads, the vocabulary, the validation score and the
record of what was selected."""

from __future__ import annotations

import math
from typing import ClassVar

from hf_bench.errors import HFBenchError
from hf_bench.features.featurizer import layers_needed
from hf_bench.features.views import FeatureView
from hf_bench.probes.base import Fold, Probe, ProbeData
from hf_bench.probes.mlp import KeepBest, MLPConfig
from hf_bench.probes.vocab import Vocabulary, output_symbols, target_texts


class FrameHead(Probe):
    """A head trained on frame features; runs where a task (``TaskMetadata.probes``) or ``--probe`` names it."""

    by_default = False
    defaults: ClassVar[tuple[int, int, float]]   # epochs, batch size, learning rate
    eval_batch: ClassVar[int]
    final_lr_ratio: ClassVar[float] = 0.1

    def view(self):
        return FeatureView("frames", layers_needed(self.settings.layer, self.settings.num_layers),
                           self.settings.frame_dtype)

    def train_config(self) -> MLPConfig:
        o, (epochs, batch, lr) = self.task.probe, self.defaults
        return MLPConfig(epochs=o.epochs or epochs, batch_size=o.batch_size or batch,
                         learning_rate=o.learning_rate or lr, final_lr_ratio=self.final_lr_ratio,
                         eval_batch_size=self.eval_batch)

    @staticmethod
    def learned(selected: dict, keep: KeepBest, features, model) -> dict:
        """``selected`` plus the trainable size and, with ``--layer weighted``, the kept layer mix."""
        import torch

        selected["trainable_parameters"] = int(sum(p.numel() for p in model.parameters()))
        if features.layer_axis:
            selected["layer_weights"] = [round(v, 6) for v in torch.softmax(keep.state["layer_weights"], 0).tolist()]
        return selected


class TextHead(FrameHead):
    """A head that writes text (a transcript, a translation, a MEDIA sequence) over a SentencePiece vocabulary."""

    default_vocab: ClassVar[int]

    def vocabulary_config(self) -> dict:
        return {"type": "SentencePiece unigram (train split)",
                "requested_size": self.task.probe.vocab_size or self.default_vocab}

    def train_vocabulary(self, train: ProbeData) -> list[str]:
        """Train ``self.vocab`` on the train split's target texts; returns those texts."""
        texts = target_texts(self.task, train.targets)
        self.vocab = Vocabulary.train(texts, self.task.probe.vocab_size or self.default_vocab,
                                      symbols=output_symbols(self.task, train.targets))
        return texts

    def _decode(self, model, features, beam: int) -> list[str]:
        raise NotImplementedError

    def score(self, model, data: ProbeData) -> float:
        """The task's main score of greedy decoding on ``data`` (what selects the epoch)."""
        from hf_bench import metrics
        from hf_bench.tasks.types import get_type

        preds, refs = get_type(self.task.type).metric_inputs(self.task, self.coding,
                                                             self._decode(model, data.features, 1), data.targets)
        return float(metrics.compute(self.task.metric, preds, refs, **self.task.metric_args)[self.task.main_score])

    def selected(self, keep: KeepBest, fold: Fold, model, **extra) -> dict:
        """What ``fit`` returns: the kept epoch, the vocabulary itself and the characters it cannot write."""
        if keep.best is None or not math.isfinite(keep.best):
            raise HFBenchError(f"the {self.name} head's validation score is not finite", where=f"task {self.task.name}",
                               fix="check the encoder's features for NaN/huge values, or lower the learning rate")
        out = {**keep.selected(), **extra, "vocabulary": self.vocab.saved(),
               "unknown_characters": {part: self.vocab.unknown_characters(target_texts(self.task, data.targets))
                                      for part, data in (("valid", fold.valid), ("test", fold.test))}}
        return self.learned(out, keep, fold.train.features, model)


__all__ = ["FrameHead", "TextHead"]
