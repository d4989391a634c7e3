"""The Python API: hf_bench.get_tasks filters the registry, hf_bench.evaluate runs the CLI's pipeline on a spec,
an X-ARES-style module or a transformers model in memory, and returns what it saved."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

import hf_bench
from hf_bench.results.schema import load_result, load_scorecard
from hf_bench.tasks.registry import all_tasks

ROOT = Path(__file__).resolve().parents[2]


def test_every_registered_task_states_its_languages():
    for task in all_tasks().values():
        assert task.languages, f"{task.name} lists no language"
        assert all(re.fullmatch(r"[a-z]{3}", c) for c in task.languages), task.name
        if task.domain != "speech" and task.type != "retrieval":
            assert task.languages == ("zxx",), task.name  # music and sound clips say nothing


def test_get_tasks_filters_by_suite_type_domain_language_and_benchmark():
    french = hf_bench.get_tasks(language="fra")
    assert {"fr_sentences", "commonvoice_fr", "mtedx_fr_en", "lid"} <= {t.name for t in french}
    assert all("fra" in t.languages for t in french)
    clip = hf_bench.get_tasks(suite="embedded", type="clip_classification", language="eng")
    assert [t.name for t in clip] == ["kws", "lid", "speaker", "gender"]
    assert {t.name for t in hf_bench.get_tasks(benchmark="xares", domain="music")} == {
        "freemusicarchive", "gtzan_genre", "maestro", "nsynthinstument"}
    assert hf_bench.get_tasks(names=["esc50", "kws"], language=["zxx"])[0].name == "esc50"
    with pytest.raises(hf_bench.HFBenchError, match="unknown type 'clip'"):
        hf_bench.get_tasks(type="clip")
    with pytest.raises(hf_bench.HFBenchError, match="ISO 639-3"):
        hf_bench.get_tasks(language="en")


def test_cli_tasks_filters(capsys):
    from hf_bench.cli import main

    assert main(["tasks", "--language", "wuu", "--type", "translation"]) == 0
    out = capsys.readouterr().out
    assert "wu_bench_ast" in out and "wuu,cmn" in out and "wu_bench_asr" not in out
    assert main(["tasks", "--domain", "music", "--language", "fra"]) == 1
    assert "no task matches" in capsys.readouterr().out


def test_evaluate_a_spec_returns_what_it_saved(tmp_path, tone_task):
    out = tmp_path / "out"
    results = hf_bench.evaluate("mfb", tasks=[str(tone_task)], output_dir=out, cache_dir=tmp_path / "cache",
                                bootstrap=50, progress=False, log=lambda m: None)
    assert set(results.scores) == {"tones"} and set(results.scores["tones"]) == {"mlp", "knn"}
    on_disk = load_result(out / "mfb" / "knn" / "tones.json")
    assert results["tones"]["knn"] == on_disk and results.scores["tones"]["knn"] == on_disk.scores.main_score
    assert results.scores["tones"]["knn"] > 0.6 and results["tones"]["mlp"].scores.ci is not None
    assert results.scorecard == load_scorecard(results.scorecard_path)
    assert set(results.weighted_average) == {"mlp", "knn"} and "tones" in results.table()
    # the same call again reuses the saved results, as the CLI does
    again = hf_bench.evaluate("mfb", tasks=[str(tone_task)], output_dir=out, cache_dir=tmp_path / "cache",
                              bootstrap=50, progress=False, log=lambda m: None)
    assert again.scores == results.scores and again.timings["clips_decoded"] == 0


class TinyEncoder(torch.nn.Module):
    """An X-ARES-style encoder defined in a script, never in a file hf_bench is pointed at."""

    def __init__(self):
        super().__init__()
        self.sampling_rate, self.output_dim, self.hop_size_in_ms = 16000, 8, 20
        torch.manual_seed(0)
        self.proj = torch.nn.Linear(320, 8)

    def forward(self, audio):
        frames = audio[:, : audio.shape[1] // 320 * 320].reshape(audio.shape[0], -1, 320)
        return torch.tanh(self.proj(frames * 10))


def test_evaluate_modules_and_transformers_models_in_memory(tmp_path, tone_task):
    import transformers

    common = dict(tasks=[str(tone_task)], output_dir=tmp_path / "out", cache_dir=tmp_path / "cache", bootstrap=0,
                  probes=["knn"], progress=False, log=lambda m: None)
    module = TinyEncoder().train()
    a = hf_bench.evaluate(module, **common)
    assert module.training  # a training script's module is handed back in the mode it was in
    assert a.encoder.name == "TinyEncoder" and a.encoder.id.startswith("python:")
    with torch.no_grad():
        module.proj.weight.add_(0.5)  # another checkpoint of the same class: another fingerprint
    b = hf_bench.evaluate(module, **common)
    assert b.encoder.fingerprint != a.encoder.fingerprint and b.timings["clips_encoded"] > 0

    torch.manual_seed(1)
    config = transformers.Wav2Vec2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                         intermediate_size=64, conv_dim=(16, 16), conv_stride=(5, 64),
                                         conv_kernel=(10, 64), num_conv_pos_embeddings=16,
                                         num_conv_pos_embedding_groups=2, feat_extract_norm="layer",
                                         do_stable_layer_norm=True)
    model = transformers.Wav2Vec2Model(config).train()  # never saved to disk
    c = hf_bench.evaluate(model, **common)
    assert model.training and c.encoder.num_layers == 3 and c.encoder.dim == 32
    assert c.encoder.fingerprint.startswith("hf-")
    saved = json.loads((tmp_path / "out" / c.encoder.name / "knn" / "tones.json").read_text())
    assert saved["encoder"]["fingerprint"] == c.encoder.fingerprint
    # the same weights saved and loaded from disk are the same features, under the file-based fingerprint
    model.save_pretrained(tmp_path / "w2v")
    d = hf_bench.evaluate(f"hf:{tmp_path / 'w2v'}", **common)
    assert d.scores == c.scores
    with pytest.raises(hf_bench.HFBenchError, match="cannot evaluate a dict"):
        hf_bench.evaluate({"not": "an encoder"}, **common)
    with pytest.raises(hf_bench.HFBenchError, match="unknown option"):
        hf_bench.evaluate("mfb", **common, batch_sise=3)


@pytest.mark.slow
def test_the_readme_python_api_example_runs(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text()
    block = text.split("<!-- api-example -->", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_BENCH_CACHE", str(tmp_path / "cache"))
    exec(compile(block, "README.md (Python API example)", "exec"), {})
    assert (tmp_path / "results" / "mfb" / "mlp" / "gender.json").is_file()


def test_predictions_name_the_classes_and_results_flag_cached_features(tmp_path, tone_task):
    common = dict(tasks=[str(tone_task)], output_dir=tmp_path / "out", cache_dir=tmp_path / "cache", bootstrap=0,
                  progress=False, log=lambda m: None)
    first = hf_bench.evaluate("mfb", **common)
    labels = first["tones"]["knn"].task.metadata["labels"]
    lines = [json.loads(x) for x in (tmp_path / "out" / "mfb" / "knn" / "tones.predictions.jsonl").read_text().splitlines()]
    assert all(r["target_label"] == labels[r["target"]] and r["prediction_label"] == labels[r["prediction"]]
               for r in lines)
    assert first["tones"]["knn"].features_cached is False and "features_cached" not in first["tones"]["knn"].timings
    again = hf_bench.evaluate("mfb", **common, rerun=True)
    assert again["tones"]["knn"].features_cached is True


def test_a_schema_2_result_loads_with_its_cache_flag_moved(tmp_path, tone_task):
    hf_bench.evaluate("mfb", tasks=[str(tone_task)], output_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                      bootstrap=0, probes=["knn"], progress=False, log=lambda m: None)
    path = tmp_path / "out" / "mfb" / "knn" / "tones.json"
    raw = json.loads(path.read_text())
    raw["schema_version"] = 2
    raw["timings"]["features_cached"] = 1.0
    del raw["features_cached"]
    path.write_text(json.dumps(raw))
    old = load_result(path)
    assert old.features_cached is True and "features_cached" not in old.timings


def test_run_without_a_selection_runs_the_embedded_suite():
    import argparse

    from hf_bench.commands import selected_tasks
    from hf_bench.tasks import get_suite

    said = []
    args = argparse.Namespace(suite=[], task=[], probe=None)
    tasks = selected_tasks(args, said.append)
    assert [t.name for t in tasks] == [t.name for t in get_suite("embedded")] and args.suite == ["embedded"]
    assert said == ["no --suite or --task: running the embedded suite"]
