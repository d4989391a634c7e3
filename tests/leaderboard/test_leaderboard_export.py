"""Hub eval-results YAML: built with huggingface_hub's helpers and round-tripped through its parser."""

from __future__ import annotations

import pytest
import yaml
from huggingface_hub import parse_eval_result_entries
from lb_helpers import make_result, write_run

from hf_bench.errors import HFBenchError
from hf_bench.leaderboard.catalog import load_sources
from hf_bench.leaderboard.export import entries_to_yaml, eval_result_entries, write_eval_results
from hf_bench.leaderboard.table import build_table, reference_table

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def table(results_dir):
    write_run(results_dir, [make_result(task="fsd50k", encoder="tiny-wavlm", score=0.3, metric="mAP",
                                        revision=SHA, ci=(0.28, 0.32))])
    return build_table([results_dir], progress=False)


def test_entries_per_benchmark_with_hub_naming(table):
    files = eval_result_entries(table, "tiny-wavlm")
    assert set(files) == {"hf_bench_xares.yaml", "hf_bench_embedded.yaml", "hf_bench_wenetspeech_wu.yaml"}
    xares = {(e.dataset_id, e.task_id): e for e in files["hf_bench_xares.yaml"]}
    assert len(xares) == 10  # 3 tasks x (mlp, knn, mlp under the X-ARES protocol) + fsd50k mlp
    e = xares[("hf-bench/xares-esc50", "esc50_mlp")]
    assert e.value == pytest.approx(0.60) and e.source_name == "hf_bench" and e.date == "2026-08-01T10:00:00Z"
    assert "mlp probe" in e.notes and "95% CI [0.58, 0.62]" in e.notes and "hf_bench 0.1.0" in e.notes
    assert xares[("hf-bench/xares-fsd50k", "fsd50k_mlp")].dataset_revision == SHA
    assert e.dataset_revision is None  # no Hub revision recorded for that dataset
    # the WS-Wu task shown on two boards is exported once
    wu = files["hf_bench_wenetspeech_wu.yaml"]
    assert [(x.dataset_id, x.task_id) for x in wu] == [("hf-bench/wenetspeech-wu-wu-bench-asr", "wu_bench_asr_asr_llm")]


def test_yaml_round_trips_through_the_hub_parser(table):
    for entries in eval_result_entries(table, "tiny-wavlm").values():
        text = entries_to_yaml(entries)
        assert "!!python" not in text
        assert parse_eval_result_entries(yaml.safe_load(text)) == entries


def test_zerospeech_and_published_rows_export_too(table):
    zs = eval_result_entries(table, "cpc-small")["hf_bench_zerospeech.yaml"]
    assert ("hf-bench/zerospeech-lexical-all", "lexical_all_dev") in {(e.dataset_id, e.task_id) for e in zs}
    ref = eval_result_entries(reference_table(), "W2V-Fr-7K-large")["hf_bench_lebenchmark.yaml"]
    e = {x.task_id: x for x in ref}["etape_asr_hybrid"]
    assert e.value == 25.64 and e.source_url == load_sources()["lebenchmark_leaderboard"]["url"]
    assert "as printed" in e.notes and len(ref) == 10


def test_write_eval_results_files(table, tmp_path):
    paths = write_eval_results(table, "tiny-wavlm", tmp_path)
    assert sorted(p.name for p in paths) == ["hf_bench_embedded.yaml", "hf_bench_wenetspeech_wu.yaml",
                                             "hf_bench_xares.yaml"]
    assert all(p.parent == tmp_path / ".eval_results" for p in paths)
    loaded = yaml.safe_load((tmp_path / ".eval_results" / "hf_bench_embedded.yaml").read_text())
    assert loaded[0]["dataset"] == {"id": "hf-bench/embedded-tones", "task_id": "tones_mlp"}


def test_unknown_model_suggests_close_names(table):
    with pytest.raises(HFBenchError, match="did you mean 'tiny-wavlm'"):
        eval_result_entries(table, "tiny-wavlmm")


def test_a_published_name_asked_for_as_hf_bench_points_to_the_reference_rows():
    with pytest.raises(HFBenchError, match="has no hf_bench rows.*reference rows") as err:
        eval_result_entries(reference_table(), "W2V-Fr-7K-large", source_kind="hf_bench")
    assert "--source reference" in err.value.fix


def test_a_partial_name_suggests_the_models_that_contain_it():
    with pytest.raises(HFBenchError, match="did you mean 'wav2vec2-large-100k-voxpopuli'"):
        eval_result_entries(reference_table(), "wav2vec2")
