"""encode_targets: class indices, multi-hot, regression, and one clear error for every unusable label."""

from __future__ import annotations

import math
import sys
import types

import numpy as np
import pytest
from data_testutil import write_audio

from hf_bench.data import AudioRef, SplitData, encode_targets, load_task_data
from hf_bench.errors import DataError
from hf_bench.tasks.schema import GeneratorSource, TaskMetadata, ZenodoSource


def _task(type="clip_classification", labels=("crow", "robin", "wren"), **kw):
    return TaskMetadata(name="t", version=1, display_name="t", description="", benchmark="custom", domain="sound",
                        type=type, labels=labels, metric="accuracy", main_score="accuracy", eval_weight=1,
                        license="x", source=GeneratorSource(generator="g", generator_version=1),
                        splits=("train", "valid", "test"), **kw)


def _split(labels, name="test"):
    return SplitData(name, [AudioRef(id=f"c{i}", origin=f"/data/c{i}.wav") for i in range(len(labels))], list(labels))


def test_classification_with_aliases_and_int_labels():
    task = _task(label_aliases={"Corvus": "crow"})
    y = encode_targets(task, _split(["wren", "Corvus", "robin"]))
    assert y.dtype == np.int64 and y.tolist() == [2, 0, 1]
    ints = _task(labels=("0", "1", "10"))
    assert encode_targets(ints, _split([10, 0, 1.0, "1"])).tolist() == [2, 0, 1, 1]


@pytest.mark.parametrize("bad, why", [("eagle", "outside the class set"), (None, "missing"),
                                      (math.nan, "missing"), (["crow"], "not a single class label"),
                                      (True, "not a single class label")])
def test_classification_errors(bad, why):
    with pytest.raises(DataError) as e:
        encode_targets(_task(), _split(["crow", bad]))
    msg = str(e.value)
    assert "/data/c1.wav" in msg and "'c1'" in msg and why in msg and repr(bad) in msg
    assert "crow, robin, wren" in msg and "label_aliases" in msg


def test_error_lists_first_items_and_total():
    with pytest.raises(DataError) as e:
        encode_targets(_task(), _split(["eagle"] * 12))
    msg = str(e.value)
    assert "12 of 12 labels" in msg and "and 7 more" in msg


def test_multilabel():
    task = _task(type="clip_multilabel")
    y = encode_targets(task, _split([["crow", "wren"], "robin;wren", "crow, robin", [], "wren"]))
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, [[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 0], [0, 0, 1]])
    commas = _task(type="clip_multilabel", labels=("a, b", "c"))
    np.testing.assert_array_equal(encode_targets(commas, _split(["a, b", "a, b;c"])), [[1, 0], [1, 1]])
    with pytest.raises(DataError, match=r"'eagle' \(in the clip's labels\) is outside the class set"):
        encode_targets(task, _split(["crow;eagle"]))
    with pytest.raises(DataError, match="missing or not a list"):
        encode_targets(task, _split([None]))


def test_regression():
    task = _task(type="clip_regression", labels=None)
    y = encode_targets(task, _split([1, "2.5", -0.25]))
    assert y.dtype == np.float32 and y.tolist() == [1.0, 2.5, -0.25]
    for bad in (math.nan, "loud", None, math.inf, True):
        with pytest.raises(DataError, match="not a number"):
            encode_targets(task, _split([1.0, bad]))


def test_frame_labels_must_be_event_lists_and_types_without_adapter_are_refused():
    from hf_bench.errors import HFBenchError

    task = _task(type="frame_multilabel").model_copy(
        update={"source": ZenodoSource(record_id="1", archive_url="u", tar_globs={s: "*.tar" for s in
                                                                                  ("train", "valid", "test")})})
    with pytest.raises(DataError, match="not a list of events: 'crow'"):
        encode_targets(task, _split(["crow"]))
    assert encode_targets(task, _split([[{"onset": 0.1, "offset": 0.5, "label": "crow"}]])) is None  # valid
    # every declared type has an adapter today; a name outside the registry is refused with the ones that exist
    from hf_bench.tasks.types import get_type

    with pytest.raises(HFBenchError, match="task type 'dialogue' has no adapter"):
        get_type("dialogue")
    translation = task.model_copy(update={"type": "translation"})
    with pytest.raises(DataError, match="not a translation"):
        encode_targets(translation, _split([["crow"]]))


def test_generator_source_dispatch(tmp_path, monkeypatch):
    """The generator path asks hf_bench.data.synth whether data is current, generates if not, reads manifests."""
    calls = []

    def is_up_to_date(task, folder):
        calls.append("check")
        return (folder / "generator.json").is_file()

    def generate(task, folder, *, progress=True):
        calls.append("generate")
        for i, split in enumerate(("train", "valid", "test")):
            write_audio(folder / split / f"{split}.flac", freq=200 + 100 * i)
            (folder / split / "manifest.jsonl").write_text(
                f'{{"id": "{split}-0", "audio": "{split}.flac", "label": "robin"}}\n')
        (folder / "generator.json").write_text("{}")

    fake = types.ModuleType("hf_bench.data.synth")
    fake.is_up_to_date, fake.generate = is_up_to_date, generate
    monkeypatch.setitem(sys.modules, "hf_bench.data.synth", fake)
    task = _task()
    splits = load_task_data(task, data_root=tmp_path, progress=False)
    assert calls == ["check", "generate"]
    assert splits["valid"].refs[0].id == "valid-0"
    assert splits["valid"].refs[0].path == tmp_path / "embedded" / "t" / "valid" / "valid.flac"
    assert encode_targets(task, splits["test"]).tolist() == [1]
    load_task_data(task, data_root=tmp_path, progress=False)
    assert calls == ["check", "generate", "check"]  # up to date: not regenerated
