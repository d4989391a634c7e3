"""The wenet and swift JSONL formats: exact round trips, the Wu prompts, and every bad line reported."""

import json
from pathlib import Path

import pytest

from hf_bench.errors import DataError, HFBenchError
from hf_bench.wu.formats import Sample, read_samples, read_swift, read_wenet, write_samples
from hf_bench.wu.prompts import AUDIO_TAG, LABELS, PROMPTS, answer_label, kind_of_prompt, normalize_answer


def _wav(path: Path) -> Path:
    import numpy as np
    import soundfile as sf

    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.zeros(1600, dtype=np.float32), 16000)
    return path


def test_prompts_are_the_wu_prompts():
    assert set(PROMPTS) == {"asr", "ast", "age", "gender", "emotion"}
    assert all(p.startswith(AUDIO_TAG) and p.count(AUDIO_TAG) == 1 for p in PROMPTS.values())
    # every label set is listed in the prompt, in the prompt's order
    for kind, labels in LABELS.items():
        positions = [PROMPTS[kind].index(label) for label in labels]
        assert positions == sorted(positions)
    assert PROMPTS["gender"] == "<audio>请根据语音的声学特征，判断说话人的性别，从男性、女性中选一个标签。"
    for kind, prompt in PROMPTS.items():
        assert kind_of_prompt(prompt) == kind
    assert kind_of_prompt("<audio>语音说了什么") == "asr"
    assert kind_of_prompt("<audio>what is this?") is None


@pytest.mark.parametrize("fmt", ["wenet", "swift"])
def test_round_trip(tmp_path, fmt):
    wavs = [_wav(tmp_path / "a" / f"{i}.wav") for i in range(3)]
    samples = [Sample(f"utt{i}", w, ["今天天气很好", "女性", "他们昨天不看电视"][i], prompt=PROMPTS["asr"])
               for i, w in enumerate(wavs)]
    out = tmp_path / f"data.{fmt}.jsonl"
    assert write_samples(out, samples, fmt) == 3
    got_fmt, back = read_samples(out)
    assert got_fmt == fmt
    assert [(s.key, s.audio, s.answer) for s in back] == [(s.key, s.audio, s.answer) for s in samples]
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    if fmt == "wenet":
        assert lines[0] == {"key": "utt0", "wav": str(wavs[0]), "txt": "今天天气很好"}
    else:
        assert lines[1]["messages"] == [{"role": "user", "content": PROMPTS["asr"]},
                                        {"role": "assistant", "content": "女性"}]
        assert lines[1]["audios"] == [str(wavs[1])]
        assert back[1].prompt == PROMPTS["asr"]
    # written again from what was read: byte-identical
    again = tmp_path / "again.jsonl"
    write_samples(again, back, fmt)
    assert again.read_bytes() == out.read_bytes()


def test_relative_audio_paths_resolve_from_the_file(tmp_path):
    _wav(tmp_path / "set" / "wav" / "x.wav")
    (tmp_path / "set" / "d.jsonl").write_text('{"key": "x", "wav": "wav/x.wav", "txt": "你好"}\n', encoding="utf-8")
    (s,) = read_wenet(tmp_path / "set" / "d.jsonl")
    assert s.audio == tmp_path / "set" / "wav" / "x.wav" and s.answer == "你好"


def test_bad_swift_lines_are_all_reported(tmp_path):
    wav = _wav(tmp_path / "x.wav")
    good = {"messages": [{"role": "user", "content": "<audio>问"}, {"role": "assistant", "content": "答"}],
            "audios": [str(wav)]}
    lines = [
        good,
        {"messages": [{"role": "user", "content": "问"}, {"role": "assistant", "content": "答"}], "audios": [str(wav)]},
        {"messages": good["messages"]},
        {"messages": good["messages"], "audios": [str(tmp_path / "missing.wav")]},
        {"messages": [{"role": "user", "content": "<audio><audio>问"}], "audios": [str(wav)]},
        "not an object",
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n{broken\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_swift(path)
    msg = str(e.value)
    assert str(path) in msg and "6 bad line(s)" in msg
    for needle in ("line 2: no <audio> in the user turn", 'line 3: no "audios" field', "line 4: audio file",
                   "does not exist", "line 5: 2 <audio> tag(s)", "line 6: not a JSON object", "line 7: not JSON"):
        assert needle in msg


def test_bad_wenet_lines(tmp_path):
    wav = _wav(tmp_path / "x.wav")
    path = tmp_path / "w.jsonl"
    path.write_text("\n".join([json.dumps({"key": "a", "wav": str(wav), "txt": "好"}),
                               json.dumps({"key": "a", "wav": str(wav), "txt": "好"}),
                               json.dumps({"wav": str(wav)}),
                               json.dumps({"key": "b", "wav": str(wav), "txt": 3})]), encoding="utf-8")
    with pytest.raises(DataError, match="key 'a' repeats line 1") as e:
        read_wenet(path)
    assert "no 'key' field" in str(e.value) and "txt is int" in str(e.value)


def test_unknown_format_is_an_error(tmp_path):
    with pytest.raises(HFBenchError, match="unknown format"):
        write_samples(tmp_path / "x.jsonl", [], "kaldi")


@pytest.mark.parametrize("answer,label,rule", [
    ("女性", "女性", "exact"), (" 女性。", "女性", "exact"), ("ＭＡＬＥ", None, "none"),
    ("我认为是女性", "女性", "first named"), ("男性，不是女性", "男性", "first named"),
    ("这位说话人听起来很生气", "生气", "first named"), ("", None, "none")])
def test_answer_to_label_rule(answer, label, rule):
    labels = LABELS["emotion"] if label == "生气" else LABELS["gender"]
    assert answer_label(answer, labels) == (label, rule)


def test_normalize_answer_folds_width_and_punctuation():
    assert normalize_answer("  「Ｈappy」！ ") == "happy"
