"""Every number of every output file against hand-computed expectations (zs_data.py has the arithmetic)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import zs_data

from hf_bench.zerospeech.run import run_benchmark
from hf_bench.zerospeech.scoring import (
    cdist,
    pair_score,
    pairing_is_positional,
    pool,
    score_lexical,
    score_syntactic,
    semantic_correlations,
)


def _read(path):
    return path.read_text()


def test_slm21_every_output_file(slm21):
    ds, sub = slm21
    result = run_benchmark("sLM21", sub, ds, progress=False)
    assert result.ok and result.notes == []
    out = sub / "scores"
    for s in ("dev", "test"):
        for table in ("by_pair", "by_frequency", "by_length"):
            assert _read(out / f"score_lexical_{s}_{table}.csv") == zs_data.LEX_EXPECTED[s][table], (s, table)
        for table in ("by_pair", "by_type"):
            assert _read(out / f"score_syntactic_{s}_{table}.csv") == zs_data.SYN_EXPECTED[s][table], (s, table)
        assert _read(out / f"score_semantic_{s}_correlation.csv") == zs_data.SEM_EXPECTED[s]["correlation"]
        pairs = pd.read_csv(out / f"score_semantic_{s}_pairs.csv")
        assert list(pairs.columns) == ["type", "dataset", "word_1", "word_2", "similarity", "relatedness", "score"]
        np.testing.assert_allclose(pairs["score"], [round(d, 4) for d in zs_data.sem_distances(s)], atol=1e-12)
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2 * (3 + 2 + 2) + 1 and "scores.json" in names

    doc = json.loads(_read(out / "scores.json"))
    assert doc["kind"] == "hf_bench.zerospeech_scores" and doc["schema_version"] == 1
    assert doc["benchmark"] == "sLM21"
    assert doc["submission"] == {"model_id": "tiny-model", "username": "jdoe", "system_description": "a tiny test system",
                                 "train_set": "nothing", "submission_dir": str(sub.resolve())}
    assert doc["params"] == {"quiet": False, "semantic": {"librispeech": True, "metric": "euclidean", "n_jobs": 1,
                                                          "pooling": "mean", "synthetic": True}}
    sc = doc["scores"]
    assert list(sc) == ["lexical_all", "lexical_invocab", "syntactic", "semantic_synthetic_normal",
                        "semantic_synthetic_weighted", "semantic_librispeech_normal", "semantic_librispeech_weighted"]
    for s in ("dev", "test"):
        # every by-pair value here has at most 4 decimals, so the read-back (rounded) means are exact
        assert sc["lexical_all"][s] == pytest.approx(zs_data.LEX_EXPECTED[s]["all"], abs=1e-12)
        assert sc["lexical_invocab"][s] == pytest.approx(zs_data.LEX_EXPECTED[s]["invocab"], abs=1e-12)
        assert sc["syntactic"][s] == pytest.approx(zs_data.SYN_EXPECTED[s]["score"], abs=1e-12)
        for kind in ("synthetic", "librispeech"):
            for agg in ("normal", "weighted"):
                assert sc[f"semantic_{kind}_{agg}"][s] == pytest.approx(
                    zs_data.SEM_EXPECTED[s][f"{kind}_{agg}"], abs=1e-9), (kind, agg, s)
    # unequal dataset sizes: weighted differs from normal
    assert sc["semantic_synthetic_weighted"]["dev"] != sc["semantic_synthetic_normal"]["dev"]
    assert sc["semantic_librispeech_weighted"]["dev"] != sc["semantic_librispeech_normal"]["dev"]


def test_prosaudit_every_output_file(prosaudit):
    ds, sub = prosaudit
    result = run_benchmark("prosAudit", sub, ds, progress=False)
    assert result.ok
    out = sub / "scores"
    for s in ("dev", "test"):
        assert _read(out / f"score_prosodic_english_{s}_by_pair.csv") == zs_data.PROS_EXPECTED[s]["by_pair"]
        assert _read(out / f"score_prosodic_english_{s}_by_type.csv") == zs_data.PROS_EXPECTED[s]["by_type"]
    doc = json.loads(_read(out / "scores.json"))
    assert doc["benchmark"] == "prosAudit"
    assert doc["params"] == {"quiet": False, "results_filename": "score_prosodic_{0}_{1}_{2}.csv"}
    assert doc["scores"] == {
        "prosaudit_lexical": {"dev": 0.625, "test": 1.0},
        "prosaudit_protosyntax": {"dev": 0.6667, "test": 0.5},  # the 4-decimal value of the by_type CSV
    }


def test_line_and_row_order_do_not_matter(tmp_path):
    outputs = []
    for seed in (3, 4):
        ds = zs_data.build_slm21_dataset(tmp_path / f"ds{seed}", seed=seed, shuffle=True)
        sub = zs_data.build_slm21_submission(tmp_path / f"sub{seed}", seed=seed + 10)
        run_benchmark("sLM21", sub, ds, progress=False)
        outputs.append({p.name: p.read_text() for p in (sub / "scores").glob("*.csv")})
    assert outputs[0] == outputs[1]


def test_index_json_layout_gives_the_same_results(tmp_path):
    ds = zs_data.build_slm21_dataset(tmp_path / "ds", index=True)
    sub = zs_data.build_slm21_submission(tmp_path / "sub")
    assert run_benchmark("sLM21", sub, ds, progress=False).ok
    assert _read(sub / "scores/score_lexical_dev_by_pair.csv") == zs_data.LEX_EXPECTED["dev"]["by_pair"]
    ds = zs_data.build_prosaudit_dataset(tmp_path / "pds", index=True)
    sub = zs_data.build_prosaudit_submission(tmp_path / "psub")
    assert run_benchmark("prosAudit", sub, ds, progress=False).ok
    assert _read(sub / "scores/score_prosodic_english_dev_by_type.csv") == zs_data.PROS_EXPECTED["dev"]["by_type"]


def test_pair_score_wins_ties_losses_and_nan():
    got = pair_score([2.0, 1.0, 1.0, np.nan, 1.0, -np.inf], [1.0, 1.0, 2.0, 1.0, np.nan, -np.inf])
    assert got.tolist() == [1.0, 0.5, 0.0, 0.0, 0.0, 0.5]


def test_frequency_band_edges():
    # one id per frequency at each band edge; the labels follow the original's half-open bins
    freqs = [0, 1, 4, 5, 19, 20, 99, 100, 10_000]
    rows = []
    for k, f in enumerate(freqs):
        rows += [[f"w{k}", k, "A", f, "w", "p", 3, 1], [f"n{k}", k, "A", f, "n", "p", 3, 0]]
    gold = pd.DataFrame(rows, columns=["filename", "id", "voice", "frequency", "word", "phones", "length", "correct"])
    gold["frequency"] = gold["frequency"].astype("Int64")
    scores = {f"w{k}": 1.0 for k in range(len(freqs))} | {f"n{k}": 0.0 for k in range(len(freqs))}
    ts = score_lexical(gold, scores)
    table = ts.tables["by_frequency"]
    assert table["frequency"].astype(str).tolist() == ["oov", "1-5", "6-20", "21-100", ">100"]
    assert table["n"].tolist() == [1, 2, 2, 2, 2]  # 0 | 1,4 | 5,19 | 20,99 | 100,10000


def test_lexical_pairs_on_id_and_voice_and_skips_unpaired():
    gold = pd.DataFrame([
        ["a", 1, "A", 2, "w", "p", 3, 1], ["b", 1, "A", 2, "n", "p", 3, 0],
        ["c", 1, "B", 2, "w", "p", 3, 1],  # no non-word for voice B: left out like the original's merge
    ], columns=["filename", "id", "voice", "frequency", "word", "phones", "length", "correct"])
    gold["frequency"] = gold["frequency"].astype("Int64")
    ts = score_lexical(gold, {"a": 0.0, "b": 1.0, "c": 5.0})
    assert ts.tables["by_pair"]["score"].tolist() == [0.0]
    assert "1 lexical item(s)" in ts.notes[0] and "id 1 voice B" in ts.notes[0]


def _positional_reference(gold: pd.DataFrame, scores: dict) -> dict:
    """The original's syntactic pairing, written independently: k-th correct row with k-th incorrect row."""
    good = gold[gold["correct"] == 1].to_dict("records")
    bad = gold[gold["correct"] == 0].to_dict("records")
    per: dict = {}
    for g, b in zip(good, bad):
        sg, sb = scores[g["filename"]], scores[b["filename"]]
        per.setdefault((g["type"], g["subtype"], g["id"]), []).append(1.0 if sg > sb else 0.5 if sg == sb else 0.0)
    return {k: sum(v) / len(v) for k, v in sorted(per.items())}


def test_syntactic_aligned_equals_positional_and_misaligned_is_documented():
    rows, scores = zs_data.syntactic_rows("dev")
    cols = ["filename", "id", "voice", "type", "subtype", "correct", "transcription"]
    good, bad = rows[0::2], rows[1::2]
    aligned = pd.DataFrame(good + bad, columns=cols)
    ours = score_syntactic(aligned, scores)
    assert pairing_is_positional(aligned) and ours.notes == []
    ref = _positional_reference(aligned, scores)
    full = ours.tables["_by_pair_full"]
    assert list(zip(full["type"], full["subtype"], full["id"])) == list(ref)
    np.testing.assert_allclose(full["score"], list(ref.values()), atol=1e-12)

    misaligned = pd.DataFrame(good + bad[1:] + bad[:1], columns=cols)  # rotate the incorrect rows
    moved = score_syntactic(misaligned, scores)
    assert not pairing_is_positional(misaligned)
    assert "not aligned" in moved.notes[0]
    pd.testing.assert_frame_equal(moved.tables["by_pair"], ours.tables["by_pair"])  # we still pair by (id, voice)
    assert list(_positional_reference(misaligned, scores).values()) != list(ref.values())  # the original would not


def test_syntactic_needs_one_pair_per_id_and_voice():
    from hf_bench.errors import DataError

    rows, scores = zs_data.syntactic_rows("dev")
    cols = ["filename", "id", "voice", "type", "subtype", "correct", "transcription"]
    gold = pd.DataFrame(rows[:-1], columns=cols)  # last incorrect row gone
    with pytest.raises(DataError, match=r"id 5 voice A: 1 correct / 0 incorrect"):
        score_syntactic(gold, scores)


def test_run_reports_misaligned_gold(tmp_path):
    ds = zs_data.build_slm21_dataset(tmp_path / "ds")
    gold = ds / "syntactic/dev/gold.csv"
    lines = gold.read_text().splitlines()
    header, body = lines[0], lines[1:]
    n = len(body) // 2
    bad = body[n:]
    gold.write_text("\n".join([header] + body[:n] + bad[1:] + bad[:1]) + "\n")
    sub = zs_data.build_slm21_submission(tmp_path / "sub")
    result = run_benchmark("sLM21", sub, ds, tasks=["syntactic"], sets=["dev"], progress=False)
    assert any("not aligned" in n for n in result.notes)
    assert _read(sub / "scores/score_syntactic_dev_by_pair.csv") == zs_data.SYN_EXPECTED["dev"]["by_pair"]


def test_poolings_by_hand():
    x = np.array([[1.0, 5.0], [3.0, -1.0], [2.0, 2.0]])
    assert pool(x, "min").tolist() == [1.0, -1.0]
    assert pool(x, "max").tolist() == [3.0, 5.0]
    assert pool(x, "mean").tolist() == [2.0, 2.0]
    assert pool(x, "sum").tolist() == [6.0, 6.0]
    assert pool(x, "last").tolist() == [2.0, 2.0]
    assert pool(x, "lastlast").tolist() == [3.0, -1.0]


def test_every_metric_of_the_original_is_available():
    import scipy.spatial.distance as ssd

    from hf_bench.zerospeech.constants import SEMANTIC_METRICS

    rng = np.random.default_rng(0)
    x, y = rng.random((4, 3)), rng.random((3, 3))
    for metric in SEMANTIC_METRICS:
        got = cdist(x, y, metric)
        assert got.shape == (4, 3)
        if metric not in ("kulczynski1", "sokalmichener"):
            np.testing.assert_allclose(got, ssd.cdist(x, y, metric=metric))
    # removed from scipy 1.17; old definitions on booleans (u != 0):
    u, v = np.array([[1.0, 1.0, 0.0, 2.0]]), np.array([[1.0, 0.0, 1.0, 3.0]])
    # c11 = 2 (positions 0, 3), c10 = 1, c01 = 1 -> kulczynski1 = 2 / 2 = 1
    assert cdist(u, v, "kulczynski1")[0, 0] == pytest.approx(1.0)
    # sokalmichener == rogerstanimoto: R = 2 (c10 + c01) = 4, c11 + c00 = 2 -> 4 / 6
    assert cdist(u, v, "sokalmichener")[0, 0] == pytest.approx(4 / 6)


def test_cosine_and_max_pooling_end_to_end(slm21):
    ds, sub = slm21
    (sub / "params.yaml").write_text("quiet: false\nsemantic: {librispeech: true, metric: cosine, n_jobs: 2, "
                                     "pooling: max, synthetic: true}\n")
    run_benchmark("sLM21", sub, ds, tasks=["semantic"], sets=["dev"], progress=False)
    # max pooling: L1 [2,0] L2 [1,2] L3 [4,0] L4 [1,4] L5 [9,0]; cosine distance = 1 - cos(angle)
    def cos(a, b):
        a, b = np.asarray(a, float), np.asarray(b, float)
        return 1 - a @ b / np.linalg.norm(a) / np.linalg.norm(b)
    expected_cat_dog = (cos([2, 0], [4, 0]) + cos([1, 2], [4, 0])) / 2  # (0 + 1 - 1/sqrt5) / 2
    assert expected_cat_dog == pytest.approx((1 - 1 / math.sqrt(5)) / 2)
    pairs = pd.read_csv(sub / "scores/score_semantic_dev_pairs.csv")
    assert pairs["score"].iloc[0] == pytest.approx(round(expected_cat_dog, 4), abs=1e-12)
    doc = json.loads((sub / "scores/scores.json").read_text())
    assert doc["params"]["semantic"]["metric"] == "cosine" and doc["params"]["semantic"]["n_jobs"] == 2
    assert doc["scores"]["lexical_all"] == {"dev": None, "test": None}


def test_correlation_nan_is_blank_and_handled_like_the_original():
    pairs = pd.DataFrame({"type": ["librispeech"] * 4, "dataset": ["a", "a", "b", "b"],
                          "similarity": [np.nan] * 4, "relatedness": [1.0, 2.0, 1.0, 2.0],
                          "score": [1.0, 1.0, 1.0, 2.0]})
    corr = semantic_correlations(pairs)
    assert math.isnan(corr["correlation"].iloc[0]) and corr["correlation"].iloc[1] == pytest.approx(-100.0)
    assert corr.to_csv(index=False, float_format="%.4f") == "type,dataset,correlation\nlibrispeech,a,\nlibrispeech,b,-100.0000\n"


def test_hidden_params_correlations_and_lexical_tables(slm21):
    ds, sub = slm21
    (sub / "params.yaml").write_text(
        "quiet: false\nlexical: {by_pair: false, by_length: false}\n"
        "semantic: {librispeech: true, synthetic: false, correlations: false,\n"
        "  result_filenames: {dev: {pairs: my_pairs.csv}}}\n")
    result = run_benchmark("sLM21", sub, ds, sets=["dev"], progress=False)
    names = sorted(p.name for p in (sub / "scores").iterdir())
    assert names == ["my_pairs.csv", "score_lexical_dev_by_frequency.csv", "score_syntactic_dev_by_pair.csv",
                     "score_syntactic_dev_by_type.csv", "scores.json"]
    pairs = pd.read_csv(sub / "scores/my_pairs.csv")
    assert set(pairs["type"]) == {"librispeech"}
    assert result.scores["lexical_all"]["dev"] == pytest.approx(5 / 8)  # still computed
    assert all(v["dev"] is None for k, v in result.scores.items() if k.startswith("semantic"))
    assert all(v["test"] is None for v in result.scores.values())
    doc = json.loads((sub / "scores/scores.json").read_text())
    assert doc["params"]["lexical"] == {"by_pair": False, "by_length": False}
    assert doc["params"]["semantic"]["correlations"] is False


def test_synthetic_disabled_needs_no_synthetic_features(slm21):
    ds, sub = slm21
    (sub / "params.yaml").write_text("semantic: {synthetic: false}\n")
    for p in (sub / "semantic/dev/synthetic").iterdir():
        p.unlink()
    result = run_benchmark("sLM21", sub, ds, tasks=["semantic"], progress=False)
    assert result.ok
    assert result.scores["semantic_synthetic_normal"] == {"dev": None, "test": None}
    assert result.scores["semantic_librispeech_weighted"]["dev"] == pytest.approx(70.0)


def test_skip_validation_missing_and_nan_scores_lose_their_pair(slm21):
    ds, sub = slm21
    lines = [line for line in (sub / "lexical/dev.txt").read_text().splitlines()
             if not line.startswith(("lw1A ", "ln3B "))]  # id 1 voice A and id 3 voice B lose their score
    lines = [f"{line.split()[0]} nan" if line.startswith("lw5A ") else line for line in lines]
    (sub / "lexical/dev.txt").write_text("\n".join(lines) + "\n")
    result = run_benchmark("sLM21", sub, ds, tasks=["lexical"], sets=["dev"], skip_validation=True, progress=False)
    by_pair = pd.read_csv(sub / "scores/score_lexical_dev_by_pair.csv")
    # id 1: A lost (0), B tie (.5) -> .25; id 3: A win, B: non-word missing -> 1 > NaN is False -> 0 -> .5; id 5: 0
    assert by_pair["score"].tolist() == [0.25, 0.0, 0.5, 0.25, 0.0, 0.5, 0.5, 1.0]
    assert any("3 gold item(s) have no usable score" in n for n in result.notes)


def test_validation_errors_stop_the_run(slm21):
    ds, sub = slm21
    (sub / "lexical/dev.txt").write_text("lw1A 1.0\n")
    result = run_benchmark("sLM21", sub, ds, progress=False)
    assert not result.ok and "missing_ids" in result.report.codes("error")
    assert not (sub / "scores" / "scores.json").exists()


def test_run_ignores_meta_problems_but_reports_them(slm21):
    ds, sub = slm21
    (sub / "meta.yaml").unlink()
    result = run_benchmark("sLM21", sub, ds, tasks=["lexical"], progress=False, output_dir=sub / "elsewhere")
    assert result.ok and "meta_missing" in result.report.codes("warning")
    doc = json.loads((sub / "elsewhere/scores.json").read_text())
    assert doc["submission"]["model_id"] == "submission" and doc["submission"]["username"] is None
    assert doc["scores"]["syntactic"] == {"dev": None, "test": None}


def test_semantic_gold_problems_are_named():
    from hf_bench.errors import DataError
    from hf_bench.zerospeech.scoring import semantic_distances

    gold = pd.DataFrame({"type": ["synthetic"] * 2, "filename": ["a", "b"], "word": ["x", "y"], "voice": ["A", "B"]})
    pooled = {("synthetic", "a"): np.zeros(2), ("synthetic", "b"): np.ones(2)}
    pairs = pd.DataFrame({"type": ["synthetic"], "dataset": ["d"], "word_1": ["x"], "word_2": ["y"]})
    with pytest.raises(DataError, match="line 2: words 'x' and 'y' share no synthetic voice"):
        semantic_distances(gold, pairs, pooled, "euclidean")
    pairs["word_2"] = ["zz"]
    with pytest.raises(DataError, match="word 'zz' has no synthetic token"):
        semantic_distances(gold, pairs, pooled, "euclidean")
