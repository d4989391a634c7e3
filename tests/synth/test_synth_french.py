"""The French generators (fr_sentences, fr_slu, fr_translation, fr_prosody): labels, voices, clip fit, contour.

Label checks run on label plans (no audio); the rendering checks use a handful of clips (espeak-ng only).
"""

from __future__ import annotations

import itertools
import json
import re
import shutil

import numpy as np
import pytest

from hf_bench.data import synth
from hf_bench.data.synth import _audio as A
from hf_bench.data.synth import _tools as T
from hf_bench.data.synth import french as F

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing (bash setup.sh install)")
SEED = 1234
NAMES = ("fr_sentences", "fr_slu", "fr_translation", "fr_prosody")
KINDS = {"fr_sentences": "transcript", "fr_slu": "concepts", "fr_translation": "translation", "fr_prosody": "curve"}
TEXT = re.compile(r"^[a-zàâçéèêëîïôûùüÿœ'-]+( [a-zàâçéèêëîïôûùüÿœ'-]+)*$")  # lower-case words, single spaces


def _plan(name, role="train", n=400):
    return synth.label_plan(name, SEED, role, n)


def test_registered_with_their_kinds():
    for name in NAMES:
        gen = synth.GENERATORS[name]
        assert gen is F.GENERATORS[name] and gen.name == name and gen.kind == KINDS[name]
        assert gen.tools == ("espeak-ng",)
        assert 16000 * gen.clip_s == int(16000 * gen.clip_s)


def test_labels_are_json_as_given():
    for name in NAMES:
        for label in _plan(name, n=50):
            assert json.loads(json.dumps(label, ensure_ascii=False)) == label


def test_labels_are_a_pure_function_of_seed_role_index():
    for name in NAMES:
        gen = F.GENERATORS[name]
        assert [gen.label(SEED, "test", i) for i in range(20)] == _plan(name, "test", 20)
        assert _plan(name, "test", 30)[:20] == _plan(name, "test", 20)  # prefix-consistent
        assert _plan(name, "train", 20) != _plan(name, "test", 20)
        assert synth.label_plan(name, SEED + 1, "train", 20) != _plan(name, "train", 20)


# ------------------------------------------------------------------------------------------------ voices
def test_voice_pools_are_disjoint_french_variants():
    for name in NAMES:
        pools = F.GENERATORS[name].pools(SEED)
        train, valid, test = (set(pools[r]) for r in ("train", "valid", "test"))
        assert train and valid and test and not (train & test) and not (train & valid) and not (valid & test)
        assert sorted(train | valid | test) == sorted(f"fr+{v}" for v in F.FRENCH_VARIANTS)
    assert F.GENERATORS["fr_slu"].pools(SEED) != F.GENERATORS["fr_sentences"].pools(SEED)  # own partition tags


def test_clips_use_only_their_role_pool(monkeypatch):
    """With espeak-ng faked (a tone per call), every voice a clip asks for comes from its role's pool."""
    used: list[tuple[str, str]] = []

    def fake(text, voice, *, speed=175, pitch=50):
        used.append((text, voice))
        return (0.5 * np.sin(np.arange(8000) * 0.05)).astype(np.float32)

    monkeypatch.setattr(T, "espeak", fake)
    for name in NAMES:
        gen = F.GENERATORS[name]
        for role in ("train", "test"):
            used.clear()
            for i in range(15):
                label, _ = gen(SEED, role, i)
                if name != "fr_prosody":
                    assert used[-1][0] == gen.text(label)  # what is said is the label's text, exactly
            assert {v for _, v in used} <= set(gen.pools(SEED)[role]), (name, role)


@needs_espeak
def test_variants_change_the_voice():
    """espeak-ng 1.51 ignores the variant of "fr-fr+<variant>"; "fr+<variant>" voices must really differ."""
    text = "deux chats noirs dans le jardin"
    heard = [T.espeak(text, v, speed=170, pitch=50) for v in ("fr", "fr+m3", "fr+f2", "fr+klatt")]
    for i in range(len(heard)):
        for j in range(i):
            assert heard[i].shape != heard[j].shape or not np.array_equal(heard[i], heard[j])


# ------------------------------------------------------------------------------------------------ rendering
@needs_espeak
@pytest.mark.parametrize("name", NAMES)
def test_render_is_deterministic_and_well_formed(name):
    gen = F.GENERATORS[name]
    label, audio = gen(SEED, "test", 0)
    again_label, again = gen(SEED, "test", 0)
    assert again_label == label == gen.label(SEED, "test", 0)
    assert np.array_equal(audio, again)
    assert audio.dtype == np.float32 and audio.shape == (round(gen.clip_s * 16000),)
    assert np.all(np.isfinite(audio)) and 0.09 <= float(np.abs(audio).max()) <= 0.91
    assert float(np.sqrt(np.mean(audio ** 2))) > 0.005
    _, other = gen(SEED, "test", 1)
    assert not np.array_equal(audio, other)


def _worst_texts(name: str) -> list[str]:
    """The longest texts a generator can say (by characters, a close proxy of duration)."""
    gen = F.GENERATORS[name]
    if name != "fr_prosody":
        texts = {gen.text(gen.label(SEED, "train", i)) for i in range(1500)}
        return sorted(texts, key=len)[-3:]
    # fr_prosody: the longest pairs (and triple, if one fits) of sentences, one per length, within max_chars
    rng = np.random.default_rng(0)
    by_length = {len(t): t for t in sorted({F.sentence(rng) for _ in range(3000)})}
    joined = [", ".join(c) for k in (2, 3) for c in itertools.combinations_with_replacement(by_length.values(), k)]
    fit = [t for t in joined if len(t) <= gen.max_chars]
    return sorted(fit, key=len)[-2:] + sorted((t for t in fit if t.count(",") == 2), key=len)[-1:]


@needs_espeak
def test_no_sentence_is_cut_off():
    """The longest texts at the slowest speed and lowest pitch, said by the slowest voices, fit in the clip."""
    probe = "bonjour j'aimerais réserver deux chambres familiales à strasbourg"
    lengths = {v: len(A.trim(T.espeak(probe, f"fr+{v}", speed=150, pitch=30))) for v in F.FRENCH_VARIANTS}
    slowest = sorted(lengths, key=lengths.get)[-2:]
    for name in NAMES:
        gen = F.GENERATORS[name]
        longest = 0
        for text in _worst_texts(name):
            for v in slowest:
                audio = A.trim(T.espeak(text, f"fr+{v}", speed=gen.speed[0], pitch=gen.pitch[0]))
                longest = max(longest, len(audio))
        assert longest <= gen.n - 0.2 * 16000, (name, longest / 16000, gen.clip_s)  # with 0.2 s to spare


@needs_espeak
def test_an_utterance_too_long_is_refused_not_cut():
    gen = F.GENERATORS["fr_sentences"]
    with pytest.raises(AssertionError, match="longer than the"):
        gen.utterance(", ".join(["quatre voitures blanches derrière la maison"] * 3), np.random.default_rng(0),
                      SEED, "train")


# ------------------------------------------------------------------------------------------------ labels
def test_sentences_agree_in_number_and_gender():
    labels = _plan("fr_sentences")
    nouns = {s: (g, False) for s, _, g in F.NOUNS} | {p: (g, True) for _, p, g in F.NOUNS}
    places = set(F.PLACES)
    for label in labels:
        assert isinstance(label, str) and TEXT.match(label), label
        words = label.split()
        assert 5 <= len(words) <= 7
        number, noun, colour, place = words[0], words[1], words[2], " ".join(words[3:])
        gender, plural = nouns[noun]
        assert place in places
        assert (number in ("un", "une")) == (not plural)
        if not plural:
            assert number == ("un" if gender == "m" else "une")
        # the adjective form of the right gender and number (some forms are shared, e.g. "rouge")
        forms = next(c for c in F.COLOURS if colour in c)
        assert colour == forms[(0 if gender == "m" else 1) + (2 if plural else 0)], label
    assert len(set(labels)) > 300  # a real vocabulary, not a few sentences


def test_slu_segments_cover_the_sentence_with_declared_concepts():
    gen = F.GENERATORS["fr_slu"]
    assert gen.labels == F.CONCEPTS and gen.null == "null" and "null" not in gen.labels
    labels = _plan("fr_slu", n=600)
    sequences, seen = set(), set()
    for label in labels:
        assert isinstance(label, list) and label
        for seg in label:
            assert set(seg) == {"concept", "words"}
            assert seg["concept"] in gen.labels or seg["concept"] == gen.null
            assert TEXT.match(seg["words"]), seg
        concepts = [s["concept"] for s in label]
        assert all(not (a == b == "null") for a, b in zip(concepts, concepts[1:]))  # nulls merged
        assert "command-tache" in concepts and "nombre-chambre" in concepts
        assert len(concepts) == len(set(concepts) - {"null"}) + concepts.count("null")  # each concept at most once
        text = gen.text(label)
        assert TEXT.match(text) and len(text) <= gen.max_chars
        sequences.add(tuple(c for c in concepts if c != "null"))
        seen |= set(concepts)
    assert seen == set(gen.labels) | {"null"}
    assert len(sequences) >= 30  # slots are optional and reordered


def test_translation_pairs_are_well_formed():
    labels = _plan("fr_translation", n=600)
    english = {w for _, _, e in F.ANIMALS for w in e.split()} | {e for *_, e in F.ADJECTIVES} | {
        w for _, e in F.VERBS + F.OBJECTS + F.SETTINGS for w in e.split()}
    fr_adj = {m: e for m, _, e in F.ADJECTIVES} | {f: e for _, f, e in F.ADJECTIVES}
    animals = {n: (g, e) for n, g, e in F.ANIMALS}
    for label in labels:
        assert set(label) == {"translation", "source"}
        src, tgt = label["source"], label["translation"]
        assert TEXT.match(src) and TEXT.match(tgt), label
        assert set(tgt.split()) <= english and tgt.startswith("the ")
        # "<art> <animal> <adj> ..." -> "the <adj> <animal> ...": the adjective moves before the noun
        head = src.split()
        if head[0].startswith("l'"):
            noun, adj = head[0][2:], head[1]
        else:
            noun, adj = head[1], head[2]
            assert head[0] == ("le" if animals[noun][0] == "m" else "la")
        gender, animal = animals[noun]
        assert adj in {m if gender == "m" else f for m, f, _ in F.ADJECTIVES}
        assert tgt.startswith(f"the {fr_adj[adj]} {animal} ")
        assert 4 <= len(src.split()) <= 11 and 5 <= len(tgt.split()) <= 11
    assert len({lab["source"] for lab in labels}) > 500
    assert any(lab["source"].startswith("l'oiseau ") for lab in labels)


def test_prosody_curves():
    gen = F.GENERATORS["fr_prosody"]
    n = 1 + round(gen.clip_s / 0.04)
    assert gen.n_values == n and gen.target_range == (-1.0, 1.0)
    for label in _plan("fr_prosody", n=100):
        assert set(label) == {"hop_s", "start_s", "values"} and label["hop_s"] == 0.04 and label["start_s"] == 0.0
        v = np.asarray(label["values"])
        assert len(v) == n and v.min() == -1.0 and v.max() == 1.0  # the curve spans the whole range
        assert all(round(x, 4) == x for x in label["values"])
        assert np.abs(np.diff(v)).max() < 0.25  # smooth: nothing faster than 1 Hz
    # the end of the curve is the end of the clip (what frame_regression checks against the audio length)
    assert (n - 1) * 0.04 == pytest.approx(gen.clip_s)


def _frame_db(audio: np.ndarray, n: int, hop: int = 640, half: int = 320) -> np.ndarray:
    return np.array([10 * np.log10(np.mean(audio[max(0, k * hop - half):k * hop + half] ** 2) + 1e-12)
                     for k in range(n)])


@needs_espeak
def test_prosody_contour_is_in_the_audio():
    """Dividing the contour out gives back the level-normalised clip, and speech-frame loudness follows it."""
    gen = F.GENERATORS["fr_prosody"]
    loud, target = [], []
    for i in range(3):
        label, audio = gen(SEED, "valid", i)
        v = np.asarray(label["values"])
        flat = audio / 10 ** (gen.gain_db(label) / 20)
        assert float(np.abs(flat).max()) == pytest.approx(gen.base_peak, rel=1e-3) or \
            float(np.abs(audio).max()) == pytest.approx(0.1, rel=1e-3)
        db, flat_db = _frame_db(audio, len(v)), _frame_db(flat, len(v))
        speech = flat_db > flat_db.max() - 15  # frames where the words are (not the pauses between them)
        assert speech.mean() > 0.25
        loud.append(db[speech] - db[speech].mean())
        target.append(v[speech])
    r = np.corrcoef(np.concatenate(loud), np.concatenate(target))[0, 1]
    assert r > 0.7, r


@needs_espeak
def test_generate_writes_the_labels_to_the_manifest(tmp_path):
    """generate() (with a copy of the sentences task pointed at each French generator) writes labels as given."""
    from hf_bench.tasks.embedded import EMBEDDED_FULL_TASKS

    base = next(t for t in EMBEDDED_FULL_TASKS if t.name == "sentences")
    for name in NAMES:
        task = base.model_copy(update={"name": name, "source": base.source.model_copy(update={"generator": name})})
        synth.generate(task, tmp_path / name, limit_per_split=2, progress=False, workers=2)
        for split in task.splits:
            rows = [json.loads(line) for line in (tmp_path / name / split / "manifest.jsonl").read_text("utf-8")
                    .splitlines()]
            assert [r["label"] for r in rows] == synth.label_plan(name, task.source.seed, split, 2)
