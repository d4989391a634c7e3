"""``seq2seq``: a small speech-to-text transformer on frame features, for speech translation (and, as the attention
decoder option, ASR and SLU).

LeBenchmark's AST recipe is fairseq's ``s2t_transformer_xs`` on frozen features (two stride-2 convolutions, a
transformer encoder and decoder, unigram vocabulary of 1000, label-smoothed cross-entropy, beam 5). This head is
the same architecture as a transformers model, ``Speech2TextForConditionalGeneration`` built from a config (so
training is the ``Trainer`` and decoding is ``generate`` with beam search), sized for a CPU: d_model 256, 2 encoder
and 2 decoder layers, 4 heads, feed-forward 1024, convolution channels 512, dropout 0.1 (``probe.hidden_size`` sets
d_model, feed-forward 4x and convolutions 2x); the frame features are
layer-normalised first (an optional learned layer mix before). Targets are SentencePiece units trained on the
train split (1000 unless the task says otherwise; fewer when the text cannot fill them); label smoothing 0.1;
Adam 5e-4 with the per-epoch cosine; the kept epoch is the best on the validation split by the task's metric
(greedy decoding); test decoding is beam search (beam 5 unless the task sets ``probe.beam_size``) capped at twice
the longest training target plus 10 units.
"""

from __future__ import annotations

import numpy as np

from hf_bench.errors import HFBenchError
from hf_bench.features.frames import EpochBatches
from hf_bench.probes.base import Fold, ProbeData, selection_rule
from hf_bench.probes.heads import TextHead
from hf_bench.probes.mlp import KeepBest, train_epochs
from hf_bench.probes.vocab import slu_targets as _slu_targets

DEFAULT_EPOCHS, DEFAULT_BATCH, DEFAULT_LR = 40, 16, 5e-4
DEFAULT_VOCAB = 1000           # LeBenchmark AST (fairseq S2T on mTEDx): unigram, 1000 units
DEFAULT_BEAM = 5
LABEL_SMOOTHING = 0.1
ARCH = {"d_model": 256, "encoder_layers": 2, "decoder_layers": 2, "encoder_attention_heads": 4,
        "decoder_attention_heads": 4, "encoder_ffn_dim": 1024, "decoder_ffn_dim": 1024, "conv_channels": 512,
        "dropout": 0.1}
PAD, BOS, EOS, SHIFT = 0, 1, 2, 3  # vocabulary id i is token i + SHIFT
EVAL_BATCH = 32


def arch(hidden: int | None) -> dict:
    """The architecture, ``d_model`` (and the widths that scale with it) set by ``probe.hidden_size``."""
    if not hidden:
        return dict(ARCH)
    return {**ARCH, "d_model": hidden, "encoder_ffn_dim": 4 * hidden, "decoder_ffn_dim": 4 * hidden,
            "conv_channels": 2 * hidden}


def _model(dim: int, layers: int | None, vocab: int, source_positions: int, max_target: int, shape: dict):
    import torch
    from torch import nn
    from transformers import Speech2TextConfig, Speech2TextForConditionalGeneration

    config = Speech2TextConfig(vocab_size=vocab + SHIFT, input_feat_per_channel=dim, input_channels=1,
                               max_source_positions=max(64, source_positions),
                               max_target_positions=max(64, max_target + 8), pad_token_id=PAD, bos_token_id=BOS,
                               eos_token_id=EOS, decoder_start_token_id=EOS, activation_function="relu",
                               scale_embedding=True, **shape)

    class Seq2SeqHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer_weights = nn.Parameter(torch.zeros(layers)) if layers else None
            self.norm = nn.LayerNorm(dim)
            self.s2t = Speech2TextForConditionalGeneration(config)

        def inputs(self, features, mask):
            x = features
            if self.layer_weights is not None:
                x = (torch.softmax(self.layer_weights, 0)[:, None] * x).sum(dim=-2)
            return self.norm(x) * mask[..., None].to(x.dtype)

        def forward(self, features, mask, labels=None):
            out = self.s2t(input_features=self.inputs(features, mask), attention_mask=mask.long(), labels=labels)
            if labels is None:
                return {"logits": out.logits}
            loss = torch.nn.functional.cross_entropy(out.logits.reshape(-1, out.logits.shape[-1]).float(),
                                                     labels.reshape(-1), ignore_index=-100,
                                                     label_smoothing=LABEL_SMOOTHING)
            return {"loss": loss}

        def generate(self, features, mask, **kwargs):
            return self.s2t.generate(input_features=self.inputs(features, mask), attention_mask=mask.long(),
                                     **kwargs)

    return Seq2SeqHead()


class Seq2SeqHead(TextHead):
    name = "seq2seq"
    label = "Seq2seq"
    task_types = frozenset({"translation", "asr", "slu"})
    summary = ("speech-to-text transformer (fairseq s2t_transformer_xs shape) on frame features, beam search "
               "(LeBenchmark AST; the attention decoder for ASR/SLU)")
    defaults, eval_batch, default_vocab = (DEFAULT_EPOCHS, DEFAULT_BATCH, DEFAULT_LR), EVAL_BATCH, DEFAULT_VOCAB

    def beam(self) -> int:
        return int(self.task.probe.beam_size or DEFAULT_BEAM)

    def config(self) -> dict:
        return {**self.train_config().to_dict(), "model": "LayerNorm, Speech2TextForConditionalGeneration "
                "(2 stride-2 convolutions, transformer encoder-decoder)",
                "architecture": arch(self.task.probe.hidden_size),
                "vocabulary": self.vocabulary_config(),
                "targets": _slu_targets(self.task) if self.task.type == "slu" else
                           "normalised " + ("translation" if self.task.type == "translation" else "transcript"),
                "text_normalization": self.task.text_normalization, "optimizer": "Adam",
                "schedule": "cosine per epoch to 0.1x", "loss": f"cross-entropy, label smoothing {LABEL_SMOOTHING}",
                "decoding": f"beam search, beam {self.beam()}, max 2 x longest training target + 10 units",
                "selection": f"best {self.task.main_score} on validation data, greedy decoding (" +
                             selection_rule(self.task, self.settings.select_on_test) + ")",
                "max_frames_per_batch": self.settings.max_frames, "frame_dtype": self.settings.frame_dtype}

    def _batch(self, features, index, ids=None):
        import torch

        x, mask = features.padded(index)
        out = {"features": torch.from_numpy(x), "mask": torch.from_numpy(mask)}
        if ids is not None:
            seqs = [ids[k] + [EOS] for k in index]
            labels = torch.full((len(seqs), max(len(s) for s in seqs)), -100, dtype=torch.long)
            for row, s in enumerate(seqs):
                labels[row, :len(s)] = torch.tensor(s)
            out["labels"] = labels
        return out

    def _decode(self, model, features, beam: int) -> list[str]:
        import torch

        out: list[str | None] = [None] * len(features)
        model.eval()
        device = next(model.parameters()).device
        with torch.inference_mode():
            for index in features.batches(EVAL_BATCH, self.settings.max_frames, None):
                b = self._batch(features, index)
                ids = model.generate(b["features"].to(device), b["mask"].to(device), num_beams=beam,
                                     max_new_tokens=self.max_new, do_sample=False, early_stopping=True)
                for row, k in enumerate(index):
                    units = [int(t) - SHIFT for t in ids[row].tolist() if int(t) >= SHIFT]
                    out[k] = self.vocab.decode(units)
        model.train()
        return out

    def fit(self, fold: Fold, coding, *, seed: int) -> dict:
        import transformers
        from torch.utils.data import DataLoader
        from transformers import Trainer

        from hf_bench import metrics

        transformers.logging.set_verbosity_error()
        self.coding = coding
        task, s, config = self.task, self.settings, self.train_config()
        train, valid = fold.train, fold.valid
        texts = self.train_vocabulary(train)
        ids = [[i + SHIFT for i in self.vocab.encode(t)] for t in texts]
        longest = max(len(x) for x in ids)
        self.max_new = 2 * longest + 10
        frames = int(max(train.features.lengths().max(), valid.features.lengths().max()))
        keep = KeepBest(metrics.METRICS[task.metric].higher_is_better)
        probe = self
        sampler = EpochBatches(train.features, config.batch_size, s.max_frames, seed)

        class S2TTrainer(Trainer):
            def get_train_dataloader(self):
                return DataLoader(list(range(len(train))), batch_sampler=sampler,
                                  collate_fn=lambda idx: probe._batch(train.features, idx, ids))

        transformers.set_seed(seed)
        # the convolutions keep a quarter of the frames: room for test utterances 4x the longest seen
        model = _model(train.features.dim, train.features.layer_axis, len(self.vocab), frames + 8,
                       self.max_new, arch(self.task.probe.hidden_size))
        self.max_source = model.s2t.config.max_source_positions
        train_epochs(S2TTrainer, model, model.parameters(), config, len(sampler), seed, keep,
                     lambda m: probe.score(m, valid), prefix="hf_bench_s2t_", bar=f"{task.name} seq2seq",
                     progress=s.progress, train_dataset=list(range(len(train))))
        self.model = model
        return self.selected(keep, fold, model, batches_per_epoch=len(sampler), max_new_tokens=self.max_new)

    def predict(self, test: ProbeData):
        longest = int(test.features.lengths().max())
        if (longest + 3) // 4 > self.max_source:
            raise HFBenchError(f"a test utterance has {longest} frames, more than the head's "
                               f"{4 * self.max_source} (4 x its source positions, sized on the training data)",
                               where=f"task {self.task.name}", fix="cut the test audio into shorter utterances")
        return np.array(self._decode(self.model, test.features, self.beam()), dtype=object)


__all__ = ["Seq2SeqHead"]
