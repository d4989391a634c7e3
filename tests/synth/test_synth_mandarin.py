"""The Mandarin / Cantonese generators (zh_sentences, zh_gender, zh_emotion, yue_translation): labels from the
lexicon in the Wu label sets, pinyin that matches the characters, disjoint voice pools, clips that fit."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from hf_bench.data import synth
from hf_bench.data.synth import mandarin as Z
from hf_bench.wu.prompts import LABELS

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing (bash setup.sh install)")
SEED = 4321
NAMES = ("zh_sentences", "zh_gender", "zh_emotion", "yue_translation")


def _plan(name, role="train", n=300):
    return synth.label_plan(name, SEED, role, n)


def test_labels_are_the_wu_label_sets():
    assert Z.GENERATORS["zh_gender"].labels == LABELS["gender"]
    assert Z.GENERATORS["zh_emotion"].labels == LABELS["emotion"]
    assert set(Z.MandarinEmotion.PROSODY) == set(LABELS["emotion"])


def test_sentences_come_from_the_lexicon_with_their_pinyin():
    labels = _plan("zh_sentences")
    assert all(label in Z._PINYIN for label in labels)
    chars = {c for _, c in Z.NUMBERS}
    for label in labels:
        # one pinyin syllable per character: the spoken text and the label say the same words
        assert len(Z._PINYIN[label].split()) == len(label)
        assert label[0] in {n for n, _ in Z.NUMBERS} and "的" in label
    assert {label[0] for label in labels} == {n for n, _ in Z.NUMBERS} and chars


def test_cantonese_pairs_translate_word_by_word():
    cantonese = {c: m for c, m in Z.SUBJECTS + Z.TIMES + Z.ACTIONS + (Z.NEGATION,)}
    for label in _plan("yue_translation"):
        src, out = label["source"], label["translation"]
        rebuilt, i = "", 0
        while i < len(src):  # the longest Cantonese word at each position, replaced by its Mandarin word
            word = max((w for w in cantonese if src.startswith(w, i)), key=len)
            rebuilt += cantonese[word]
            i += len(word)
        assert rebuilt == out
    assert any("唔" in x["source"] for x in _plan("yue_translation"))


def test_voice_pools_are_disjoint():
    for name in ("zh_sentences", "zh_emotion", "yue_translation"):
        pools = Z.GENERATORS[name].pools(SEED)
        train, valid, test = (set(pools[r]) for r in ("train", "valid", "test"))
        assert train and valid and test and not (train & test) and not (train & valid) and not (valid & test)
    language = {"zh_sentences": Z.MANDARIN, "yue_translation": Z.CANTONESE}
    for name, lang in language.items():
        assert all(v.startswith(lang + "+") for v in Z.GENERATORS[name].pools(SEED)["train"])
    g = Z.MandarinGender.gender_pools(SEED)
    for label in LABELS["gender"]:
        assert not set(g["test"][label]) & set(g["train"][label])
    assert {v.split("+")[1] for v in g["train"]["男性"] + g["test"]["男性"]} <= set(Z.MALE_VARIANTS)


@needs_espeak
@pytest.mark.parametrize("name", NAMES)
def test_clips_render_and_fit(name):
    gen = synth.GENERATORS[name]
    for i in range(3):
        label, audio = gen(SEED, "test", i)
        assert audio.shape == (int(round(gen.clip_s * 16000)),) and np.abs(audio).max() < 1
        assert np.abs(audio).max() > 0.05  # speech, not silence


@needs_espeak
def test_the_longest_sentence_fits_at_the_slowest_rate():
    from hf_bench.data.synth import _audio as A
    from hf_bench.data.synth import _tools as T

    longest = max(Z._PINYIN.values(), key=lambda p: len(p.split()))
    for name, speed in (("zh_sentences", Z.MandarinSentences.speed[0]),
                        ("zh_emotion", min(s for s, _ in Z.MandarinEmotion.PROSODY.values())[0])):
        gen = synth.GENERATORS[name]
        worst = max(len(A.trim(T.espeak(longest, f"{Z.MANDARIN}+{v}", speed=speed, pitch=50))) for v in Z.VARIANTS)
        assert worst <= gen.n, (name, worst / 16000)
