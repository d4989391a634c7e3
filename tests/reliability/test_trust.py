"""Trust: bad inputs, faults and concurrency that once gave a silent wrong result, a raw failure or lost data.
Each case fails without its fix (the issue's item number in the test name's docstring)."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import textwrap

import numpy as np
import pytest
import soundfile as sf

from hf_bench.errors import AudioError, TaskSpecError

SR = 16000


# ------------------------------------------------------------------------------------------------ lost data
def _submit(args):
    from hf_bench.leaderboard.submit import Submission, append_to_queue

    queue, worker, n = args
    for i in range(n):
        payload = {"worker": worker, "i": i}
        sha = f"{worker:04d}{i:060d}"
        append_to_queue([Submission(kind="hf_bench.task_result", name=f"w{worker}-{i}.json", sha256=sha,
                                    payload=payload, summary={"worker": worker})], queue)


def test_queue_keeps_every_entry_under_concurrent_processes(tmp_path):
    """#1: several processes appending to one review queue lose nothing."""
    from hf_bench.leaderboard.submit import read_queue

    queue = tmp_path / "pending" / "submissions.jsonl"
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(4) as pool:
        pool.map(_submit, [(queue, w, 20) for w in range(4)])
    entries = read_queue(queue)
    assert len(entries) == 80 and len({e["sha256"] for e in entries}) == 80


# ------------------------------------------------------------------------------------------------ damaged input
def test_truncated_wav_is_an_error_naming_the_file(tmp_path):
    """#5: a WAV whose header declares 11,200 samples but holds 500 is not a 31 ms clip."""
    from hf_bench.audio import read_audio
    from hf_bench.data import AudioRef

    buf = io.BytesIO()
    sf.write(buf, (0.1 * np.random.default_rng(0).normal(size=11200)).astype(np.float32), SR, format="WAV",
             subtype="PCM_16")
    path = tmp_path / "cut.wav"
    path.write_bytes(buf.getvalue()[:44 + 1000])
    with pytest.raises(AudioError, match="truncated WAV.*11200 frames declared, 500 present") as e:
        read_audio(AudioRef(id="cut", origin=str(path), path=path))
    assert str(path) in str(e.value)
    with pytest.raises(AudioError, match="truncated WAV"):  # the same bytes inside a tar member
        read_audio(AudioRef(id="cut", origin="x.tar:cut.wav", data=buf.getvalue()[:44 + 1000]))
    whole = tmp_path / "whole.wav"
    whole.write_bytes(buf.getvalue())
    audio, sr = read_audio(AudioRef(id="whole", origin=str(whole), path=whole))
    assert audio.shape == (11200, 1) and sr == SR


def test_spec_key_given_twice_and_yaml_booleans(tmp_path):
    """#5 and #13: a duplicated key is an error, not a silent override; yes/no/on/off labels are strings."""
    from hf_bench.tasks.spec import read_spec_file

    (tmp_path / "twice.yaml").write_text("name: a\ntype: clip_classification\nname: b\n")
    with pytest.raises(TaskSpecError, match="key 'name' appears twice.*first at line 1") as e:
        read_spec_file(tmp_path / "twice.yaml")
    assert "line 3" in str(e.value)
    (tmp_path / "twice.json").write_text('{"name": "a", "name": "b"}')
    with pytest.raises(TaskSpecError, match="key 'name' appears twice"):
        read_spec_file(tmp_path / "twice.json")
    (tmp_path / "words.yaml").write_text("name: kw\nlabels: [yes, no, on, off, stop]\ndownmix: true\n")
    spec = read_spec_file(tmp_path / "words.yaml")
    assert spec["labels"] == ["yes", "no", "on", "off", "stop"] and spec["downmix"] is True


def _keyword_task(tmp_path):
    """A manifest task whose classes are yes / no / stop (YAML 1.1 would read two of them as booleans)."""
    for split in ("train", "valid", "test"):
        (tmp_path / split).mkdir()
        rows = []
        for i, word in enumerate(["yes", "no", "stop"] * 2):
            level = 0.01 * (i + 1) + 0.1 * ("train", "valid", "test").index(split)  # distinct clips
            sf.write(tmp_path / split / f"{i}.wav", np.zeros(1600, np.float32) + level, SR)
            rows.append(json.dumps({"audio": f"{i}.wav", "label": word}))
        (tmp_path / split / "m.jsonl").write_text("\n".join(rows) + "\n")
    (tmp_path / "kw.yaml").write_text(textwrap.dedent("""
        name: kw
        type: clip_classification
        domain: speech
        labels: [yes, no, stop]
        data: {format: manifest, train: train/m.jsonl, valid: valid/m.jsonl, test: test/m.jsonl}
    """))
    return tmp_path / "kw.yaml"


def test_keyword_labels_run_through_a_spec(tmp_path):
    """#13 end to end: the spec loads with the class names as written."""
    from hf_bench.tasks import get_task

    assert get_task(str(_keyword_task(tmp_path))).labels == ("yes", "no", "stop")


# ------------------------------------------------------------------------------------------------ raw failures
EXITING = textwrap.dedent("""
    import sys, torch
    class Exiting(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.sampling_rate, self.output_dim, self.hop_size_in_ms = 16000, 4, 20
            self.calls = 0
        def forward(self, audio):
            self.calls += 1
            if self.calls > 1:  # the load-time probe passes; the run's first batch exits
                sys.exit(3)
            return torch.zeros(audio.shape[0], max(1, audio.shape[1] // 320), 4)
""")


def test_encoder_calling_sys_exit_is_named(tmp_path, capsys):
    """#8: sys.exit() inside forward() ends neither check-encoder nor run without a message."""
    from hf_bench.cli import main as cli

    (tmp_path / "exiting.py").write_text(EXITING)
    spec = f"{tmp_path / 'exiting.py'}:Exiting"
    code = cli(["check-encoder", spec])
    out = capsys.readouterr()
    assert code == 1 and "SystemExit: 3" in out.out + out.err
    task = _keyword_task(tmp_path)
    code = cli(["run", "--encoder", spec, "--task", str(task), "--output-dir", str(tmp_path / "o"),
                "--cache-dir", str(tmp_path / "c"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "SystemExit: 3" in err and "exiting.py" in err


def test_disk_full_names_the_file(tmp_path, monkeypatch, capsys):
    """#10: ENOSPC on write() carries no file name; the error names the file being written."""
    import errno

    from hf_bench.utils import io as hio

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(hio.os, "fsync", full)
    target = tmp_path / "out" / "result.json"
    with pytest.raises(OSError) as e:
        hio.atomic_write_json(target, {"a": 1})
    assert e.value.filename == str(target) and e.value.errno == errno.ENOSPC
    assert not target.exists() and not list(target.parent.glob(".result.json.*"))  # no temp file left
    from hf_bench.cli import run_handler

    class Args:
        @staticmethod
        def func(args):
            hio.atomic_write_text(target, "x")

    assert run_handler(Args()) == 2
    err = capsys.readouterr().err
    assert str(target) in err and "unknown path" not in err and os.strerror(errno.ENOSPC) in err


# ------------------------------------------------------------------------------------------------ one definition
def test_ccc_normalises_one_way_everywhere():
    """#17: the scorecard, normalization_range and the docs agree: CCC 0.557 counts 0.557 (not (0.557 + 1) / 2),
    a negative CCC counts 0."""
    from pathlib import Path

    from hf_bench.metrics import normalization_range, normalized_score
    from hf_bench.pipeline import weighted_averages
    from hf_bench.tasks import get_task

    worst, best = normalization_range("ccc")
    assert (worst, best) == (0.0, 1.0)
    assert normalized_score(0.557, worst, best)["normalized_score"] == pytest.approx(0.557)
    task = get_task("speech_rate")
    normalized, averages = weighted_averages({"speech_rate": {"mlp": 0.557, "knn": -0.2}}, {"speech_rate": task})
    assert normalized["speech_rate"] == pytest.approx({"mlp": 0.557, "knn": 0.0})
    docs = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
    assert "| ccc | 0 (a negative CCC counts as 0" in docs.read_text(encoding="utf-8")


def _tone_task(tmp_path, n_train: int, epochs: int | None = None):
    rng = np.random.default_rng(0)
    freqs = {"low": 300.0, "mid": 900.0, "high": 2700.0}
    for split, n in (("train", n_train), ("valid", 12), ("test", 30)):
        (tmp_path / split).mkdir(exist_ok=True)
        rows = []
        for i in range(n):
            label = list(freqs)[i % 3]
            t = np.arange(SR // 2) / SR
            wave = 0.3 * np.sin(2 * np.pi * freqs[label] * t) + 0.01 * rng.normal(size=len(t))
            sf.write(tmp_path / split / f"{i}.wav", wave.astype(np.float32), SR)
            rows.append(json.dumps({"audio": f"{i}.wav", "label": label}))
        (tmp_path / split / "m.jsonl").write_text("\n".join(rows) + "\n")
    probe = f"probe: {{epochs: {epochs}}}\n" if epochs else ""
    (tmp_path / "tones.yaml").write_text("name: tones\ntype: clip_classification\ndomain: sound\n" + probe +
                                         "data: {format: manifest, train: train/m.jsonl, valid: valid/m.jsonl, "
                                         "test: test/m.jsonl}\n")
    return tmp_path / "tones.yaml"


def test_an_unconverged_mlp_is_reported(tmp_path):
    """#7: 36 training clips and the default 10 epochs leave the MLP near chance where the kNN is perfect; the run
    says so and names the setting, and stays quiet once the probe has converged."""
    from hf_bench.pipeline import RunConfig, evaluate_encoder
    from hf_bench.tasks import get_task

    def run(spec, sub):
        said = []
        out = evaluate_encoder(RunConfig(encoder="mfb", output_dir=tmp_path / sub, cache_dir=tmp_path / "cache",
                                         progress=False, bootstrap=0), [get_task(str(spec))], log=said.append)
        return out.scorecards["last"].scores["tones"], [m for m in said if m.startswith("warning")]

    (tmp_path / "a").mkdir()
    scores, warnings = run(_tone_task(tmp_path / "a", 36), "out_a")
    assert scores["knn"] - scores["mlp"] > 0.25, scores
    assert len(warnings) == 1 and "36 training items" in warnings[0] and "probe: {epochs: 100}" in warnings[0]
    (tmp_path / "b").mkdir()
    scores, warnings = run(_tone_task(tmp_path / "b", 36, epochs=200), "out_b")
    assert scores["knn"] - scores["mlp"] < 0.25 and not warnings, scores


@pytest.fixture(scope="module")
def real_result(tmp_path_factory):
    """A result JSON written by a real run (mfb on a small tone task)."""
    from hf_bench.pipeline import RunConfig, evaluate_encoder
    from hf_bench.tasks import get_task

    root = tmp_path_factory.mktemp("result")
    evaluate_encoder(RunConfig(encoder="mfb", output_dir=root / "out", cache_dir=root / "cache", progress=False,
                               bootstrap=20, probes=("knn",)), [get_task(str(_tone_task(root, 24)))], log=lambda m: None)
    return json.loads((root / "out" / "mfb" / "knn" / "tones.json").read_text())


@pytest.mark.parametrize("change,match", [
    (lambda r: r["scores"]["values"].update(accuracy="1e999"), "scores.values.accuracy: inf is not a finite number"),
    (lambda r: r["scores"]["ci"].update(low="NaN"), "scores.ci.low: nan is not a finite number"),
    (lambda r: r["scores"].update(main_score=42.0), "scores.main_score: 42.0 is outside the range of accuracy"),
    (lambda r: r["task"].update(benchmark="xares", name="made_up"), "'made_up' is not a task of xares"),
    (lambda r: r["task"].update(benchmark="../../etc"), "task.benchmark: '../../etc' is not a name"),
], ids=["inf", "nan-ci", "out-of-range", "unknown-xares-task", "path-benchmark"])
def test_impossible_submissions_are_refused(real_result, change, match):
    """#4: every number finite and in its metric's range, tasks from their benchmark, names from a closed set."""
    from hf_bench.leaderboard.submit import SubmissionError, validate_json_bytes

    assert validate_json_bytes(json.dumps(real_result).encode(), "ok.json") is not None
    bad = json.loads(json.dumps(real_result))
    change(bad)
    text = json.dumps(bad).replace('"1e999"', "1e999")  # a literal that json reads as inf
    with pytest.raises(SubmissionError, match=match):
        validate_json_bytes(text.encode(), "bad.json")


@pytest.mark.parametrize("kind,labels", [
    ("clip_multilabel", [["dog", "cat"], ["cat"], ["bird", "dog"], ["dog"]]),
    ("frame_multilabel", [[{"onset": 0.1, "offset": 0.3, "label": "dog"}], [{"onset": 0.0, "offset": 0.2,
                                                                           "label": "cat"}]] * 2),
    ("clip_regression", [0.5, 1.25, -2.0, 3.0]),
    ("asr", ["a red cat", "two dogs", "the bird", "one fish"]),
    ("retrieval", [["a dog", "a dog barks"], ["a cat"], ["birds sing", "a bird"], ["a fish"]]),
], ids=["multilabel", "events", "regression", "asr", "retrieval"])
def test_export_round_trips_every_label_kind(tmp_path, kind, labels):
    """#14: dataset_scripts/export_task.py writes labels as native columns that read back unchanged (a multi-label
    list once came back as one comma-joined string)."""
    import importlib.util
    from pathlib import Path

    from hf_bench.data import load_task_data
    from hf_bench.tasks import get_task

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("export_task", root / "dataset_scripts" / "export_task.py")
    export = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(export)
    rng = np.random.default_rng(1)
    for split in ("train", "valid", "test"):
        (tmp_path / split).mkdir()
        rows = []
        for i, label in enumerate(labels):
            sf.write(tmp_path / split / f"{i}.wav", (0.1 * rng.normal(size=SR // 2)).astype(np.float32), SR)
            rows.append(json.dumps({"audio": f"{i}.wav", "label": label}))
        (tmp_path / split / "m.jsonl").write_text("\n".join(rows) + "\n")
    body = f"type: {kind}\ndomain: sound\n"
    (tmp_path / "src.yaml").write_text("name: src\n" + body + "data: {format: manifest, train: train/m.jsonl, "
                                       "valid: valid/m.jsonl, test: test/m.jsonl}\n")
    out = tmp_path / "hub"
    export.export(str(tmp_path / "src.yaml"), out, tmp_path / "data")
    (tmp_path / "back.yaml").write_text("name: back\n" + body + f"data: {{format: parquet, root: {out}, "
                                        "train: data/train-*.parquet, valid: data/valid-*.parquet, "
                                        "test: data/test-*.parquet}\n")
    a = load_task_data(get_task(str(tmp_path / "src.yaml")), data_root=tmp_path / "data", progress=False)
    b = load_task_data(get_task(str(tmp_path / "back.yaml")), data_root=tmp_path / "data", progress=False)
    for split in ("train", "valid", "test"):
        assert b[split].labels == a[split].labels == labels


def test_a_shard_overwritten_in_place_is_recomputed(tmp_path, caplog):
    """#2: a stored shard overwritten with NaN or zeros (same size, valid header) is not reused: its digest
    differs, it is recomputed with a warning naming it, and the score is the one of the clean run."""
    from hf_bench.pipeline import RunConfig, evaluate_encoder
    from hf_bench.tasks import get_task

    task = get_task(str(_tone_task(tmp_path, 24)))

    def run(sub):
        return evaluate_encoder(RunConfig(encoder="mfb", output_dir=tmp_path / sub, cache_dir=tmp_path / "cache",
                                          progress=False, bootstrap=0, probes=("knn",)), [task], log=lambda m: None)

    clean = run("a")
    shards = sorted((tmp_path / "cache" / "features").rglob("pooled-*/shard-00000.values.npy"))
    originals = {path: np.load(path) for path in shards}
    assert shards
    for fill in (np.nan, 0.0):
        for path, values in originals.items():
            size = path.stat().st_size
            np.save(path, np.full_like(values, fill))
            assert path.stat().st_size == size  # same size, valid header: only the content tells
        caplog.clear()
        again = run(f"b{fill}")
        assert again.scorecards["last"].scores == clean.scorecards["last"].scores
        assert any("does not match its done marker" in r.getMessage() for r in caplog.records)
        assert all(np.array_equal(np.load(p), v) for p, v in originals.items())  # recomputed, not reused


def test_missing_data_is_listed_before_any_work(tmp_path, capsys):
    """#16: a selection with absent datasets stops before encoding anything and lists every missing one; with
    --skip-missing the others are scored and the scorecard records what was skipped."""
    from hf_bench.cli import main as cli
    from hf_bench.results.schema import load_scorecard

    spec = _tone_task(tmp_path, 24)
    base = ["run", "--encoder", "mfb", "--task", str(spec), "esc50", "cremad", "--probe", "knn", "--output-dir",
            str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache"), "--quiet", "--bootstrap", "0"]
    assert cli(base) == 2
    err = capsys.readouterr().err
    assert "2 of 3 selected task(s) have no data" in err and "esc50:" in err and "cremad:" in err
    assert "hf-bench prepare --task esc50 cremad" in err and not (tmp_path / "cache" / "features").exists()
    assert cli(base + ["--skip-missing"]) == 0
    card = load_scorecard(tmp_path / "out" / "mfb" / "scorecard.json")
    assert set(card.scores) == {"tones"} and set(card.skipped) == {"esc50", "cremad"}
    assert "not downloaded" in card.skipped["esc50"]


# ------------------------------------------------------------------------------------------------ stale features
def test_same_size_audio_with_its_old_mtime_is_not_reused(tmp_path):
    """#3a: an audio file replaced by one of the same size, its modification time restored, is new data: the
    fingerprint moves and the clip is encoded again. #3c: a plain copy of the data is the same data."""
    import shutil

    from hf_bench.data import load_task_data
    from hf_bench.data.fingerprint import dataset_fingerprint
    from hf_bench.pipeline import RunConfig, evaluate_encoder
    from hf_bench.tasks import get_task

    (tmp_path / "a").mkdir()
    spec = _tone_task(tmp_path / "a", 24)

    def run(sub):
        return evaluate_encoder(RunConfig(encoder="mfb", output_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                                          progress=False, bootstrap=0, probes=("knn",)), [get_task(str(spec))],
                                log=lambda m: None)

    run("first")
    clip = tmp_path / "a" / "test" / "0.wav"
    st = os.stat(clip)
    audio, _ = sf.read(clip, dtype="float32")
    sf.write(clip, -audio[::-1], SR)  # other samples, same length, same size
    os.utime(clip, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(clip).st_size == st.st_size and os.stat(clip).st_mtime_ns == st.st_mtime_ns
    again = run("second")
    assert not again.tasks[0].reused[("last", "knn")] and again.timings["clips_encoded"] >= 1
    shutil.copytree(tmp_path / "a", tmp_path / "b")  # new mtimes, same bytes
    fp = [dataset_fingerprint(t, load_task_data(t, data_root=tmp_path, progress=False))
          for t in (get_task(str(tmp_path / d / "tones.yaml")) for d in ("a", "b"))]
    assert fp[0] == fp[1]


STATEFUL = textwrap.dedent("""
    import torch
    class WindowEncoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.sampling_rate, self.output_dim, self.hop_size_in_ms = 16000, 4, 20
            self.window = torch.ones(320) * SCALE      # a plain attribute: in no state_dict
            self.fingerprint_files = FILES
        def forward(self, audio):
            n = audio.shape[1] // 320
            f = audio[:, : n * 320].reshape(audio.shape[0], n, 320) * self.window
            return f[..., :4]
""")


def test_encoder_fingerprint_covers_tensor_attributes_and_side_files(tmp_path):
    """#3b: a plain tensor attribute (not registered in the state_dict) and a file the encoder declares it reads
    both move the fingerprint."""
    from hf_bench.encoders import load_encoder

    side = tmp_path / "table.txt"
    side.write_text("1")

    def fingerprint(name, scale, files):
        (tmp_path / f"{name}.py").write_text(STATEFUL.replace("SCALE", str(scale)).replace("FILES", repr(files)))
        return load_encoder(f"{tmp_path / f'{name}.py'}:WindowEncoder").fingerprint()

    base = fingerprint("e", 1.0, [str(side)])
    # same source text is not enough: only the tensor differs between these two
    src = STATEFUL.replace("SCALE", "float(open(%r).read())" % str(tmp_path / "scale.txt")).replace("FILES", "[]")
    (tmp_path / "scale.txt").write_text("1.0")
    (tmp_path / "s.py").write_text(src)
    one = load_encoder(f"{tmp_path / 's.py'}:WindowEncoder").fingerprint()
    (tmp_path / "scale.txt").write_text("2.0")
    two = load_encoder(f"{tmp_path / 's.py'}:WindowEncoder").fingerprint()
    assert one != two
    side.write_text("2")
    assert fingerprint("e", 1.0, [str(side)]) != base


def test_corrupt_preprocessor_config_is_an_error(tmp_path):
    """#5: a corrupt preprocessor_config.json is not silently replaced by the defaults (it would change the
    features without a word); a missing one still means the defaults."""
    from transformers import Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2Model

    from hf_bench.encoders import load_encoder
    from hf_bench.errors import EncoderError

    cfg = Wav2Vec2Config(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                         conv_dim=(16, 16), conv_stride=(5, 4), conv_kernel=(10, 8), num_feat_extract_layers=2,
                         num_conv_pos_embeddings=8, num_conv_pos_embedding_groups=2)
    Wav2Vec2Model(cfg).save_pretrained(tmp_path / "m")
    load_encoder(f"hf:{tmp_path / 'm'}")  # no preprocessor_config.json: the defaults
    Wav2Vec2FeatureExtractor(do_normalize=True).save_pretrained(tmp_path / "m")
    load_encoder(f"hf:{tmp_path / 'm'}")
    (tmp_path / "m" / "preprocessor_config.json").write_text('{"do_normalize": tru')
    with pytest.raises(EncoderError, match="preprocessor_config.json cannot be read") as e:
        load_encoder(f"hf:{tmp_path / 'm'}")
    assert "preprocessor_config.json" in str(e.value.where)


def test_two_encoders_with_one_name_never_overwrite_each_other(tmp_path):
    """#11: two different encoders whose names collide (same file name in two folders, every `checkpoint-1000`)
    keep separate results: the second goes to <name>-<fingerprint>, the first is untouched."""
    from hf_bench.pipeline import RunConfig, evaluate_encoder
    from hf_bench.results.schema import load_result
    from hf_bench.tasks import get_task

    task = get_task(str(_tone_task(tmp_path, 24)))
    fps = []
    for name, scale in (("a", 1.0), ("b", 3.0)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "enc.py").write_text(STATEFUL.replace("SCALE", str(scale)).replace("FILES", "[]"))
        out = evaluate_encoder(RunConfig(encoder=f"{tmp_path / name / 'enc.py'}:WindowEncoder",
                                         output_dir=tmp_path / "out", cache_dir=tmp_path / "cache", progress=False,
                                         bootstrap=0, probes=("knn",)), [task], log=lambda m: None)
        fps.append(out.encoder.fingerprint)
    assert fps[0] != fps[1]
    dirs = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(dirs) == 2 and dirs[1] == f"{dirs[0]}-{fps[1][:8]}"
    for d, fp in zip(dirs, fps):
        assert load_result(tmp_path / "out" / d / "knn" / "tones.json").encoder.fingerprint == fp


def test_a_subset_run_keeps_the_suite_scorecard(tmp_path):
    """#12: a one-task run into the folder of a suite run writes its own scorecard-<task>.json; the suite's
    scorecard.json is untouched. A later run of the same suite replaces it."""
    from hf_bench.pipeline import RunConfig, evaluate_encoder
    from hf_bench.results.schema import load_scorecard
    from hf_bench.tasks import get_task

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    tones, other = get_task(str(_tone_task(tmp_path / "a", 24))), get_task(str(_tone_task(tmp_path / "b", 30)))
    other = other.model_copy(update={"name": "tones_b"})

    def run(tasks, suite):
        return evaluate_encoder(RunConfig(encoder="mfb", output_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                                          progress=False, bootstrap=0, probes=("knn",), suite=suite), tasks,
                                log=lambda m: None)

    suite_run = run([tones, other], "mysuite")
    folder = tmp_path / "out" / "mfb"
    assert suite_run.scorecard_paths["last"] == folder / "scorecard.json"
    one = run([other], None)
    assert one.scorecard_paths["last"] == folder / "scorecard-tones_b.json"
    assert (folder / "scorecard-tones_b.md").is_file()
    card = load_scorecard(folder / "scorecard.json")
    assert card.suite == "mysuite" and set(card.scores) == {"tones", "tones_b"}
    assert run([tones, other], "mysuite").scorecard_paths["last"] == folder / "scorecard.json"


def test_leaderboard_start_retries_gradios_late_localhost_check():
    """#9: Gradio's own localhost check times out under load ("a shareable link must be created"): the start is
    retried, and a clear error follows if it never answers."""
    from hf_bench.errors import HFBenchError
    from hf_bench.leaderboard.app import launch

    class FakeApp:
        def __init__(self, failures):
            self.failures, self.calls, self.closed = failures, 0, 0

        def launch(self, **kwargs):
            self.calls += 1
            if self.calls <= self.failures:
                raise ValueError("When localhost is not accessible, a shareable link must be created. Please set "
                                 "share=True or check your proxy settings to allow access to localhost.")
            return "served"

        def close(self):
            self.closed += 1

    app = FakeApp(2)
    assert launch(app, prevent_thread_lock=True) == "served" and app.calls == 3 and app.closed == 2
    with pytest.raises(HFBenchError, match="did not answer on 127.0.0.1 in time, 2 times"):
        launch(FakeApp(5), prevent_thread_lock=True, tries=2)
    other = FakeApp(0)
    other.launch = lambda **kw: (_ for _ in ()).throw(ValueError("port in use"))
    with pytest.raises(ValueError, match="port in use"):
        launch(other)


def test_json_on_disk_is_strict(tmp_path):
    """#4: files hf_bench writes are strict JSON: a non-finite number becomes null, never NaN / Infinity."""
    from hf_bench.utils.io import atomic_write_json

    atomic_write_json(tmp_path / "x.json", {"a": float("nan"), "b": [1.0, float("inf")], "c": {"d": -float("inf")}})
    text = (tmp_path / "x.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text, parse_constant=lambda c: pytest.fail(c)) == {"a": None, "b": [1.0, None], "c": {"d": None}}


def test_duplicate_audio_is_reported_and_leakage_refused(tmp_path, capsys):
    """#6: the same audio twice in a split is reported (it counts twice); the same audio in train and test is an
    error for a custom task unless the spec allows it; `prepare` lists both."""
    import shutil

    from hf_bench.cli import main as cli
    from hf_bench.errors import HFBenchError
    from hf_bench.pipeline import RunConfig, evaluate_encoder
    from hf_bench.tasks import get_task

    spec = _tone_task(tmp_path, 24)
    shutil.copy(tmp_path / "train" / "0.wav", tmp_path / "train" / "dup.wav")  # within train
    rows = (tmp_path / "train" / "m.jsonl").read_text() + json.dumps({"audio": "dup.wav", "label": "low"}) + "\n"
    (tmp_path / "train" / "m.jsonl").write_text(rows)
    said = []
    cfg = RunConfig(encoder="mfb", output_dir=tmp_path / "out", cache_dir=tmp_path / "cache", progress=False,
                    bootstrap=0, probes=("knn",))
    evaluate_encoder(cfg, [get_task(str(spec))], log=said.append)
    assert any("1 clip(s) of split 'train' have the same audio" in m for m in said)
    shutil.copy(tmp_path / "train" / "1.wav", tmp_path / "test" / "5.wav")  # train -> test: leakage
    with pytest.raises(HFBenchError, match=r"1 clip\(s\) have byte-identical audio in two splits") as e:
        evaluate_encoder(cfg, [get_task(str(spec))], log=said.append)
    assert "allow_shared_audio" in e.value.fix
    spec.write_text(spec.read_text() + "allow_shared_audio: true\n")
    evaluate_encoder(cfg, [get_task(str(spec))], log=said.append)
    assert cli(["prepare", "--task", str(spec), "--data-dir", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "1 duplicate clip(s) within train" in out and "1 clip(s) with the same audio in two splits" in out


@pytest.mark.parametrize("terminal", [True, False])
def test_prepare_shows_bars_on_a_terminal_only(tmp_path, monkeypatch, capsys, terminal):
    """#14: prepare's per-clip / per-file bars go to a terminal; logs (stderr not a TTY) get one line per task."""
    import sys

    import hf_bench.data as data
    from hf_bench.cli import main as cli

    asked = []
    monkeypatch.setattr(data, "download_task_data", lambda task, **kw: asked.append(kw["progress"]) or f"{task.name}: ok")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: terminal)
    assert cli(["prepare", "--task", "kws", "--data-dir", str(tmp_path)]) == 0
    assert asked == [terminal] and "kws: ok" in capsys.readouterr().out


def test_check_encoder_exits_1_for_a_remote_code_model(tmp_path, capsys):
    """#10: check-encoder's exit code is the documented one (1: a check failed) for a model that needs remote
    code, and the message says why and how to allow it."""
    from hf_bench.cli import main as cli

    (tmp_path / "rc").mkdir()
    (tmp_path / "rc" / "config.json").write_text(json.dumps({
        "model_type": "custom_thing", "architectures": ["CustomModel"],
        "auto_map": {"AutoConfig": "configuration.CustomConfig", "AutoModel": "modeling.CustomModel"}}))
    assert cli(["check-encoder", f"hf:{tmp_path / 'rc'}"]) == 1
    out = capsys.readouterr().out
    assert "needs custom code" in out and "--trust-remote-code" in out
