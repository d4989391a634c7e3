"""Audio-caption retrieval of the embedded suite (a Clotho analogue): short scenes described in words.

Each clip is one source (eight FluidSynth instruments, a synthesised bell or beep, a man's or a woman's voice from
espeak-ng) heard one to four times, high or low, quickly or slowly, over quiet or noisy background. The captions
say exactly that, in three different phrasings per clip drawn from templates and synonyms ("a low piano note is
played twice", "two deep notes on a piano, slowly", ...). Clips are new in every split (new notes, timings,
noise; voices of the test split are unseen), and the attributes are drawn independently, so several test clips
can share a description: that, and not only the encoder, keeps recall@1 below 1.

The label is ``{"captions": [...], "source", "count", "pitch", "tempo", "background"}``: the task reads the
captions (``caption_keys``), the attributes document what was rendered.
"""

from __future__ import annotations

import functools

import numpy as np

from hf_bench.data.synth import _audio as A
from hf_bench.data.synth import _tools as T
from hf_bench.data.synth._base import Generator, partition
from hf_bench.data.synth._tools import SAMPLE_RATE, Note

# source -> GM program (None: synthesised or spoken)
INSTRUMENTS = {"piano": 0, "organ": 19, "guitar": 24, "violin": 40, "trumpet": 56, "flute": 73,
               "xylophone": 13, "harp": 46}
SOURCES = tuple(INSTRUMENTS) + ("bell", "beep", "man", "woman")
KEYS = {"low": (45, 57), "high": (69, 81)}            # MIDI ranges of the two registers
BELL_HZ = {"low": (300, 600), "high": (1200, 2400)}
BEEP_HZ = {"low": (400, 800), "high": (2000, 4000)}
GAPS = {"slowly": (0.45, 0.7), "quickly": (0.12, 0.22)}  # seconds between two sounds
SNR_DB = {"quiet": (30.0, 40.0), "noisy": (3.0, 10.0)}
COUNT_WORDS = {1: ("one", "a single"), 2: ("two", "a pair of"), 3: ("three",), 4: ("four",)}
COUNT_ADVERBS = {1: ("once", "one time"), 2: ("twice", "two times"), 3: ("three times", "thrice"),
                 4: ("four times",)}
PITCH_WORDS = {"low": ("low", "deep", "low-pitched"), "high": ("high", "bright", "high-pitched")}
TEMPO_WORDS = {"slowly": ("slowly", "with long pauses", "at a slow pace"),
               "quickly": ("quickly", "in quick succession", "rapidly")}
BACKGROUND_WORDS = {"quiet": ("in a quiet room", "with no background noise", "in silence"),
                    "noisy": ("over a loud hiss", "with heavy background noise", "over static")}
SPEECH_WORDS = ("apple", "river", "window", "garden", "yellow", "table", "doctor", "pencil", "rocket", "basket")


def _pick(rng: np.random.Generator, items):
    return items[int(rng.integers(0, len(items)))]


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def describe(source: str, count: int, pitch: str, tempo: str, background: str, rng: np.random.Generator) -> list[str]:
    """Three different captions of one clip (each a template filled with drawn synonyms)."""
    n, adv = _pick(rng, COUNT_WORDS[count]), _pick(rng, COUNT_ADVERBS[count])
    p, t, b = _pick(rng, PITCH_WORDS[pitch]), _pick(rng, TEMPO_WORDS[tempo]), _pick(rng, BACKGROUND_WORDS[background])
    if count == 1:  # one sound has no tempo: say something about the background instead
        t = _pick(rng, BACKGROUND_WORDS[background])
    if source in ("man", "woman"):
        who = {"man": ("a man", "a male voice"), "woman": ("a woman", "a female voice")}[source]
        word = "word" if count == 1 else "words"
        return [f"{_pick(rng, who)} says {n} {word} {t}",
                f"{n} {word} spoken by {_pick(rng, who)} {b}",
                f"{_pick(rng, who)} speaks {adv}, {t}, {b}"]
    if source in INSTRUMENTS:
        noun = "note" if count == 1 else "notes"
        return [f"{_article(p)} {p} {source} note is played {adv} {t}" if count > 1 else
                f"{_article(p)} {p} {source} note is played once {b}",
                f"{n} {p} {noun} on {_article(source)} {source}, {t}",
                f"someone plays the {source} {adv} {b}, {p}"]
    verb = "rings" if source == "bell" else "sounds"
    return [f"{_article(p)} {p} {source} {verb} {adv} {t}",
            f"{n} {p} {source}{'s' if count > 1 else ''} {b}",
            f"{_article(source)} {source} {verb} {adv}, {p} and {t}, {b}"]


class Captions(Generator):
    """One source heard 1-4 times per clip, with three captions; test voices unseen, every clip new."""

    name, kind, clip_s = "captions", "captions", 3.0
    tools = ("espeak-ng", "fluidsynth")

    @staticmethod
    @functools.lru_cache(maxsize=None)
    def pools(seed: int) -> dict[str, dict[str, tuple[str, ...]]]:
        from hf_bench.data.synth.speech import ESPEAK_FEMALE, ESPEAK_MALE

        return {"man": partition(ESPEAK_MALE, seed, 400, (0.6, 0.15, 0.25)),
                "woman": partition(ESPEAK_FEMALE, seed, 401, (0.6, 0.15, 0.25))}

    def _label(self, rng, role):
        source = _pick(rng, SOURCES)
        count = int(rng.integers(1, 5))
        pitch, tempo, background = _pick(rng, ("low", "high")), _pick(rng, tuple(GAPS)), _pick(rng, tuple(SNR_DB))
        if source in ("man", "woman"):
            pitch = "low" if source == "man" else "high"
        return {"captions": describe(source, count, pitch, tempo, background, rng), "source": source,
                "count": count, "pitch": pitch, "tempo": tempo, "background": background}

    def _sounds(self, label, rng, seed, role) -> list[np.ndarray]:
        source, count, pitch = label["source"], label["count"], label["pitch"]
        if source in INSTRUMENTS:
            from hf_bench.data.synth.music import _audible_choice

            out = []
            for _ in range(count):
                _, key = _audible_choice(rng, (INSTRUMENTS[source],), KEYS[pitch])
                dur = float(rng.uniform(0.2, 0.35))
                out.append(T.render_notes([Note(INSTRUMENTS[source], key, int(rng.integers(80, 120)), 0.0, dur)],
                                          dur + 0.1))
            return out
        t = np.arange(int(rng.uniform(0.15, 0.3) * SAMPLE_RATE)) / SAMPLE_RATE
        if source == "bell":
            f = float(rng.uniform(*BELL_HZ[pitch]))
            return [sum(g * np.sin(2 * np.pi * f * r * t) * np.exp(-t / (0.25 / r ** 0.5))
                        for r, g in ((1.0, 1.0), (2.76, 0.6), (5.4, 0.4))).astype(np.float32) for _ in range(count)]
        if source == "beep":
            f = float(rng.uniform(*BEEP_HZ[pitch]))
            return [np.sin(2 * np.pi * f * t).astype(np.float32) for _ in range(count)]
        voices = self.pools(seed)[source][role]
        voice = f"{_pick(rng, ('en-us', 'en-gb'))}+{_pick(rng, voices)}"
        pitch_arg = int(rng.integers(20, 45)) if source == "man" else int(rng.integers(55, 80))
        return [A.trim(T.espeak(_pick(rng, SPEECH_WORDS), voice, speed=int(rng.integers(170, 210)), pitch=pitch_arg))
                for _ in range(count)]

    def _render(self, label, rng, seed, role):
        n = int(round(self.clip_s * SAMPLE_RATE))
        out = np.zeros(n, dtype=np.float32)
        sounds = [s / (np.abs(s).max() + 1e-9) for s in self._sounds(label, rng, seed, role)]
        gaps = [float(rng.uniform(*GAPS[label["tempo"]])) for _ in sounds[1:]]
        total = sum(len(s) for s in sounds) / SAMPLE_RATE + sum(gaps)
        if total > self.clip_s - 0.1:  # long words said slowly: squeeze the pauses to fit the window
            scale = max(0.0, (self.clip_s - 0.1 - sum(len(s) for s in sounds) / SAMPLE_RATE)) / max(sum(gaps), 1e-9)
            gaps = [g * scale for g in gaps]
            total = sum(len(s) for s in sounds) / SAMPLE_RATE + sum(gaps)
        t = float(rng.uniform(0.0, max(0.0, self.clip_s - total - 0.05)))
        for k, s in enumerate(sounds):
            a = int(t * SAMPLE_RATE)
            seg = s[:max(0, n - a)]
            out[a:a + len(seg)] += seg
            t += len(s) / SAMPLE_RATE + (gaps[k] if k < len(gaps) else 0.0)
        out = A.add_noise(out, float(rng.uniform(*SNR_DB[label["background"]])), rng, "white")
        return A.set_peak(out, float(rng.uniform(0.2, 0.9)))


GENERATORS: dict[str, Generator] = {g.name: g for g in (Captions(),)}
