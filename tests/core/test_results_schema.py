"""The results schema: strict, versioned, with errors that name every bad field."""

from __future__ import annotations

import json

import pytest
from core_helpers import config

from hf_bench.errors import HFBenchError
from hf_bench.pipeline import evaluate_encoder
from hf_bench.results.schema import SCHEMA_VERSION, TaskResult, load_result, validate_payload
from hf_bench.tasks import get_task


@pytest.fixture
def result_file(tmp_path, tone_task):
    evaluate_encoder(config(tmp_path, probes=("knn",)), [get_task(str(tone_task))], log=lambda m: None)
    return tmp_path / "out" / "mfb" / "knn" / "tones.json"


def test_round_trip_and_self_description(result_file):
    raw = json.loads(result_file.read_text())
    assert raw["kind"] == "hf_bench.task_result" and raw["schema_version"] == SCHEMA_VERSION
    result = load_result(result_file)
    assert TaskResult.model_validate(result.model_dump(mode="json")) == result
    # everything needed to interpret the number is inside the file
    assert result.task.version == 1 and result.dataset.fingerprint and result.encoder.fingerprint
    assert result.probe.config["k"] == 10 and result.config["result_key"]
    assert {"torch", "transformers", "numpy"} <= set(result.libraries)


def test_errors_name_fields(result_file):
    raw = json.loads(result_file.read_text())
    bad = {**raw, "scores": {**raw["scores"], "main_score": "high"}, "surprise": 1}
    with pytest.raises(HFBenchError) as e:
        validate_payload(bad, TaskResult, where="upload.json")
    text = str(e.value)
    assert "upload.json" in text and "scores.main_score" in text and "surprise" in text
    with pytest.raises(HFBenchError, match="newer than this hf_bench"):
        validate_payload({**raw, "schema_version": SCHEMA_VERSION + 1}, TaskResult)
    result_file.write_text("{not json")
    with pytest.raises(HFBenchError, match="not valid JSON"):
        load_result(result_file)
