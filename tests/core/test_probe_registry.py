"""Every registered probe, on a tiny mock task of every type it serves: it learns, is deterministic, and its
outputs are what the type's adapter turns into metric inputs. Adding a probe module adds it here for free."""

from __future__ import annotations

import numpy as np
import pytest

from hf_bench import metrics
from hf_bench.data import AudioRef, SplitData
from hf_bench.features.extract import _encode_shard
from hf_bench.features.frames import FrameFeatures
from hf_bench.features.store import FeatureStore
from hf_bench.features.views import AudioPolicy, Extraction
from hf_bench.probes.base import Fold, ProbeData, ProbeSettings
from hf_bench.probes.registry import PROBES, check_probe_names, probe_names, probes_for
from hf_bench.tasks.schema import GeneratorSource, TaskMetadata
from hf_bench.tasks.types import TYPES, FrameGrid, get_type

LABELS = ("a", "b", "c")
METRIC = {"clip_classification": ("accuracy", "accuracy", {}), "clip_multilabel": ("mean_average_precision", "map", {}),
          "clip_regression": ("ccc", "ccc", {}), "frame_multilabel": ("segment_f1", "f1", {"time_resolution": 0.1}),
          "frame_regression": ("ccc", "ccc", {}), "asr": ("iwer", "iwer", {}),
          "retrieval": ("audio_text_recall", "recall@1", {}), "translation": ("corpus_bleu", "bleu", {}),
          "slu": ("concept_error_rate", "concept_error_rate", {})}
HOP = 0.02
# the text types' mock data: two-word transcripts whose words the frames carry, captions naming the clip's classes
FIRST, SECOND = ("red", "blue", "green"), ("cat", "dog", "fish")
# the lora probe answers the WenetSpeech-Wu prompts: its mock classes are Wu emotion labels
WU_CLASSES = ("中立", "高兴", "难过")


@pytest.fixture(scope="module")
def text_models(tmp_path_factory):
    """A tiny Llama-style decoder and a tiny BERT text encoder, built from configs."""
    from text_helpers import tiny_causal_lm, tiny_text_encoder

    root = tmp_path_factory.mktemp("text_models")
    words = FIRST + SECOND + ("a", "the", "sound", "of")
    return {"decoder": str(tiny_causal_lm(root / "lm", words)), "text_encoder": str(tiny_text_encoder(root / "bert", words))}


@pytest.fixture(scope="module")
def chat_lm(tmp_path_factory):
    """The lora probe's speech LLM: a tiny LM with a chat template and a character tokenizer (the Wu prompts)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "finetune"))
    from ft_helpers import tiny_lm

    return str(tiny_lm(tmp_path_factory.mktemp("chat_lm") / "lm", FIRST + SECOND + WU_CLASSES + ("the", "is")))


def _labels_of(kind: str):
    if kind == "slu":
        return ("warm", "cold", "pet")
    return None if "regression" in kind or kind == "translation" else LABELS


# LeBenchmark's heads on the mock tasks: narrow and quick (their full size is exercised by test_lebenchmark_heads)
HEADS = {"LoRAFineTune": {"epochs": 20, "batch_size": 8, "learning_rate": 1e-2},
         "CTCHead": {"epochs": 12, "batch_size": 8, "learning_rate": 3e-3, "hidden_size": 64},
         "Seq2SeqHead": {"epochs": 15, "batch_size": 8, "learning_rate": 2e-3, "hidden_size": 64}}


def mock_task(kind: str, probe_cls=None) -> TaskMetadata:
    metric, main, args = METRIC[kind]
    probe = {"epochs": 8, "learning_rate": 0.05}
    if kind == "asr":  # the adapter needs more, smaller steps through the frozen LM
        probe = {"epochs": 30, "learning_rate": 0.02, "batch_size": 8}
    elif kind == "retrieval":
        probe = {"epochs": 15, "batch_size": 32}
    elif kind == "translation":
        probe = {"epochs": 25, "batch_size": 8}
    elif kind == "slu":
        probe = {"epochs": 25, "batch_size": 8}
    if probe_cls is not None and probe_cls.__name__ in HEADS:
        probe = dict(HEADS[probe_cls.__name__])
    if kind == "slu":  # the MEDIA sequence has more units than 40 ms steps of these short mock clips
        probe["stack_ms"] = 20
        if probe_cls is not None and probe_cls.__name__ == "CTCHead":  # ~20 units a sentence: a wider head
            probe.update(epochs=25, hidden_size=128)
    wu = probe_cls is not None and probe_cls.__name__ == "LoRAFineTune" and kind == "clip_classification"
    extra = {"labels": WU_CLASSES, "label_aliases": dict(zip(LABELS, WU_CLASSES))} if wu else {"labels": _labels_of(kind)}
    return TaskMetadata(name=f"mock_{kind}", version=1, display_name=kind, description="mock", benchmark="custom",
                        domain="sound", type=kind, **extra, metric=metric,
                        main_score=main, metric_args=args, eval_weight=10,
                        source=GeneratorSource(generator="kws", generator_version=1), splits=("train", "valid", "test"),
                        probe=probe, license="none")


def _labels(kind: str, rng, n: int, seconds: float):
    """Raw labels and the hidden signal each item's features will carry."""
    out, signals = [], []
    for _ in range(n):
        if kind == "clip_classification":
            c = int(rng.integers(0, 3))
            out.append(LABELS[c])
            signals.append(np.eye(3)[c])
        elif kind == "clip_multilabel":
            on = rng.random(3) < 0.5
            out.append([LABELS[i] for i in range(3) if on[i]])
            signals.append(on.astype(float))
        elif kind == "clip_regression":
            v = float(rng.normal())
            out.append(v)
            signals.append(np.array([v, 0.0, 0.0]))
        elif kind == "frame_multilabel":
            events = []
            for c in range(3):
                a = float(rng.uniform(0, seconds - 0.3))
                events.append({"onset": round(a, 2), "offset": round(a + 0.3, 2), "label": LABELS[c]})
            out.append(events)
            signals.append(None)
        elif kind == "asr":
            a, b = int(rng.integers(0, 3)), int(rng.integers(0, 3))
            out.append(f"{FIRST[a].upper()} {SECOND[b]}")  # normalised to lower case ("lower" by default)
            signals.append((a, 3 + b))
        elif kind == "translation":  # the words come out in the other order
            a, b = int(rng.integers(0, 3)), int(rng.integers(0, 3))
            out.append({"translation": f"the {SECOND[b]} is {FIRST[a]}", "source": f"{FIRST[a]} {SECOND[b]}"})
            signals.append((a, 3 + b))
        elif kind == "slu":  # which concepts a sentence holds depends on its words
            a, b = int(rng.integers(0, 3)), int(rng.integers(0, 3))
            out.append([{"concept": "warm" if a == 0 else "cold", "words": FIRST[a]},
                        {"concept": "null", "words": "and"} if b == 2 else {"concept": "pet", "words": SECOND[b]}])
            signals.append((a, 3 + b))
        elif kind == "retrieval":
            a, b = int(rng.integers(0, 3)), int(rng.integers(0, 3))
            out.append([f"a {FIRST[a]} {SECOND[b]}", f"the sound of a {SECOND[b]} {FIRST[a]}"])
            signals.append(np.eye(3)[a] + np.eye(3)[b][::-1] * 0.5 + np.eye(3)[[0, 2, 1][b]])
        else:
            vals = rng.normal(size=int(seconds / 0.1) + 1)
            out.append({"hop_s": 0.1, "values": vals.round(3).tolist()})
            signals.append(None)
    return out, signals


def _frame_features(kind, task, targets, rng, tmp_path, name):
    """Frames that carry the targets (plus noise), written to a real store entry and read back lazily."""
    from hf_bench.features.views import FeatureView

    view = FeatureView("frames", (0,), "float32")
    entry = FeatureStore(tmp_path).entry({"encoder_fingerprint": "mock", "split": name}, view)
    entry.key["item_shape"] = [1, 6]
    writer = entry.frame_writer(0, len(targets), 1, 6)
    for i in range(len(targets)):
        y = targets.frames(i).reshape(targets.grid.frames[i], -1)
        x = np.concatenate([y, np.zeros((len(y), 6 - y.shape[1]))], axis=1) + 0.1 * rng.normal(size=(len(y), 6))
        writer.add(i, i, int(targets.grid.seconds[i] * 16000), x[:, None, :].astype(np.float32))
    writer.close()
    entry.finish(1)
    stored = entry.read()
    return FrameFeatures([stored], np.stack([np.zeros(len(targets), int), np.arange(len(targets))], 1), "last", 1)


def _asr_features(words, rng, tmp_path, name):
    from text_helpers import asr_frames

    return asr_frames(words, tmp_path, name, rng)


def mock_split(kind, task, name, n, seed, tmp_path):
    rng = np.random.default_rng(seed)
    seconds = 1.0
    raw, signals = _labels(kind, rng, n, seconds)
    split = SplitData(name, [AudioRef(id=f"{name}{i}", origin=f"{name}{i}") for i in range(n)], raw)
    adapter = get_type(kind)
    if kind in ("asr", "translation", "slu"):  # first half of the frames carry the first word, second half the second
        feats = _asr_features(signals, rng, tmp_path, name)
        targets = adapter.targets(task, split, None)
    elif adapter.level == "frame":
        grid = FrameGrid(HOP, np.full(n, int(seconds / HOP)), np.full(n, seconds))
        targets = adapter.targets(task, split, grid)
        feats = _frame_features(kind, task, targets, rng, tmp_path, name)
    else:
        targets = adapter.targets(task, split, None)
        sig = np.stack(signals)
        feats = (np.concatenate([sig, np.zeros((n, 3))], axis=1) + 0.2 * rng.normal(size=(n, 6)))[:, None, :]
        feats = feats.astype(np.float32)
    return ProbeData([r.id for r in split.refs], targets, feats)


CASES = [(p, t) for p in PROBES for t in sorted(p.task_types)]


@pytest.mark.parametrize("probe_cls,kind", CASES, ids=[f"{p.__name__}-{t}" for p, t in CASES])
def test_every_probe_on_every_type_it_serves(probe_cls, kind, tmp_path, request):
    task = mock_task(kind, probe_cls)
    assert probe_cls in probes_for(task, (probe_cls.name,))
    # LeBenchmark's heads run where named, or where nothing else serves the type
    others = [p for p in PROBES if p.serves(task) and p.by_default]
    assert (probe_cls in probes_for(task)) == (probe_cls.by_default or not others)
    adapter = TYPES[kind]
    train, valid, test = (mock_split(kind, task, s, n, seed, tmp_path)
                          for s, n, seed in (("train", 60, 1), ("valid", 20, 2), ("test", 30, 3)))
    fold = Fold("test", train, valid, train, test)
    models = request.getfixturevalue("text_models") if kind in ("asr", "retrieval") else {}
    if probe_cls.name == "lora":
        models = {"decoder": request.getfixturevalue("chat_lm")}
    settings = ProbeSettings(layer="last", num_layers=1, hop_ms=HOP * 1000, cache_dir=str(tmp_path / "cache"), **models)
    results = []
    for _ in range(2):
        probe = probe_cls(task, settings)
        coding = adapter.coding(task, train.targets)
        selected = probe.fit(fold, coding, seed=5)
        assert isinstance(selected, dict)
        scores = probe.predict(test)
        preds, refs = adapter.metric_inputs(task, coding, scores, test.targets)
        value = metrics.compute(task.metric, preds, refs, **task.metric_args)[task.main_score]
        records = adapter.records(task, coding, scores, test.targets)
        assert len(records) == len(test) and {"target", "prediction"} <= set(records[0])
        assert "scores" in records[0] or kind in ("asr", "retrieval", "translation", "slu")  # text: per item
        results.append(value)
    assert results[0] == results[1]  # deterministic for a seed
    # retrieval: 9 distinct descriptions over 30 test clips (chance 1/30, ceiling ~0.3)
    floor = {"accuracy": 0.6, "map": 0.7, "ccc": 0.5, "f1": 0.5, "iwer": 0.5, "recall@1": 0.1, "bleu": 40.0,
             "concept_error_rate": 30.0}[task.main_score]
    if metrics.METRICS[task.metric].higher_is_better:
        assert results[0] > floor, f"{probe_cls.__name__} on {kind}: {results[0]:.3f}"
    else:
        assert results[0] < floor, f"{probe_cls.__name__} on {kind}: {results[0]:.3f}"
    cfg = probe_cls(task, settings).config()
    assert cfg and all(isinstance(k, str) for k in cfg)


def test_registry_names_and_errors():
    assert probe_names()[:2] == ("mlp", "knn")
    assert check_probe_names(["knn", "mlp", "knn"]) == ("knn", "mlp")
    from hf_bench.errors import HFBenchError

    with pytest.raises(HFBenchError, match="unknown probe 'svm'"):
        check_probe_names(["svm"])
    # every type with an adapter is served by at least one probe, and every served type has an adapter
    served = {t for p in PROBES for t in p.task_types}
    assert served == set(TYPES)


def test_frames_store_round_trip_and_batches(tmp_path):
    """Frames written batch by batch in any order come back per item; batches are length-bucketed and capped."""
    from hf_bench.encoders import load_encoder
    from hf_bench.features.views import FeatureView

    enc = load_encoder("mfb")
    rng = np.random.default_rng(0)
    waves = [(0.1 * rng.normal(size=n)).astype(np.float32) for n in (4000, 16000, 8000, 32000, 12000)]
    view = FeatureView("frames", (0,), "float16")
    entry = FeatureStore(tmp_path).entry({"encoder_fingerprint": "x", "item_shape": [1, 80]}, view)
    split = SplitData("s", [AudioRef(id=str(i), origin=str(i)) for i in range(5)], [None] * 5)
    _encode_shard(enc, split, 0, waves, AudioPolicy(), Extraction(batch_items=2), {view: entry}, 0)
    assert entry.finish(1)
    stored = entry.read()
    for i, w in enumerate(waves):
        import torch

        out = enc.encode(torch.from_numpy(w)[None], torch.tensor([len(w)]))
        np.testing.assert_allclose(stored.frames(i)[:, 0], out.hidden_states[0][0].numpy().astype(np.float16),
                                   rtol=1e-3, atol=1e-3)
        assert stored.index.samples[i] == len(w) and stored.index.frames[i] == out.lengths[0]
    ff = FrameFeatures([stored], np.stack([np.zeros(5, int), np.arange(5)], 1), "last", 1)
    lengths = ff.lengths()
    batches = ff.batches(batch_size=4, max_frames=400, rng=np.random.default_rng(1))
    assert sorted(i for b in batches for i in b) == list(range(5))
    assert all(len(b) * lengths[b].max() <= 400 or len(b) == 1 for b in batches)
    again = ff.batches(batch_size=4, max_frames=400, rng=np.random.default_rng(2))
    assert len(again) == len(batches)  # the schedule's steps per epoch never change
    x, mask = ff.padded(batches[0])
    assert x.dtype == np.float32 and mask.sum(1).tolist() == lengths[batches[0]].tolist()
