"""dataset_fingerprint changes when a file or a label changes, and not otherwise."""

from __future__ import annotations

import json
import os

from data_testutil import audio_bytes, write_audio, write_tar

from hf_bench.data import dataset_fingerprint, load_task_data
from hf_bench.tasks.schema import HubSource, LocalSource, TaskMetadata, ZenodoSource


def _task(source, names=("train", "valid", "test")):
    return TaskMetadata(name="fp", version=1, display_name="fp", description="", benchmark="custom", domain="sound",
                        type="clip_classification", labels=("a", "b"), metric="accuracy", main_score="accuracy",
                        eval_weight=1, license="x", source=source, splits=names)


def _fp(task, root):
    return dataset_fingerprint(task, load_task_data(task, data_root=root, progress=False))


def _touch_later(path):
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


def test_local_manifest_fingerprint(tmp_path):
    for i in range(3):
        write_audio(tmp_path / f"{i}.wav", freq=300 + i)
    for s, i in (("train", 0), ("valid", 1), ("test", 2)):
        (tmp_path / f"{s}.csv").write_text(f"audio,label\n{i}.wav,a\n")
    task = _task(LocalSource(format="manifest", root=str(tmp_path),
                             split_paths={s: f"{s}.csv" for s in ("train", "valid", "test")}))
    first = _fp(task, tmp_path)
    assert len(first) == 16
    assert _fp(task, tmp_path) == first  # nothing changed

    (tmp_path / "test.csv").write_text("audio,label\n2.wav,b\n")  # a label changed
    second = _fp(task, tmp_path)
    assert second != first

    write_audio(tmp_path / "1.wav", freq=999, seconds=0.3)  # an audio file changed (size + mtime)
    third = _fp(task, tmp_path)
    assert third != second

    _touch_later(tmp_path / "0.wav")  # same bytes, new mtime: the same data (fingerprints are by content)
    assert _fp(task, tmp_path) == third
    # other bytes of the same size with the old mtime restored: another fingerprint (the ctime moved)
    st = os.stat(tmp_path / "2.wav")
    data = bytearray((tmp_path / "2.wav").read_bytes())
    data[-10:] = bytes(10)
    (tmp_path / "2.wav").write_bytes(bytes(data))
    os.utime(tmp_path / "2.wav", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(tmp_path / "2.wav").st_size == st.st_size and _fp(task, tmp_path) != third


def test_webdataset_fingerprint(tmp_path):
    for s in ("train", "valid", "test"):
        write_tar(tmp_path / f"{s}.tar", [(f"{s}0", "wav", audio_bytes(), {"label": "a"}),
                                          (f"{s}1", "wav", audio_bytes(), {"label": "b"})])
    task = _task(LocalSource(format="webdataset", root=str(tmp_path),
                             split_paths={s: f"{s}.tar" for s in ("train", "valid", "test")}))
    first = _fp(task, tmp_path)
    assert _fp(task, tmp_path) == first
    write_tar(tmp_path / "valid.tar", [("valid0", "wav", audio_bytes(), {"label": "a"}),
                                       ("valid1", "wav", audio_bytes(), {"label": "a"})])
    assert _fp(task, tmp_path) != first
    # the same data under another absolute root gives the same fingerprint (relative paths are hashed)
    moved = tmp_path / "copy"
    moved.mkdir()
    for s in ("train", "valid", "test"):
        src = tmp_path / f"{s}.tar"
        (moved / src.name).write_bytes(src.read_bytes())  # a plain copy: new mtimes, same bytes
    task2 = _task(LocalSource(format="webdataset", root=str(moved),
                              split_paths={s: f"{s}.tar" for s in ("train", "valid", "test")}))
    assert _fp(task2, moved) == _fp(task, tmp_path)


def test_generator_fingerprint_follows_generator_json(tmp_path):
    folder = tmp_path / "embedded" / "fp"
    for s in ("train", "valid", "test"):
        write_audio(folder / s / f"{s}.flac")
        (folder / s / "manifest.jsonl").write_text(json.dumps({"id": s, "audio": f"{s}.flac", "label": "a"}) + "\n")
    (folder / "generator.json").write_text(json.dumps({"generator": "tones", "version": 1}))
    from hf_bench.data.local import read_manifest

    splits = {s: read_manifest(s, [folder / s / "manifest.jsonl"], audio_key="audio", label_key="label", root=folder)
              for s in ("train", "valid", "test")}
    from hf_bench.tasks.schema import GeneratorSource

    task = _task(GeneratorSource(generator="tones", generator_version=1))
    first = dataset_fingerprint(task, splits)
    assert dataset_fingerprint(task, splits) == first
    (folder / "generator.json").write_text(json.dumps({"generator": "tones", "version": 2}))
    assert dataset_fingerprint(task, splits) != first


def test_hub_and_zenodo_fingerprints_depend_on_the_pinned_source():
    from hf_bench.data import AudioRef, SplitData

    splits = {s: SplitData(s, [AudioRef(id=f"{s}/0", origin="x", data=b"")], ["a"]) for s in ("train", "valid", "test")}
    a = dataset_fingerprint(_task(HubSource(repo_id="org/ds", revision="abc")), splits)
    b = dataset_fingerprint(_task(HubSource(repo_id="org/ds", revision="def")), splits)
    assert a != b and a == dataset_fingerprint(_task(HubSource(repo_id="org/ds", revision="abc")), splits)

    def zen(md5):
        return _task(ZenodoSource(record_id="1", archive_url="http://x", tar_globs={s: f"{s}*.tar" for s in splits},
                                  files=({"name": "train.tar", "md5": md5},)))

    assert dataset_fingerprint(zen("0" * 32), splits) != dataset_fingerprint(zen("1" * 32), splits)
