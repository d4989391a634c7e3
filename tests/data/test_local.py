"""Local data formats through load_task_data + encode_targets + decode: audiofolder, manifest, parquet, tars."""

from __future__ import annotations

import json

import numpy as np
import pytest
from data_testutil import audio_bytes, hf_parquet, tone, write_audio, write_tar

from hf_bench.audio import decode
from hf_bench.data import encode_targets, load_task_data
from hf_bench.errors import DataError
from hf_bench.tasks.schema import LocalSource, TaskMetadata


def local_task(root, fmt, split_paths, *, type="clip_classification", labels=("cat", "dog"), label_key="label",
               audio_key="audio", folds=False, **kw):
    names = tuple(split_paths)
    return TaskMetadata(
        name="t", version=1, display_name="t", description="test", benchmark="custom", domain="sound", type=type,
        labels=labels if type != "clip_regression" else None, label_key=label_key,
        metric="accuracy", main_score="accuracy", eval_weight=1, license="unknown",
        source=LocalSource(format=fmt, root=str(root), split_paths=split_paths, audio_key=audio_key),
        splits=None if folds else names, folds=names if folds else None, **kw)


def check_decodes(splits, n=2):
    for split in splits.values():
        for ref in split.refs[:n]:
            wav = decode(ref, target_sr=16000, expected_sr=16000, downmix=False)
            assert wav.dtype == np.float32 and wav.shape == (4000,)


def test_audiofolder_labels_from_folder_names(tmp_path):
    for split in ("train", "valid", "test"):
        for label in ("cat", "dog"):
            for i in range(2):
                write_audio(tmp_path / "data" / split / label / f"{split}_{label}_{i}.wav", freq=300 + i)
    task = local_task(tmp_path, "audiofolder", {"train": "data/train", "valid": "data/valid", "test": "data/test"})
    splits = load_task_data(task, data_root=tmp_path / "cache", progress=False)
    assert list(splits) == ["train", "valid", "test"]
    assert splits["train"].labels == ["cat", "cat", "dog", "dog"]
    assert splits["train"].refs[0].id == "data/train/cat/train_cat_0.wav"
    np.testing.assert_array_equal(encode_targets(task, splits["test"]), [0, 0, 1, 1])
    check_decodes(splits)


def test_audiofolder_with_metadata_csv(tmp_path):
    d = tmp_path / "train"
    for i in range(3):
        write_audio(d / f"clip{i}.wav")
    (d / "metadata.csv").write_text("file_name,species\nclip0.wav,cat\nclip1.wav,dog\nclip2.wav,cat\n")
    task = local_task(tmp_path, "audiofolder", {"train": "train", "valid": "train2", "test": "train3"},
                      label_key="species")
    for other in ("train2", "train3"):
        write_audio(tmp_path / other / "dog" / "x.wav")
    splits = load_task_data(task, data_root=tmp_path, progress=False)
    assert splits["train"].labels == ["cat", "dog", "cat"]
    np.testing.assert_array_equal(encode_targets(task, splits["train"]), [0, 1, 0])


def test_audiofolder_file_without_class_folder(tmp_path):
    write_audio(tmp_path / "train" / "loose.wav")
    task = local_task(tmp_path, "audiofolder", {"train": "train", "valid": "v", "test": "t"})
    with pytest.raises(DataError, match="class folder"):
        load_task_data(task, data_root=tmp_path, progress=False)


def test_manifest_csv_and_jsonl(tmp_path):
    for i in range(4):
        write_audio(tmp_path / "wavs" / f"{i}.wav", freq=200 + 100 * i)
    (tmp_path / "train.csv").write_text("path,tag,id\nwavs/0.wav,cat,a\nwavs/1.wav,dog,b\n")
    (tmp_path / "valid.jsonl").write_text(json.dumps({"path": "wavs/2.wav", "tag": "dog"}) + "\n\n")
    (tmp_path / "test.jsonl").write_text(json.dumps({"path": str(tmp_path / "wavs/3.wav"), "tag": "cat"}) + "\n")
    task = local_task(tmp_path, "manifest", {"train": "train.csv", "valid": "valid.jsonl", "test": "test.jsonl"},
                      label_key="tag", audio_key="path")
    splits = load_task_data(task, data_root=tmp_path, progress=False)
    assert [r.id for r in splits["train"].refs] == ["a", "b"]
    assert splits["valid"].refs[0].id == "wavs/2.wav"
    np.testing.assert_array_equal(encode_targets(task, splits["train"]), [0, 1])
    check_decodes(splits)


def test_manifest_regression_and_multilabel(tmp_path):
    for i in range(3):
        write_audio(tmp_path / f"{i}.wav")
    rows = [{"audio": "0.wav", "label": 0.5, "tags": ["cat", "dog"]},
            {"audio": "1.wav", "label": "1.25", "tags": "dog"},
            {"audio": "2.wav", "label": -2, "tags": "cat;bird"}]
    for split in ("train", "valid", "test"):
        (tmp_path / f"{split}.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    paths = {s: f"{s}.jsonl" for s in ("train", "valid", "test")}
    # the same clips in every split would leak: point valid/test at copies
    for split in ("valid", "test"):
        for i in range(3):
            write_audio(tmp_path / split / f"{i}.wav")
        (tmp_path / split / "m.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
        paths[split] = f"{split}/m.jsonl"
    reg = local_task(tmp_path, "manifest", paths, type="clip_regression")
    splits = load_task_data(reg, data_root=tmp_path, progress=False)
    y = encode_targets(reg, splits["train"])
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, [0.5, 1.25, -2.0])

    multi = local_task(tmp_path, "manifest", paths, type="clip_multilabel", labels=("bird", "cat", "dog"),
                       label_key="tags")
    splits = load_task_data(multi, data_root=tmp_path, progress=False)
    y = encode_targets(multi, splits["valid"])
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, [[0, 1, 1], [0, 0, 1], [1, 1, 0]])


def test_manifest_missing_label_and_missing_file(tmp_path):
    write_audio(tmp_path / "a.wav")
    (tmp_path / "train.csv").write_text("audio,label\na.wav,\n")
    task = local_task(tmp_path, "manifest", {"train": "train.csv", "valid": "train.csv", "test": "train.csv"})
    with pytest.raises(DataError) as e:
        load_task_data(task, data_root=tmp_path, progress=False)
    assert "missing label" in str(e.value) and "train.csv:2" in str(e.value)

    (tmp_path / "train.csv").write_text("audio,label\nnope.wav,cat\n")
    with pytest.raises(DataError, match="nope.wav"):
        load_task_data(task, data_root=tmp_path, progress=False)

    (tmp_path / "train.csv").write_text("file,label\na.wav,cat\n")
    with pytest.raises(DataError) as e:
        load_task_data(task, data_root=tmp_path, progress=False)
    assert "'audio'" in str(e.value) and "audio_key" in str(e.value)


def test_same_clip_in_two_splits_is_rejected(tmp_path):
    write_audio(tmp_path / "a.wav")
    write_audio(tmp_path / "b.wav")
    (tmp_path / "one.csv").write_text("audio,label\na.wav,cat\n")
    (tmp_path / "two.csv").write_text("audio,label\na.wav,dog\nb.wav,cat\n")
    task = local_task(tmp_path, "manifest", {"train": "one.csv", "valid": "two.csv", "test": "one.csv"})
    # 'a.wav' in train and in valid would leak
    with pytest.raises(DataError, match="both split"):
        load_task_data(task, data_root=tmp_path, progress=False)


def test_parquet_with_audio_struct_and_classlabel(tmp_path):
    for split in ("train", "validation", "test"):
        rows = [(audio_bytes("FLAC" if i % 2 else "WAV", freq=300 + i), f"{split}{i}.wav", i % 2) for i in range(3)]
        hf_parquet(tmp_path / "data" / f"{split}-00000-of-00001.parquet", rows, class_names=["cat", "dog"])
    task = local_task(tmp_path, "parquet", {"train": "data/train-*.parquet", "validation": "data/validation-*",
                                            "test": "data/test-*.parquet"})
    splits = load_task_data(task, data_root=tmp_path, progress=False)
    assert splits["train"].labels == ["cat", "dog", "cat"]  # ClassLabel ints mapped to names
    assert splits["test"].refs[1].data is not None and "test1.wav" in splits["test"].refs[1].origin
    np.testing.assert_array_equal(encode_targets(task, splits["validation"]), [0, 1, 0])
    np.testing.assert_allclose(decode(splits["train"].refs[2], target_sr=16000, downmix=False), tone(302),
                               atol=1e-3)


def test_parquet_without_the_audio_column(tmp_path):
    rows = [(audio_bytes(), "a.wav", "cat")]
    for split in ("train", "valid", "test"):
        hf_parquet(tmp_path / f"{split}.parquet", rows, audio_col="sound")
    task = local_task(tmp_path, "parquet", {s: f"{s}.parquet" for s in ("train", "valid", "test")})
    with pytest.raises(DataError) as e:
        load_task_data(task, data_root=tmp_path, progress=False)
    msg = str(e.value)
    assert "no audio column 'audio'" in msg and "sound" in msg and "train.parquet" in msg and "audio_key" in msg


def test_webdataset_local_kfold(tmp_path):
    for f in range(3):
        write_tar(tmp_path / f"fold{f}.tar",
                  [(f"k{f}_{i}", "wav", audio_bytes(freq=300 + i), {"label": ["cat", "dog"][i % 2]})
                   for i in range(2)])
    task = local_task(tmp_path, "webdataset", {f"f{f}": f"fold{f}.tar" for f in range(3)}, folds=True)
    splits = load_task_data(task, data_root=tmp_path, progress=False)
    assert list(splits) == ["f0", "f1", "f2"] and all(len(s) == 2 for s in splits.values())
    check_decodes(splits)


def test_glob_matching_nothing(tmp_path):
    task = local_task(tmp_path, "webdataset", {"train": "nothing-*.tar", "valid": "x.tar", "test": "y.tar"})
    with pytest.raises(DataError) as e:
        load_task_data(task, data_root=tmp_path, progress=False)
    assert "nothing-*.tar" in str(e.value) and "matches no" in str(e.value)


def test_tar_index_edge_cases(tmp_path):
    import gzip

    from hf_bench.data.webdataset import index_tar

    # DESED-style file names with dots keep distinct keys; folders are part of the key; extra members are ignored
    tar = write_tar(tmp_path / "a.tar", [("Y-x_0.000_10.000", "wav", audio_bytes(), [{"onset": 0.5, "offset": 1.0,
                                                                                     "label": "Cat"}]),
                                         ("Y-x_0.500_10.500", "wav", audio_bytes(), {"label": "Dog"}),
                                         ("sub/k", "flac", audio_bytes("FLAC"), {"label": "Cat"})])
    refs, labels = index_tar(tar, label_key="label")
    assert [r.id for r in refs] == ["a/Y-x_0.000_10.000", "a/Y-x_0.500_10.500", "a/sub/k"]
    assert labels == [[{"onset": 0.5, "offset": 1.0, "label": "Cat"}], "Dog", "Cat"]  # a non-object JSON is the label
    assert index_tar(tar, label_key=".")[1][1] == {"label": "Dog"}

    dup = write_tar(tmp_path / "dup.tar", [("k", "wav", audio_bytes(), {"label": "a"}),
                                           ("k", "flac", audio_bytes("FLAC"), None)])
    with pytest.raises(DataError, match="two audio members"):
        index_tar(dup, label_key="label")

    gz = tmp_path / "c.tar.gz"
    gz.write_bytes(gzip.compress(tar.read_bytes()))
    with pytest.raises(DataError, match="uncompressed"):
        index_tar(gz, label_key="label")

    bad_json = write_tar(tmp_path / "j.tar", [("k", "wav", audio_bytes(), None)])
    import io
    import tarfile

    with tarfile.open(bad_json, "a") as tf:
        info = tarfile.TarInfo("k.json")
        info.size = 5
        tf.addfile(info, io.BytesIO(b"{oops"))
    with pytest.raises(DataError, match="invalid JSON"):
        index_tar(bad_json, label_key="label")

    orphan = write_tar(tmp_path / "o.tar", [("k", "wav", None, {"label": "a"})])
    with pytest.raises(DataError, match="no audio member"):
        index_tar(orphan, label_key="label")
