"""generate(): the documented layout, valid audio, labels in the label set, determinism, the done marker."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from synth_helpers import LIMIT, needs_tools

from hf_bench.data import synth
from hf_bench.errors import HFBenchError

pytestmark = needs_tools


def _manifest(folder, split):
    lines = (folder / split / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _label_ok(task, label):
    if task.type == "clip_classification":
        return isinstance(label, str) and label in task.labels
    if task.type == "clip_multilabel":
        return (isinstance(label, list) and 1 <= len(label) <= 3 and len(set(label)) == len(label)
                and set(label) <= set(task.labels) and label == [c for c in task.labels if c in label])
    if task.type == "frame_multilabel":
        return (isinstance(label, list) and label and all(set(e) == {"onset", "offset", "label"} and
                                                          e["label"] in task.labels for e in label))
    if task.type == "retrieval":
        return isinstance(label, dict) and len(label["captions"]) == 3 and all(isinstance(c, str) for c in label["captions"])
    if task.type == "asr" and task.name == "zh_sentences":  # Chinese: characters, no spaces
        return isinstance(label, str) and " " not in label and len(label) >= 9
    if task.type == "asr":
        return isinstance(label, str) and len(label.split()) == (3 if task.name == "sentences" else len(label.split())) >= 3
    if task.type == "translation":
        return isinstance(label, dict) and set(label) == {"translation", "source"} and all(
            isinstance(v, str) and v for v in label.values())
    if task.type == "slu":
        return isinstance(label, list) and all(set(seg) == {"concept", "words"} for seg in label) and all(
            seg["concept"] in task.labels + ("null",) for seg in label)
    if task.type == "frame_regression":
        lo, hi = task.target_range
        return isinstance(label, dict) and label["hop_s"] == 0.04 and all(lo <= v <= hi for v in label["values"])
    lo, hi = task.target_range
    return isinstance(label, float) and lo <= label <= hi


def test_layout_manifest_audio_and_labels(generated, tasks):
    for name, folder in generated.items():
        task = tasks[name]
        gen = synth.GENERATORS[name]
        ids = set()
        for split in task.splits:
            rows = _manifest(folder, split)
            assert len(rows) == LIMIT == min(LIMIT, task.sizes[split])
            for i, row in enumerate(rows):
                assert set(row) == {"id", "audio", "label"}, row
                assert row["id"] == f"{name}-{split}-{i:05d}" and row["id"] not in ids
                ids.add(row["id"])
                assert row["audio"] == f"{row['id']}.flac"  # relative to the split folder
                assert _label_ok(task, row["label"]), (name, row["label"])
                info = sf.info(folder / split / row["audio"])
                assert (info.format, info.subtype, info.samplerate, info.channels) == ("FLAC", "PCM_16", 16000, 1)
                assert info.frames == round(gen.clip_s * 16000)
                audio, _ = sf.read(folder / split / row["audio"], dtype="float32")
                peak = float(np.abs(audio).max())
                assert 0.09 <= peak <= 0.91, (name, split, i, peak)  # random level in [0.1, 0.9], never clipped
                # not silence plus a click: the middle 80% of the clip carries energy too
                assert float(np.sqrt(np.mean(audio ** 2))) > 0.005, (name, split, i)
        marker = json.loads((folder / "generator.json").read_text())
        assert marker["sizes"] == {s: LIMIT for s in task.splits} and marker["limit_per_split"] == LIMIT
        assert {k: marker[k] for k in synth.generator_fingerprint(task)} == synth.generator_fingerprint(task)
        assert set(marker["generated"]) == {"at", "seconds"}


def test_labels_match_the_label_plan(generated, tasks):
    """What generate writes is what label_plan (used for chance levels) says, without rendering."""
    for name, folder in generated.items():
        task = tasks[name]
        for split in task.splits:
            written = [row["label"] for row in _manifest(folder, split)]
            assert written == synth.label_plan(name, task.source.seed, split, LIMIT)


def test_byte_identical_regeneration(generated, tasks, tmp_path):
    for name, task in tasks.items():
        again = tmp_path / name
        synth.generate(task, again, limit_per_split=LIMIT, progress=False, workers=1)
        for split in task.splits:
            assert (again / split / "manifest.jsonl").read_bytes() == \
                (generated[name] / split / "manifest.jsonl").read_bytes()
            for row in _manifest(again, split):
                assert (again / split / row["audio"]).read_bytes() == \
                    (generated[name] / split / row["audio"]).read_bytes(), (name, split, row["id"])


def test_limit_is_a_prefix_of_the_full_data(generated, tasks, tmp_path):
    """limit_per_split=2 gives exactly the first two clips of limit 3 (and so of the full task)."""
    for name in ("speaker", "polyphony"):
        synth.generate(tasks[name], tmp_path / name, limit_per_split=2, progress=False)
        for split in tasks[name].splits:
            small = _manifest(tmp_path / name, split)
            assert small == _manifest(generated[name], split)[:2]
            for row in small:
                assert (tmp_path / name / split / row["audio"]).read_bytes() == \
                    (generated[name] / split / row["audio"]).read_bytes()


def test_generator_json_is_written_last(tasks, tmp_path, monkeypatch):
    import hf_bench.utils.io as io

    writes = []
    for fn in ("atomic_write_bytes", "atomic_write_text", "atomic_write_json"):
        real = getattr(io, fn)

        def spy(path, *args, _real=real, **kwargs):
            _real(path, *args, **kwargs)
            writes.append(str(path))

        monkeypatch.setattr(io, fn, spy)
    synth.generate(tasks["pitch"], tmp_path / "pitch", limit_per_split=2, progress=False)
    first_marker = next(i for i, w in enumerate(writes) if w.endswith("generator.json"))
    # (atomic_write_json writes through atomic_write_text, so the marker may be recorded twice, but nothing else is
    # written after it)
    assert first_marker > 0 and all(w.endswith("generator.json") for w in writes[first_marker:])
    assert sum(w.endswith(".flac") for w in writes) == 6 and sum(w.endswith("manifest.jsonl") for w in writes) == 3


class _Breaks:
    """A generator that fails at one clip (stands in for a crash or Ctrl-C half way)."""

    def __init__(self, real, at):
        self.real, self.at = real, at

    def __getattr__(self, name):
        return getattr(self.real, name)

    def __call__(self, seed, role, index):
        if role == "valid" and index == self.at:
            raise KeyboardInterrupt
        return self.real(seed, role, index)


def test_interrupted_generation_is_never_up_to_date(tasks, tmp_path, monkeypatch):
    task, folder = tasks["instrument"], tmp_path / "instrument"
    synth.generate(task, folder, limit_per_split=2, progress=False)
    assert synth.is_up_to_date(task, folder, limit_per_split=2)
    monkeypatch.setitem(synth.GENERATORS, "instrument", _Breaks(synth.GENERATORS["instrument"], at=1))
    with pytest.raises(KeyboardInterrupt):
        synth.generate(task, folder, limit_per_split=2, progress=False)
    # the old marker was removed before anything was overwritten, and no new one was written
    assert not (folder / "generator.json").exists()
    assert not synth.is_up_to_date(task, folder, limit_per_split=2)
    monkeypatch.undo()
    synth.generate(task, folder, limit_per_split=2, progress=False)
    assert synth.is_up_to_date(task, folder, limit_per_split=2)


def test_smaller_regeneration_removes_stale_clips(tasks, tmp_path):
    task, folder = tasks["pitch"], tmp_path / "pitch"
    synth.generate(task, folder, limit_per_split=3, progress=False)
    (folder / "train" / "notes.txt").write_text("mine")  # not ours: must survive
    synth.generate(task, folder, limit_per_split=1, progress=False)
    assert sorted(p.name for p in (folder / "train").iterdir()) == ["manifest.jsonl", "notes.txt",
                                                                    "pitch-train-00000.flac"]


def test_bad_arguments(tasks, tmp_path):
    with pytest.raises(HFBenchError, match="limit_per_split"):
        synth.generate(tasks["kws"], tmp_path, limit_per_split=0, progress=False)
    other = tasks["kws"].model_copy(update={"source": tasks["kws"].source.model_copy(update={"generator": "nope"})})
    with pytest.raises(HFBenchError, match="unknown generator 'nope'") as e:
        synth.generate(other, tmp_path, progress=False)
    assert "source.generator" in str(e.value) and "kws" in str(e.value)
    no_size = tasks["kws"].model_copy(update={"sizes": {"train": 5, "valid": 5}})
    with pytest.raises(HFBenchError, match="no size for split 'test'"):
        synth.generate(no_size, tmp_path, progress=False)
    assert not (tmp_path / "generator.json").exists()


def test_full_generation_matches_declared_sizes(tasks, tmp_path):
    """Without a limit, generate writes exactly task.sizes clips per split (a copy of pitch with tiny sizes)."""
    task = tasks["pitch"].model_copy(update={"sizes": {"train": 4, "valid": 2, "test": 3}})
    synth.generate(task, tmp_path / "pitch", progress=False)
    for split, n in task.sizes.items():
        assert len(_manifest(tmp_path / "pitch", split)) == n
        assert len(list((tmp_path / "pitch" / split).glob("*.flac"))) == n
    assert synth.is_up_to_date(task, tmp_path / "pitch")
    assert json.loads((tmp_path / "pitch" / "generator.json").read_text())["limit_per_split"] is None
