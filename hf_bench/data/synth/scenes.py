"""Frame-level tasks of the embedded suite: note transcription and sound event detection, with exact times.

notes (a MAESTRO analogue): General MIDI phrases of one to three simultaneous notes on one melodic program per
clip, rendered with FluidSynth; every note's MIDI key, note-on and note-off are the labels. Programs are split
into disjoint train/valid/test pools, so test instruments are unseen.

events (a DESED analogue): one to four sound events of eight classes placed at random times, overlapping, in
coloured background noise: speech bursts (espeak-ng, test voices unseen), high tone beeps, engine-like hums,
two-tone alarms,
keyboard notes and percussion hits (FluidSynth, test programs unseen), bells (inharmonic partials) and water
(modulated band-passed noise).

Labels come from the label stream alone (no audio is rendered for them): each event's class, onset and duration
are drawn first, and its sound is then made to last exactly that long (speech is tape-speed fitted, notes and
hits are cut with a short fade), so the labels are the exact extent of each sound.
"""

from __future__ import annotations

import functools

import numpy as np

from hf_bench.data.synth import _audio as A
from hf_bench.data.synth import _tools as T
from hf_bench.data.synth._base import Generator, partition
from hf_bench.data.synth._tools import SAMPLE_RATE, Note

NOISE_COLORS = ("pink", "brown", "white")
BACKGROUND_COLORS = ("pink", "white")  # brown noise would pass for a hum
_FADE_S = 0.005


def _fit_length(audio: np.ndarray, n: int) -> np.ndarray:
    """Exactly ``n`` samples: cut (or zero-pad) and fade both ends so the sound starts and stops on its label."""
    out = np.zeros(n, dtype=np.float32)
    out[:min(n, len(audio))] = audio[:n]
    fade = min(n // 2, int(_FADE_S * SAMPLE_RATE))
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        out[:fade] *= ramp
        out[n - fade:] *= ramp[::-1]
    return out


def _unit_rms(audio: np.ndarray) -> np.ndarray:
    return audio / (np.sqrt(np.mean(audio ** 2)) + 1e-9)


def _round(x: float) -> float:
    return float(round(x, 2))


class _Scene(Generator):
    kind = "events"

    def _place(self, rng: np.random.Generator, count: int, durations) -> list[tuple[float, float]]:
        """(onset, offset) pairs inside the clip, in 10 ms steps."""
        out = []
        for d in durations:
            d = _round(min(d, self.clip_s))
            onset = _round(float(rng.uniform(0.0, self.clip_s - d)))
            out.append((onset, _round(onset + d)))
        return out


# ------------------------------------------------------------------------------------------------------- notes
NOTE_KEYS = tuple(range(55, 79))   # G3 .. F#5: two octaves of pitches as classes
NOTE_FAMILIES = (0, 1, 2, 3, 5, 8, 9)  # piano, chromatic percussion, organ, guitar, strings, reed, pipe (GM families)


@functools.lru_cache(maxsize=None)
def _playable(program: int) -> bool:
    from hf_bench.data.synth.music import audible

    return all(audible(program, key) for key in NOTE_KEYS)


class Notes(_Scene):
    """Polyphonic phrases on one GM program per clip; labels: every note's key, onset and offset."""

    name, clip_s, labels = "notes", 4.0, tuple(str(k) for k in NOTE_KEYS)
    metric_args = {"average": "micro", "time_resolution": 0.1}  # MAESTRO's
    tools = ("fluidsynth",)
    max_notes, velocity, snr_db = 10, (40, 127), (20.0, 40.0)

    @staticmethod
    @functools.lru_cache(maxsize=None)
    def pools(seed: int) -> dict[str, tuple[int, ...]]:
        programs = tuple(8 * f + i for f in NOTE_FAMILIES for i in range(8))
        return partition(programs, seed, 300, (0.6, 0.15, 0.25))

    def _label(self, rng, role):
        n = int(rng.integers(3, self.max_notes + 1))
        events, t = [], float(rng.uniform(0.0, 0.4))
        for _ in range(n):
            if t >= self.clip_s - 0.2:
                break
            d = float(rng.uniform(0.15, 1.0))
            key = int(rng.choice(NOTE_KEYS))
            if not any(e["label"] == str(key) and e["onset"] <= t < e["offset"] for e in events):  # one key once
                events.append({"onset": _round(t), "offset": _round(min(self.clip_s, t + d)), "label": str(key)})
            # chords (onsets together) and overlapping notes as often as a melody
            t += float(rng.choice([0.0, rng.uniform(0.1, 0.6)], p=[0.3, 0.7]))
        return sorted(events, key=lambda e: (e["onset"], int(e["label"])))

    def _render(self, label, rng, seed, role):
        pool = [p for p in self.pools(seed)[role] if _playable(p)]
        program = int(pool[int(rng.integers(0, len(pool)))])
        notes = [Note(program, int(e["label"]), int(rng.integers(self.velocity[0], self.velocity[1] + 1)),
                      e["onset"], e["offset"] - e["onset"]) for e in label]
        audio = T.render_notes(notes, self.clip_s)
        # a note's label ends at its note-off: silence the release tail of notes after the last note-off
        end = int(max(e["offset"] for e in label) * SAMPLE_RATE)
        audio[end:] *= np.exp(-np.arange(len(audio) - end) / (0.01 * SAMPLE_RATE)).astype(np.float32)
        audio = A.add_noise(audio, float(rng.uniform(*self.snr_db)), rng,
                            NOISE_COLORS[int(rng.integers(0, len(NOISE_COLORS)))])
        return A.set_peak(audio, float(rng.uniform(0.1, 0.9)))


# ------------------------------------------------------------------------------------------------------ events
EVENT_CLASSES = ("speech", "beep", "hum", "alarm", "keyboard", "percussion", "bell", "water")
DURATIONS = {"speech": (0.5, 1.6), "beep": (0.3, 1.2), "hum": (0.8, 2.5), "alarm": (0.8, 2.0),
             "keyboard": (0.4, 1.5), "percussion": (0.3, 1.2), "bell": (0.5, 1.5), "water": (1.0, 2.5)}
KEYBOARD_PROGRAMS = tuple(range(0, 8)) + tuple(range(16, 24))     # piano and organ families
PERCUSSION_PROGRAMS = (8, 11, 12, 13, 112, 113, 114, 115, 116, 117, 118)


class SoundEvents(_Scene):
    """One to four events of eight classes at random times, overlapping, over coloured background noise."""

    name, clip_s, labels = "events", 5.0, EVENT_CLASSES
    metric_args = {"average": "macro", "time_resolution": 1.0}  # DESED's
    tools = ("espeak-ng", "fluidsynth")
    snr_db = (6.0, 20.0)   # each event relative to the background noise

    @staticmethod
    @functools.lru_cache(maxsize=None)
    def pools(seed: int) -> dict[str, dict[str, tuple]]:
        from hf_bench.data.synth.speech import ENGLISH_ACCENTS, ESPEAK_VARIANTS

        return {"voices": partition(ESPEAK_VARIANTS, seed, 310, (0.6, 0.15, 0.25)),
                "accents": {r: ENGLISH_ACCENTS for r in ("train", "valid", "test")},
                "keyboard": partition(KEYBOARD_PROGRAMS, seed, 311, (0.6, 0.15, 0.25)),
                "percussion": partition(PERCUSSION_PROGRAMS, seed, 312, (0.6, 0.15, 0.25))}

    def _label(self, rng, role):
        count = int(rng.integers(1, 5))
        classes = [EVENT_CLASSES[int(rng.integers(0, len(EVENT_CLASSES)))] for _ in range(count)]
        spans = self._place(rng, count, [float(rng.uniform(*DURATIONS[c])) for c in classes])
        events = [{"onset": a, "offset": b, "label": c} for (a, b), c in zip(spans, classes)]
        return sorted(events, key=lambda e: (e["onset"], EVENT_CLASSES.index(e["label"])))

    # -- one sound of exactly n samples per class
    def _speech(self, n, rng, seed, role):
        from hf_bench.data.synth.speech import WORDS_A, WORDS_B

        pools = self.pools(seed)
        voice = (f"{pools['accents'][role][int(rng.integers(0, len(pools['accents'][role])))]}+"
                 f"{pools['voices'][role][int(rng.integers(0, len(pools['voices'][role])))]}")
        words = " ".join((WORDS_A + WORDS_B)[int(i)] for i in rng.integers(0, len(WORDS_A + WORDS_B), 3))
        audio = A.trim(T.espeak(words, voice, speed=int(rng.integers(150, 200)), pitch=int(rng.integers(20, 80))))
        import soxr

        # tape-speed fitted to the labelled duration (pitch moves with it, like another voice)
        return soxr.resample(audio, len(audio), n, quality="HQ")[:n].astype(np.float32)

    @staticmethod
    def _beep(n, rng):
        t = np.arange(n) / SAMPLE_RATE
        f = float(rng.uniform(2500, 4500))
        on = float(rng.uniform(0.05, 0.15))
        period = on + float(rng.uniform(0.05, 0.15))
        gate = ((t % period) < on).astype(np.float32)
        return np.sin(2 * np.pi * f * t).astype(np.float32) * gate

    @staticmethod
    def _hum(n, rng):
        t = np.arange(n) / SAMPLE_RATE
        f = float(rng.uniform(50, 140))
        drift = 1 + 0.03 * np.sin(2 * np.pi * float(rng.uniform(0.2, 1.0)) * t)
        phase = 2 * np.pi * f * np.cumsum(drift) / SAMPLE_RATE
        return sum(np.sin(k * phase) / k for k in range(1, 9)).astype(np.float32)

    @staticmethod
    def _alarm(n, rng):
        t = np.arange(n) / SAMPLE_RATE
        lo = float(rng.uniform(500, 900))
        hi = lo * float(rng.uniform(1.25, 1.6))
        half = float(rng.uniform(0.1, 0.25))
        f = np.where((t // half) % 2 == 0, lo, hi)
        return (np.sin(2 * np.pi * np.cumsum(f) / SAMPLE_RATE) + 0.3 * np.sin(6 * np.pi * np.cumsum(f) / SAMPLE_RATE)
                ).astype(np.float32)

    @staticmethod
    def _bell(n, rng):
        t = np.arange(n) / SAMPLE_RATE
        f = float(rng.uniform(400, 1500))
        decay = float(rng.uniform(0.3, 0.8))
        out = np.zeros(n)
        for ratio, gain in ((1.0, 1.0), (2.76, 0.6), (5.40, 0.4), (8.93, 0.25)):
            out += gain * np.sin(2 * np.pi * f * ratio * t) * np.exp(-t / (decay / ratio ** 0.5))
        return out.astype(np.float32)

    @staticmethod
    def _water(n, rng):
        spec = np.fft.rfft(rng.standard_normal(n))
        freqs = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE)
        lo = float(rng.uniform(300, 1500))
        band = (freqs > lo) & (freqs < lo * float(rng.uniform(2.0, 4.0)))
        noise = np.fft.irfft(spec * band, n=n)
        t = np.arange(n) / SAMPLE_RATE
        mod = 1.0 + 0.6 * np.sin(2 * np.pi * float(rng.uniform(3, 9)) * t + float(rng.uniform(0, 6.28)))
        return (noise * mod).astype(np.float32)

    def _notes(self, n, rng, programs, hits: bool):
        from hf_bench.data.synth.music import _audible_choice

        d = n / SAMPLE_RATE
        program, _ = _audible_choice(rng, programs, (48, 84))
        notes, t = [], 0.0
        while t < d - 0.05 and len(notes) < 12:
            step = float(rng.uniform(0.08, 0.2)) if hits else float(rng.uniform(0.2, 0.6))
            _, key = _audible_choice(rng, (program,), (48, 84))
            notes.append(Note(program, key, int(rng.integers(70, 127)), t, max(0.05, min(step, d - t))))
            t += step
        return T.render_notes(notes, d + 0.05)[:n]

    def _render(self, label, rng, seed, role):
        n_total = int(round(self.clip_s * SAMPLE_RATE))
        background = A.noise(n_total, rng, BACKGROUND_COLORS[int(rng.integers(0, len(BACKGROUND_COLORS)))])
        level = 10 ** (float(rng.uniform(-40, -20)) / 20)
        mix = background * level
        pools = self.pools(seed)
        for ev in label:
            a, b = int(round(ev["onset"] * SAMPLE_RATE)), int(round(ev["offset"] * SAMPLE_RATE))
            n = b - a
            kind = ev["label"]
            if kind == "speech":
                sound = self._speech(n, rng, seed, role)
            elif kind in ("keyboard", "percussion"):
                sound = self._notes(n, rng, pools[kind][role], hits=kind == "percussion")
            else:
                sound = getattr(self, f"_{kind}")(n, rng)
            sound = _fit_length(_unit_rms(sound), n)
            mix[a:b] += sound * level * 10 ** (float(rng.uniform(*self.snr_db)) / 20)
        mix = A.random_channel(mix.astype(np.float32), rng, 3.0)
        return A.set_peak(mix, float(rng.uniform(0.1, 0.9)))


GENERATORS: dict[str, Generator] = {g.name: g for g in (Notes(), SoundEvents())}
