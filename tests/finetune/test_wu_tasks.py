"""The WenetSpeech-Wu tasks and their data: the registry entries, the Hub dataset's parquet layout (columns
checked), the message for an absent copy, and how hf_bench tasks map onto the Wu kinds and labels."""

import io
import json

import numpy as np
import pytest

from hf_bench.cli import main
from hf_bench.data import AudioRef, load_task_data, missing_task_data
from hf_bench.errors import DataError, HFBenchError, OfflineError
from hf_bench.tasks.registry import get_suite, get_task
from hf_bench.wu.export import _plain_file, _written, label_mapping, task_kind
from hf_bench.wu.prompts import LABELS


def _flac_bytes(seconds=0.2, sr=16000):
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.zeros(int(seconds * sr), dtype=np.float32), sr, format="FLAC")
    return buf.getvalue()


def test_wu_tasks():
    tasks = {t.name: t for t in get_suite("wenetspeech_wu")}
    assert set(tasks) == {"wu_bench_asr", "wu_bench_ast", "wu_bench_gender", "wu_bench_age", "wu_bench_emotion"}
    assert (tasks["wu_bench_asr"].metric, tasks["wu_bench_ast"].metric_args) == ("cer", {"tokenize": "zh"})
    for kind in ("gender", "age", "emotion"):
        t = tasks[f"wu_bench_{kind}"]
        assert t.labels == LABELS[kind] and t.chance_level == pytest.approx(1 / len(LABELS[kind]))
    assert all(t.probes == ("lora",) and t.benchmark == "wenetspeech_wu" for t in tasks.values())


def test_hub_parquet_layout_is_read_and_checked(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = tmp_path / "corpora" / "wenetspeech_wu_bench" / "data"
    root.mkdir(parents=True)
    audio = [{"bytes": _flac_bytes(), "path": None} for _ in range(3)]
    pq.write_table(pa.table({"id": ["a", "b", "c"], "audio": audio, "text": ["你好", "吃饭", "再见"],
                             "gender": ["男性", "女性", "男性"]}), root / "test-00000-of-00001.parquet")
    task = get_task("wu_bench_gender")
    assert missing_task_data(task, data_root=tmp_path) is None
    split = load_task_data(task, data_root=tmp_path, progress=False, only="test")["test"]
    assert [r.id for r in split.refs] == ["a", "b", "c"] and split.labels == ["男性", "女性", "男性"]
    with pytest.raises(DataError, match="no 'translation' column"):
        load_task_data(get_task("wu_bench_ast"), data_root=tmp_path, progress=False, only="test")


def test_absent_copy_says_how_to_get_it(tmp_path, capsys):
    task = get_task("wu_bench_asr")
    why = missing_task_data(task, data_root=tmp_path)
    assert "asr/test.jsonl" in why
    with pytest.raises(OfflineError) as e:
        load_task_data(task, data_root=tmp_path, progress=False)
    assert "hf-bench prepare --task wu_bench_asr" in str(e.value)
    assert main(["tasks", "--suite", "wenetspeech_wu", "--data-dir", str(tmp_path)]) == 0
    assert "absent" in capsys.readouterr().out


def test_hf_bench_tasks_map_onto_wu_kinds():
    assert task_kind(get_task("gender")) == "gender"
    assert label_mapping(get_task("gender"), "gender") == {"female": "女性", "male": "男性"}
    assert label_mapping(get_task("librispeechmalefemale"), "gender") == {"M": "男性", "F": "女性"}
    assert task_kind(get_task("fr_translation")) == "ast" and task_kind(get_task("sentences")) == "asr"
    with pytest.raises(HFBenchError, match="exports as asr, not gender"):
        task_kind(get_task("sentences"), "gender")
    with pytest.raises(HFBenchError, match="speech_rate is clip_regression"):
        task_kind(get_task("speech_rate"))
    extra = {"a": "中立", "b": "高兴", "c": "生气"}
    t = get_task("gender").model_copy(update={"labels": ("a", "b", "c")})
    assert task_kind(t, None, extra) == "emotion" and label_mapping(t, "emotion", extra) == extra
    with pytest.raises(HFBenchError, match="outside the emotion labels"):
        label_mapping(t, "emotion", {**extra, "c": "愤怒"})


def test_clips_that_are_not_files_are_written_once(tmp_path):
    ref = AudioRef(id="row/1", origin="x.parquet:row 1", data=_flac_bytes(0.5))
    assert _plain_file(ref) is None
    path = _written(ref, tmp_path / "audio")
    assert path.name == "row__1.wav" and path.is_file()
    mtime = path.stat().st_mtime_ns
    assert _written(ref, tmp_path / "audio") == path and path.stat().st_mtime_ns == mtime
    plain = AudioRef(id="f", origin="f", path=path)
    assert _plain_file(plain) == path.resolve()
    assert _plain_file(AudioRef(id="s", origin="s", path=path, start_s=0.1, end_s=0.3)) is None


def test_generated_task_exports_with_its_files(hf_bench_cache, tmp_path, capsys):
    out = tmp_path / "zh.jsonl"
    assert main(["wu", "export", "zh_emotion", "--format", "swift", "--split", "valid", "-o", str(out),
                 "--quiet"]) == 0
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == get_task("zh_emotion").sizes["valid"]
    assert {x["messages"][1]["content"] for x in lines} <= set(LABELS["emotion"])
    assert all(x["audios"][0].endswith(".flac") for x in lines)  # plain files are referenced, not copied
    assert not (tmp_path / "zh_audio").exists()


def test_prepare_offline_is_one_clear_error(tmp_path, capsys):
    assert main(["prepare", "--task", "wu_bench_asr", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the Hub for ASLP-lab/WenetSpeech-Wu-Bench" in err and "<task>/{train,dev,test}.jsonl" in err
