"""Uploads: schema validation with per-field errors, size and zip limits, nothing executed, pending queue."""

from __future__ import annotations

import io
import json
import os
import pickle
import zipfile

import pytest
from lb_helpers import make_result, make_zerospeech

from hf_bench.leaderboard import submit
from hf_bench.leaderboard.submit import SubmissionError, append_to_queue, read_queue, validate_upload


def _write(path, payload) -> str:
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


def _zip(path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> str:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return str(path)


def test_valid_result_is_accepted_and_queued(tmp_path):
    subs, ignored = validate_upload(_write(tmp_path / "esc50.json", make_result(score=0.81)))
    assert len(subs) == 1 and not ignored
    s = subs[0]
    assert s.kind == "hf_bench.task_result"
    assert s.summary == {"model": "tiny-wavlm", "encoder_id": "hf:org/tiny-wavlm", "benchmark": "xares",
                         "task": "esc50", "probe": "mlp", "metric": "accuracy", "score": 0.81}
    queue = tmp_path / "q" / "pending.jsonl"
    added, dups = append_to_queue(subs, queue)
    assert len(added) == 1 and not dups
    entries = read_queue(queue)
    assert entries[0]["status"] == "pending" and entries[0]["payload"]["scores"]["main_score"] == 0.81
    # the same content again (even re-formatted) is a duplicate, not a second entry
    (tmp_path / "again.json").write_text(json.dumps(make_result(score=0.81), indent=4), encoding="utf-8")
    added, dups = append_to_queue(validate_upload(tmp_path / "again.json")[0], queue)
    assert not added and len(dups) == 1 and len(read_queue(queue)) == 1


def test_queue_is_appended_not_overwritten(tmp_path):
    queue = tmp_path / "pending.jsonl"
    append_to_queue(validate_upload(_write(tmp_path / "a.json", make_result(task="esc50")))[0], queue)
    append_to_queue(validate_upload(_write(tmp_path / "b.json", make_result(task="cremad")))[0], queue)
    assert [e["summary"]["task"] for e in read_queue(queue)] == ["esc50", "cremad"]
    assert queue.read_text().count("\n") == 2


def test_schema_errors_are_listed_per_field(tmp_path):
    bad = make_result()
    del bad["scores"]["main_score"]
    bad["encoder"]["dim"] = "wide"
    bad["surprise"] = 1
    with pytest.raises(SubmissionError) as e:
        validate_upload(_write(tmp_path / "bad.json", bad))
    fields = [m.split(":")[0] for _, m in e.value.problems]
    assert set(fields) == {"scores.main_score", "encoder.dim", "surprise"}
    assert all(w == "bad.json" for w, _ in e.value.problems)


@pytest.mark.parametrize("content,match", [
    (b'{"kind": "hf_bench.task_result",', "not valid JSON"),
    (b"[1, 2]", "expected a JSON object"),
    (b'{"kind": "something.else"}', "kind: expected 'hf_bench.task_result'"),
    (b"\xff\xfe\x00", "not UTF-8"),
])
def test_malformed_uploads_are_rejected(tmp_path, content, match):
    path = tmp_path / "x.json"
    path.write_bytes(content)
    with pytest.raises(SubmissionError, match=match):
        validate_upload(path)


def test_nan_scores_are_rejected(tmp_path):
    text = json.dumps(make_result()).replace('"main_score": 0.5', '"main_score": NaN')
    (tmp_path / "nan.json").write_text(text, encoding="utf-8")
    with pytest.raises(SubmissionError, match="NaN is not allowed"):
        validate_upload(tmp_path / "nan.json")


def test_a_scorecard_alone_is_explained(tmp_path):
    with pytest.raises(SubmissionError, match="scorecard"):
        validate_upload(_write(tmp_path / "scorecard.json", {"kind": "hf_bench.scorecard"}))


def test_a_pickle_is_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "result.json"
    path.write_bytes(pickle.dumps(Evil()))
    with pytest.raises(SubmissionError):
        validate_upload(path)
    zpath = _zip(tmp_path / "r.zip", {"mlp/esc50.json": pickle.dumps(Evil()), "model.pkl": pickle.dumps(Evil())})
    with pytest.raises(SubmissionError):
        validate_upload(zpath)
    assert not marker.exists()


def test_zip_of_a_run_directory(tmp_path):
    zpath = _zip(tmp_path / "run.zip", {
        "tiny/mlp/esc50.json": json.dumps(make_result(task="esc50")).encode(),
        "tiny/knn/esc50.json": json.dumps(make_result(task="esc50", probe="knn")).encode(),
        "tiny/scorecard.json": json.dumps({"kind": "hf_bench.scorecard"}).encode(),
        "tiny/scorecard.png": b"\x89PNG....",
        "tiny/mlp/esc50.predictions.jsonl": b'{"id": 1}\n',
        "zs/scores.json": json.dumps(make_zerospeech()).encode(),
    })
    subs, ignored = validate_upload(zpath)
    assert sorted(s.summary["probe"] for s in subs) == ["knn", "mlp", "zerospeech"]
    assert sorted(ignored) == ["tiny/mlp/esc50.predictions.jsonl", "tiny/scorecard.json", "tiny/scorecard.png"]
    assert {s.name for s in subs} == {"run.zip:tiny/mlp/esc50.json", "run.zip:tiny/knn/esc50.json", "run.zip:zs/scores.json"}


def test_zip_is_all_or_nothing(tmp_path):
    bad = make_result()
    bad["probe"]["seed"] = "zero"
    zpath = _zip(tmp_path / "run.zip", {"ok.json": json.dumps(make_result()).encode(),
                                        "bad.json": json.dumps(bad).encode()})
    queue = tmp_path / "q.jsonl"
    with pytest.raises(SubmissionError) as e:
        validate_upload(zpath)
    assert e.value.problems[0][0] == "run.zip:bad.json" and "probe.seed" in e.value.problems[0][1]
    assert not queue.exists()


@pytest.mark.parametrize("name", ["../evil.json", "/abs/evil.json", "a/../../evil.json", "C:/evil.json"])
def test_zip_path_traversal_is_rejected(tmp_path, name):
    zpath = _zip(tmp_path / "t.zip", {name: json.dumps(make_result()).encode()})
    with pytest.raises(SubmissionError, match="unsafe member path"):
        validate_upload(zpath)


def test_zip_without_results_is_rejected(tmp_path):
    with pytest.raises(SubmissionError, match="holds no result JSON"):
        validate_upload(_zip(tmp_path / "e.zip", {"readme.txt": b"hi"}))
    junk = tmp_path / "broken.zip"
    junk.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(SubmissionError, match="not a readable zip"):
        validate_upload(junk)


def test_size_limits(tmp_path, monkeypatch):
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (submit.MAX_JSON_BYTES + 1))
    with pytest.raises(SubmissionError, match="larger than 5 MB"):
        validate_upload(big)
    # zip bomb: a tiny archive whose member inflates past the per-file limit is refused without inflating it all
    bomb = _zip(tmp_path / "bomb.zip", {"r.json": b" " * (submit.MAX_JSON_BYTES + 10)})
    assert os.path.getsize(bomb) < 50_000
    with pytest.raises(SubmissionError, match="larger than 5 MB uncompressed"):
        validate_upload(bomb)
    # total of the JSON members, and the archive itself
    monkeypatch.setattr(submit, "MAX_ZIP_JSON_TOTAL", 5000)
    many = _zip(tmp_path / "many.zip", {f"r{i}.json": json.dumps(make_result(task=f"t{i}")).encode() for i in range(10)})
    with pytest.raises(SubmissionError, match="add up to more than"):
        validate_upload(many)
    monkeypatch.setattr(submit, "MAX_ZIP_BYTES", 1000)
    with pytest.raises(SubmissionError, match="zip is larger than"):
        validate_upload(many)


def test_lying_zip_header_is_not_trusted(tmp_path):
    """A member whose central directory claims a small size still cannot be read past the limit."""
    payload = b" " * (submit.MAX_JSON_BYTES + 100)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("r.json", payload)
    data = bytearray(buf.getvalue())
    # patch the uncompressed size in the central directory entry to 10 bytes
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24:cd + 28] = (10).to_bytes(4, "little")
    path = tmp_path / "liar.zip"
    path.write_bytes(bytes(data))
    with pytest.raises(SubmissionError) as e:
        validate_upload(path)
    assert e.value.problems[0][0] == "liar.zip:r.json"


def test_zerospeech_scores_are_validated(tmp_path):
    subs, _ = validate_upload(_write(tmp_path / "scores.json", make_zerospeech()))
    assert subs[0].kind == "hf_bench.zerospeech_scores" and subs[0].summary["model"] == "cpc-small"
    bad = make_zerospeech(scores={"lexical_everything": {"dev": 0.5, "test": None}})
    with pytest.raises(SubmissionError, match="unknown sLM21 score names"):
        validate_upload(_write(tmp_path / "bad.json", bad))
    bad = make_zerospeech()
    del bad["submission"]["model_id"]
    with pytest.raises(SubmissionError, match="submission.model_id"):
        validate_upload(_write(tmp_path / "bad2.json", bad))


def test_unreadable_queue_line_is_reported(tmp_path):
    queue = tmp_path / "q.jsonl"
    queue.write_text('{"sha256": "a"}\nnot json\n', encoding="utf-8")
    with pytest.raises(Exception, match="line 2"):
        read_queue(queue)


def test_queue_path_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("HF_BENCH_PENDING_QUEUE", raising=False)
    assert str(submit.queue_path()) == "pending/submissions.jsonl"
    monkeypatch.setenv("HF_BENCH_PENDING_QUEUE", str(tmp_path / "x.jsonl"))
    assert submit.queue_path() == tmp_path / "x.jsonl"
    assert submit.queue_path(tmp_path / "y.jsonl") == tmp_path / "y.jsonl"
