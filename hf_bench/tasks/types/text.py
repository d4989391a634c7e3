"""Task types whose targets are text: transcripts (``asr``), translations (``translation``), concept sequences
(``slu``) and captions (``retrieval``).

Both are one target per item ("clip" level), so X-ARES crops and folds take them like class labels. Transcripts
are normalised once, here, by the task's ``text_normalization``: what a probe trains on, what the metric compares
and what the predictions file shows are the same strings. A retrieval probe returns, per test clip, its audio
embedding and the embeddings of its captions; the adapter builds the [clips, captions] similarity matrix the
metric ranks.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from hf_bench.data.targets import Problems
from hf_bench.tasks.types.base import TaskTypeAdapter

if TYPE_CHECKING:
    from hf_bench.data import SplitData
    from hf_bench.tasks.schema import TaskMetadata

_SPACE = re.compile(r"\s+")


def normalize_text(text: str, mode: str) -> str:
    """``"none"``: whitespace collapsed; ``"lower"``: and lower-cased; ``"english"``: and every punctuation or
    symbol character dropped except apostrophes inside words ("don't" stays, "'quoted'" loses its quotes)."""
    if mode not in ("none", "lower", "english"):
        raise ValueError(f"unknown text normalisation {mode!r}")
    if mode != "none":
        text = text.lower()
    if mode == "english":
        text = "".join(" " if unicodedata.category(c)[0] in "PS" and c != "'" else c for c in text)
        text = re.sub(r"(?<!\w)'|'(?!\w)", " ", text)
    return _SPACE.sub(" ", text).strip()


def _objects(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)  # never a 2-D array of characters or equal-length tuples
    for i, v in enumerate(values):
        out[i] = v
    return out


@dataclass(frozen=True)
class Transcripts:
    """Per utterance: the transcript as found in the data and its normalised form (trained on and scored)."""
    raw: np.ndarray    # object [N] of str
    text: np.ndarray   # object [N] of str

    def __len__(self) -> int:
        return len(self.text)

    def __getitem__(self, index) -> "Transcripts":
        return Transcripts(self.raw[index], self.text[index])


@dataclass(frozen=True)
class TextCoding:
    """A probe that writes text: its outputs are strings, compared after the task's normalisation."""
    normalization: str

    def normalize(self, text: str) -> str:
        return normalize_text(text, self.normalization)


class ASR(TaskTypeAdapter):
    name = "asr"
    level = "clip"
    metrics = {"iwer": "iwer", "wer": "wer", "cer": "cer"}
    summary = "a transcript per utterance"

    # what the label of one item must be, and how to fix the data when it is not
    expected = "missing or not a transcript string"
    fix = ("give every utterance a non-empty transcript (drop the ones without speech), or point `label_key` at "
           "the transcript field")

    @staticmethod
    def text_of(value: Any) -> str | None:
        return value if isinstance(value, str) else None

    def targets(self, task: "TaskMetadata", split: "SplitData", grid=None) -> Transcripts:
        problems = Problems(task, split)
        raw, text = [], []
        for i, value in enumerate(split.labels):
            got = self.text_of(value)
            if got is None:
                problems.add(i, value, self.expected)
                got = ""
            elif not normalize_text(got, task.text_normalization):
                problems.add(i, value, f"empty once normalised ({task.text_normalization!r})")
            raw.append(got)
            text.append(normalize_text(got, task.text_normalization))
        problems.raise_if_any(self.fix)
        return Transcripts(_objects(raw), _objects(text))

    def take(self, targets: Transcripts, index) -> Transcripts:
        return targets[np.asarray(index, dtype=np.int64)]

    def concat(self, parts: Sequence[Transcripts]) -> Transcripts:
        return Transcripts(np.concatenate([p.raw for p in parts]), np.concatenate([p.text for p in parts]))

    def coding(self, task, train_targets):
        return TextCoding(task.text_normalization)

    def metric_inputs(self, task, coding, scores, targets):
        return [coding.normalize(h) for h in scores], list(targets.text)

    def records(self, task, coding, scores, targets):
        from hf_bench import metrics

        out = []
        for hyp, ref in zip(scores, targets.text):
            hyp = coding.normalize(hyp)
            rec = {"target": ref, "prediction": hyp}
            if task.metric == "iwer":
                rec["wer"] = round(metrics.iwer([hyp], [ref])["wer"], 6)
            elif task.metric == "wer":
                rec["wer"] = round(metrics.wer([hyp], [ref])["wer"] / 100.0, 6)
            out.append(rec)
        return out

    def inputs_from_records(self, task, records):
        """Exact: the lines hold the normalised hypothesis and reference (translation: the same fields)."""
        return [r["prediction"] for r in records], [r["target"] for r in records]


def translation_of(value: Any) -> str | None:
    """The target text of one raw translation label: a string, or ``{"translation": str, ...}``."""
    if isinstance(value, dict):
        value = value.get("translation")
    return value if isinstance(value, str) else None


class Translation(ASR):
    """Speech translation: the label is the target-language text (or ``{"translation", "source"}``, the source
    transcript kept for the predictions file). Scored by corpus BLEU (sacreBLEU, ``13a`` unless the task's
    ``metric_args`` say otherwise) on the normalised texts; targets are built as transcripts are."""

    name = "translation"
    metrics = {"corpus_bleu": "bleu"}
    summary = "a translation per utterance"
    expected = "missing or not a translation (a string, or an object with a 'translation' string)"
    fix = "give every utterance a non-empty translation, or point `label_key` at it"
    text_of = staticmethod(translation_of)

    def records(self, task, coding, scores, targets):
        from hf_bench import metrics

        out = []
        for hyp, ref in zip(scores, targets.text):
            hyp = coding.normalize(hyp)
            bleu = metrics.corpus_bleu([hyp], [ref], **task.metric_args)["bleu"]
            out.append({"target": ref, "prediction": hyp, "sentence_bleu": round(bleu, 4)})
        return out


# ------------------------------------------------------------------------------------------------------ SLU
SOC, EOC = "SOC", "EOC"  # LeBenchmark / Dinarelli's MEDIA output format: SOC w_1 ... w_N C EOC per concept
NULL_CONCEPT = "null"
_CONCEPT = re.compile(r"\[([^\[\]\s]+)\]")


def concept_token(name: str) -> str:
    """How concept ``name`` is written in the output sequence: ``[name]`` (brackets never survive the word
    normalisation, so a concept can never be mistaken for a word)."""
    return f"[{name}]"


@dataclass(frozen=True)
class ConceptTargets:
    """Per utterance, its segments ``((concept, words), ...)`` in order (words normalised; "null" = no concept)."""
    segments: np.ndarray  # object [N] of tuple[tuple[str, str], ...]

    def __len__(self) -> int:
        return len(self.segments)

    def __getitem__(self, index) -> "ConceptTargets":
        return ConceptTargets(self.segments[index])

    def concepts(self, i: int) -> list[str]:
        return [c for c, _ in self.segments[i] if c != NULL_CONCEPT]

    def sequence(self, i: int) -> str:
        """The MEDIA output format: words outside concepts as they are, each concept as ``SOC words [C] EOC``."""
        out = []
        for c, w in self.segments[i]:
            out += [w] if c == NULL_CONCEPT else [SOC, w, concept_token(c), EOC]
        return _SPACE.sub(" ", " ".join(out)).strip()

    def transcript(self, i: int) -> str:
        return _SPACE.sub(" ", " ".join(w for _, w in self.segments[i])).strip()


def parse_concepts(sequence: str) -> list[str]:
    """The concepts of an output sequence, in order (LeBenchmark's ``--slu-out``: words and SOC/EOC dropped). A
    marker counts wherever it is, also glued to a word ("euros[prix]"): brackets never survive the word
    normalisation, so they can only come from a concept."""
    return _CONCEPT.findall(sequence)


class SLU(TaskTypeAdapter):
    """Spoken language understanding (MEDIA): the label is a list of segments ``{"concept", "words"}`` covering
    the utterance in order (concept "null" for words outside any concept). A probe writes the MEDIA output
    sequence (``ConceptTargets.sequence``); the concept error rate compares the concept sequences ("null"
    excluded), as LeBenchmark's ``score_model_output.sh --slu-out``."""

    name = "slu"
    level = "clip"
    metrics = {"concept_error_rate": "concept_error_rate"}
    summary = "concepts (and their words) per utterance"

    def targets(self, task, split, grid=None) -> ConceptTargets:
        problems = Problems(task, split)
        out = []
        known = set(task.labels) if task.labels else None
        for i, value in enumerate(split.labels):
            segs, why = [], None
            if not isinstance(value, (list, tuple)) or not value:
                why = "not a list of segments {'concept': name, 'words': text}"
            else:
                for seg in value:
                    if not isinstance(seg, dict) or not isinstance(seg.get("concept"), str) or \
                            not isinstance(seg.get("words"), str):
                        why = "a segment is not {'concept': name, 'words': text}"
                        break
                    concept = seg["concept"].strip()
                    if not concept or any(ch.isspace() or ch in "[]" for ch in concept):
                        why = f"concept name {seg['concept']!r} is empty or holds spaces or brackets"
                        break
                    if known is not None and concept != NULL_CONCEPT and concept not in known:
                        why = f"concept {concept!r} is outside the task's concept set"
                        break
                    words = normalize_text(seg["words"], task.text_normalization)
                    if not words and concept == NULL_CONCEPT:
                        continue
                    segs.append((concept, words))
                if why is None and not any(c != NULL_CONCEPT for c, _ in segs):
                    why = "no concept other than 'null' (the concept error rate needs at least one)"
            if why:
                problems.add(i, value, why)
            out.append(tuple(segs))
        problems.raise_if_any("give every utterance its segments in order, each {'concept': name or 'null', "
                              "'words': the words it covers}")
        return ConceptTargets(_objects(out))

    def take(self, targets, index):
        return targets[np.asarray(index, dtype=np.int64)]

    def concat(self, parts):
        return ConceptTargets(np.concatenate([p.segments for p in parts]))

    def coding(self, task, train_targets):
        return TextCoding(task.text_normalization)

    def metric_inputs(self, task, coding, scores, targets):
        return [parse_concepts(h) for h in scores], [targets.concepts(i) for i in range(len(targets))]

    def records(self, task, coding, scores, targets):
        from hf_bench import metrics

        out = []
        for i, hyp in enumerate(scores):
            ref = targets.concepts(i)
            err = metrics.concept_error_rate([parse_concepts(hyp)], [ref])["concept_error_rate"]
            out.append({"target": targets.sequence(i), "prediction": hyp, "target_concepts": ref,
                        "predicted_concepts": parse_concepts(hyp), "concept_error_rate": round(err, 4)})
        return out

    def inputs_from_records(self, task, records):
        """Exact: the concepts parsed from the raw output sequence, and the reference concepts."""
        return [parse_concepts(r["prediction"]) for r in records], [list(r["target_concepts"]) for r in records]


def captions_of(task: "TaskMetadata", value: Any) -> tuple[str, ...] | str:
    """The captions in one raw label (a tuple), or why there are none (a str)."""
    if task.caption_keys is not None:
        if not isinstance(value, dict):
            return f"the label is not an object with the fields {', '.join(task.caption_keys)}"
        missing = [k for k in task.caption_keys if k not in value]
        if missing:
            return f"caption field {missing[0]!r} is missing"
        parts: list[Any] = []
        for k in task.caption_keys:
            v = value[k]
            parts += list(v) if isinstance(v, (list, tuple)) else [v]
    elif isinstance(value, str):
        parts = [value]
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    elif isinstance(value, dict):
        parts = [v for v in value.values() if isinstance(v, str)]
    else:
        return "missing or not a caption (a string, a list of strings, or an object of them)"
    if not parts:
        return "no caption"
    if not all(isinstance(p, str) and p.strip() for p in parts):
        return "a caption is empty or not a string"
    return tuple(_SPACE.sub(" ", p).strip() for p in parts)


@dataclass(frozen=True)
class EmbeddingCoding:
    """A two-tower probe: per clip, its audio embedding [E] and its captions' embeddings [n_captions, E]."""

    @staticmethod
    def similarity(scores) -> tuple[np.ndarray, list[list[int]]]:
        """Cosine similarity [clips, all captions] and each clip's caption columns."""
        audio = np.stack([np.asarray(a, dtype=np.float64) for a, _ in scores])
        text = np.concatenate([np.asarray(t, dtype=np.float64) for _, t in scores])
        audio /= np.maximum(np.linalg.norm(audio, axis=1, keepdims=True), 1e-12)
        text /= np.maximum(np.linalg.norm(text, axis=1, keepdims=True), 1e-12)
        refs, start = [], 0
        for _, t in scores:
            refs.append(list(range(start, start + len(t))))
            start += len(t)
        return audio @ text.T, refs


class Retrieval(TaskTypeAdapter):
    name = "retrieval"
    level = "clip"
    metrics = {"audio_text_recall": "recall@1"}
    summary = "captions per clip, retrieved both ways"

    def targets(self, task: "TaskMetadata", split: "SplitData", grid=None) -> np.ndarray:
        """object [N]: a tuple of captions per clip."""
        problems = Problems(task, split)
        out = []
        for i, value in enumerate(split.labels):
            got = captions_of(task, value)
            if isinstance(got, str):
                problems.add(i, value, got)
                got = ()
            out.append(got)
        fields = f"the fields {', '.join(task.caption_keys)}" if task.caption_keys else "`label_key`"
        problems.raise_if_any(f"give every clip at least one non-empty caption in {fields}, or set `caption_keys` "
                              "to the caption fields of the label")
        return _objects(out)

    def take(self, targets, index):
        return targets[np.asarray(index, dtype=np.int64)]

    def coding(self, task, train_targets):
        return EmbeddingCoding()

    def metric_inputs(self, task, coding, scores, targets):
        return coding.similarity(scores)

    def records(self, task, coding, scores, targets):
        sim, refs = coding.similarity(scores)
        captions = [c for caps in targets for c in caps]
        out = []
        for i, own in enumerate(refs):
            order = np.argsort(-sim[i], kind="stable")
            rank = 1 + int(np.count_nonzero(np.delete(sim[i], own) >= sim[i, own].max()))
            out.append({"target": list(targets[i]), "prediction": captions[int(order[0])], "rank": rank,
                        "top5": [captions[int(j)] for j in order[:5]]})
        return out

    def inputs_from_records(self, task, records):
        raise NotImplementedError("retrieval predictions files keep each clip's rank and top captions, not the "
                                  "[clips, captions] similarity matrix the recall is computed from")


__all__ = ["ASR", "Translation", "SLU", "Retrieval", "Transcripts", "ConceptTargets", "TextCoding", "EmbeddingCoding",
           "normalize_text", "captions_of", "translation_of", "parse_concepts", "concept_token", "SOC", "EOC",
           "NULL_CONCEPT"]
