"""Music tasks of the embedded suite, rendered with FluidSynth and the TimGM6mb General MIDI soundfont.

instrument (GM family of a short phrase; test programs unseen), pitch (MIDI note number of one note; test
programs unseen), polyphony (which families play in a mixture of one to three).
"""

from __future__ import annotations

import functools

import numpy as np

from hf_bench.data.synth import _audio as A
from hf_bench.data.synth import _tools as T
from hf_bench.data.synth._base import Generator, partition
from hf_bench.data.synth._tools import Note

# General MIDI level 1 families: programs 8*i .. 8*i+7
GM_FAMILIES = ("piano", "chromatic_percussion", "organ", "guitar", "bass", "strings", "ensemble", "brass", "reed",
               "pipe", "synth_lead", "synth_pad", "synth_effects", "ethnic", "percussive", "sound_effects")
# the ten families the instrument and polyphony tasks use, with the MIDI key range each is played in
FAMILY_KEYS = {
    "piano": (36, 84), "chromatic_percussion": (60, 96), "organ": (36, 84), "guitar": (40, 76), "bass": (28, 55),
    "strings": (40, 84), "brass": (40, 76), "reed": (48, 84), "pipe": (60, 96), "synth_lead": (48, 84),
}
FAMILIES = tuple(FAMILY_KEYS)
# Test-only programs of the instrument task, two per family, never heard in train/valid. Picked once
# (benchmarks/embedded_difficulty.py --pick-test-programs) as the pair whose TimGM6mb notes are, in the worst case,
# closest to the family's six other programs relative to every other family: unseen instruments that a
# family-level model can still recognise. (A random pair often has no relative in training: harp, timpani.)
TEST_PROGRAMS = {
    "piano": (0, 1), "chromatic_percussion": (9, 12), "organ": (16, 21), "guitar": (24, 30), "bass": (33, 35),
    "strings": (40, 42), "brass": (56, 60), "reed": (64, 67), "pipe": (75, 76), "synth_lead": (82, 85),
}
PITCH_PROGRAMS = tuple(range(96))  # melodic GM programs, piano .. synth pad
NOISE_COLORS = ("white", "pink", "brown")


def family_programs(family: str) -> tuple[int, ...]:
    start = 8 * GM_FAMILIES.index(family)
    return tuple(range(start, start + 8))


@functools.lru_cache(maxsize=None)
def audible(program: int, key: int) -> bool:
    """Whether TimGM6mb sounds ``key`` on ``program`` (some presets have no sample outside their range)."""
    audio = T.render_notes([Note(program, key, 100, 0.0, 0.3)], 0.4)
    return float(np.abs(audio).max()) > 3e-3


def _audible_choice(rng: np.random.Generator, programs: tuple[int, ...],
                    keys: tuple[int, int] | int) -> tuple[int, int]:
    """Draw (program, key) until TimGM6mb sounds it; ``keys`` is a (lo, hi) range or one fixed key."""
    for _ in range(100):
        program = int(programs[int(rng.integers(0, len(programs)))])
        key = keys if isinstance(keys, int) else int(rng.integers(keys[0], keys[1] + 1))
        if audible(program, key):
            return program, key
    raise RuntimeError(f"no audible note among programs {programs} and keys {keys}")  # a generator bug


class _Music(Generator):
    tools = ("fluidsynth",)
    snr_db: tuple[float, float] = (20.0, 45.0)
    eq_db: float = 0.0               # random EQ would blur timbre, the very thing two of these tasks are about
    velocity: tuple[int, int] = (50, 127)
    unseen_programs = True           # instrument families: TEST_PROGRAMS only in test

    def program_pools(self) -> dict[str, dict[str, tuple[int, ...]]]:
        """Per split role and family, the GM programs that may play."""
        out: dict[str, dict[str, tuple[int, ...]]] = {"train": {}, "valid": {}, "test": {}}
        for family in FAMILIES:
            every = family_programs(family)
            if self.unseen_programs:
                out["train"][family] = out["valid"][family] = tuple(p for p in every if p not in TEST_PROGRAMS[family])
                out["test"][family] = TEST_PROGRAMS[family]
            else:
                out["train"][family] = out["valid"][family] = out["test"][family] = every
        return out

    def _phrase(self, family: str, rng: np.random.Generator, role: str, start: float, end: float,
                count: int) -> list[Note]:
        """``count`` consecutive notes of one program of ``family`` between ``start`` and ``end`` seconds."""
        program, _ = _audible_choice(rng, self.program_pools()[role][family], FAMILY_KEYS[family])
        notes, t, step = [], start, (end - start) / count
        for _ in range(count):
            _, key = _audible_choice(rng, (program,), FAMILY_KEYS[family])
            duration = float(rng.uniform(0.6, 1.0) * step)
            notes.append(Note(program, key, self._velocity(rng), t, duration))
            t += duration + float(rng.uniform(0.0, 0.4) * step)
        return notes

    def _velocity(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.velocity[0], self.velocity[1] + 1))

    def _finish(self, audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        audio = A.random_channel(audio, rng, self.eq_db)
        audio = A.add_noise(audio, float(rng.uniform(*self.snr_db)), rng,
                            NOISE_COLORS[int(rng.integers(0, len(NOISE_COLORS)))])
        return A.set_peak(audio, float(rng.uniform(0.1, 0.9)))


class Instrument(_Music):
    """A three-note phrase of one program of a GM family; test programs are never heard in train/valid."""

    name, kind, clip_s, labels = "instrument", "classification", 1.5, FAMILIES
    notes = 3

    def _render(self, label, rng, seed, role):
        start = float(rng.uniform(0.0, 0.1))
        notes = self._phrase(label, rng, role, start, self.clip_s - 0.05, self.notes)
        return self._finish(T.render_notes(notes, self.clip_s), rng)


class Pitch(_Music):
    """MIDI note number (36-84) of one note on a random melodic program; test programs are unseen."""

    name, kind, clip_s, target_range = "pitch", "regression", 1.5, (36.0, 84.0)
    snr_db, eq_db = (10.0, 35.0), 3.0

    @staticmethod
    @functools.lru_cache(maxsize=None)
    def pitch_pools(seed: int) -> dict[str, tuple[int, ...]]:
        return partition(PITCH_PROGRAMS, seed, 200, (0.55, 0.15, 0.3))

    def _label(self, rng, role):
        return float(rng.integers(int(self.target_range[0]), int(self.target_range[1]) + 1))

    def _render(self, label, rng, seed, role):
        program, key = _audible_choice(rng, self.pitch_pools(seed)[role], int(label))
        note = Note(program, key, self._velocity(rng), onset=float(rng.uniform(0.0, 0.3)),
                    duration=float(rng.uniform(0.3, 1.0)))
        return self._finish(T.render_notes([note], self.clip_s), rng)


class Polyphony(_Music):
    """A mixture of 1-3 different GM families (a 2-3 note phrase each); label = the set of families playing."""

    name, kind, clip_s, labels = "polyphony", "multilabel", 2.0, FAMILIES
    unseen_programs = False  # detecting a family in a mixture is hard enough with every program seen
    max_sources, gain_db = 3, 3.0

    def _label(self, rng, role):
        count = int(rng.integers(1, self.max_sources + 1))
        chosen = set(rng.choice(len(FAMILIES), size=count, replace=False).tolist())
        return [f for i, f in enumerate(FAMILIES) if i in chosen]  # in label order: stable and readable

    def _render(self, label, rng, seed, role):
        # each family rendered alone, then mixed at random relative levels, so no family is always the loud one
        parts, gains = [], []
        for family in label:
            start = float(rng.uniform(0.0, 0.6))
            notes = self._phrase(family, rng, role, start, self.clip_s - 0.1, int(rng.integers(2, 4)))
            parts.append(T.render_notes(notes, self.clip_s))
            gains.append(float(rng.uniform(-self.gain_db, self.gain_db)))
        return self._finish(A.mix(parts, gains), rng)


GENERATORS: dict[str, Generator] = {g.name: g for g in (Instrument(), Pitch(), Polyphony())}
