"""Dataset layouts (with and without index.json), gold-file checks, and ``init``."""

from __future__ import annotations

import json

import pytest
import yaml
import zs_data

from hf_bench.errors import DataError, HFBenchError
from hf_bench.zerospeech.dataset import ZeroSpeechDataset
from hf_bench.zerospeech.submission import init_submission, load_params


def test_layout_without_index_uses_gold_filenames(tmp_path):
    ds = ZeroSpeechDataset("sLM21", zs_data.build_slm21_dataset(tmp_path / "ds"))
    assert ds.index is None
    assert sorted(ds.expected_ids("semantic", "dev", "librispeech")) == ["dL1", "dL2", "dL3", "dL4", "dL5"]
    assert ds.wav_files("semantic", "test", "synthetic")[0].parent == tmp_path / "ds/semantic/test/synthetic"
    assert ds.gold("lexical", "dev")["frequency"].dtype == "Int64"


def test_layout_with_index_json(tmp_path):
    root = zs_data.build_slm21_dataset(tmp_path / "ds", index=True)
    index = json.loads((root / "index.json").read_text())
    # gold moved elsewhere: only index.json knows
    (root / "lexical/dev/gold.csv").rename(root / "lexical/dev/gold_v2.csv")
    index["subsets"]["lexical_dev"]["items"]["gold"]["file"] = "lexical/dev/gold_v2.csv"
    (root / "index.json").write_text(json.dumps(index))
    ds = ZeroSpeechDataset("sLM21", root)
    assert ds.gold_file("lexical", "dev").name == "gold_v2.csv"
    assert len(ds.expected_ids("lexical", "dev")) == 24


def _set_cell(path, column, value):
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[0, column] = value
    df.to_csv(path, index=False)


@pytest.mark.parametrize("mutate, match", [
    (lambda p: p.write_text(p.read_text().replace("frequency", "freq")), "missing column.*frequency"),
    (lambda p: p.write_text(p.read_text() + p.read_text().splitlines()[1] + "\n"), "duplicated filename"),
    (lambda p: p.write_text(p.read_text().replace(",1\n", ",yes\n", 1)), "'correct' must be 1"),
    (lambda p: _set_cell(p, "frequency", "1.5"), "frequency must be a whole number; bad values on line 2"),
    (lambda p: p.unlink(), "gold file not found"),
])
def test_gold_file_problems_name_the_file(tmp_path, mutate, match):
    root = zs_data.build_slm21_dataset(tmp_path / "ds")
    mutate(root / "lexical/dev/gold.csv")
    with pytest.raises(DataError, match=match) as e:
        ZeroSpeechDataset("sLM21", root).gold("lexical", "dev")
    assert "lexical/dev/gold.csv" in str(e.value)


def test_gold_columns_are_read_by_name(tmp_path):
    import pandas as pd

    from hf_bench.zerospeech.run import run_benchmark

    root = zs_data.build_slm21_dataset(tmp_path / "ds")
    for rel in ("lexical/dev/gold.csv", "syntactic/dev/gold.csv", "semantic/dev/gold.csv"):
        df = pd.read_csv(root / rel, dtype=str, keep_default_na=False)
        df[list(reversed(df.columns))].to_csv(root / rel, index=False)  # the original crashes or mis-scores
    sub = zs_data.build_slm21_submission(tmp_path / "sub")
    assert run_benchmark("sLM21", sub, root, sets=["dev"], progress=False).ok
    assert (sub / "scores/score_lexical_dev_by_length.csv").read_text() == zs_data.LEX_EXPECTED["dev"]["by_length"]
    assert (sub / "scores/score_syntactic_dev_by_type.csv").read_text() == zs_data.SYN_EXPECTED["dev"]["by_type"]
    assert (sub / "scores/score_semantic_dev_correlation.csv").read_text() == \
        zs_data.SEM_EXPECTED["dev"]["correlation"]


def test_not_a_dataset(tmp_path):
    with pytest.raises(DataError, match="dataset directory not found"):
        ZeroSpeechDataset("sLM21", tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="does not look like the sLM21 dataset"):
        ZeroSpeechDataset("sLM21", tmp_path / "empty")
    (tmp_path / "empty/index.json").write_text("{not json")
    with pytest.raises(DataError, match="cannot read index.json"):
        ZeroSpeechDataset("sLM21", tmp_path / "empty")
    (tmp_path / "empty/index.json").write_text('{"subsets": {}}')
    with pytest.raises(DataError, match="subsets.lexical_dev.items.gold"):
        ZeroSpeechDataset("sLM21", tmp_path / "empty").gold("lexical", "dev")
    with pytest.raises(HFBenchError, match="unknown benchmark"):
        ZeroSpeechDataset("sLM22", tmp_path)


def test_init_slm21_layout_and_defaults(tmp_path):
    root = tmp_path / "sub"
    init_submission("slm21", root)  # case-insensitive like the original's names
    for d in ("lexical", "syntactic", "scores", "semantic/dev/synthetic", "semantic/dev/librispeech",
              "semantic/test/synthetic", "semantic/test/librispeech"):
        assert (root / d).is_dir(), d
    assert (root / "params.yaml").read_text() == (
        "quiet: false\nsemantic: {librispeech: true, metric: euclidean, n_jobs: 1, pooling: mean, synthetic: true}\n")
    meta = yaml.safe_load((root / "meta.yaml").read_text())
    assert meta["benchmark_name"] == "sLM21" and meta["open_source"] is True
    assert meta["model_info"]["system_description"].startswith("<")
    params = load_params("sLM21", root)
    assert params.semantic.metric == "euclidean" and params.lexical.by_frequency


def test_init_prosaudit_layout(tmp_path):
    root = tmp_path / "sub"
    init_submission("prosAudit", root)
    assert (root / "english_dev.txt").read_text() == "" and (root / "english_test.txt").is_file()
    assert yaml.safe_load((root / "params.yaml").read_text()) == {
        "quiet": False, "results_filename": "score_prosodic_{0}_{1}_{2}.csv"}
    assert not (root / "semantic").exists()


def test_init_never_overwrites(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub/lexical").mkdir()
    with pytest.raises(HFBenchError, match="not an empty directory"):
        init_submission("sLM21", tmp_path / "sub")
    (tmp_path / "empty").mkdir()
    init_submission("sLM21", tmp_path / "empty")  # an empty directory is fine
