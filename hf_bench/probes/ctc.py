"""``ctc``: a recurrent CTC head on frame features, for ASR and SLU (LeBenchmark's end-to-end recipes).

LeBenchmark trains SpeechBrain CRDNNs without CNN blocks on frozen wav2vec2 features (ETAPE: 1 x BiGRU-500 +
DNN-500; Common Voice: 3 x BiLSTM-1024 + DNN-1024), CTC + attention over 500 unigram units; its MEDIA SLU
models were CTC-trained too (the scorer's ``--clean-hyp`` removes CTC blanks). This head keeps the CTC half, sized
for a CPU: an optional learned layer mix, LayerNorm, frames stacked to one step per ``stack_ms`` (40 ms unless
the task says otherwise), Linear + LeakyReLU to 256, a 2-layer BiGRU of 256 per direction (``probe.hidden_size``
changes both), and a linear output
over the SentencePiece units (``hf_bench.probes.vocab``; 500 unless the task says otherwise, fewer when the
training text cannot fill them) plus the CTC blank. Adam 1e-3 with the per-epoch cosine, the kept epoch is the
best on the validation split by the task's own metric (greedy decoding). Test decoding is greedy, or a CTC prefix
beam search without a language model when the task sets ``probe.beam_size`` > 1. For SLU the head writes the
MEDIA output sequence (``SOC words [concept] EOC``), and the concepts are read from it.
"""

from __future__ import annotations

import math

import numpy as np

from hf_bench.errors import HFBenchError
from hf_bench.features.frames import EpochBatches
from hf_bench.probes.base import Fold, ProbeData, selection_rule
from hf_bench.probes.heads import TextHead
from hf_bench.probes.mlp import KeepBest, train_epochs
from hf_bench.probes.vocab import slu_targets as _slu_targets

DEFAULT_EPOCHS, DEFAULT_BATCH, DEFAULT_LR = 20, 8, 1e-3
DEFAULT_VOCAB = 500            # SpeechBrain LeBenchmark recipes: unigram, 500 output tokens
DEFAULT_STACK_MS = 40.0
HIDDEN, LAYERS, DROPOUT = 256, 2, 0.15
EVAL_BATCH = 32


def stack_frames(x, lengths, stack: int):
    """[B, T, D] -> [B, ceil(T / stack), stack * D] (zero-padded), and the new lengths."""
    import torch

    if stack <= 1:
        return x, lengths
    b, t, d = x.shape
    pad = (-t) % stack
    if pad:
        x = torch.nn.functional.pad(x, (0, 0, 0, pad))
    return x.reshape(b, (t + pad) // stack, stack * d), (lengths + stack - 1) // stack


def _model(dim: int, layers: int | None, stack: int, n_out: int, hidden: int = HIDDEN):
    import torch
    from torch import nn

    class CTCHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer_weights = nn.Parameter(torch.zeros(layers)) if layers else None
            self.norm = nn.LayerNorm(dim)
            self.inp = nn.Sequential(nn.Linear(dim * stack, hidden), nn.LeakyReLU(), nn.Dropout(DROPOUT))
            self.rnn = nn.GRU(hidden, hidden, num_layers=LAYERS, bidirectional=True, batch_first=True,
                              dropout=DROPOUT)
            self.out = nn.Linear(2 * hidden, n_out)

        def log_probs(self, features, lengths):
            x = features
            if self.layer_weights is not None:
                x = (torch.softmax(self.layer_weights, 0)[:, None] * x).sum(dim=-2)
            valid = torch.arange(x.shape[1], device=x.device)[None, :] < lengths[:, None]
            x = self.norm(x) * valid[..., None].to(x.dtype)
            x, lengths = stack_frames(x, lengths, stack)
            x = self.inp(x)
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            h, _ = self.rnn(packed)
            h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=x.shape[1])
            return torch.log_softmax(self.out(h), dim=-1), lengths

        def forward(self, features, lengths, labels=None, label_lengths=None):
            logp, out_len = self.log_probs(features, lengths)
            out = {"logits": logp, "lengths": out_len}
            if labels is not None:
                # blank = 0; an utterance too short for its label costs nothing instead of infinity
                out["loss"] = torch.nn.functional.ctc_loss(logp.transpose(0, 1), labels, out_len, label_lengths,
                                                           blank=0, zero_infinity=True)
            return out

    return CTCHead()


def greedy(logp: np.ndarray) -> list[int]:
    """Best path: argmax per step, repeats merged, blanks dropped; ids shifted back to vocabulary ids."""
    best = logp.argmax(-1)
    out, prev = [], 0
    for k in best.tolist():
        if k != prev and k != 0:
            out.append(k - 1)
        prev = k
    return out


def prefix_beam(logp: np.ndarray, beam: int) -> list[int]:
    """CTC prefix beam search (no language model) over log-probabilities [T, V + 1] (blank = 0)."""
    neg = -math.inf

    def add(a: float, b: float) -> float:
        if a == neg:
            return b
        if b == neg:
            return a
        m = max(a, b)
        return m + math.log1p(math.exp(-abs(a - b)))

    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, neg)}  # prefix -> (log p blank, log p non-blank)
    width = min(logp.shape[1], max(beam, 8))
    for t in range(logp.shape[0]):
        row = logp[t]
        cands = np.argpartition(-row, width - 1)[:width] if width < len(row) else np.arange(len(row))
        nxt: dict[tuple[int, ...], list[float]] = {}
        for prefix, (pb, pnb) in beams.items():
            total = add(pb, pnb)
            for k in cands.tolist():
                p = float(row[k])
                if k == 0:
                    e = nxt.setdefault(prefix, [neg, neg])
                    e[0] = add(e[0], total + p)
                    continue
                ext = prefix + (k,)
                e = nxt.setdefault(ext, [neg, neg])
                if prefix and prefix[-1] == k:  # a repeat only extends after a blank
                    e[1] = add(e[1], pb + p)
                    same = nxt.setdefault(prefix, [neg, neg])
                    same[1] = add(same[1], pnb + p)
                else:
                    e[1] = add(e[1], total + p)
        beams = dict(sorted(((k, (v[0], v[1])) for k, v in nxt.items()), key=lambda kv: -add(*kv[1]))[:beam])
    best = max(beams.items(), key=lambda kv: add(*kv[1]))[0]
    return [k - 1 for k in best]


class CTCHead(TextHead):
    name = "ctc"
    label = "CTC"
    task_types = frozenset({"asr", "slu"})
    summary = "BiGRU + CTC over SentencePiece units on frame features, greedy or beam decoding (LeBenchmark ASR/SLU)"
    defaults, eval_batch, default_vocab = (DEFAULT_EPOCHS, DEFAULT_BATCH, DEFAULT_LR), EVAL_BATCH, DEFAULT_VOCAB

    def stack(self) -> int:
        return max(1, int(round((self.task.probe.stack_ms or DEFAULT_STACK_MS) / self.settings.hop_ms)))

    def beam(self) -> int:
        return int(self.task.probe.beam_size or 1)

    def hidden(self) -> int:
        return int(self.task.probe.hidden_size or HIDDEN)

    def config(self) -> dict:
        h = self.hidden()
        return {**self.train_config().to_dict(), "model": f"LayerNorm, frames stacked, Linear+LeakyReLU {h}, "
                f"{LAYERS}-layer BiGRU {h}, Linear to units + blank", "dropout": DROPOUT,
                "frames_per_step": self.stack(), "vocabulary": self.vocabulary_config(),
                "targets": _slu_targets(self.task) if self.task.type == "slu" else
                           "normalised transcript", "text_normalization": self.task.text_normalization,
                "optimizer": "Adam", "schedule": "cosine per epoch to 0.1x", "loss": "CTC (blank 0, zero_infinity)",
                "decoding": "greedy" if self.beam() == 1 else f"CTC prefix beam search, beam {self.beam()}, no LM",
                "selection": f"best {self.task.main_score} on validation data, greedy decoding (" +
                             selection_rule(self.task, self.settings.select_on_test) + ")",
                "max_frames_per_batch": self.settings.max_frames, "frame_dtype": self.settings.frame_dtype}

    def _batch(self, features, index, ids=None):
        import torch

        x, mask = features.padded(index)
        out = {"features": torch.from_numpy(x), "lengths": torch.from_numpy(mask.sum(1).astype(np.int64))}
        if ids is not None:
            seqs = [ids[k] for k in index]
            out["labels"] = torch.tensor([t for s in seqs for t in s], dtype=torch.long)
            out["label_lengths"] = torch.tensor([len(s) for s in seqs], dtype=torch.long)
        return out

    def _decode(self, model, features, beam: int = 1) -> list[str]:
        import torch

        out: list[str | None] = [None] * len(features)
        model.eval()
        device = next(model.parameters()).device
        with torch.inference_mode():
            for index in features.batches(EVAL_BATCH, self.settings.max_frames, None):
                b = self._batch(features, index)
                logp, lengths = model.log_probs(b["features"].to(device), b["lengths"].to(device))
                logp = logp.float().cpu().numpy()
                for row, k in enumerate(index):
                    steps = logp[row, :int(lengths[row])]
                    ids = greedy(steps) if beam == 1 else prefix_beam(steps, beam)
                    out[k] = self.vocab.decode(ids)
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
        ids = [[i + 1 for i in self.vocab.encode(t)] for t in texts]  # 0 is the CTC blank
        steps = (train.features.lengths() + self.stack() - 1) // self.stack()
        too_short = int(np.sum(steps < np.array([len(x) for x in ids])))
        if too_short == len(ids):
            raise HFBenchError(f"every training utterance has fewer CTC steps than output units (frames stacked "
                               f"{self.stack()} to a step)", where=f"task {task.name}",
                               fix="lower probe.stack_ms or probe.vocab_size in the task")
        keep = KeepBest(metrics.METRICS[task.metric].higher_is_better)
        probe = self
        sampler = EpochBatches(train.features, config.batch_size, s.max_frames, seed)

        class CTCTrainer(Trainer):
            def get_train_dataloader(self):
                return DataLoader(list(range(len(train))), batch_sampler=sampler,
                                  collate_fn=lambda idx: probe._batch(train.features, idx, ids))

        transformers.set_seed(seed)
        model = _model(train.features.dim, train.features.layer_axis, self.stack(), len(self.vocab) + 1,
                       self.hidden())
        train_epochs(CTCTrainer, model, model.parameters(), config, len(sampler), seed, keep,
                     lambda m: probe.score(m, valid), prefix="hf_bench_ctc_", bar=f"{task.name} ctc",
                     progress=s.progress, train_dataset=list(range(len(train))))
        self.model = model
        return self.selected(keep, fold, model, batches_per_epoch=len(sampler), too_short_for_ctc=too_short)

    def predict(self, test: ProbeData):
        return np.array(self._decode(self.model, test.features, self.beam()), dtype=object)


__all__ = ["CTCHead", "greedy", "prefix_beam", "stack_frames"]
