"""``mlp`` on ASR tasks: an adapter into a frozen causal LM, trained on the Trainer, decoded greedily (X-ARES ASR).

X-ARES's recipe (``xares/models/asr.py``): a SwiGLU adapter ``proj(silu(fc_1(x)) * fc_2(x))`` (intermediate size
= the LM's MLP size, output = its hidden size) maps each encoder frame into the LM's input embeddings; the LM sees
``[adapter(audio); embed(separator + transcript + eos)]`` and only the text positions carry a loss; the LM is
frozen (no optimizer state, gradients only through its activations); Adam with the per-epoch cosine decay, the
task's lr / epochs / batch size; test transcripts are generated greedily with repetition penalty 1.1. The default
decoder is the task's (``Qwen/Qwen2.5-0.5B`` for LibriSpeech) or ``--decoder``; its id, revision and fingerprint
are part of the probe config, hence of the result key.

hf_bench's defaults, each an X-ARES switch of the run protocol (``--compat xares`` sets them all):

* ``asr_select``: the kept epoch has the lowest validation loss (or, with ``wer``, the best generated validation
  WER); X-ARES scores a teacher-forced argmax truncated to the reference's length, which rewards nothing a
  decoder does at test time;
* ``asr_adapter``: each frame is layer-normalised (encoders' feature scales differ by orders of magnitude, and an
  adapter trained for a few hundred steps cannot learn a scale first) and frames are stacked to one LM position
  per ``stack_ms`` (40 ms unless the task says otherwise): on a CPU the LM costs per position, and 25 positions
  per second still leave several per token;
* ``asr_text``: the LM learns the normalised transcript, the string that is scored;
* ``asr_layout``: each row is packed, audio then text, with positions from 0, as at generation time (X-ARES pads
  the audio of a batch to its longest, so a short utterance's text starts at other positions in training);
* ``asr_max_tokens``: generation is capped at twice the longest training transcript (in tokens) plus 10.

Only the text positions go through the LM head (the logits of a 150k-token vocabulary over every audio frame would
take gigabytes); on CUDA the LM runs under bf16 autocast, as in X-ARES.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from hf_bench.errors import HFBenchError
from hf_bench.features.featurizer import layers_needed
from hf_bench.features.frames import EpochBatches
from hf_bench.features.views import FeatureView
from hf_bench.probes.base import Fold, Probe, ProbeData, selection_rule
from hf_bench.probes.mlp import KeepBest, MLPConfig, train_epochs
from hf_bench.probes.pretrained import default_name, load_causal_lm, resolve

# X-ARES ASR settings (librispeech_asr_task.py, models/asr.py)
DEFAULT_EPOCHS, DEFAULT_BATCH, DEFAULT_LR = 10, 4, 1e-3
REPETITION_PENALTY = 1.1
XARES_MAX_NEW_TOKENS = 200
DEFAULT_STACK_MS = 40.0
XARES_SEPARATOR = "<|vision_end|>"
GENERATE_BATCH = 16


@dataclass(frozen=True)
class _Tokens:
    sep: int
    eos: int
    pad: int
    separator: str


def _special_tokens(tok) -> _Tokens:
    """X-ARES's ``<|vision_end|>`` where the vocabulary has it (Qwen2/2.5), else the BOS, else the EOS token."""
    eos = tok.eos_token_id
    if eos is None:
        raise HFBenchError("the decoder's tokenizer has no end-of-sequence token", where="--decoder",
                           fix="use a causal LM whose tokenizer defines eos_token")
    vocab = tok.get_vocab()
    if XARES_SEPARATOR in vocab:
        sep, name = vocab[XARES_SEPARATOR], XARES_SEPARATOR
    elif tok.bos_token_id is not None:
        sep, name = tok.bos_token_id, tok.bos_token
    else:
        sep, name = eos, tok.eos_token
    pad = tok.pad_token_id if tok.pad_token_id is not None else eos
    return _Tokens(int(sep), int(eos), int(pad), str(name))


def _adapter(dim: int, stack: int, layers: int | None, intermediate: int, hidden: int, norm: bool):
    import torch
    from torch import nn

    class SwiGLUAdapter(nn.Module):
        """Optional learned layer mix and LayerNorm, ``stack`` frames concatenated per position, then X-ARES's
        SwiGLU."""

        def __init__(self):
            super().__init__()
            self.stack = stack
            self.layer_weights = nn.Parameter(torch.zeros(layers)) if layers else None
            self.norm = nn.LayerNorm(dim) if norm else None
            self.fc_1 = nn.Linear(dim * stack, intermediate)
            self.fc_2 = nn.Linear(dim * stack, intermediate)
            self.proj = nn.Linear(intermediate, hidden)

        def forward(self, x, lengths):
            """x [B, T, D] (or [B, T, L, D]); lengths [B] frames -> ([B, T', H], positions [B])."""
            if self.layer_weights is not None:
                x = (torch.softmax(self.layer_weights, 0)[:, None] * x).sum(dim=-2)
            if self.norm is not None:  # padded frames stay zero: a stacked position may hold a few
                valid = torch.arange(x.shape[1], device=x.device)[None, :] < lengths[:, None]
                x = self.norm(x) * valid[..., None].to(x.dtype)
            if self.stack > 1:
                b, t, d = x.shape
                pad = (-t) % self.stack
                if pad:
                    x = torch.nn.functional.pad(x, (0, 0, 0, pad))
                x = x.reshape(b, (t + pad) // self.stack, self.stack * d)
                lengths = (lengths + self.stack - 1) // self.stack
            return self.proj(torch.nn.functional.silu(self.fc_1(x)) * self.fc_2(x)), lengths

    return SwiGLUAdapter()


def _model(adapter, lm, tokens: _Tokens, layout: str):
    """The trained module the Trainer sees: adapter + frozen LM; forward returns the text-token loss."""
    import torch
    from torch import nn

    class AdapterLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.adapter = adapter
            self.lm = lm  # frozen: requires_grad is False on every parameter

        @property
        def device(self):
            return self.adapter.proj.weight.device

        def train(self, mode: bool = True):
            super().train(mode)
            self.lm.eval()  # frozen means frozen: no dropout in the LM whatever the Trainer asks
            return self

        def rows(self, features, lengths, texts, tail: bool = False):
            """(inputs_embeds, attention_mask, position_ids or None, rows, positions, targets): the positions
            whose next token is a text token; with ``tail``, every position from the separator to the end of the
            batch instead (X-ARES's teacher-forced validation reads them all)."""
            audio, n_audio = self.adapter(features, lengths)
            embed = self.lm.get_input_embeddings()
            b, t_audio, h = audio.shape
            n_text = [len(t) for t in texts]
            if layout == "xares":
                total = t_audio + max(n_text)
            else:
                total = max(int(a) + n for a, n in zip(n_audio.tolist(), n_text))
            emb = audio.new_zeros(b, total, h)
            mask = torch.zeros(b, total, dtype=torch.long, device=audio.device)
            rows, cols, targets = [], [], []
            for i, ids in enumerate(texts):
                a = int(n_audio[i])
                start = t_audio if layout == "xares" else a
                ids_t = torch.tensor(ids, device=audio.device)
                emb[i, :a] = audio[i, :a]
                emb[i, start:start + len(ids)] = embed(ids_t).to(emb.dtype)
                mask[i, :a] = 1
                mask[i, start:start + len(ids)] = 1
                if tail:
                    rows += [i] * (total - start)
                    cols += list(range(start, total))
                    continue
                # position start + j predicts text token j + 1 (the separator predicts the first word); X-ARES
                # also asks the last audio position (padding, for a short utterance) for the separator
                first = start - 1 if layout == "xares" else start
                rows += [i] * (start + len(ids) - 1 - first)
                cols += list(range(first, start + len(ids) - 1))
                targets += ids if layout == "xares" else ids[1:]
            positions = None
            if layout == "packed":  # contiguous from 0, as generation numbers them
                positions = torch.arange(total, device=audio.device)[None].expand(b, total)
            return emb, mask, positions, rows, cols, torch.tensor(targets, device=audio.device)

        def text_logits(self, features, lengths, texts, tail: bool = False):
            emb, mask, positions, rows, cols, targets = self.rows(features, lengths, texts, tail)
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=emb.device.type == "cuda"):
                hidden = self.lm.base_model(inputs_embeds=emb, attention_mask=mask, position_ids=positions,
                                            use_cache=False).last_hidden_state
                logits = self.lm.get_output_embeddings()(hidden[rows, cols]).float()
            cap = getattr(self.lm.config, "final_logit_softcapping", None)
            if cap:
                logits = cap * torch.tanh(logits / cap)
            return logits * float(getattr(self.lm.config, "logit_scale", 1.0) or 1.0), targets, rows

        def forward(self, features, lengths, texts, labels=None):
            logits, targets, _ = self.text_logits(features, lengths, texts)
            return {"loss": torch.nn.functional.cross_entropy(logits, targets)}

    return AdapterLM()


class LMDecoderASR(Probe):
    name = "mlp"
    label = "MLP"
    task_types = frozenset({"asr"})
    summary = "SwiGLU adapter into a frozen causal LM, greedy decoding (X-ARES ASR)"

    def view(self):
        return FeatureView("frames", layers_needed(self.settings.layer, self.settings.num_layers),
                           self.settings.frame_dtype)

    def decoder(self):
        return resolve(default_name("causal_lm", self.task.probe.decoder, self.settings.decoder), "causal_lm")

    def train_config(self) -> MLPConfig:
        o = self.task.probe
        return MLPConfig(epochs=o.epochs or DEFAULT_EPOCHS, batch_size=o.batch_size or DEFAULT_BATCH,
                         learning_rate=o.learning_rate or DEFAULT_LR, eval_batch_size=GENERATE_BATCH)

    def stack(self) -> int:
        if self.settings.asr_adapter == "xares":
            return 1
        ms = self.task.probe.stack_ms or DEFAULT_STACK_MS
        return max(1, int(round(ms / self.settings.hop_ms)))

    def config(self) -> dict:
        s = self.settings
        return {**self.train_config().to_dict(), "decoder": self.decoder().describe(),
                "adapter": ("LayerNorm, frames stacked, " if s.asr_adapter == "stacked" else "") +
                           "SwiGLU proj(silu(fc_1 x) * fc_2 x), intermediate = the LM's MLP size",
                "frames_per_position": self.stack(), "layout": s.asr_layout, "targets": s.asr_text,
                "text_normalization": self.task.text_normalization, "optimizer": "Adam (adapter only; LM frozen)",
                "schedule": "cosine per epoch to 0.1x", "loss": "cross-entropy on the text tokens",
                "selection": {"loss": "lowest validation loss", "wer": "best generated validation WER",
                              "xares": "X-ARES: teacher-forced argmax WER, truncated to the reference length"}[
                                  s.asr_select] + " (" + selection_rule(self.task, s.select_on_test) + ")",
                "generation": {"decoding": "greedy", "repetition_penalty": REPETITION_PENALTY,
                               "max_new_tokens": "200" if s.asr_max_tokens == "200" else
                               (self.task.probe.max_new_tokens or "2 x longest training transcript + 10, <= 200")},
                "max_frames_per_batch": s.max_frames, "frame_dtype": s.frame_dtype}

    # ---------------------------------------------------------------------------------------------- text
    def _texts(self, data: ProbeData) -> list[str]:
        return [str(t) for t in (data.targets.raw if self.settings.asr_text == "raw" else data.targets.text)]

    def _ids(self, texts: list[str]) -> list[list[int]]:
        t = self.tokens
        if self.settings.asr_layout == "xares":  # X-ARES tokenises separator + text + eos as one string
            sep, eos = self.tokenizer.convert_ids_to_tokens([t.sep, t.eos])
            return [self.tokenizer(f"{sep}{x}{eos}", add_special_tokens=False).input_ids for x in texts]
        return [[t.sep] + self.tokenizer(x, add_special_tokens=False).input_ids + [t.eos] for x in texts]

    def _check_context(self, data: ProbeData, ids: list[list[int]] | None) -> None:
        limit = getattr(self.lm.config, "max_position_embeddings", None)
        if not limit:
            return
        lengths = data.features.lengths()
        positions = (lengths + self.stack() - 1) // self.stack()
        extra = np.array([len(x) for x in ids]) if ids is not None else np.full(len(lengths), 2 + self.max_new)
        over = np.flatnonzero(positions + extra > limit)
        if over.size:
            i = int(over[0])
            fit_frames = (limit - int(extra[i])) * self.stack()
            raise HFBenchError(
                f"utterance {data.ids[i]!r} needs {int(positions[i])} audio positions plus {int(extra[i])} text "
                f"tokens, more than the decoder's context of {limit} positions ({over.size} utterance(s) are too "
                "long)", where=f"task {self.task.name}",
                fix=f"cut the audio into utterances of at most {fit_frames} encoder frames "
                    f"({fit_frames * self.settings.hop_ms / 1000:.1f} s), stack more frames per position "
                    "(task probe.stack_ms), or use a decoder with a longer context")

    # ---------------------------------------------------------------------------------------------- batches
    def _batch(self, features, index, texts=None):
        import torch

        x, mask = features.padded(index)
        out = {"features": torch.from_numpy(x), "lengths": torch.from_numpy(mask.sum(1).astype(np.int64))}
        if texts is not None:
            out["texts"] = [texts[k] for k in index]
        return out

    def _generate(self, model, features) -> list[str]:
        import torch

        out: list[str | None] = [None] * len(features)
        t = self.tokens
        model.eval()
        device = model.device
        embed = self.lm.get_input_embeddings()
        with torch.inference_mode():
            for index in features.batches(GENERATE_BATCH, self.settings.max_frames, None):
                b = self._batch(features, index)
                audio, n_audio = model.adapter(b["features"].to(device), b["lengths"].to(device))
                sep = embed(torch.tensor([t.sep], device=device))[0].to(audio.dtype)
                n, t_audio, h = len(index), audio.shape[1], audio.shape[2]
                emb = audio.new_zeros(n, t_audio + 1, h)
                mask = torch.zeros(n, t_audio + 1, dtype=torch.long, device=device)
                for i in range(n):
                    a = int(n_audio[i])
                    if self.settings.asr_layout == "xares":  # audio padded on the right, then the separator
                        emb[i, :a], mask[i, :a] = audio[i, :a], 1
                        emb[i, t_audio], mask[i, t_audio] = sep, 1
                    else:  # left padding: every row ends with its separator
                        off = t_audio - a
                        emb[i, off:t_audio], mask[i, off:] = audio[i, :a], 1
                        emb[i, t_audio] = sep
                # the penalty applies to generated tokens only (there are no prompt ids), as in X-ARES
                with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"), \
                        warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message=".*repetition_penalty.*inputs_embeds")
                    ids = self.lm.generate(inputs_embeds=emb, attention_mask=mask, max_new_tokens=self.max_new,
                                           do_sample=False, repetition_penalty=REPETITION_PENALTY,
                                           eos_token_id=t.eos, pad_token_id=t.pad, num_beams=1, use_cache=True)
                for i, text in zip(index, self.tokenizer.batch_decode(ids, skip_special_tokens=True)):
                    out[i] = text.strip()
        model.train()
        return out

    def _valid_loss(self, model, data: ProbeData, ids) -> float:
        import torch

        total, count = 0.0, 0
        model.eval()
        with torch.inference_mode():
            for index in data.features.batches(GENERATE_BATCH, self.settings.max_frames, None):
                b = self._batch(data.features, index, ids)
                logits, targets, _ = model.text_logits(b["features"].to(model.device), b["lengths"].to(model.device),
                                                       b["texts"])
                total += float(torch.nn.functional.cross_entropy(logits, targets, reduction="sum"))
                count += len(targets)
        model.train()
        return total / max(count, 1)

    def _teacher_forced_wer(self, model, data: ProbeData, ids, texts) -> float:
        """X-ARES's validation score: argmax at every text position, decoded, cut to the reference's length."""
        import torch

        from hf_bench import metrics

        preds: list[str | None] = [None] * len(data)
        model.eval()
        with torch.inference_mode():
            for index in data.features.batches(GENERATE_BATCH, self.settings.max_frames, None):
                b = self._batch(data.features, index, ids)
                logits, _, rows = model.text_logits(b["features"].to(model.device), b["lengths"].to(model.device),
                                                    b["texts"], tail=True)
                best = logits.argmax(-1).tolist()
                rows = np.asarray(rows)
                for r, k in enumerate(index):
                    text = self.tokenizer.decode([best[j] for j in np.flatnonzero(rows == r)],
                                                 skip_special_tokens=True)
                    preds[k] = text[:len(texts[k])]
        model.train()
        return metrics.iwer(preds, texts)["iwer"]

    def _generated_score(self, model, data: ProbeData) -> float:
        from hf_bench import metrics
        from hf_bench.tasks.types import get_type

        adapter = get_type(self.task.type)
        preds, refs = adapter.metric_inputs(self.task, self.coding, self._generate(model, data.features), data.targets)
        return float(metrics.compute(self.task.metric, preds, refs, **self.task.metric_args)[self.task.main_score])

    # ---------------------------------------------------------------------------------------------- fit
    def fit(self, fold: Fold, coding, *, seed: int) -> dict:
        import torch
        import transformers
        from torch.utils.data import DataLoader
        from transformers import Trainer

        transformers.logging.set_verbosity_error()
        self.coding = coding
        s, config = self.settings, self.train_config()
        ref = self.decoder()
        self.lm, self.tokenizer = load_causal_lm(ref, device=s.device, cache_dir=s.cache_dir)
        self.tokens = _special_tokens(self.tokenizer)
        train, valid = fold.train, fold.valid
        train_texts, valid_texts = self._texts(train), self._texts(valid)
        train_ids, valid_ids = self._ids(train_texts), self._ids(valid_texts)
        longest = max(len(x) for x in train_ids) - 1  # text tokens + eos
        self.max_new = (XARES_MAX_NEW_TOKENS if s.asr_max_tokens == "200" else
                        int(self.task.probe.max_new_tokens or min(XARES_MAX_NEW_TOKENS, 2 * longest + 10)))
        for data, ids in ((train, train_ids), (valid, valid_ids)):
            self._check_context(data, ids)
        lm_cfg = self.lm.config
        intermediate = int(getattr(lm_cfg, "intermediate_size", None) or 4 * lm_cfg.hidden_size)
        higher = {"loss": False, "wer": True, "xares": True}[s.asr_select]
        keep = KeepBest(higher)
        probe = self

        def valid_score(model) -> float:
            if s.asr_select == "loss":
                return probe._valid_loss(model, valid, valid_ids)
            if s.asr_select == "xares":
                return probe._teacher_forced_wer(model, valid, valid_ids, valid_texts)
            return probe._generated_score(model, valid)

        sampler = EpochBatches(train.features, config.batch_size, s.max_frames, seed)

        class ASRTrainer(Trainer):
            def get_train_dataloader(self):
                return DataLoader(list(range(len(train))), batch_sampler=sampler,
                                  collate_fn=lambda idx: probe._batch(train.features, idx, train_ids))

        transformers.set_seed(seed)
        adapter = _adapter(train.features.dim, self.stack(), train.features.layer_axis, intermediate,
                           int(lm_cfg.hidden_size), norm=s.asr_adapter == "stacked")
        model = _model(adapter, self.lm, self.tokens, s.asr_layout)
        # only the adapter is trained, kept and restored: the LM stays frozen
        train_epochs(ASRTrainer, model, adapter.parameters(), config, len(sampler), seed, keep, valid_score,
                     kept=adapter, prefix="hf_bench_asr_", bar=f"{self.task.name} adapter", progress=s.progress,
                     train_dataset=list(range(len(train))))
        self.model = model
        selected = keep.selected()
        selected.update(batches_per_epoch=len(sampler), max_new_tokens=self.max_new, separator=self.tokens.separator,
                        trainable_parameters=int(sum(p.numel() for p in adapter.parameters())),
                        valid_metric={"loss": "cross-entropy per text token", "wer": self.task.main_score,
                                      "xares": "iwer (teacher-forced, truncated)"}[s.asr_select])
        if train.features.layer_axis:
            selected["layer_weights"] = [round(v, 6) for v in torch.softmax(keep.state["layer_weights"], 0).tolist()]
        if not math.isfinite(keep.best):
            raise HFBenchError("the ASR probe's validation score is not finite", where=f"task {self.task.name}",
                               fix="check the encoder's features for NaN/huge values, or lower the learning rate")
        return selected

    def predict(self, test: ProbeData):
        self._check_context(test, None)
        return np.array(self._generate(self.model, test.features), dtype=object)


__all__ = ["LMDecoderASR"]
