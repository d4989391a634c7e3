"""WenetSpeech-Wu's prompts and label sets, verbatim from ``Understanding/README.md`` (ASLP-lab, HEAD 24d6d4b).

One place for them: the swift export writes them, the fine-tunes train on them, ``wu score`` maps answers onto
the label sets. ``kind`` is one of ``asr``, ``ast`` (Wu-to-Mandarin speech translation), ``age``, ``gender``,
``emotion``.
"""

from __future__ import annotations

import re
import unicodedata

from hf_bench.errors import HFBenchError

AUDIO_TAG = "<audio>"  # ms-swift's placeholder for the audio of a user turn

PROMPTS: dict[str, str] = {
    "asr": "<audio>请记录下你所听到的语音内容。",
    "ast": "<audio>请仔细聆听这段语音，然后将其内容翻译成普通话。",
    "age": "<audio>请根据语音的声学特征，判断说话人的年龄，从儿童、少年、青年、中年、老年中选一个标签。",
    "gender": "<audio>请根据语音的声学特征，判断说话人的性别，从男性、女性中选一个标签。",
    "emotion": "<audio>请根据语音的声学特征和语义，判断语音的情感，从中立、高兴、难过、惊讶、生气选一个标签。",
}
# the Step-Audio2-Wu-ASR data-format example's prompt (``--prompt asr-short``)
ASR_SHORT_PROMPT = "<audio>语音说了什么"

LABELS: dict[str, tuple[str, ...]] = {
    "age": ("儿童", "少年", "青年", "中年", "老年"),
    "gender": ("男性", "女性"),
    "emotion": ("中立", "高兴", "难过", "惊讶", "生气"),
}
KINDS = ("asr", "ast", "age", "gender", "emotion")
CLASS_KINDS = tuple(LABELS)

# English class names that hf_bench tasks (and most corpora) use, onto the Wu labels. A class name already in the
# Wu label set maps onto itself. Anything else needs --label-map.
ALIASES: dict[str, dict[str, str]] = {
    "gender": {"male": "男性", "man": "男性", "m": "男性", "female": "女性", "woman": "女性", "f": "女性"},
    "age": {"child": "儿童", "kid": "儿童", "teen": "少年", "teenager": "少年", "adolescent": "少年",
            "youth": "青年", "young": "青年", "young adult": "青年", "middle": "中年", "middle-aged": "中年",
            "middle aged": "中年", "adult": "中年", "senior": "老年", "old": "老年", "elderly": "老年"},
    "emotion": {"neutral": "中立", "neu": "中立", "happy": "高兴", "happiness": "高兴", "hap": "高兴", "joy": "高兴",
                "sad": "难过", "sadness": "难过", "surprise": "惊讶", "surprised": "惊讶",
                "sur": "惊讶", "angry": "生气", "anger": "生气", "ang": "生气"},
}


def prompt_for(kind: str, *, short_asr: bool = False) -> str:
    if kind not in PROMPTS:
        raise HFBenchError(f"unknown WenetSpeech-Wu task kind {kind!r}", where="--kind",
                           fix=f"use one of: {', '.join(KINDS)}")
    return ASR_SHORT_PROMPT if short_asr and kind == "asr" else PROMPTS[kind]


def kind_of_prompt(content: str) -> str | None:
    """Which Wu task a user turn asks for (its text without ``<audio>``), or None for another prompt."""
    text = content.replace(AUDIO_TAG, "").strip()
    for kind, prompt in PROMPTS.items():
        if text == prompt.replace(AUDIO_TAG, ""):
            return kind
    return "asr" if text == ASR_SHORT_PROMPT.replace(AUDIO_TAG, "") else None


def to_wu_label(kind: str, name: str, extra: dict[str, str] | None = None) -> str | None:
    """The Wu label for a task's class name (``extra`` first, then the Wu label itself, then ``ALIASES``)."""
    if extra and name in extra:
        return extra[name]
    if name in LABELS[kind]:
        return name
    return ALIASES[kind].get(name.strip().lower())


# ------------------------------------------------------------------------------------------------ answer -> label
_PUNCT = re.compile(r"[\s\u3000]+")


def normalize_answer(text: str) -> str:
    """NFKC (full-width to half-width), spaces removed, punctuation and symbols stripped from both ends, lower-cased."""
    text = _PUNCT.sub("", unicodedata.normalize("NFKC", text or ""))
    while text and unicodedata.category(text[0])[0] in "PS":
        text = text[1:]
    while text and unicodedata.category(text[-1])[0] in "PS":
        text = text[:-1]
    return text.lower()


def answer_label(answer: str, labels: tuple[str, ...]) -> tuple[str | None, str]:
    """Map a free-text answer onto ``labels``: (label or None, rule) with rule "exact" (the normalised answer is a
    label), "first named" (the label whose first occurrence comes first; the longer one on a tie) or "none".

    >>> answer_label("女性。", LABELS["gender"])
    ('女性', 'exact')
    >>> answer_label("说话人是一位男性，不是女性", LABELS["gender"])
    ('男性', 'first named')
    >>> answer_label("无法判断", LABELS["gender"])
    (None, 'none')
    """
    norm = normalize_answer(answer)
    for label in labels:
        if norm == normalize_answer(label):
            return label, "exact"
    hits = [(norm.find(normalize_answer(label)), -len(label), label) for label in labels]
    hits = [h for h in hits if h[0] >= 0]
    if hits:
        return min(hits)[2], "first named"
    return None, "none"


__all__ = ["AUDIO_TAG", "PROMPTS", "ASR_SHORT_PROMPT", "LABELS", "KINDS", "CLASS_KINDS", "ALIASES", "prompt_for",
           "kind_of_prompt", "to_wu_label", "normalize_answer", "answer_label"]
