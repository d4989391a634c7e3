"""Mandarin and Cantonese speech tasks of the embedded suite (WenetSpeech-Wu analogues), synthesised with espeak-ng.

zh_sentences (Mandarin ASR, scored with CER), zh_gender (男性 / 女性), zh_emotion (中立 / 高兴 / 难过 / 惊讶 / 生气 as
prosody: rate and pitch) and yue_translation (Cantonese speech, Mandarin text: the dialect-to-Mandarin AST
analogue). Labels are the Wu label sets, so the tasks export and score with the Wu prompts unchanged.

espeak-ng 1.51's ``cmn`` voice lacks most Chinese characters in its dictionary (it spells them out in English),
so Mandarin is spoken from pinyin with tone numbers (``cmn-latn-pinyin``) while the label is the characters of
the same words; the ``yue`` voice reads Cantonese characters directly (its dictionary has every one used here).
Voices are espeak-ng variants drawn from disjoint train/valid/test pools (test voices are unseen).
"""

from __future__ import annotations

import functools

import numpy as np

from hf_bench.data.synth import _audio as A
from hf_bench.data.synth import _tools as T
from hf_bench.data.synth._base import Generator, partition
from hf_bench.data.synth._tools import SAMPLE_RATE
from hf_bench.data.synth.speech import ESPEAK_FEMALE, ESPEAK_MALE, _pick, _Speech

MANDARIN = "cmn-latn-pinyin"
CANTONESE = "yue"
VARIANTS = ESPEAK_MALE[:8] + ESPEAK_FEMALE[:5] + ("Annie", "belinda", "linda", "steph", "klatt", "klatt2", "klatt3",
                                                   "Alex", "Gene", "adam", "david", "john", "max", "paul", "rob")
MALE_VARIANTS, FEMALE_VARIANTS = ESPEAK_MALE[:8], ESPEAK_FEMALE[:5] + ("Annie", "belinda", "linda", "steph")
POOL_FRACTIONS = (0.6, 0.15, 0.25)

# ------------------------------------------------------------------------------------------------ vocabulary
# (characters, pinyin)
NUMBERS = (("一", "yi1"), ("两", "liang3"), ("三", "san1"), ("四", "si4"), ("五", "wu3"), ("六", "liu4"),
           ("七", "qi1"), ("八", "ba1"), ("九", "jiu3"), ("十", "shi2"))
# (measure word, noun)
NOUNS = ((("只", "zhi1"), ("猫", "mao1")), (("只", "zhi1"), ("狗", "gou3")), (("只", "zhi1"), ("鸟", "niao3")),
         (("本", "ben3"), ("书", "shu1")), (("辆", "liang4"), ("车", "che1")), (("张", "zhang1"), ("桌子", "zhuo1 zi5")),
         (("张", "zhang1"), ("床", "chuang2")), (("个", "ge4"), ("苹果", "ping2 guo3")),
         (("个", "ge4"), ("杯子", "bei1 zi5")), (("个", "ge4"), ("球", "qiu2")))
COLOURS = (("红色", "hong2 se4"), ("蓝色", "lan2 se4"), ("黄色", "huang2 se4"), ("白色", "bai2 se4"),
           ("黑色", "hei1 se4"), ("紫色", "zi3 se4"))
PLACES = (("在门外", "zai4 men2 wai4"), ("在花园里", "zai4 hua1 yuan2 li3"), ("在房间里", "zai4 fang2 jian1 li3"),
          ("在路边", "zai4 lu4 bian1"), ("在桌子上", "zai4 zhuo1 zi5 shang4"), ("在树下", "zai4 shu4 xia4"))
DE = ("的", "de5")


def sentence(rng: np.random.Generator) -> tuple[str, str]:
    """(characters, pinyin) of "<数><量><颜色>的<东西><地方>", e.g. ("三只黑色的猫在花园里", "san1 zhi1 hei1 se4 ...")."""
    (measure, noun), num = _pick(rng, NOUNS), _pick(rng, NUMBERS)
    parts = (num, measure, _pick(rng, COLOURS), DE, noun, _pick(rng, PLACES))
    return "".join(p[0] for p in parts), " ".join(p[1] for p in parts)


# Cantonese -> Mandarin (the Wu-to-Mandarin AST analogue: dialect words replaced by their Mandarin ones)
SUBJECTS = (("佢", "他"), ("我哋", "我们"), ("佢哋", "他们"), ("你哋", "你们"), ("我", "我"))
TIMES = (("而家", "现在"), ("琴日", "昨天"), ("听日", "明天"), ("今日", "今天"))
NEGATION = ("唔", "不")
ACTIONS = (("食饭", "吃饭"), ("睇电视", "看电视"), ("饮茶", "喝茶"), ("睇书", "看书"), ("买嘢", "买东西"),
           ("返屋企", "回家"), ("行街", "逛街"), ("瞓觉", "睡觉"))


def cantonese_pair(rng: np.random.Generator, negation_p: float = 0.3) -> tuple[str, str]:
    """(Cantonese, Mandarin): "<主语><时间>[唔]<动作>", e.g. ("佢哋琴日唔睇电视", "他们昨天不看电视")."""
    parts = [_pick(rng, SUBJECTS), _pick(rng, TIMES)]
    if rng.random() < negation_p:
        parts.append(NEGATION)
    parts.append(_pick(rng, ACTIONS))
    return "".join(p[0] for p in parts), "".join(p[1] for p in parts)


class _Chinese(_Speech):
    """espeak-ng voices of one language from disjoint pools; the utterance must fit the clip."""

    tools = ("espeak-ng",)
    speed, pitch, perturb, snr_db, eq_db = (130, 180), (30, 70), 0.0, (20.0, 40.0), 3.0
    language = MANDARIN
    pool_tag: int

    def pools(self, seed: int) -> dict[str, tuple[str, ...]]:
        return _pools(seed, self.pool_tag, self.language, VARIANTS)

    def utterance(self, text: str, voice: str, rng, *, speed: int | None = None, pitch: int | None = None):
        speed = self._speed(rng) if speed is None else speed
        pitch = self._pitch(rng) if pitch is None else pitch
        audio = A.trim(T.espeak(text, voice, speed=speed, pitch=pitch))
        if len(audio) > self.n:  # a generator bug: the clip would cut the sentence
            raise AssertionError(f"{self.name}: {text!r} lasts {len(audio) / SAMPLE_RATE:.2f} s with {voice}, "
                                 f"longer than the {self.clip_s:g} s clip")
        return audio


@functools.lru_cache(maxsize=None)
def _pools(seed: int, tag: int, language: str, variants: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {role: tuple(f"{language}+{v}" for v in pool)
            for role, pool in partition(variants, seed, tag, POOL_FRACTIONS).items()}


class MandarinSentences(_Chinese):
    """Ten-character Mandarin sentences (number, measure word, colour, thing, place) for speech recognition."""

    name, kind, clip_s, pool_tag = "zh_sentences", "transcript", 5.0, 600

    def _label(self, rng, role):
        return sentence(rng)[0]

    def _render(self, label, rng, seed, role):
        # the label plan keeps the characters; every sentence's pinyin is known (the lexicon is small)
        pinyin = _PINYIN[label]
        return self._finish(self.utterance(pinyin, _pick(rng, self.pools(seed)[role]), rng), rng)


def _all_sentences() -> dict[str, str]:
    out = {}
    for num in NUMBERS:
        for measure, noun in NOUNS:
            for colour in COLOURS:
                for place in PLACES:
                    parts = (num, measure, colour, DE, noun, place)
                    out["".join(p[0] for p in parts)] = " ".join(p[1] for p in parts)
    return out


_PINYIN = _all_sentences()


class MandarinGender(_Chinese):
    """Male vs female espeak-ng variants speaking Mandarin, overlapping pitch ranges; test voices are unseen."""

    name, kind, clip_s, pool_tag = "zh_gender", "classification", 5.0, 601
    labels = ("男性", "女性")
    pitch_male, pitch_female = (30, 75), (45, 90)

    @staticmethod
    @functools.lru_cache(maxsize=None)
    def gender_pools(seed: int) -> dict[str, dict[str, tuple[str, ...]]]:
        out: dict[str, dict[str, tuple[str, ...]]] = {r: {} for r in ("train", "valid", "test")}
        for tag, (label, variants) in enumerate((("男性", MALE_VARIANTS), ("女性", FEMALE_VARIANTS))):
            for role, pool in _pools(seed, 610 + tag, MANDARIN, variants).items():
                out[role][label] = pool
        return out

    def _render(self, label, rng, seed, role):
        voice = _pick(rng, self.gender_pools(seed)[role][label])
        lo, hi = self.pitch_male if label == "男性" else self.pitch_female
        text = sentence(rng)[1]
        return self._finish(self.utterance(text, voice, rng, pitch=int(rng.integers(lo, hi + 1))), rng)


class MandarinEmotion(_Chinese):
    """Five emotion-like prosody classes of Mandarin sentences: each class a range of rate (wpm) and pitch.

    中立 mid rate, mid pitch; 高兴 fast and high; 难过 slow and low; 惊讶 mid rate, very high; 生气 fastest, mid-low.
    Neighbouring ranges overlap, voices vary, and the words carry no emotion: the class is in the prosody only.
    """

    name, kind, clip_s, pool_tag = "zh_emotion", "classification", 6.0, 602
    labels = ("中立", "高兴", "难过", "惊讶", "生气")
    PROSODY = {"中立": ((140, 170), (40, 58)), "高兴": ((170, 205), (58, 78)), "难过": ((105, 135), (18, 38)),
               "惊讶": ((140, 175), (78, 99)), "生气": ((200, 235), (30, 50))}

    def _render(self, label, rng, seed, role):
        (s0, s1), (p0, p1) = self.PROSODY[label]
        voice = _pick(rng, self.pools(seed)[role])
        text = sentence(rng)[1]
        audio = self.utterance(text, voice, rng, speed=int(rng.integers(s0, s1 + 1)), pitch=int(rng.integers(p0, p1 + 1)))
        return self._finish(audio, rng)


class CantoneseTranslation(_Chinese):
    """Cantonese sentences "<主语><时间>[唔]<动作>" spoken by espeak-ng's yue voice, with their Mandarin text."""

    name, kind, clip_s, pool_tag = "yue_translation", "translation", 3.0, 603
    language = CANTONESE
    metric_args = {"tokenize": "zh"}  # BLEU over characters, as for WenetSpeech-Wu's Mandarin targets

    def _label(self, rng, role):
        source, translation = cantonese_pair(rng)
        return {"translation": translation, "source": source}

    def _render(self, label, rng, seed, role):
        return self._finish(self.utterance(label["source"], _pick(rng, self.pools(seed)[role]), rng), rng)


GENERATORS: dict[str, Generator] = {g.name: g for g in (MandarinSentences(), MandarinGender(), MandarinEmotion(),
                                                         CantoneseTranslation())}
