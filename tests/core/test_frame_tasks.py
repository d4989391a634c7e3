"""X-ARES DESED and MAESTRO from local tars laid out as the Zenodo records are, through the frame-level MLP;
frame-level bad input (labels, budget, hop drift, damaged shards)."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest
import soundfile as sf
from core_helpers import config
from frame_helpers import desed_tars, maestro_tars

from hf_bench.errors import DataError, EncoderError, HFBenchError
from hf_bench.metrics import segment_f1
from hf_bench.pipeline import evaluate_encoder
from hf_bench.results.schema import load_result
from hf_bench.tasks import get_task


def all_on_baseline(task, lines) -> float:
    """Segment F1 of the trivial system that reports every class active over the whole clip."""
    preds, refs = [], []
    for line in lines:
        item = json.loads(line)
        end = max([e["offset"] for e in item["target"]] + [e["offset"] for e in item["prediction"]] + [0.1])
        preds.append([{"onset": 0.0, "offset": end, "event_label": c} for c in task.labels])
        refs.append(item["target"])
    return segment_f1(preds, refs, labels=list(task.labels), **task.metric_args)["f1"]


def test_desed_and_maestro_run_from_xares_layout_tars(tmp_path):
    data = tmp_path / "data"
    desed_tars(data, n_train=400, duration=2.0)  # X-ARES's 10 epochs at lr 1e-3 need a few hundred steps
    maestro_tars(data)
    tasks = [get_task("desed"), get_task("maestro")]
    out = evaluate_encoder(config(tmp_path, data_dir=data), tasks, log=lambda m: None)
    scores = out.scorecards["last"].scores
    folder = tmp_path / "out" / "mfb" / "mlp"
    for task in tasks:
        result = load_result(folder / f"{task.name}.json")
        assert result.task.version == 2 and result.task.type == "frame_multilabel"
        assert result.probe.config["model"] == "per-frame LayerNorm+Linear"
        assert result.probe.config["implementation"] == "frame_mlp"
        assert result.scores.values.keys() == {"f1", "precision", "recall"}
        lines = (folder / result.predictions_file).read_text().splitlines()
        assert len(lines) == result.n_samples[task.splits[2]]
        first = json.loads(lines[0])
        assert first["target"] and {"onset", "offset", "event_label"} <= set(first["target"][0])
        baseline = all_on_baseline(task, lines)
        assert scores[task.name]["mlp"] > baseline + 0.03, (task.name, scores[task.name]["mlp"], baseline)
        assert result.scores.ci is not None
    desed = load_result(folder / "desed.json")
    assert desed.task.metadata["metric_args"] == {"average": "macro", "time_resolution": 1.0}
    assert desed.probe.selected["test"]["epoch"] >= 1 and len(desed.probe.selected["test"]["history"]) == 10
    maestro = load_result(folder / "maestro.json")
    assert maestro.task.metadata["metric_args"] == {"average": "micro", "time_resolution": 0.1}
    assert "pos_weight=10" in maestro.probe.config["loss"]
    assert maestro.probe.config["batch_size"] == 1 and maestro.probe.config["epochs"] == 50
    assert maestro.probe.selected["test"]["batches_per_epoch"] == 24  # batch 1: one step per clip
    # frames are stored once, ragged, as raw values + index; a rerun decodes nothing and reuses the results
    assert list((tmp_path / "cache" / "features").rglob("frames-*/shard-00000.values.bin"))
    again = evaluate_encoder(config(tmp_path, data_dir=data), tasks, log=lambda m: None)
    assert again.timings["clips_decoded"] == 0 and all(o.reused[("last", "mlp")] for o in again.tasks)
    assert run_suite_names() >= {"desed", "maestro"}


def run_suite_names() -> set[str]:
    from hf_bench.probes.registry import probes_for
    from hf_bench.tasks import get_suite

    return {t.name for t in get_suite("xares") if probes_for(t)}


def _bad_desed(tmp_path, events_of):
    data = tmp_path / "data"
    desed_tars(data, n_train=6, n_eval=4, events_of=events_of)
    return evaluate_encoder(config(tmp_path, data_dir=data), [get_task("desed")], log=lambda m: None)


def test_event_ending_before_it_starts_names_the_item(tmp_path):
    def swap_first(events):
        on, off, c = events[0]
        return [{"onset": off, "offset": on, "label": c}]

    with pytest.raises(DataError, match=r"(?s)wds-audio-train-000000.tar:Ytrain000.*event ends before it starts"):
        _bad_desed(tmp_path, swap_first)
    assert not list((tmp_path / "cache").rglob("shard-*.done"))  # refused before any audio was encoded


def test_event_past_the_end_of_the_audio_is_an_error(tmp_path):
    def too_long(events):
        return [{"onset": 0.5, "offset": 9.0, "label": "Cat"}]  # the clips last 3 s

    with pytest.raises(DataError, match=r"labels run to 9.000 s but the audio lasts 3.000 s"):
        _bad_desed(tmp_path, too_long)


def test_note_outside_the_class_set(tmp_path):
    data = tmp_path / "data"
    folder = maestro_tars(data, sizes=(("train", 2), ("valid", 2), ("test", 2)))
    from frame_helpers import midi_hz, render, write_tar

    write_tar(folder / "maestro_test_000000.tar", [("x", render([(0.0, 0.5, 60)], 1.0, midi_hz, 0),
                                                    [{"start": 0.0, "end": 0.5, "note": 108}])])
    with pytest.raises(DataError, match="event class 108 is outside the class set"):
        evaluate_encoder(config(tmp_path, data_dir=data), [get_task("maestro")], log=lambda m: None)


def test_frame_view_over_the_budget_is_refused_with_the_options(tmp_path):
    data = tmp_path / "data"
    desed_tars(data, n_train=6, n_eval=4)
    with pytest.raises(HFBenchError) as e:
        evaluate_encoder(config(tmp_path, data_dir=data, max_cache_gb=1e-5), [get_task("desed")], log=lambda m: None)
    text = str(e.value)
    assert "would take about" in text and "--max-cache-gb" in text and "--frame-dtype float16" in text
    assert "0.0 h of audio" in text or "h of audio" in text
    assert not list((tmp_path / "cache").rglob("shard-*.done"))


DRIFT = textwrap.dedent("""
    import torch
    class DriftEncoder(torch.nn.Module):
        sampling_rate, output_dim, hop_size_in_ms = 16000, 4, 10   # declares 10 ms ...
        def forward(self, audio):
            n = audio.shape[1] // 168                              # ... but emits a frame every 10.5 ms
            return audio[:, : n * 168].reshape(audio.shape[0], n, 168)[..., :4]
""")


def test_encoder_whose_frames_drift_from_its_hop_is_stopped(tmp_path):
    (tmp_path / "drift.py").write_text(DRIFT)
    data = tmp_path / "data"
    desed_tars(data, n_train=4, n_eval=2, duration=30.0)  # 30 s clips: 2857 frames instead of 3000
    with pytest.raises(EncoderError, match=r"gave \d+ frames, but the declared hop 10 ms implies \d+"):
        evaluate_encoder(config(tmp_path, data_dir=data, encoder=f"{tmp_path / 'drift.py'}:DriftEncoder"),
                         [get_task("desed")], log=lambda m: None)


def test_truncated_frame_shard_is_recomputed_with_a_warning(tmp_path, caplog):
    data = tmp_path / "data"
    desed_tars(data, n_train=12, n_eval=4)
    first = evaluate_encoder(config(tmp_path, data_dir=data), [get_task("desed")], log=lambda m: None)
    shard = next((tmp_path / "cache" / "features").rglob("frames-*/shard-00000.values.bin"))
    shard.write_bytes(shard.read_bytes()[:1000])
    with caplog.at_level("WARNING", logger="hf_bench"):
        again = evaluate_encoder(config(tmp_path, data_dir=data, rerun=True), [get_task("desed")], log=lambda m: None)
    assert "does not match its done marker" in caplog.text and str(shard.parent) in caplog.text
    assert again.timings["clips_decoded"] > 0
    assert again.scorecards["last"].scores == first.scorecards["last"].scores
    assert np.isfinite(again.scorecards["last"].scores["desed"]["mlp"])


def _byo_frame_data(tmp_path, kind):
    """A JSONL manifest task of tone clips: events (frame_multilabel) or a loudness curve (frame_regression)."""
    from frame_helpers import render

    data = tmp_path / "byo"
    (data / "audio").mkdir(parents=True)
    rng = np.random.default_rng(3)
    freqs = {"low": 300.0, "high": 1200.0}
    for split, n in (("train", 60), ("valid", 10), ("test", 20)):
        rows = []
        for i in range(n):
            events = []
            for c in freqs:
                on = round(float(rng.uniform(0, 1.2)), 2)
                events.append((on, round(on + float(rng.uniform(0.3, 0.7)), 2), c))
            wave = render(events, 2.0, freqs.get, i + 100 * len(split))
            path = data / "audio" / f"{split}{i}.wav"
            sf.write(path, wave, 16000)
            if kind == "frame_multilabel":
                label = [{"start": a, "stop": b, "cls": c} for a, b, c in events]
            else:
                env = np.zeros(21)
                for a, b, _ in events:
                    env[int(a * 10):int(b * 10) + 1] += 1.0
                label = {"hop_s": 0.1, "values": env.tolist()}
            rows.append(json.dumps({"audio": f"audio/{split}{i}.wav", "target": label}))
        (data / f"{split}.jsonl").write_text("\n".join(rows) + "\n")
    spec = tmp_path / f"{kind}.yaml"
    extra = ("events: {onset: start, offset: stop, label: cls}\nmetric_args: {time_resolution: 0.5}\n"
             if kind == "frame_multilabel" else "")
    spec.write_text(f"name: byo_{kind}\ntype: {kind}\ndomain: sound\n{extra}"
                    "probe: {epochs: 20, learning_rate: 0.01}\n"
                    "data:\n  format: manifest\n  root: byo\n  label_key: target\n"
                    "  train: train.jsonl\n  valid: valid.jsonl\n  test: test.jsonl\n")
    return spec


@pytest.mark.parametrize("kind", ["frame_multilabel", "frame_regression"])
def test_bring_your_own_frame_task(tmp_path, kind):
    spec = _byo_frame_data(tmp_path, kind)
    task = get_task(str(spec))
    assert task.type == kind and not task.do_knn
    if kind == "frame_multilabel":
        assert task.labels == ("high", "low") and task.event_fields.onset == "start"
        assert task.metric_args == {"average": "macro", "time_resolution": 0.5}
    else:
        assert task.metric == "ccc" and task.labels is None
    out = evaluate_encoder(config(tmp_path), [task], log=lambda m: None)
    score = out.scorecards["last"].scores[task.name]["mlp"]
    assert score > 0.6, score  # two tones at fixed pitches: easy for a per-frame probe on log-mel frames


def test_frame_spec_errors(tmp_path):
    from hf_bench.errors import TaskSpecError

    spec = _byo_frame_data(tmp_path, "frame_multilabel")
    text = spec.read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("type: frame_multilabel", "type: clip_classification"))
    with pytest.raises(TaskSpecError, match="`events` only applies to type frame_multilabel"):
        get_task(str(bad))
    bad.write_text(text.replace("metric_args: {time_resolution: 0.5}", "metric_args: {average: median}"))
    with pytest.raises(TaskSpecError, match="metric_args.average 'median' is not supported"):
        get_task(str(bad))
    bad.write_text(text.replace("label: cls}", "label: klass}"))
    with pytest.raises(TaskSpecError, match=r"(?s)0 class\(es\).*the keys of one event"):
        get_task(str(bad))
    bad.write_text(text.replace("label: cls}", "label: klass}").replace("probe:", "labels: [high, low]\nprobe:"))
    with pytest.raises(DataError, match="not an event"):
        get_task(str(bad))
