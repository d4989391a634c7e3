"""EMBEDDED_TASKS: valid metadata whose sizes, chance levels and ranges agree with what the generators produce."""

from __future__ import annotations

from collections import Counter

import pytest

from hf_bench import metrics
from hf_bench.data import synth
from hf_bench.data.synth import music, scenes, speech
from hf_bench.metrics import segment_f1
from hf_bench.tasks.embedded import EMBEDDED_FULL_TASKS, EMBEDDED_TASKS
from hf_bench.tasks.schema import TaskMetadata

TASKS = {t.name: t for t in EMBEDDED_FULL_TASKS}
METRIC = {"clip_classification": ("accuracy", "accuracy"), "clip_multilabel": ("mean_average_precision", "map"),
          "clip_regression": ("ccc", "ccc"), "frame_multilabel": ("segment_f1", "f1"),
          "retrieval": ("audio_text_recall", "recall@1"), "asr": ("iwer", "iwer"),
          "translation": ("corpus_bleu", "bleu"), "slu": ("concept_error_rate", "concept_error_rate"),
          "frame_regression": ("ccc", "ccc")}
KIND = {"classification": "clip_classification", "multilabel": "clip_multilabel", "regression": "clip_regression",
        "events": "frame_multilabel", "captions": "retrieval", "transcript": "asr", "translation": "translation",
        "concepts": "slu", "curve": "frame_regression"}
FRENCH = ("fr_sentences", "fr_slu", "fr_translation", "fr_prosody")
ZH = ("zh_sentences", "zh_gender", "zh_emotion", "yue_translation")  # the WenetSpeech-Wu analogues


def test_suite_shape():
    assert list(TASKS) == ["kws", "lid", "speaker", "gender", "speech_rate", "instrument", "pitch", "polyphony",
                           "notes", "events", "captions", *FRENCH, *ZH, "sentences"]
    # the default suite leaves out the LM-decoder task and the French heads; the full one holds every task type
    assert EMBEDDED_FULL_TASKS[:len(EMBEDDED_TASKS)] == EMBEDDED_TASKS and len(EMBEDDED_TASKS) == 11
    assert {t.type for t in EMBEDDED_FULL_TASKS} - {t.type for t in EMBEDDED_TASKS} == {
        "asr", "translation", "slu", "frame_regression"}
    from hf_bench.tasks.types import TYPES

    assert {t.type for t in EMBEDDED_FULL_TASKS} == set(TYPES)
    types = Counter(t.type for t in EMBEDDED_TASKS)
    assert types["clip_multilabel"] >= 1 and types["clip_regression"] >= 1 and types["frame_multilabel"] == 2
    assert set(TASKS) == set(synth.GENERATORS)
    assert TASKS["notes"].metric_args == {"average": "micro", "time_resolution": 0.1}   # as X-ARES MAESTRO
    assert TASKS["events"].metric_args == {"average": "macro", "time_resolution": 1.0}  # as X-ARES DESED


@pytest.mark.parametrize("name", list(TASKS))
def test_task_metadata(name):
    task = TASKS[name]
    assert TaskMetadata.model_validate(task.model_dump(mode="json")) == task
    gen = synth.GENERATORS[name]
    assert task.benchmark == "embedded" and task.sample_rate == 16000 and task.label_key == "label"
    assert task.source.kind == "generator" and task.source.generator == name and task.source.generator_version >= 1
    assert task.splits == ("train", "valid", "test") and set(task.sizes) == set(task.splits)
    own = {"fr_sentences": ("wer", "wer"), "zh_sentences": ("cer", "cer")}
    assert (task.metric, task.main_score) == own.get(name, METRIC[task.type])
    assert (task.probes is not None) == (name in FRENCH + ZH)  # LeBenchmark's heads, the Wu fine-tune
    assert task.eval_weight == min(2000, task.sizes["test"])
    assert task.labels == gen.labels and task.target_range == gen.target_range
    assert KIND[gen.kind] == task.type and task.chance_predictor
    assert task.do_knn == task.is_clip_level
    assert "GPL" in task.license and task.citation and task.homepage.startswith("http")
    assert f"{task.sizes['train']} train / {task.sizes['valid']} valid / {task.sizes['test']} test" in task.description
    assert len({t.source.seed for t in EMBEDDED_FULL_TASKS}) == len(EMBEDDED_FULL_TASKS)  # no two tasks share a seed


@pytest.mark.parametrize("name", list(TASKS))
def test_chance_level_is_computed_from_the_full_label_plan(name):
    """Recompute the trivial predictor's score from the labels of the full test split, independently."""
    task = TASKS[name]
    test = synth.label_plan(name, task.source.seed, "test", task.sizes["test"])
    assert len(test) == task.sizes["test"]
    if task.type == "clip_classification":
        expected = max(Counter(test).values()) / len(test)
    elif task.type == "clip_multilabel":
        expected = sum(sum(c in row for row in test) / len(test) for c in task.labels) / len(task.labels)
    elif task.type == "frame_multilabel":  # every class active over every whole clip
        refs = [[{**e, "event_label": e["label"]} for e in clip] for clip in test]
        every = [[{"onset": 0, "offset": synth.GENERATORS[name].clip_s, "event_label": c} for c in task.labels]
                 for _ in test]
        expected = segment_f1(every, refs, labels=list(task.labels), **task.metric_args)["f1"]
    elif task.type == "retrieval":  # a random ranking puts the right item first once in n
        expected = 1 / len(test)
    elif task.type in ("asr", "translation"):  # the most frequent word of each position, scored independently
        import jiwer
        import sacrebleu

        def text(label):
            return label["translation"] if isinstance(label, dict) else label

        train = [text(s).split() for s in synth.label_plan(name, task.source.seed, "train", 300)]  # zh: no spaces
        guess = " ".join(Counter(w[k] for w in train if len(w) > k).most_common(1)[0][0]
                         for k in range(max(map(len, train))))
        refs = [text(t) for t in test]
        if task.metric == "iwer":
            expected = max(0.0, 1 - jiwer.wer(refs, [guess] * len(test)))
        elif task.metric == "wer":
            expected = 100 * jiwer.wer(refs, [guess] * len(test))
        elif task.metric == "cer":  # no punctuation in these labels: the plain character error rate
            expected = 100 * jiwer.cer(refs, [guess] * len(test))
        else:
            expected = sacrebleu.corpus_bleu([guess] * len(test), [refs],
                                             tokenize=task.metric_args.get("tokenize", "13a")).score
    elif task.type == "slu":  # the most frequent concept sequence
        import jiwer

        def seq(label):
            return " ".join(s["concept"] for s in label if s["concept"] != "null")

        train = [seq(s) for s in synth.label_plan(name, task.source.seed, "train", 300)]
        expected = 100 * jiwer.wer([seq(t) for t in test], [Counter(train).most_common(1)[0][0]] * len(test))
    else:
        expected = 0.0
    assert task.chance_level == pytest.approx(expected, abs=1e-6)
    if metrics.METRICS[task.metric].higher_is_better:
        # a constant Mandarin sentence shares characters (他们, 现在...) with many references: BLEU zh ~12
        assert 0.0 <= task.chance_level < (0.6 if task.metric != "corpus_bleu" else 15.0)
    else:
        assert task.chance_level > 40.0


@pytest.mark.parametrize("name", list(TASKS))
def test_label_plan_covers_every_class_and_the_declared_range(name):
    task = TASKS[name]
    for split in task.splits:
        labels = synth.label_plan(name, task.source.seed, split, task.sizes[split])
        if task.type == "clip_classification":
            counts = Counter(labels)
            assert set(counts) == set(task.labels)
            assert max(counts.values()) - min(counts.values()) <= 1  # balanced by construction
        elif task.type == "clip_multilabel":
            seen = Counter(c for row in labels for c in row)
            assert set(seen) == set(task.labels)
            assert {len(row) for row in labels} == {1, 2, 3}
        elif task.type == "frame_multilabel":
            clip_s = synth.GENERATORS[name].clip_s
            seen = Counter(e["label"] for row in labels for e in row)
            assert set(seen) == set(task.labels)
            events = [e for row in labels for e in row]
            assert all(0 <= e["onset"] < e["offset"] <= clip_s for e in events)
            assert all(round(e["onset"], 2) == e["onset"] and round(e["offset"], 2) == e["offset"] for e in events)
            overlapping = sum(any(a is not b and a["onset"] < b["offset"] and b["onset"] < a["offset"] for b in row)
                              for row in labels for a in row)
            assert overlapping > 0.1 * len(events)  # events overlap, as in DESED / polyphonic music
        elif task.type == "retrieval":
            from hf_bench.data.synth.captions import SOURCES

            assert all(len(row["captions"]) == 3 == len(set(row["captions"])) for row in labels)
            assert {row["source"] for row in labels} == set(SOURCES) and {row["count"] for row in labels} == {1, 2, 3, 4}
            for row in labels:  # every caption names the source's kind of sound and no other
                assert all(isinstance(c, str) and c == c.strip() and c for c in row["captions"])
        elif name in FRENCH + ZH:  # their own tests check their labels (test_synth_french.py, test_synth_mandarin.py)
            assert labels and all(label is not None for label in labels)
        elif task.type == "asr":
            slots = speech.SENTENCE_SLOTS
            for sentence in labels:
                number, colour, thing = sentence.split()
                assert number in slots[0] and colour in slots[1]
                assert thing in {t[0] if number == "one" else t[1] for t in slots[2]}
            assert {s.split()[0] for s in labels} == set(slots[0])
        else:
            lo, hi = task.target_range
            assert all(lo <= y <= hi for y in labels)
            assert min(labels) < lo + 0.1 * (hi - lo) and max(labels) > hi - 0.1 * (hi - lo)
        # prefix consistency: the first k labels do not depend on how many are planned
        assert synth.label_plan(name, task.source.seed, split, 7) == labels[:7]


def test_test_voices_and_programs_are_unseen():
    seed = TASKS["kws"].source.seed
    pools = speech.Keywords.pools(seed)
    assert not set(pools["test"]) & (set(pools["train"]) | set(pools["valid"]))
    assert not set(pools["valid"]) & set(pools["train"])
    for cls, name in ((speech.Language, "lid"), (speech.SpeechRate, "speech_rate")):
        p = cls.pools(TASKS[name].source.seed)
        assert not set(p["test"]) & (set(p["train"]) | set(p["valid"])) and p["test"]
    g = speech.Gender.pools(TASKS["gender"].source.seed)
    for gender in ("female", "male"):
        assert g["test"][gender] and not set(g["test"][gender]) & set(g["train"][gender] + g["valid"][gender])
    assert not set(speech.WORDS_A) & set(speech.WORDS_B)
    progs = music.Instrument().program_pools()
    for family in music.FAMILIES:
        assert set(progs["test"][family]) == set(music.TEST_PROGRAMS[family])
        assert not set(progs["test"][family]) & set(progs["train"][family])
        assert set(progs["test"][family]) | set(progs["train"][family]) == set(music.family_programs(family))
    p = music.Pitch.pitch_pools(TASKS["pitch"].source.seed)
    assert not set(p["test"]) & (set(p["train"]) | set(p["valid"]))
    p = scenes.Notes.pools(TASKS["notes"].source.seed)
    assert p["test"] and not set(p["test"]) & (set(p["train"]) | set(p["valid"]))
    pools = scenes.SoundEvents.pools(TASKS["events"].source.seed)
    for what in ("voices", "keyboard", "percussion"):
        p = pools[what]
        assert p["test"] and not set(p["test"]) & (set(p["train"]) | set(p["valid"])), what


def test_stored_chance_levels_are_what_the_label_plans_give_and_cover_every_task():
    # the chance levels are read from embedded_chance.json at import (computing them costs ~1.5 s of start-up);
    # after a generator change: python -m hf_bench.tasks.embedded rewrites the file
    import json

    from hf_bench.tasks import embedded

    stored = json.loads(embedded.CHANCE_FILE.read_text())
    assert set(stored) == set(embedded.CHANCE_CALLS), "stale or missing entries: run python -m hf_bench.tasks.embedded"
    for key, args in embedded.CHANCE_CALLS.items():
        assert stored[key] == embedded.compute_chance(args), f"{key}: run python -m hf_bench.tasks.embedded"
