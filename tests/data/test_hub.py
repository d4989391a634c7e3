"""HF dataset sources through datasets.load_dataset: a local folder laid out like a Hub dataset repo, and offline ids."""

from __future__ import annotations

import numpy as np
import pytest
from data_testutil import audio_bytes, hf_parquet, tone

from hf_bench.audio import decode
from hf_bench.data import dataset_fingerprint, encode_targets, load_task_data
from hf_bench.errors import DataError, OfflineError
from hf_bench.tasks.schema import HubSource, TaskMetadata


@pytest.fixture
def datasets_cache(tmp_path, monkeypatch):
    import datasets

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf_datasets_cache")
    return tmp_path / "hf_datasets_cache"


def _hub_repo(root, *, audio_col="audio"):
    """``root/data/<split>-00000-of-00001.parquet`` with datasets' schema metadata, as ``push_to_hub`` lays it out."""
    for split, n in (("train", 4), ("validation", 2), ("test", 2)):
        rows = [(audio_bytes("FLAC" if i % 2 else "WAV", freq=300 + 10 * i), f"{split}_{i}.wav", i % 2)
                for i in range(n)]
        hf_parquet(root / "data" / f"{split}-00000-of-00001.parquet", rows, class_names=["no", "yes"],
                   audio_col=audio_col)
    return root


def _task(repo_id, **src):
    return TaskMetadata(name="hubtask", version=1, display_name="h", description="", benchmark="custom",
                        domain="speech", type="clip_classification", labels=("no", "yes"), metric="accuracy",
                        main_score="accuracy", eval_weight=2, license="x",
                        source=HubSource(repo_id=str(repo_id), revision="main", **src),
                        splits=("train", "validation", "test"))


def test_local_hub_layout_loads_without_decoding(tmp_path, datasets_cache):
    repo = _hub_repo(tmp_path / "repo")
    task = _task(repo)
    splits = load_task_data(task, data_root=tmp_path, progress=False)
    assert [len(splits[s]) for s in task.split_names] == [4, 2, 2]
    train = splits["train"]
    assert train.labels == ["no", "yes", "no", "yes"]  # ClassLabel ints -> names
    assert train.refs[1].data is not None and train.refs[1].id == "train/1" and "train_1.wav" in train.refs[1].origin
    np.testing.assert_array_equal(encode_targets(task, train), [0, 1, 0, 1])
    np.testing.assert_allclose(decode(train.refs[3], target_sr=16000, downmix=False), tone(330), atol=1e-3)
    assert dataset_fingerprint(task, splits) != dataset_fingerprint(
        task.model_copy(update={"source": HubSource(repo_id=str(repo), revision="v2")}), splits)


def test_missing_audio_column_and_missing_split(tmp_path, datasets_cache):
    repo = _hub_repo(tmp_path / "repo", audio_col="sound")
    with pytest.raises(DataError) as e:
        load_task_data(_task(repo), data_root=tmp_path, progress=False)
    assert "no audio column 'audio'" in str(e.value) and "sound" in str(e.value)
    task = _task(repo, audio_column="sound").model_copy(update={"splits": ("train", "dev", "test")})
    with pytest.raises(DataError, match="no split 'dev'"):
        load_task_data(task, data_root=tmp_path, progress=False)


def test_hub_id_offline_is_a_clear_error(tmp_path, datasets_cache, monkeypatch):
    import datasets

    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    task = _task("hf-bench-tests/no-such-dataset").model_copy(
        update={"source": HubSource(repo_id="hf-bench-tests/no-such-dataset", revision="0123abc")})
    with pytest.raises(OfflineError) as e:
        load_task_data(task, data_root=tmp_path, progress=False)
    msg = str(e.value)
    assert "hf-bench-tests/no-such-dataset@0123abc" in msg and "HF_HUB_OFFLINE" in msg
