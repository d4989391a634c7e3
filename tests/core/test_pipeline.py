"""The spine end to end: audio -> encoder -> cached features -> probes -> metric -> result -> scorecard."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from core_helpers import FREQS, SR, config, tone, write_tar

from hf_bench.cli import main as cli
from hf_bench.errors import HFBenchError
from hf_bench.pipeline import RunConfig, evaluate_encoder, summary_json
from hf_bench.results.schema import load_result, load_scorecard
from hf_bench.tasks import get_task


def test_end_to_end_results_scorecard_and_determinism(tmp_path, tone_task):
    task = get_task(str(tone_task))
    first = evaluate_encoder(config(tmp_path), [task], log=lambda m: None)
    card = first.scorecards["last"]
    assert set(card.scores["tones"]) == {"mlp", "knn"}
    assert card.scores["tones"]["knn"] > 0.6 and card.scores["tones"]["mlp"] > 0.4  # chance 1/3; 20 Adam steps only
    folder = tmp_path / "out" / "mfb"
    for probe in ("mlp", "knn"):
        result = load_result(folder / probe / "tones.json")
        assert result.task.name == "tones" and result.task.benchmark == "custom"
        assert result.encoder.id == "mfb" and result.encoder.fingerprint
        assert result.n_samples == {"train": 60, "valid": 24, "test": 30}
        assert result.scores.ci is not None and result.scores.ci.low <= result.scores.main_score <= result.scores.ci.high
        assert {"decode_s", "encode_s", "probe_s", "score_s"} <= set(result.timings)
        lines = (folder / probe / result.predictions_file).read_text().splitlines()
        assert len(lines) == 30 and {"id", "target", "prediction"} <= set(json.loads(lines[0]))
    mlp = load_result(folder / "mlp" / "tones.json")
    assert 1 <= mlp.probe.selected["test"]["epoch"] <= 10
    loaded = load_scorecard(folder / "scorecard.json")
    assert loaded.weighted_average == card.weighted_average
    assert (folder / "scorecard.png").read_bytes()[:4] == b"\x89PNG"
    assert (folder / "scorecard.pdf").read_bytes()[:5] == b"%PDF-" and b"<svg" in (folder / "scorecard.svg").read_bytes()
    assert "| tones |" in (folder / "scorecard.md").read_text()
    assert r"tones & sound & accuracy $\uparrow$ &" in (folder / "scorecard.tex").read_text()

    # retraining from scratch (features cached) gives identical numbers
    again = evaluate_encoder(config(tmp_path, rerun=True), [task], log=lambda m: None)
    assert summary_json(again) == summary_json(first)
    assert again.timings["clips_decoded"] == 0


def test_each_clip_decoded_and_encoded_once_then_cached(tmp_path, tone_task, monkeypatch):
    import hf_bench.audio as audio

    task = get_task(str(tone_task))
    seen: list[str] = []
    real = audio.decode
    monkeypatch.setattr(audio, "decode", lambda ref, **kw: seen.append(ref.id) or real(ref, **kw))
    outcome = evaluate_encoder(config(tmp_path), [task], log=lambda m: None)
    assert len(seen) == 114 and len(set(seen)) == 114
    assert outcome.timings["clips_encoded"] == 114
    seen.clear()
    warm = evaluate_encoder(config(tmp_path), [task], log=lambda m: None)
    assert seen == [] and all(warm.tasks[0].reused.values())


def test_changed_input_invalidates_cache_and_results(tmp_path, tone_task):
    task = get_task(str(tone_task))
    evaluate_encoder(config(tmp_path), [task], log=lambda m: None)
    tar = tone_task.parent / "data" / "test-000000.tar"
    items = [(f"test{i:03d}", tone(FREQS[(i + 1) % 3], 1000 + i), {"label": f"note{(i + 1) % 3}"}, "wav") for i in range(15)]
    write_tar(tar, items)  # same keys, new audio and labels
    changed = get_task(str(tone_task))
    out = evaluate_encoder(config(tmp_path), [changed], log=lambda m: None)
    assert out.timings["clips_decoded"] == 30  # only the test split is re-encoded
    assert not any(out.tasks[0].reused.values())


def test_interrupted_encoding_resumes_at_missing_shard(tmp_path, tone_task, monkeypatch):
    import hf_bench.features.extract as extract

    monkeypatch.setattr(extract, "SHARD_SIZE", 16)
    task = get_task(str(tone_task))
    calls = {"n": 0}
    real = extract._encode_shard

    def flaky(*args, **kw):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the user pressed Ctrl-C during the third shard
        return real(*args, **kw)

    monkeypatch.setattr(extract, "_encode_shard", flaky)
    with pytest.raises(KeyboardInterrupt):
        evaluate_encoder(config(tmp_path), [task], log=lambda m: None)
    monkeypatch.setattr(extract, "_encode_shard", real)
    out = evaluate_encoder(config(tmp_path), [task], log=lambda m: None)
    assert out.timings["clips_decoded"] == 114 - 32  # two train shards of 16 survived the interruption


def test_kfold_regression_and_multilabel_specs(tmp_path):
    data = tmp_path / "d"
    (data / "audio").mkdir(parents=True)
    rows_reg, rows_ml = [], []
    for i in range(90):
        f = 150 + 5 * (i % 30)
        path = data / "audio" / f"c{i:03d}.wav"
        sf.write(path, tone(f, i), SR)
        rows_reg.append({"audio": f"audio/c{i:03d}.wav", "pitch": float(f), "fold": f"f{i % 3}"})
        labels = [name for name, on in (("low", f < 220), ("high", f >= 220), ("even", i % 2 == 0)) if on]
        rows_ml.append({"audio": f"audio/c{i:03d}.wav", "tags": labels})
    for fold in ("f0", "f1", "f2"):
        (data / f"{fold}.jsonl").write_text("\n".join(json.dumps(r) for r in rows_reg if r["fold"] == fold))
    for split, sl in (("train", slice(0, 60)), ("valid", slice(60, 72)), ("test", slice(72, 90))):
        (data / f"ml_{split}.jsonl").write_text("\n".join(json.dumps(r) for r in rows_ml[sl]))
    reg = tmp_path / "reg.yaml"
    reg.write_text("name: pitch_reg\ntype: clip_regression\ndomain: music\n"
                   "data:\n  format: manifest\n  root: d\n  label_key: pitch\n"
                   "  folds: {f0: f0.jsonl, f1: f1.jsonl, f2: f2.jsonl}\n")
    ml = tmp_path / "ml.yaml"
    ml.write_text("name: tags\ntype: clip_multilabel\ndomain: sound\n"
                  "data:\n  format: manifest\n  root: d\n  label_key: tags\n"
                  "  train: ml_train.jsonl\n  valid: ml_valid.jsonl\n  test: ml_test.jsonl\n")
    out = evaluate_encoder(config(tmp_path), [get_task(str(reg)), get_task(str(ml))], log=lambda m: None)
    card = out.scorecards["last"]
    assert card.scores["pitch_reg"]["knn"] > 0.5  # CCC of a learnable pitch
    reg_result = load_result(tmp_path / "out" / "mfb" / "mlp" / "pitch_reg.json")
    assert set(reg_result.scores.per_fold) == {"f0", "f1", "f2"}
    assert set(reg_result.probe.selected) == {"f0", "f1", "f2"}
    assert 0.0 <= card.scores["tags"]["mlp"] <= 1.0
    # CCC lives in [-1, 1] but chance is 0: the average counts it as max(ccc, 0)
    assert card.normalized["pitch_reg"]["knn"] == pytest.approx(max(0.0, card.scores["pitch_reg"]["knn"]))
    # the k-fold score is the mean over folds, and its bootstrap interval brackets that mean
    ci = reg_result.scores.ci
    assert reg_result.scores.main_score == pytest.approx(np.mean(list(reg_result.scores.per_fold.values())))
    assert ci.low <= reg_result.scores.main_score <= ci.high


def test_cli_json_summary_and_layers(tmp_path, tone_task, capsys):
    code = cli(["run", "--encoder", "mfb", "--task", str(tone_task), "--output-dir", str(tmp_path / "o"),
                "--cache-dir", str(tmp_path / "c"), "--json", "--bootstrap", "0", "--scorecard-panels", "raw",
                "normalized"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary) == {"tones", "weighted_average"} and set(summary["tones"]) == {"mlp", "knn"}
    svg = (tmp_path / "o" / "mfb" / "scorecard.svg").read_text()
    assert 'id="panel-raw"' in svg and 'id="panel-normalized"' in svg
    assert summary["weighted_average"]["knn"] == summary["tones"]["knn"]
    code = cli(["run", "--encoder", "mfb", "--task", str(tone_task), "--output-dir", str(tmp_path / "o"),
                "--cache-dir", str(tmp_path / "c"), "--layer", "5", "--quiet"])
    assert code == 2
    assert "layer 5 does not exist" in capsys.readouterr().err


def test_unwritable_output_dir_is_a_clear_error(tmp_path, tone_task, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = cli(["run", "--encoder", "mfb", "--task", str(tone_task), "--output-dir", str(blocker / "sub"),
                "--cache-dir", str(tmp_path / "c"), "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert str(blocker / "sub") in err and "fix:" in err


def test_tasks_and_every_xares_task_runs(capsys):
    assert cli(["tasks", "--suite", "embedded"]) == 0
    out = capsys.readouterr().out
    assert "kws" in out and "polyphony" in out
    # every X-ARES task type has a probe now: LibriSpeech gets as far as asking for its data
    with pytest.raises(HFBenchError, match=r"1 of 1 selected task\(s\) have no data on this machine:\n    librispeech"):
        evaluate_encoder(RunConfig(encoder="mfb"), [get_task("librispeech")], log=lambda m: None)


def test_hf_encoder_weighted_and_all_layers(tmp_path, tone_task):
    from transformers import Wav2Vec2Config, Wav2Vec2Model

    cfg = Wav2Vec2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                         conv_dim=(32, 32), conv_stride=(5, 4), conv_kernel=(10, 8), num_feat_extract_layers=2,
                         feat_extract_norm="layer", do_stable_layer_norm=True, num_conv_pos_embeddings=16,
                         num_conv_pos_embedding_groups=2)
    Wav2Vec2Model(cfg).save_pretrained(tmp_path / "tiny")
    task = get_task(str(tone_task))
    out = evaluate_encoder(config(tmp_path, encoder=f"hf:{tmp_path / 'tiny'}", layer="weighted"), [task],
                           log=lambda m: None)
    folder = next(p for p in (tmp_path / "out").iterdir() if p.name.endswith("@weighted"))
    weights = load_result(folder / "mlp" / "tones.json").probe.selected["test"]["layer_weights"]
    assert len(weights) == 3 and abs(sum(weights) - 1) < 1e-4
    encoded = out.timings["clips_encoded"]
    every = evaluate_encoder(config(tmp_path, encoder=f"hf:{tmp_path / 'tiny'}", layer="all"), [task],
                             log=lambda m: None)
    assert set(every.scorecards) == {"0", "1", "last"} and encoded == 114
    assert every.timings["clips_encoded"] == 0  # every layer came from the same cached features
    for same in ("-1", "2"):  # the last layer by index is the "last" result, reused, not a second one
        again = evaluate_encoder(config(tmp_path, encoder=f"hf:{tmp_path / 'tiny'}", layer=same), [task],
                                 log=lambda m: None)
        assert set(again.scorecards) == {"last"} and all(o.reused[("last", "mlp")] for o in again.tasks)
    assert not any(p.name.endswith("@layer2") for p in (tmp_path / "out").iterdir())


def test_user_module_encoder(tmp_path, tone_task):
    enc = tmp_path / "my_encoder.py"
    enc.write_text(
        "import torch\n"
        "class FrameEnergyEncoder(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.sampling_rate = 16000\n        self.output_dim = 8\n        self.hop_size_in_ms = 20\n"
        "        self.proj = torch.nn.Linear(320, 8)\n"
        "        torch.manual_seed(0)\n        torch.nn.init.normal_(self.proj.weight)\n"
        "    def forward(self, audio):\n"
        "        if audio.dim() == 1:\n            audio = audio.unsqueeze(0)\n"
        "        n = audio.shape[1] // 320\n"
        "        frames = audio[:, : n * 320].reshape(audio.shape[0], n, 320)\n"
        "        return torch.log1p(self.proj(frames).abs())\n")
    out = evaluate_encoder(config(tmp_path, encoder=f"{enc}:FrameEnergyEncoder"), [get_task(str(tone_task))],
                           log=lambda m: None)
    assert out.scorecards["last"].scores["tones"]["knn"] > 0.4


def test_weighted_average_normalisation():
    from hf_bench.pipeline import score_range, weighted_averages

    assert score_range("ccc") == (0.0, 1.0) and score_range("accuracy") == (0.0, 1.0)
    assert score_range("cer") == (100.0, 0.0)
    tasks = {t.name: t for t in (get_task("speech_rate"), get_task("kws"))}
    normalized, avg = weighted_averages({"speech_rate": {"mlp": -0.2}, "kws": {"mlp": 0.5}}, tasks)
    assert normalized["speech_rate"]["mlp"] == 0.0  # worse than chance counts as chance
    w1, w2 = tasks["speech_rate"].eval_weight, tasks["kws"].eval_weight
    assert avg["mlp"] == pytest.approx(0.5 * w2 / (w1 + w2))


def test_valid_equal_to_test_never_selects_on_test(tmp_path, tone_task, monkeypatch):
    from hf_bench.probes.mlp import FoldLinearHeads

    spec = tone_task.read_text().replace("valid: data/valid-*.tar", "valid: data/test-*.tar")
    same = tmp_path / "same.yaml"
    same.write_text(spec)
    seen = {}
    real_fit, real_predict = FoldLinearHeads.fit, FoldLinearHeads.predict

    def fit(self, train, valid, **kw):
        (seen["train"], seen["valid"]), = [(len(t[0]), len(v[0])) for t, v in zip(train, valid)]
        return real_fit(self, train, valid, **kw)

    def predict(self, tests):
        seen["test"], = [len(t) for t in tests]
        return real_predict(self, tests)

    monkeypatch.setattr(FoldLinearHeads, "fit", fit)
    monkeypatch.setattr(FoldLinearHeads, "predict", predict)
    evaluate_encoder(config(tmp_path, probes=("mlp",)), [get_task(str(same))], log=lambda m: None)
    assert seen == {"train": 54, "valid": 6, "test": 30}  # validation = a seeded 10 % of train, not the test set


def test_damaged_cache_entry_is_recomputed(tmp_path, tone_task):
    task = get_task(str(tone_task))
    evaluate_encoder(config(tmp_path), [task], log=lambda m: None)
    shard = next((tmp_path / "cache" / "features").rglob("shard-00000.values.npy"))
    shard.write_bytes(shard.read_bytes()[:100])  # truncated, e.g. by a full disk
    out = evaluate_encoder(config(tmp_path, rerun=True), [task], log=lambda m: None)
    assert out.timings["clips_decoded"] > 0
    assert out.scorecards["last"].scores["tones"]["knn"] > 0.6


def test_cli_argument_errors(tmp_path, tone_task, capsys):
    base = ["run", "--encoder", "mfb", "--task", str(tone_task), "--output-dir", str(tmp_path / "o"),
            "--cache-dir", str(tmp_path / "c"), "--quiet"]
    assert cli(base + ["--device", "banana"]) == 2
    assert "--device" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli(base + ["--bootstrap", "3"])
    with pytest.raises(SystemExit):
        cli(base + ["--seed", "-1"])
    assert "at least 10" in capsys.readouterr().err


def test_xares_suite_runs_every_task(monkeypatch, capsys):
    import hf_bench.pipeline as pipeline

    captured = {}
    monkeypatch.setattr(pipeline, "evaluate_encoder", lambda config, tasks, log: captured.setdefault("t", tasks) and 1 / 0)
    with pytest.raises(ZeroDivisionError):
        cli(["run", "--encoder", "mfb", "--suite", "xares", "--quiet"])
    names = {t.name for t in captured["t"]}
    assert len(names) == 22 and {"esc50", "desed", "maestro", "librispeech", "clotho"} <= names
    assert "skipping" not in capsys.readouterr().err
