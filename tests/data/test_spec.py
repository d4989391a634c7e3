"""Task spec files (bring your own task): the X-ARES WebDataset layout through YAML, k-fold, and bad specs."""

from __future__ import annotations

import json

import numpy as np
import pytest
from data_testutil import audio_bytes, write_audio, write_tar

from hf_bench.audio import decode
from hf_bench.data import encode_targets, load_task_data
from hf_bench.errors import DataError, TaskSpecError
from hf_bench.tasks.spec import load_task_spec


def write_spec(path, text):
    path.write_text(text)
    return path


def test_webdataset_spec_in_xares_layout(tmp_path, xares_like):
    record, classes = xares_like
    spec = write_spec(tmp_path / "vocal.yaml", f"""
name: my_vocalsound
type: clip_classification
domain: speech
data:
  format: webdataset
  label_key: label
  train: {record.name}/train*.tar
  valid: {record.name}/valid*.tar
  test: {record.name}/test*.tar
sample_rate: 16000
""")
    task = load_task_spec(spec)
    assert task.benchmark == "custom" and task.version == 1 and task.license == "unknown (user data)"
    assert task.labels == tuple(sorted(classes))
    assert task.metric == "accuracy" and task.main_score == "accuracy"
    assert task.sizes == {"train": 6, "valid": 3, "test": 6} and task.eval_weight == 6
    assert task.source.root == str(tmp_path) and task.source.split_paths["train"] == str(record / "train*.tar")

    splits = load_task_data(task, data_root=tmp_path / "cache", progress=False)
    train = splits["train"]
    # shards in sorted order, members in tar order, ids unique per shard
    assert [r.id for r in train.refs[:4]] == ["train_0000000/train_0_0", "train_0000000/train_0_1",
                                              "train_0000000/train_0_2", "train_0000001/train_1_0"]
    assert {r.origin.rsplit(".", 1)[-1] for r in train.refs} == {"wav", "flac"}
    y = encode_targets(task, train)
    assert y.dtype == np.int64
    assert [task.labels[i] for i in y] == train.labels
    for ref in splits["test"].refs:
        wav = decode(ref, target_sr=16000, expected_sr=task.sample_rate, downmix=task.downmix)
        assert wav.shape == (4000,)


def test_kfold_spec_with_folds_list_and_json(tmp_path):
    for f in range(4):
        write_tar(tmp_path / "shards" / f"esc_fold{f}.tar",
                  [(f"f{f}_{i}", "flac", audio_bytes("FLAC", freq=100 + 10 * i), {"label": i % 3}) for i in range(5)])
    spec = tmp_path / "esc.json"
    spec.write_text(json.dumps({
        "name": "tiny_esc", "type": "clip_classification", "domain": "sound", "version": 3,
        "data": {"format": "webdataset", "root": "shards",
                 "folds": {"a": "esc_fold0.tar", "b": "esc_fold1.tar", "c": "esc_fold2.tar", "d": "esc_fold3.tar"}},
        "probe": {"epochs": 2}, "crop": {"mode": "sequential", "length_s": 1.5}}))
    task = load_task_spec(spec)
    assert task.folds == ("a", "b", "c", "d") and task.splits is None and task.version == 3
    assert task.labels == ("0", "1", "2")  # ints -> strings, numeric order
    assert task.eval_weight == 5 and task.probe.epochs == 2 and task.crop.length_s == 1.5
    splits = load_task_data(task, data_root=tmp_path, progress=False)
    np.testing.assert_array_equal(encode_targets(task, splits["c"]), [0, 1, 2, 0, 1])

    listed = write_spec(tmp_path / "esc2.yaml", """
name: tiny_esc_list
type: clip_classification
domain: sound
data: {format: webdataset, folds: [shards/esc_fold0.tar, shards/esc_fold1.tar]}
""")
    assert load_task_spec(listed).folds == ("fold1", "fold2")


def test_valid_equal_to_test_and_regression(tmp_path):
    for split in ("train", "test"):
        write_tar(tmp_path / f"{split}.tar",
                  [(f"{split}{i}", "wav", audio_bytes(), {"score": i / 2}) for i in range(3)])
    spec = write_spec(tmp_path / "reg.yaml", """
name: loudness
type: clip_regression
domain: speech
data: {format: webdataset, label_key: score, train: train.tar, valid: test.tar, test: test.tar}
""")
    task = load_task_spec(spec)
    assert task.splits == ("train", "test", "test") and task.split_names == ("train", "test")
    assert task.metric == "ccc" and task.labels is None and task.do_knn is True
    splits = load_task_data(task, data_root=tmp_path, progress=False)
    np.testing.assert_allclose(encode_targets(task, splits["test"]), [0, 0.5, 1.0])


def test_manifest_spec_with_labels_and_aliases(tmp_path):
    for i in range(6):
        write_audio(tmp_path / "a" / f"{i}.wav")
    for split, idx in (("train", (0, 1)), ("valid", (2, 3)), ("test", (4, 5))):
        (tmp_path / f"{split}.csv").write_text("audio,gender\n" + "".join(f"a/{i}.wav,{'MF'[i % 2]}\n" for i in idx))
    spec = write_spec(tmp_path / "g.yaml", """
name: gender
type: clip_classification
domain: speech
labels: [male, female]
label_aliases: {M: male, F: female}
data: {format: manifest, label_key: gender, train: train.csv, valid: valid.csv, test: test.csv}
""")
    task = load_task_spec(spec)
    splits = load_task_data(task, data_root=tmp_path, progress=False)
    np.testing.assert_array_equal(encode_targets(task, splits["train"]), [0, 1])


# ------------------------------------------------------------------------------------------------ bad specs
BASE = """
name: birds
type: clip_classification
domain: sound
data:
  format: webdataset
  train: record/train*.tar
  valid: record/valid*.tar
  test: record/test*.tar
"""


def test_unknown_field_with_suggestion(tmp_path, xares_like):
    spec = write_spec(tmp_path / "s.yaml", BASE + "sampel_rate: 16000\n")
    with pytest.raises(TaskSpecError) as e:
        load_task_spec(spec)
    msg = str(e.value)
    assert str(spec) in msg and "'sampel_rate'" in msg and "did you mean 'sample_rate'" in msg

    nested = write_spec(tmp_path / "n.yaml", BASE.replace("  format: webdataset", "  format: webdataset\n  lable_key: x"))
    with pytest.raises(TaskSpecError) as e:
        load_task_spec(nested)
    assert "'data.lable_key'" in str(e.value) and "label_key" in str(e.value)


def test_missing_required_fields_and_bad_choices(tmp_path, xares_like):
    spec = write_spec(tmp_path / "s.yaml", BASE.replace("domain: sound\n", ""))
    with pytest.raises(TaskSpecError, match="missing required field 'domain'"):
        load_task_spec(spec)
    spec = write_spec(tmp_path / "s.yaml", BASE.replace("  valid: record/valid*.tar\n", ""))
    with pytest.raises(TaskSpecError) as e:
        load_task_spec(spec)
    assert "data.valid" in str(e.value) and "same path as `test`" in str(e.value)
    spec = write_spec(tmp_path / "s.yaml", BASE.replace("clip_classification", "clip_clasification"))
    with pytest.raises(TaskSpecError, match="did you mean 'clip_classification'"):
        load_task_spec(spec)
    spec = write_spec(tmp_path / "s.yaml", BASE + "metric: ccc\n")
    with pytest.raises(TaskSpecError, match="does not apply"):
        load_task_spec(spec)
    spec = write_spec(tmp_path / "s.yaml", BASE + "metric: f1_score\n")
    with pytest.raises(TaskSpecError, match="use one of: accuracy"):
        load_task_spec(spec)
    spec = write_spec(tmp_path / "s.yaml", BASE.replace("name: birds", "name: My Birds"))
    with pytest.raises(TaskSpecError, match="snake_case"):
        load_task_spec(spec)
    spec = write_spec(tmp_path / "s.yaml", BASE + "sample_rate: sixteen\n")
    with pytest.raises(TaskSpecError, match="sample_rate"):
        load_task_spec(spec)
    spec = write_spec(tmp_path / "s.yaml", BASE + "  bad: [unclosed\n")
    with pytest.raises(TaskSpecError, match="invalid YAML at line"):
        load_task_spec(spec)
    with pytest.raises(TaskSpecError, match="does not exist"):
        load_task_spec(tmp_path / "missing.yaml")


def test_glob_matching_nothing(tmp_path, xares_like):
    spec = write_spec(tmp_path / "s.yaml", BASE.replace("record/test*.tar", "record/tset*.tar"))
    with pytest.raises(TaskSpecError) as e:
        load_task_spec(spec)
    msg = str(e.value)
    assert "data.test" in msg and "record/tset*.tar" in msg and "matches nothing" in msg


def test_missing_label_in_data(tmp_path):
    write_tar(tmp_path / "record" / "train.tar", [("a", "wav", audio_bytes(), {"label": "crow"}),
                                                  ("b", "wav", audio_bytes(), {"species": "wren"})])
    write_tar(tmp_path / "record" / "valid.tar", [("c", "wav", audio_bytes(), {"label": "crow"})])
    write_tar(tmp_path / "record" / "test.tar", [("d", "wav", audio_bytes(), {"label": "wren"})])
    with pytest.raises(DataError) as e:
        load_task_spec(write_spec(tmp_path / "s.yaml", BASE))
    msg = str(e.value)
    assert "train.tar:b.json" in msg and "'label' is missing" in msg and "species" in msg and "label_key" in msg

    # an audio member without any JSON label
    write_tar(tmp_path / "record" / "train.tar", [("a", "wav", audio_bytes(), {"label": "crow"}),
                                                  ("b", "wav", audio_bytes(), None)])
    with pytest.raises(DataError, match="no b.json label member"):
        load_task_spec(write_spec(tmp_path / "s.yaml", BASE))


def test_label_outside_the_declared_set(tmp_path):
    write_tar(tmp_path / "record" / "train.tar", [("a", "wav", audio_bytes(), {"label": "crow"}),
                                                  ("b", "wav", audio_bytes(), {"label": "robin"})])
    write_tar(tmp_path / "record" / "valid.tar", [("c", "wav", audio_bytes(), {"label": "crow"})])
    write_tar(tmp_path / "record" / "test.tar", [("d", "flac", audio_bytes("FLAC"), {"label": "eagle"})])
    with pytest.raises(DataError) as e:
        load_task_spec(write_spec(tmp_path / "s.yaml", BASE + "labels: [crow, robin, wren]\n"))
    msg = str(e.value)
    assert "test.tar:d.flac" in msg and "'eagle'" in msg and "crow, robin, wren" in msg and "outside" in msg


def test_single_class_data(tmp_path):
    for split in ("train", "valid", "test"):
        write_tar(tmp_path / "record" / f"{split}.tar", [(f"{split}", "wav", audio_bytes(), {"label": "crow"})])
    with pytest.raises(TaskSpecError, match="needs at least 2"):
        load_task_spec(write_spec(tmp_path / "s.yaml", BASE))


def test_every_yaml_example_in_the_docs_is_a_valid_spec():
    import re
    from pathlib import Path

    import yaml

    from hf_bench.tasks.spec import check_spec_fields

    doc = Path(__file__).resolve().parents[2] / "docs" / "custom_tasks.md"
    blocks = re.findall(r"```yaml\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 8
    for block in blocks:
        check_spec_fields(yaml.safe_load(block), doc)
