"""``mlp`` on retrieval tasks: two towers trained with a symmetric InfoNCE on the Trainer (X-ARES Clotho).

X-ARES's recipe (``xares/models/retrival.py``, ``clotho_task.py``): the audio tower is LayerNorm + Linear(D, 1024)
+ GELU + Linear(1024, 1024) on the mean-pooled clip embedding; every (clip, caption) pair is a training sample,
batch 128, 20 epochs, Adam 1e-3 with the per-epoch cosine decay; a learnable temperature starting at 1/0.07; the
best epoch is kept by validation R@1; clips and captions are ranked by cosine similarity.

The text tower is where hf_bench and X-ARES differ (the ``text_tower`` switch of the run protocol):

* ``frozen`` (default, the design card's "frozen BERT decoder"): each caption is embedded once by a frozen
  sentence encoder (``all-MiniLM-L6-v2`` unless the task or ``--text-encoder`` says otherwise; mean pooling as the
  model's sentence-transformers config asks) and only an MLP projection of the same shape as the audio tower is
  trained. Caption embeddings are cached on disk by encoder fingerprint and caption text.
* ``xares``: a trainable ``nn.Embedding`` over the bert-base-uncased WordPiece vocabulary, Linear + GELU + Linear
  on every token and a mean over real tokens. The tokenizer is bert-base-uncased's from the Hub cache, else the
  all-MiniLM-L6-v2 package's (the same uncased vocabulary).

and so is the loss (``contrastive``): ``masked`` (default) L2-normalises both embeddings before the similarity (as
they are compared at test time) and does not count another caption of the same clip as a negative; ``xares`` uses
raw dot products, counts every other pair of the batch as a negative (X-ARES's batches of pairs hold a clip
several times) and adds X-ARES's regulariser mean|a| / ||a||_F + mean|t| / ||t||_F.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from hf_bench.features.featurizer import select_layer
from hf_bench.features.views import POOLED
from hf_bench.probes.base import Fold, Probe, ProbeData, selection_rule
from hf_bench.probes.mlp import KeepBest, MLPConfig, single_thread, train_epochs
from hf_bench.probes.pretrained import default_name, load_text_encoder, resolve

DEFAULT_EPOCHS, DEFAULT_BATCH, DEFAULT_LR = 20, 128, 1e-3
HIDDEN = 1024
TEMPERATURE = 0.07
MAX_LOGIT_SCALE = 100.0        # CLIP's clamp; X-ARES leaves the scale free
XARES_TOKENIZER = "google-bert/bert-base-uncased"
TEXT_BATCH = 64
TEXT_CACHE_FORMAT = 1


def _mlp(dim_in: int):
    from torch import nn

    return nn.Sequential(nn.LayerNorm(dim_in), nn.Linear(dim_in, HIDDEN), nn.GELU(), nn.Linear(HIDDEN, HIDDEN))


def _towers(audio_dim: int, layers: int | None, text_dim: int | None, vocab: int | None, pad_id: int, mode: str,
            loss_mode: str):
    import torch
    from torch import nn

    class TwoTowers(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer_weights = nn.Parameter(torch.zeros(layers)) if layers else None
            self.audio = _mlp(audio_dim)
            if mode == "xares":
                self.embedding = nn.Embedding(vocab, HIDDEN)
                self.text = nn.Sequential(nn.Linear(HIDDEN, HIDDEN), nn.GELU(), nn.Linear(HIDDEN, HIDDEN))
            else:
                self.text = _mlp(text_dim)
            self.log_scale = nn.Parameter(torch.tensor(math.log(1.0 / TEMPERATURE)))

        def embed_audio(self, x):
            if self.layer_weights is not None:
                x = (torch.softmax(self.layer_weights, 0)[None, :, None] * x).sum(dim=1)
            return self.audio(x)

        def embed_text(self, text):
            if mode != "xares":
                return self.text(text)
            mask = (text != pad_id).unsqueeze(-1).float()
            t = self.text(self.embedding(text))
            return (t * mask).sum(1) / mask.sum(1).clamp(min=1.0)

        def forward(self, audio, text, clip, labels=None):
            a, t = self.embed_audio(audio), self.embed_text(text)
            if loss_mode == "masked":
                a = nn.functional.normalize(a, dim=-1)
                t = nn.functional.normalize(t, dim=-1)
                scale = self.log_scale.clamp(max=math.log(MAX_LOGIT_SCALE)).exp()
            else:
                scale = self.log_scale.exp()
            logits = scale * a @ t.T
            if loss_mode == "masked":  # another caption of the same clip is not a negative
                same = (clip[:, None] == clip[None, :]) & ~torch.eye(len(clip), dtype=torch.bool, device=clip.device)
                logits = logits.masked_fill(same, float("-inf"))
            target = torch.arange(len(clip), device=logits.device)
            loss = (nn.functional.cross_entropy(logits, target) + nn.functional.cross_entropy(logits.T, target)) / 2
            if loss_mode == "xares":
                loss = loss + a.abs().mean() / a.pow(2).sum().sqrt() + t.abs().mean() / t.pow(2).sum().sqrt()
            return {"loss": loss}

    return TwoTowers()


class _Pairs:
    """(clip, caption) training pairs: the audio row, the caption's input (embedding or token ids), the clip."""

    def __init__(self, audio: np.ndarray, texts: list, owners: np.ndarray):
        self.audio, self.texts, self.owners = audio, texts, owners

    def __len__(self):
        return len(self.owners)

    def __getitem__(self, i):
        return int(i)


def _text_batch(texts: list, mode: str, pad_id: int):
    """Caption inputs as one tensor: token ids padded with ``pad_id`` (xares tower) or stacked embeddings."""
    import torch

    if mode != "xares":
        return torch.from_numpy(np.stack(texts))
    out = torch.full((len(texts), max(len(x) for x in texts)), pad_id, dtype=torch.long)
    for row, x in enumerate(texts):
        out[row, :len(x)] = torch.tensor(x)
    return out


def _collate(pairs: _Pairs, mode: str, pad_id: int):
    import torch

    def collate(index):
        return {"audio": torch.from_numpy(np.stack([pairs.audio[pairs.owners[i]] for i in index])),
                "text": _text_batch([pairs.texts[i] for i in index], mode, pad_id),
                "clip": torch.tensor([int(pairs.owners[i]) for i in index])}

    return collate


class TwoTowerRetrieval(Probe):
    name = "mlp"
    label = "MLP"
    task_types = frozenset({"retrieval"})
    summary = "audio and text towers trained with a symmetric InfoNCE, ranked by cosine (X-ARES Clotho)"

    def view(self):
        return POOLED

    def text_encoder(self):
        return resolve(default_name("text_encoder", self.task.probe.text_encoder, self.settings.text_encoder),
                       "text_encoder")

    def train_config(self) -> MLPConfig:
        o = self.task.probe
        return MLPConfig(epochs=o.epochs or DEFAULT_EPOCHS, batch_size=o.batch_size or DEFAULT_BATCH,
                         learning_rate=o.learning_rate or DEFAULT_LR)

    def _tokenizer_ref(self):
        from hf_bench.utils.hub import cached_snapshot

        snap = cached_snapshot(XARES_TOKENIZER)
        if snap is not None:
            return str(snap), XARES_TOKENIZER
        ref = resolve("all-minilm-l6-v2", "text_encoder")  # its vocab.txt is bert-base-uncased's
        return str(ref.folder), f"{XARES_TOKENIZER} vocabulary (from {ref.origin})"

    def config(self) -> dict:
        s = self.settings
        if s.text_tower == "xares":
            text = {"tower": "trained nn.Embedding over the bert-base-uncased vocabulary + Linear-GELU-Linear + "
                             "masked mean", "tokenizer": self._tokenizer_ref()[1]}
        else:
            text = {"tower": "frozen sentence encoder + LayerNorm-Linear-GELU-Linear", "encoder":
                    self.text_encoder().describe()}
        return {**self.train_config().to_dict(), "audio_tower": "LayerNorm-Linear-GELU-Linear on pooled features",
                "embedding_dim": HIDDEN, "text": text, "loss": s.contrastive + " symmetric InfoNCE",
                "temperature_init": TEMPERATURE, "samples": "every (clip, caption) pair",
                "optimizer": "Adam", "schedule": "cosine per epoch to 0.1x", "similarity": "cosine",
                "selection": "best validation recall@1 (" + selection_rule(self.task, s.select_on_test) + ")"}

    # ---------------------------------------------------------------------------------------------- captions
    @staticmethod
    def _flat(targets) -> tuple[list[str], np.ndarray]:
        captions, owners = [], []
        for i, caps in enumerate(targets):
            captions += list(caps)
            owners += [i] * len(caps)
        return captions, np.asarray(owners, dtype=np.int64)

    def _frozen_embeddings(self, captions: list[str]) -> np.ndarray:
        """float32 [n, E] of each caption, computed once per (text encoder, caption) and cached on disk."""
        import torch

        from hf_bench.utils.io import atomic_save_npy, ensure_dir, load_npy, stable_hash

        ref = self.text_encoder()
        unique = sorted(set(captions))
        path = None
        if self.settings.cache_dir:
            key = stable_hash({"encoder": ref.fingerprint(), "captions": unique, "format": TEXT_CACHE_FORMAT})
            path = ensure_dir(f"{self.settings.cache_dir}/text") / f"{key}.npy"
        table = None
        if path is not None and path.is_file():
            try:
                table = load_npy(path)
                if table.shape[0] != len(unique):
                    table = None
            except Exception:  # noqa: BLE001 - a damaged cache file is recomputed
                table = None
        if table is None:
            model, tok, pooling = load_text_encoder(ref, device=self.settings.device)
            rows = []
            with torch.inference_mode():
                for i in range(0, len(unique), TEXT_BATCH):
                    enc = tok(unique[i:i + TEXT_BATCH], padding=True, truncation=True, max_length=128,
                              return_tensors="pt").to(self.settings.device)
                    h = model(**enc).last_hidden_state
                    if pooling == "cls":
                        rows.append(h[:, 0].float().cpu().numpy())
                    else:
                        m = enc["attention_mask"].unsqueeze(-1).to(h.dtype)
                        rows.append(((h * m).sum(1) / m.sum(1).clamp(min=1)).float().cpu().numpy())
            table = np.concatenate(rows).astype(np.float32)
            if path is not None:
                atomic_save_npy(path, table)
        index = {c: i for i, c in enumerate(unique)}
        return table[[index[c] for c in captions]]

    def _token_ids(self, captions: list[str]) -> list[list[int]]:
        return [self.tokenizer(c, add_special_tokens=True, truncation=True, max_length=128).input_ids
                for c in captions]

    def _text_inputs(self, captions: list[str]):
        """Per caption: token ids (xares tower) or its frozen embedding; computed once per probe and split (the
        validation captions are scored every epoch)."""
        key = (self.settings.text_tower, tuple(captions))
        memo = self.__dict__.setdefault("_text_memo", {})
        if key not in memo:
            memo[key] = self._token_ids(captions) if self.settings.text_tower == "xares" else list(
                self._frozen_embeddings(captions))
        return memo[key]

    # ---------------------------------------------------------------------------------------------- fit
    def _x(self, data: ProbeData) -> np.ndarray:
        return np.ascontiguousarray(select_layer(data.features, self.settings.layer), dtype=np.float32)

    def _embed(self, model, data: ProbeData):
        """Per clip: (audio embedding, its captions' embeddings), as the retrieval type scores them."""
        import torch

        captions, owners = self._flat(data.targets)
        texts = self._text_inputs(captions)
        model.eval()
        device = next(model.parameters()).device
        with torch.inference_mode():
            audio = model.embed_audio(torch.from_numpy(self._x(data)).to(device)).float().cpu().numpy()
            parts = [model.embed_text(_text_batch(texts[i:i + 512], self.settings.text_tower, self.pad_id).to(device))
                     .float().cpu().numpy() for i in range(0, len(texts), 512)]
        model.train()
        text = np.concatenate(parts)
        return [(audio[i], text[owners == i]) for i in range(len(data))]

    def fit(self, fold: Fold, coding, *, seed: int) -> dict:
        import torch
        import transformers
        from transformers import Trainer

        from hf_bench import metrics
        from hf_bench.tasks.types import get_type

        transformers.logging.set_verbosity_error()
        s, config, task = self.settings, self.train_config(), self.task
        adapter = get_type(task.type)
        self.pad_id, vocab, text_dim = 0, None, None
        if s.text_tower == "xares":
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(self._tokenizer_ref()[0])
            self.pad_id, vocab = int(self.tokenizer.pad_token_id or 0), int(self.tokenizer.vocab_size)
        train = fold.train
        captions, owners = self._flat(train.targets)
        texts = self._text_inputs(captions)
        if s.text_tower != "xares":
            text_dim = int(texts[0].shape[-1])
        pairs = _Pairs(self._x(train), texts, owners)
        keep = KeepBest(True)
        probe = self

        def valid_score(model) -> float:
            preds, refs = adapter.metric_inputs(task, coding, probe._embed(model, fold.valid), fold.valid.targets)
            return float(metrics.compute(task.metric, preds, refs, k=1)["recall@1"])

        # every CPU thread: the 1024-wide towers are compute-bound (2 threads: 40 ms a step of 128 pairs, 1: 90)
        transformers.set_seed(seed)
        layers = pairs.audio.shape[1] if pairs.audio.ndim == 3 else None
        model = _towers(pairs.audio.shape[-1], layers, text_dim, vocab, self.pad_id, s.text_tower, s.contrastive)
        train_epochs(Trainer, model, model.parameters(), config, math.ceil(len(pairs) / config.batch_size), seed,
                     keep, valid_score, prefix="hf_bench_retrieval_", bar=f"{self.task.name} towers",
                     progress=s.progress, train_dataset=pairs, data_collator=_collate(pairs, s.text_tower, self.pad_id))
        self.model = model
        selected = keep.selected()
        selected.update(pairs=len(pairs), temperature=round(float(1.0 / model.log_scale.detach().exp()), 6),
                        valid_metric="recall@1")
        if layers:
            selected["layer_weights"] = [round(v, 6) for v in torch.softmax(keep.state["layer_weights"], 0).tolist()]
        return selected

    def predict(self, test: ProbeData):
        with single_thread() if self.settings.device == "cpu" else contextlib.nullcontext():
            return self._embed(self.model, test)


__all__ = ["TwoTowerRetrieval"]
