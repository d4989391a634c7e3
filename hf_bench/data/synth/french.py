"""French speech tasks of the embedded suite (LeBenchmark analogues), synthesised with espeak-ng.

fr_sentences (speech recognition of short template sentences), fr_slu (MEDIA-like hotel-booking requests with
concept segments), fr_translation (French speech to English text) and fr_prosody (a loudness contour to follow
frame by frame, the continuous-emotion analogue of RECOLA).

Voices are espeak-ng's French voice (``fr``) with one of its variants, drawn from disjoint train/valid/test pools
(every test voice is unseen in training). The language must be given as ``fr``: espeak-ng 1.51 silently ignores
the variant of ``fr-fr+<variant>`` (every such voice renders exactly like ``fr-fr``); the ``mb-fr*`` voices need
mbrola, which is not installed. Every sentence is written out in words (no digits), so the label is exactly what
espeak-ng says, and every utterance fits in its clip: ``_render`` refuses to cut one (a generator bug).
"""

from __future__ import annotations

import functools

import numpy as np

from hf_bench.data.synth import _audio as A
from hf_bench.data.synth import _tools as T
from hf_bench.data.synth._base import Generator, partition
from hf_bench.data.synth._tools import SAMPLE_RATE
from hf_bench.data.synth.speech import ESPEAK_FEMALE, ESPEAK_MALE, NOISE_COLORS, _pick, _Speech

# The language part of every voice: "fr", never "fr-fr" (whose variants espeak-ng 1.51 ignores, see above).
FRENCH = "fr"
# Clear espeak-ng variants (no whisper, croak, robot or deliberately slow voices); all 29 render French differently.
FRENCH_VARIANTS = ESPEAK_MALE[:8] + ESPEAK_FEMALE[:5] + ("Annie", "belinda", "linda", "steph", "klatt", "klatt2",
                                                         "klatt3", "Alex", "Gene", "adam", "david", "john", "max",
                                                         "paul", "rob", "robert")
POOL_FRACTIONS = (0.6, 0.15, 0.25)

# ------------------------------------------------------------------------------------------------ vocabulary
NUMBERS = ("un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix")
# (singular, plural, gender)
NOUNS = (("chat", "chats", "m"), ("chien", "chiens", "m"), ("livre", "livres", "m"), ("oiseau", "oiseaux", "m"),
         ("cheval", "chevaux", "m"), ("bateau", "bateaux", "m"), ("ballon", "ballons", "m"),
         ("table", "tables", "f"), ("chaise", "chaises", "f"), ("pomme", "pommes", "f"),
         ("voiture", "voitures", "f"), ("fleur", "fleurs", "f"), ("clé", "clés", "f"), ("lampe", "lampes", "f"))
# (masculine, feminine, masculine plural, feminine plural)
COLOURS = (("rouge", "rouge", "rouges", "rouges"), ("bleu", "bleue", "bleus", "bleues"),
           ("vert", "verte", "verts", "vertes"), ("noir", "noire", "noirs", "noires"),
           ("blanc", "blanche", "blancs", "blanches"), ("jaune", "jaune", "jaunes", "jaunes"),
           ("gris", "grise", "gris", "grises"), ("violet", "violette", "violets", "violettes"))
PLACES = ("dans le jardin", "sous le lit", "sur le toit", "près de la porte", "derrière la maison",
          "devant l'école", "à côté du mur", "dans la cuisine", "sur l'étagère", "au bord du lac")


def sentence(rng: np.random.Generator) -> str:
    """"<nombre> <objet> <couleur> <lieu>" with number and gender agreement, e.g. "trois chats noirs dans le jardin"."""
    k = int(rng.integers(0, len(NUMBERS)))
    singular, plural, gender = _pick(rng, NOUNS)
    colour = _pick(rng, COLOURS)
    number = ("un" if gender == "m" else "une") if k == 0 else NUMBERS[k]
    noun = singular if k == 0 else plural
    adjective = colour[(0 if gender == "m" else 1) + (0 if k == 0 else 2)]
    return f"{number} {noun} {adjective} {_pick(rng, PLACES)}"


class _French(_Speech):
    """French voices from disjoint pools; the utterance is checked to fit the clip before it is placed in it."""

    tools = ("espeak-ng",)
    speed, pitch, perturb, snr_db, eq_db = (150, 190), (30, 70), 0.0, (20.0, 40.0), 3.0
    pool_tag: int

    def pools(self, seed: int) -> dict[str, tuple[str, ...]]:
        """Disjoint train/valid/test pools of espeak-ng voices ("fr+<variant>")."""
        return _pools(seed, self.pool_tag)

    def text(self, label) -> str:
        """What espeak-ng says for ``label``."""
        return label

    def utterance(self, text: str, rng: np.random.Generator, seed: int, role: str) -> np.ndarray:
        """``text`` said by a voice of the ``role`` pool, silence trimmed; raises if it would not fit the clip."""
        voice = _pick(rng, self.pools(seed)[role])
        audio = A.trim(T.espeak(text, voice, speed=self._speed(rng), pitch=self._pitch(rng)))
        if len(audio) > self.n:  # a generator bug: the clip would cut the sentence
            raise AssertionError(f"{self.name}: {text!r} lasts {len(audio) / SAMPLE_RATE:.2f} s with {voice}, "
                                 f"longer than the {self.clip_s:g} s clip")
        return audio

    def _render(self, label, rng, seed, role):
        return self._finish(self.utterance(self.text(label), rng, seed, role), rng)


@functools.lru_cache(maxsize=None)
def _pools(seed: int, tag: int) -> dict[str, tuple[str, ...]]:
    return {role: tuple(f"{FRENCH}+{v}" for v in pool)
            for role, pool in partition(FRENCH_VARIANTS, seed, tag, POOL_FRACTIONS).items()}


# ------------------------------------------------------------------------------------------------ fr_sentences
class FrenchSentences(_French):
    """Five- to seven-word French sentences (number, thing, colour, place) for speech recognition."""

    name, kind, clip_s, pool_tag = "fr_sentences", "transcript", 3.0, 500

    def _label(self, rng, role):
        return sentence(rng)


# ------------------------------------------------------------------------------------------------ fr_slu
# MEDIA-style concept names (words outside every concept are "null")
CONCEPTS = ("command-tache", "nombre-chambre", "chambre-type", "localisation-ville", "temps-date", "nombre-nuit",
            "paiement-montant-entier", "hotel-services")
NULL = "null"
COMMANDS = ("je voudrais réserver", "je souhaite réserver", "j'aimerais réserver", "je veux réserver", "je cherche")
ROOMS = ("une chambre", "deux chambres", "trois chambres", "quatre chambres")
ROOM_TYPES = ("simple", "double", "triple", "familiale")
CITIES = ("paris", "lyon", "marseille", "nice", "bordeaux", "lille", "toulouse", "nantes", "strasbourg", "rennes",
          "montpellier", "grenoble")
DAYS = ("premier", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze",
        "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf", "vingt", "vingt et un",
        "vingt-deux", "vingt-trois", "vingt-quatre", "vingt-cinq", "vingt-six", "vingt-sept", "vingt-huit")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
NIGHTS = ("une nuit", "deux nuits", "trois nuits", "quatre nuits", "cinq nuits", "six nuits", "sept nuits")
AMOUNTS = ("cinquante", "soixante", "soixante-dix", "quatre-vingts", "quatre-vingt-dix", "cent", "cent vingt",
           "cent cinquante", "deux cents", "deux cent cinquante", "trois cents")
PRICE_WORDS = ("pour moins de", "à moins de", "pour environ")
SERVICES = ("parking", "piscine", "petit déjeuner", "vue sur la mer", "salle de sport", "restaurant",
            "climatisation")


def _city(rng):
    return [("localisation-ville", f"à {_pick(rng, CITIES)}")]


def _date(rng):
    day, month = _pick(rng, DAYS), _pick(rng, MONTHS)
    if rng.random() < 0.5:
        return [(NULL, "à partir du"), ("temps-date", f"{day} {month}")]
    return [("temps-date", f"le {day} {month}")]


def _nights(rng):
    return [(NULL, "pour"), ("nombre-nuit", _pick(rng, NIGHTS))]


def _price(rng):
    return [(NULL, _pick(rng, PRICE_WORDS)), ("paiement-montant-entier", f"{_pick(rng, AMOUNTS)} euros")]


def _service(rng):
    return [(NULL, "avec"), ("hotel-services", _pick(rng, SERVICES))]


MODIFIERS = (_city, _date, _nights, _price, _service)


class FrenchSLU(_French):
    """MEDIA-like hotel-booking requests; the label is the sentence cut into concept segments (``null`` between).

    Every request has a command and a number of rooms (with an optional room type), then one to three of city,
    date, nights, price and service in a random order, and sometimes "bonjour" before or "s'il vous plaît" after (requests longer than ``max_chars`` characters are
    drawn again, so that every one fits in the clip).
    """

    name, kind, clip_s, pool_tag = "fr_slu", "concepts", 6.0, 501
    labels = CONCEPTS
    null = NULL
    max_chars = 95  # about 5.2 s at 150 wpm with the slowest voice

    @staticmethod
    def _parts(rng: np.random.Generator) -> list[tuple[str, str]]:
        parts: list[tuple[str, str]] = []
        if rng.random() < 0.2:
            parts.append((NULL, "bonjour"))
        parts.append(("command-tache", _pick(rng, COMMANDS)))
        k = int(rng.integers(0, len(ROOMS)))
        parts.append(("nombre-chambre", ROOMS[k]))
        if rng.random() < 0.5:
            parts.append(("chambre-type", _pick(rng, ROOM_TYPES) + ("s" if k else "")))
        m = int(rng.integers(1, 4))
        for j in rng.permutation(len(MODIFIERS))[:m]:
            parts += MODIFIERS[int(j)](rng)
        if rng.random() < 0.2:
            parts.append((NULL, "s'il vous plaît"))
        return parts

    def _label(self, rng, role):
        while True:  # redraw the (rare) requests too long to say within the clip at the slowest speed
            parts = self._parts(rng)
            if len(" ".join(w for _, w in parts)) <= self.max_chars:
                break
        segments: list[dict] = []
        for concept, words in parts:  # adjacent null words make one null segment
            if segments and concept == NULL and segments[-1]["concept"] == NULL:
                segments[-1]["words"] += " " + words
            else:
                segments.append({"concept": concept, "words": words})
        return segments

    def text(self, label) -> str:
        return " ".join(s["words"] for s in label)


# ------------------------------------------------------------------------------------------------ fr_translation
# (French noun, gender, English); "le"/"la" elide to "l'" before a vowel
ANIMALS = (("chat", "m", "cat"), ("chien", "m", "dog"), ("oiseau", "m", "bird"), ("cheval", "m", "horse"),
           ("lapin", "m", "rabbit"), ("loup", "m", "wolf"), ("mouton", "m", "sheep"), ("cochon", "m", "pig"),
           ("vache", "f", "cow"), ("souris", "f", "mouse"), ("chèvre", "f", "goat"), ("poule", "f", "hen"))
# (masculine, feminine, English)
ADJECTIVES = (("noir", "noire", "black"), ("blanc", "blanche", "white"), ("gris", "grise", "grey"),
              ("brun", "brune", "brown"), ("jaune", "jaune", "yellow"), ("rouge", "rouge", "red"),
              ("bleu", "bleue", "blue"), ("vert", "verte", "green"))
VERBS = (("mange", "eats"), ("regarde", "watches"), ("voit", "sees"), ("cherche", "looks for"),
         ("porte", "carries"), ("aime", "likes"), ("suit", "follows"), ("trouve", "finds"), ("pousse", "pushes"),
         ("touche", "touches"), ("sent", "smells"), ("garde", "keeps"))
OBJECTS = (("la pomme", "the apple"), ("le livre", "the book"), ("la balle", "the ball"), ("le pain", "the bread"),
           ("la table", "the table"), ("le journal", "the newspaper"), ("la fleur", "the flower"),
           ("le chapeau", "the hat"), ("la porte", "the door"), ("le bateau", "the boat"), ("la clé", "the key"),
           ("le panier", "the basket"))
SETTINGS = (("dans le jardin", "in the garden"), ("sur la plage", "on the beach"),
            ("près de la maison", "near the house"), ("dans la cuisine", "in the kitchen"),
            ("sous la pluie", "in the rain"), ("ce matin", "this morning"), ("ce soir", "this evening"),
            ("aujourd'hui", "today"), ("dans la forêt", "in the forest"), ("sur le pont", "on the bridge"))


def _article(noun: str, gender: str) -> str:
    if noun[0] in "aeiouyéèê":  # (no noun here starts with an h)
        return f"l'{noun}"
    return f"{'le' if gender == 'm' else 'la'} {noun}"


def translation_pair(rng: np.random.Generator, setting_p: float = 0.6) -> tuple[str, str]:
    """(French, English): "<animal> <colour> <verb> <object> [<setting>]", the setting with probability setting_p."""
    noun, gender, animal = _pick(rng, ANIMALS)
    masc, fem, colour = _pick(rng, ADJECTIVES)
    verb_fr, verb_en = _pick(rng, VERBS)
    obj_fr, obj_en = _pick(rng, OBJECTS)
    fr = [_article(noun, gender), masc if gender == "m" else fem, verb_fr, obj_fr]
    en = [f"the {colour} {animal}", verb_en, obj_en]
    if rng.random() < setting_p:
        setting_fr, setting_en = _pick(rng, SETTINGS)
        fr.append(setting_fr)
        en.append(setting_en)
    return " ".join(fr), " ".join(en)


class FrenchTranslation(_French):
    """"<animal> <colour> <verb> <object> [<setting>]" in French, translated to English (the adjective moves).

    E.g. "le chat noir mange la pomme dans le jardin" -> "the black cat eats the apple in the garden".
    """

    name, kind, clip_s, pool_tag = "fr_translation", "translation", 4.0, 502

    def _label(self, rng, role):
        source, translation = translation_pair(rng)
        return {"translation": translation, "source": source}

    def text(self, label) -> str:
        return label["source"]


# ------------------------------------------------------------------------------------------------ fr_prosody
class FrenchProsody(_French):
    """French sentences under a smooth random loudness contour (a fader on the whole recording, noise included).

    The contour is a sum of three sinusoids of 0.2-1 Hz with random amplitudes and phases, min-max scaled to
    [-1, 1] per clip and applied as a gain of ``range_db / 2 * value`` dB (so it spans exactly ``range_db``). The
    label is that contour every ``hop_s`` from 0 s to the end of the clip (rounded to 4 decimals, the values the
    gain is interpolated linearly between, so the target is exact). The level is fixed before the contour (the
    loudest sample of the uncontoured clip at ``base_peak``), so absolute frame loudness carries the target too.
    The speech is fr_sentences sentences said one after the other (up to ``max_chars`` characters in all), so
    that it covers most of the clip, over a noise floor 10-25 dB down that follows the contour too.
    """

    name, kind, clip_s, pool_tag = "fr_prosody", "curve", 5.0, 503
    target_range = (-1.0, 1.0)
    speed, snr_db = (145, 175), (10.0, 25.0)
    hop_s, range_db, freq_hz, components = 0.04, 20.0, (0.2, 1.0), 3
    base_peak = 0.28  # at most 0.28 * 10 ** (range_db / 40) = 0.885 after the contour: never clipped
    max_chars = 70    # at most 4.2 s at 145 wpm with the slowest voice (commas add pauses)
    draws = 4         # sentences drawn after the first, each kept if it still fits

    @property
    def n_values(self) -> int:
        return int(round(self.clip_s / self.hop_s)) + 1

    def _label(self, rng, role):
        t = np.arange(self.n_values) * self.hop_s
        c = np.zeros_like(t)
        for _ in range(self.components):
            freq, phase, amp = rng.uniform(*self.freq_hz), rng.uniform(0, 2 * np.pi), rng.uniform(0.3, 1.0)
            c += amp * np.sin(2 * np.pi * freq * t + phase)
        v = 2 * (c - c.min()) / (c.max() - c.min()) - 1
        return {"hop_s": self.hop_s, "start_s": 0.0, "values": [round(float(x), 4) for x in v]}

    def gain_db(self, label) -> np.ndarray:
        """The gain (dB) applied to every sample of the clip: the label's contour, linearly interpolated."""
        values = np.asarray(label["values"], dtype=np.float64)
        t = np.arange(self.n) / SAMPLE_RATE
        return self.range_db / 2 * np.interp(t, np.arange(len(values)) * label["hop_s"], values)

    def speech_text(self, rng: np.random.Generator) -> str:
        """A sentence, then each of ``draws`` more that still fits in ``max_chars``, joined by commas (audio stream)."""
        parts = [sentence(rng)]
        for _ in range(self.draws):
            nxt = sentence(rng)
            if len(", ".join(parts + [nxt])) <= self.max_chars:
                parts.append(nxt)
        return ", ".join(parts)

    def _render(self, label, rng, seed, role):
        audio = A.fit(self.utterance(self.speech_text(rng), rng, seed, role), self.n, rng)
        audio = A.random_channel(audio, rng, self.eq_db)
        audio = A.add_noise(audio, float(rng.uniform(*self.snr_db)), rng, _pick(rng, NOISE_COLORS))
        audio = A.set_peak(audio, self.base_peak) * 10 ** (self.gain_db(label) / 20)
        if np.abs(audio).max() < 0.1:  # the loudest words all fell in the quietest stretch (rare): lift the clip
            audio = A.set_peak(audio, 0.1)
        return audio.astype(np.float32)


GENERATORS: dict[str, Generator] = {g.name: g for g in (FrenchSentences(), FrenchSLU(), FrenchTranslation(),
                                                         FrenchProsody())}
