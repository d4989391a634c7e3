"""Output vocabularies of the text heads: a SentencePiece unigram model trained on the train split's texts only.

LeBenchmark's recipes use unigram units (500 for the SpeechBrain ASR recipes, 1000 for fairseq S2T on mTEDx).
Small training sets cannot fill that many units, so the size is a soft limit (``hard_vocab_limit=False``): the
model stops where the text runs out, and the size it reached is recorded; a size below the number of distinct
characters (plus the SLU markers) is raised to it. Characters that never occur in the
training text cannot be predicted: they encode to ``<unk>`` and are counted (``unknown_characters``) in the
probe's result. Concept markers of the SLU output format are whole symbols, never split. Training is
single-threaded and in memory: the same texts give the same model byte for byte, and the model itself (a few kB)
is saved with the result, base64-encoded.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass, field
from typing import Iterable, Sequence


@dataclass
class Vocabulary:
    model: bytes                                  # the serialised SentencePiece model
    requested: int
    _sp: object = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        import sentencepiece as spm

        self._sp = spm.SentencePieceProcessor(model_proto=self.model)

    @classmethod
    def train(cls, texts: Sequence[str], size: int, *, symbols: Iterable[str] = ()) -> "Vocabulary":
        import sentencepiece as spm

        texts = [t for t in texts if t]
        if not texts:
            raise ValueError("no training text to build a vocabulary from")
        symbols = sorted(set(symbols))
        # every character must have a unit, and so must each symbol, "<unk>" and the word marker
        floor = len(set("".join(texts).replace(" ", ""))) + len(symbols) + 2
        out = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(texts), model_writer=out, vocab_size=max(int(size), floor), model_type="unigram",
            character_coverage=1.0, hard_vocab_limit=False, num_threads=1, user_defined_symbols=symbols,
            unk_id=0, bos_id=-1, eos_id=-1, pad_id=-1, minloglevel=2, input_sentence_size=0,
            shuffle_input_sentence=False)
        return cls(out.getvalue(), int(size))

    def __len__(self) -> int:
        return int(self._sp.get_piece_size())

    @property
    def unk_id(self) -> int:
        return int(self._sp.unk_id())

    def encode(self, text: str) -> list[int]:
        return list(self._sp.encode(text))

    def decode(self, ids: Sequence[int]) -> str:
        return str(self._sp.decode([int(i) for i in ids])).replace(" ⁇ ", " ").replace("⁇", "").strip()

    def unknown_characters(self, texts: Iterable[str]) -> int:
        """Characters of ``texts`` the vocabulary cannot write (each encodes to ``<unk>``)."""
        sp = self._sp
        known = {c for i in range(len(self)) if not (sp.is_unknown(i) or sp.is_control(i))
                 for c in sp.id_to_piece(i).replace("▁", "")}
        return sum(1 for t in texts for ch in t.replace(" ", "") if ch not in known)

    def describe(self) -> dict:
        return {"type": "SentencePiece unigram (train split only)", "requested_size": self.requested,
                "size": len(self), "blake2b": hashlib.blake2b(self.model, digest_size=8).hexdigest()}

    def saved(self) -> dict:
        """What a result keeps of it: the description and the model itself (base64)."""
        return {**self.describe(), "model_base64": base64.b64encode(self.model).decode("ascii")}

    @classmethod
    def from_saved(cls, saved: dict) -> "Vocabulary":
        return cls(base64.b64decode(saved["model_base64"]), int(saved["requested_size"]))


def target_texts(task, targets) -> list[str]:
    """The string a text head learns to write for each item: the normalised transcript or translation, or (slu)
    the MEDIA output sequence ``... SOC words [concept] EOC ...`` (``probe.slu_output: concepts``: the concept
    markers alone)."""
    if task.type == "slu":
        if task.probe.slu_output == "concepts":
            from hf_bench.tasks.types.text import concept_token

            return [" ".join(concept_token(c) for c in targets.concepts(i)) for i in range(len(targets))]
        return [targets.sequence(i) for i in range(len(targets))]
    return [str(t) for t in targets.text]


def slu_targets(task) -> str:
    """What an SLU head writes, for its config."""
    return ("the concept markers alone" if task.probe.slu_output == "concepts" else
            "MEDIA sequence SOC words [concept] EOC")


def output_symbols(task, targets) -> list[str]:
    """Units that must never be split: the SLU markers and every concept of the task (or of the train split)."""
    if task.type != "slu":
        return []
    from hf_bench.tasks.types.text import EOC, NULL_CONCEPT, SOC, concept_token

    names = set(task.labels or ()) | {c for segs in targets.segments for c, _ in segs}
    return [SOC, EOC] + sorted(concept_token(c) for c in names if c != NULL_CONCEPT)


__all__ = ["Vocabulary", "target_texts", "output_symbols", "slu_targets"]
