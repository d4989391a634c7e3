"""Speech tasks of the embedded suite, synthesised with espeak-ng and flite.

kws (keyword spotting), lid (spoken language id), speaker (voice id), gender, speech_rate (words per minute),
sentences (speech recognition of short sentences).
Speaker-independent tasks draw their voices from disjoint train/valid/test pools (unseen voices in test).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from hf_bench.data.synth import _audio as A
from hf_bench.data.synth import _tools as T
from hf_bench.data.synth._base import Generator, partition
from hf_bench.data.synth._tools import SAMPLE_RATE, Voice

# espeak-ng 1.51 voice variants (espeak-ng-data/voices/!v) that declare a gender in their file.
ESPEAK_MALE = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "Andy", "AnxiousAndy", "Denis", "Diogo", "Henrique",
               "Hugo", "Lee", "Marco", "Storm", "antonio", "croak", "michel", "miguel", "sandro", "travis", "victor")
ESPEAK_FEMALE = ("f1", "f2", "f3", "f4", "f5", "Alicia", "Andrea", "Annie", "anika", "aunty", "belinda", "grandma",
                 "linda", "steph", "steph2", "steph3")
# variants without a declared gender (espeak treats them as male); fine wherever gender is not the label.
# caleb and klatt6 are left out: espeak-ng 1.51 renders them exactly like klatt (one voice in two pools = a leak)
ESPEAK_OTHER = ("Alex", "Gene", "Gene2", "Jacky", "Mario", "Michael", "Mike", "Nguyen", "Tweaky", "adam", "benjamin",
                "boris", "david", "ed", "edward", "edward2", "grandpa", "gustave", "iven", "iven2", "iven3",
                "iven4", "john", "kaukovalta", "klatt", "klatt2", "klatt3", "klatt4", "klatt5", "marcelo",
                "max", "norbert", "pablo", "paul", "pedro", "quincy", "rob", "robert", "robosoft", "robosoft2",
                "robosoft3", "robosoft4", "robosoft5", "robosoft7", "shelby", "whisper", "whisperf")
ESPEAK_VARIANTS = ESPEAK_MALE + ESPEAK_FEMALE + ESPEAK_OTHER
ENGLISH_ACCENTS = ("en-gb", "en-us", "en-029", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-gb-x-rp",
                   "en-us-nyc")
FLITE_VOICES = {"kal": "male", "kal16": "male", "awb": "male", "rms": "male", "slt": "female"}

KEYWORDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
# two disjoint vocabularies: the speaker task says words from the first in train/valid and from the second in test
WORDS_A = ("apple", "table", "river", "morning", "garden", "window", "yellow", "simple", "number", "people", "little",
           "water", "doctor", "money", "family", "winter", "market", "silver", "basket", "butter", "pencil", "forest",
           "travel", "letter", "kitchen", "dinner", "summer", "mountain", "paper", "village", "orange", "button",
           "rabbit", "castle", "island", "teacher", "bottle", "wonder", "golden", "hammer", "candle", "monkey",
           "pepper", "ladder", "planet", "rocket", "mirror", "coffee")
WORDS_B = ("camera", "engine", "jacket", "lemon", "magnet", "needle", "ocean", "pillow", "quarter", "radio", "saddle",
           "tunnel", "velvet", "wagon", "zipper", "anchor", "blanket", "cotton", "dragon", "feather", "giant",
           "harbor", "icicle", "jungle", "kettle", "lantern", "meadow", "nectar", "oyster", "parrot", "puzzle",
           "riddle", "sailor", "timber", "umbrella", "valley", "walnut", "yogurt", "barrel", "cactus", "dolphin",
           "falcon", "gravel", "helmet", "insect", "jelly", "koala", "pocket")
# espeak-ng language voices per label; several accents of a language are all that language
LANGUAGES = {
    "en": ("en-gb", "en-us"), "de": ("de",), "nl": ("nl",), "sv": ("sv",), "fr": ("fr-fr", "fr-be"),
    "es": ("es", "es-419"), "it": ("it",), "pt": ("pt", "pt-br"), "pl": ("pl",), "ru": ("ru",),
}
NOISE_COLORS = ("white", "pink", "brown")


def _numbers(rng: np.random.Generator, count: int) -> str:
    # digits, so espeak-ng reads them in the voice's own language
    return " ".join(str(int(rng.integers(0, 10 ** int(rng.integers(1, 5))))) for _ in range(count))


def _words(rng: np.random.Generator, vocab: tuple[str, ...], count: int) -> str:
    return " ".join(vocab[int(i)] for i in rng.integers(0, len(vocab), count))


def _speak(voice: Voice, text: str, *, speed: int, pitch: int) -> np.ndarray:
    if voice.engine == "espeak":
        return T.espeak(text, voice.name, speed=speed, pitch=pitch)
    # flite takes a duration stretch, not wpm: espeak-ng's default 175 wpm is stretch 1.0
    return T.flite(text, voice.name, stretch=float(np.clip(175.0 / speed, 0.5, 2.0)), f0_shift=1.0 + (pitch - 50) / 250)


def _pick(rng: np.random.Generator, items: tuple) -> Any:
    return items[int(rng.integers(0, len(items)))]


class _Speech(Generator):
    """Shared knobs: every clip is trimmed, speed-perturbed, placed in (or cut to) the window, then degraded."""

    tools = ("espeak-ng", "flite")
    speed: tuple[int, int] = (140, 220)      # espeak-ng -s (wpm) range
    pitch: tuple[int, int] = (20, 80)        # espeak-ng -p range (0-99)
    perturb: float = 0.0                     # +- fraction of tape-speed change (moves pitch and formants)
    snr_db: tuple[float, float] = (10.0, 30.0)
    eq_db: float = 6.0                       # depth of the random EQ

    @property
    def n(self) -> int:
        return int(round(self.clip_s * SAMPLE_RATE))

    def _finish(self, audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Perturb, fit into the window, then random EQ, noise of a random colour and SNR, and a random level."""
        audio = A.trim(audio)
        if self.perturb:
            audio = A.speed_perturb(audio, float(rng.uniform(1 - self.perturb, 1 + self.perturb)))
        audio = A.fit(audio, self.n, rng)
        audio = A.random_channel(audio, rng, self.eq_db)
        audio = A.add_noise(audio, float(rng.uniform(*self.snr_db)), rng, _pick(rng, NOISE_COLORS))
        return A.set_peak(audio, float(rng.uniform(0.1, 0.9)))

    def _speed(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.speed[0], self.speed[1] + 1))

    def _pitch(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.pitch[0], self.pitch[1] + 1))


class Keywords(_Speech):
    """Ten keywords said by many voices; test voices (variants and flite voices) are never heard in training."""

    name, kind, clip_s, labels = "kws", "classification", 1.0, KEYWORDS
    speed, pitch, perturb, snr_db, eq_db = (130, 230), (20, 80), 0.08, (5.0, 30.0), 6.0

    @staticmethod
    @functools.lru_cache(maxsize=None)
    def pools(seed: int) -> dict[str, tuple[Voice, ...]]:
        voices = tuple(Voice("espeak", v, "") for v in ESPEAK_VARIANTS) + tuple(
            Voice("flite", v, g) for v, g in FLITE_VOICES.items())
        return partition(voices, seed, 1, (0.6, 0.15, 0.25))

    def _render(self, label, rng, seed, role):
        voice = _pick(rng, self.pools(seed)[role])
        if voice.engine == "espeak":  # the variant with any English accent
            voice = Voice("espeak", f"{_pick(rng, ENGLISH_ACCENTS)}+{voice.name}", "")
        return self._finish(_speak(voice, label, speed=self._speed(rng), pitch=self._pitch(rng)), rng)


class Language(_Speech):
    """Numbers read aloud in one of ten languages; voice variants in test are unseen in training."""

    name, kind, clip_s, labels = "lid", "classification", 2.0, tuple(LANGUAGES)
    tools = ("espeak-ng",)
    speed, pitch, perturb, snr_db, eq_db = (140, 220), (20, 80), 0.05, (10.0, 35.0), 4.0

    @staticmethod
    @functools.lru_cache(maxsize=None)
    def pools(seed: int) -> dict[str, tuple[str, ...]]:
        return partition(ESPEAK_VARIANTS, seed, 2, (0.6, 0.15, 0.25))

    def _render(self, label, rng, seed, role):
        voice = f"{_pick(rng, LANGUAGES[label])}+{_pick(rng, self.pools(seed)[role])}"
        text = _numbers(rng, int(rng.integers(2, 4)))
        return self._finish(T.espeak(text, voice, speed=self._speed(rng), pitch=self._pitch(rng)), rng)


# Ten fixed voices: (engine, voice, base pitch, base speed). Identity = voice + its own pitch and tempo.
SPEAKERS = {
    "spk01": ("espeak", "en-us+m3", 40, 165), "spk02": ("espeak", "en-gb+f2", 55, 175),
    "spk03": ("espeak", "en-gb-scotland+m7", 45, 150), "spk04": ("espeak", "en-029+f4", 60, 185),
    "spk05": ("espeak", "en-gb-x-rp+Andy", 50, 170), "spk06": ("espeak", "en-us+belinda", 45, 160),
    "spk07": ("flite", "awb", 50, 175), "spk08": ("flite", "rms", 50, 175),
    "spk09": ("flite", "slt", 50, 175), "spk10": ("flite", "kal16", 50, 175),
}


class Speaker(_Speech):
    """Ten voices; words from one vocabulary in train/valid and a disjoint one in test (content-independent)."""

    name, kind, clip_s, labels = "speaker", "classification", 2.0, tuple(SPEAKERS)
    perturb, snr_db, eq_db = 0.05, (-5.0, 15.0), 15.0
    jitter_speed, jitter_pitch = 0.15, 15   # per clip, around each voice's own base rate and pitch

    def _render(self, label, rng, seed, role):
        engine, voice, pitch, speed = SPEAKERS[label]
        vocab = WORDS_B if role == "test" else WORDS_A
        text = _words(rng, vocab, int(rng.integers(3, 6)))
        speed = int(speed * rng.uniform(1 - self.jitter_speed, 1 + self.jitter_speed))
        pitch = int(np.clip(pitch + rng.integers(-self.jitter_pitch, self.jitter_pitch + 1), 0, 99))
        return self._finish(_speak(Voice(engine, voice, ""), text, speed=speed, pitch=pitch), rng)


class Gender(_Speech):
    """Male vs female voices in six languages with overlapping pitch ranges; test voices are unseen."""

    name, kind, clip_s, labels = "gender", "classification", 1.5, ("female", "male")
    speed, perturb, snr_db, eq_db = (140, 220), 0.03, (10.0, 30.0), 4.0
    # overlapping espeak-ng -p ranges: high-pitched men and low-pitched women meet in the middle
    pitch_male, pitch_female = (45, 99), (0, 54)
    LANGS = ("en-gb", "en-us", "de", "fr-fr", "es", "it")

    @staticmethod
    @functools.lru_cache(maxsize=None)
    def pools(seed: int) -> dict[str, dict[str, tuple[Voice, ...]]]:
        out: dict[str, dict[str, list[Voice]]] = {r: {"female": [], "male": []} for r in ("train", "valid", "test")}
        for tag, (gender, variants) in enumerate((("female", ESPEAK_FEMALE), ("male", ESPEAK_MALE))):
            for role, pool in partition(variants, seed, 3 + tag, (0.6, 0.15, 0.25)).items():
                out[role][gender] += [Voice("espeak", v, gender) for v in pool]
        # flite has a single female voice, so flite only adds variety to training (one voice per gender)
        out["train"]["female"].append(Voice("flite", "slt", "female"))
        out["train"]["male"].append(Voice("flite", "rms", "male"))
        return {r: {g: tuple(v) for g, v in d.items()} for r, d in out.items()}

    def _render(self, label, rng, seed, role):
        voice = _pick(rng, self.pools(seed)[role][label])
        if voice.engine == "espeak":
            voice = Voice("espeak", f"{_pick(rng, self.LANGS)}+{voice.name}", label)
        lo, hi = self.pitch_male if label == "male" else self.pitch_female
        audio = _speak(voice, _numbers(rng, 2), speed=self._speed(rng), pitch=int(rng.integers(lo, hi + 1)))
        return self._finish(audio, rng)


class SpeechRate(_Speech):
    """Words per minute (espeak-ng ``-s``) of three words said in a fixed 2.5 s window; test voices are unseen.

    The window and the word count are fixed, so the rate shows both in how compressed the words are and in how
    much of the window they fill (how long an utterance takes is what a rate is about).
    """

    name, kind, clip_s, target_range = "speech_rate", "regression", 2.5, (100.0, 400.0)
    tools = ("espeak-ng",)
    pitch, snr_db, eq_db = (20, 80), (15.0, 40.0), 4.0
    words = 3

    @staticmethod
    @functools.lru_cache(maxsize=None)
    def pools(seed: int) -> dict[str, tuple[str, ...]]:
        return partition(ESPEAK_VARIANTS, seed, 5, (0.6, 0.15, 0.25))

    def _label(self, rng, role):
        return float(rng.integers(int(self.target_range[0]), int(self.target_range[1]) + 1))

    def _render(self, label, rng, seed, role):
        voice = f"{_pick(rng, ENGLISH_ACCENTS)}+{_pick(rng, self.pools(seed)[role])}"
        text = _words(rng, WORDS_A + WORDS_B, self.words)
        return self._finish(T.espeak(text, voice, speed=int(label), pitch=self._pitch(rng)), rng)


# the sentences task: "<number> <colour> <thing>", each slot drawn uniformly (the thing singular after "one")
SENTENCE_SLOTS = (("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
                  ("red", "blue", "green", "yellow", "black", "white"),
                  (("cat", "cats"), ("dog", "dogs"), ("bird", "birds"), ("box", "boxes"), ("car", "cars"),
                   ("tree", "trees"), ("fish", "fish"), ("ball", "balls")))
# clear espeak-ng variants (no whisper, croak or robot voices) in American and British English, and flite's voices
SENTENCE_ESPEAK = ESPEAK_MALE[:8] + ESPEAK_FEMALE[:5] + ("klatt", "klatt2", "klatt3", "Alex", "Gene", "adam", "david",
                                                         "john", "max", "paul", "rob", "robert")
SENTENCE_ACCENTS = ("en-us", "en-gb")


class Sentences(_Speech):
    """Three-word sentences (number, colour, thing) for speech recognition; test voices are unseen."""

    name, kind, clip_s = "sentences", "transcript", 2.0
    speed, pitch, perturb, snr_db, eq_db = (140, 180), (35, 65), 0.0, (25.0, 40.0), 2.0

    @staticmethod
    @functools.lru_cache(maxsize=None)
    def pools(seed: int) -> dict[str, tuple[Voice, ...]]:
        voices = tuple(Voice("espeak", v, "") for v in SENTENCE_ESPEAK) + tuple(
            Voice("flite", v, g) for v, g in FLITE_VOICES.items())
        return partition(voices, seed, 6, (0.6, 0.15, 0.25))

    def _label(self, rng, role):
        number, colour, thing = (_pick(rng, slot) for slot in SENTENCE_SLOTS)
        return f"{number} {colour} {thing[0] if number == 'one' else thing[1]}"

    def _render(self, label, rng, seed, role):
        voice = _pick(rng, self.pools(seed)[role])
        if voice.engine == "espeak":
            voice = Voice("espeak", f"{_pick(rng, SENTENCE_ACCENTS)}+{voice.name}", "")
        return self._finish(_speak(voice, label, speed=self._speed(rng), pitch=self._pitch(rng)), rng)


GENERATORS: dict[str, Generator] = {g.name: g for g in (Keywords(), Language(), Speaker(), Gender(), SpeechRate(),
                                                         Sentences())}
