"""Honest differences: paired bootstrap / CI overlap between neighbouring leaderboard rows, from real result files
and predictions files; and each task type's metric inputs rebuilt from its predictions-file lines."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from lb_helpers import make_result, write_json

from hf_bench import metrics
from hf_bench.data import AudioRef, SplitData
from hf_bench.leaderboard import ties
from hf_bench.leaderboard.table import META_KEY, LeaderboardTable, build_table
from hf_bench.leaderboard.views import row_key
from hf_bench.metrics.bootstrap import paired_fold_mean_bootstrap
from hf_bench.tasks.schema import GeneratorSource, TaskMetadata
from hf_bench.tasks.types import TYPES, FrameGrid

# ---------------------------------------------------------------------- inputs_from_records, per task type
LABELS = ("a", "b", "c")
METRIC = {"clip_classification": ("accuracy", "accuracy", {}),
          "clip_multilabel": ("mean_average_precision", "map", {}),
          "clip_regression": ("ccc", "ccc", {}),
          "frame_multilabel": ("segment_f1", "f1", {"time_resolution": 0.1}),
          "frame_regression": ("ccc", "ccc", {}),
          "asr": ("iwer", "iwer", {}), "translation": ("corpus_bleu", "bleu", {}),
          "slu": ("concept_error_rate", "concept_error_rate", {}),
          "retrieval": ("audio_text_recall", "recall@1", {})}
WORDS = ("red", "blue", "green", "cat", "dog", "fish")
HOP = 0.02


def _task(kind: str) -> TaskMetadata:
    metric, main, args = METRIC[kind]
    labels = ("warm", "cold", "pet") if kind == "slu" else \
        None if "regression" in kind or kind in ("translation", "asr", "retrieval") else LABELS
    return TaskMetadata(name=f"mock_{kind}", version=1, display_name=kind, description="mock", benchmark="custom",
                        domain="sound", type=kind, labels=labels, metric=metric, main_score=main, metric_args=args,
                        eval_weight=10, source=GeneratorSource(generator="kws", generator_version=1),
                        splits=("train", "valid", "test"), license="none")


def _sentence(rng) -> str:
    return " ".join(rng.choice(WORDS, size=int(rng.integers(2, 6))))


def _random_case(kind: str, rng, n: int = 60):
    """(raw labels, grid, scores) of a random test split of ``kind``: the probe's outputs, not their decisions."""
    seconds = 1.0
    grid = FrameGrid(HOP, np.full(n, int(seconds / HOP)), np.full(n, seconds)) if TYPES[kind].level == "frame" \
        else None
    if kind == "clip_classification":
        return [LABELS[i] for i in rng.integers(0, 3, n)], grid, rng.dirichlet(np.ones(3), n)
    if kind == "clip_multilabel":
        raw = [[LABELS[j] for j in range(3) if rng.random() < 0.5] for _ in range(n)]
        return raw, grid, rng.random((n, 3))
    if kind == "clip_regression":
        return [float(x) for x in rng.normal(size=n)], grid, rng.normal(size=n)
    if kind == "frame_multilabel":
        raw = []
        for _ in range(n):
            a = rng.uniform(0, 0.6, 3)
            raw.append([{"onset": round(float(a[c]), 2), "offset": round(float(a[c]) + 0.3, 2), "label": LABELS[c]}
                        for c in range(3)])
        return raw, grid, [rng.random((int(seconds / HOP), 3)) for _ in range(n)]
    if kind == "frame_regression":
        raw = [{"hop_s": 0.1, "values": rng.normal(size=11).round(3).tolist()} for _ in range(n)]
        return raw, grid, [rng.normal(size=int(seconds / HOP)) for _ in range(n)]
    if kind == "asr":
        return [_sentence(rng).upper() for _ in range(n)], grid, [_sentence(rng).title() for _ in range(n)]
    if kind == "translation":
        return [_sentence(rng) for _ in range(n)], grid, [_sentence(rng) for _ in range(n)]
    if kind == "slu":
        raw, hyps = [], []
        for _ in range(n):
            c = ["warm", "cold", "pet"][int(rng.integers(0, 3))]
            raw.append([{"concept": c, "words": "red"}, {"concept": "null", "words": "and"},
                        {"concept": "pet", "words": "dog"}])
            concepts = rng.choice(["warm", "cold", "pet"], size=int(rng.integers(0, 4)))
            hyps.append(" ".join(f"SOC red [{k}] EOC" for k in concepts) + " and")
        return raw, grid, hyps
    if kind == "retrieval":
        raw = [[_sentence(rng), _sentence(rng)] for _ in range(n)]
        return raw, grid, [(rng.normal(size=8), rng.normal(size=(2, 8))) for _ in range(n)]
    raise AssertionError(kind)


REBUILT = ["clip_classification", "clip_multilabel", "clip_regression", "frame_multilabel", "frame_regression",
           "asr", "translation", "slu"]


@pytest.mark.parametrize("kind", REBUILT)
def test_metric_inputs_rebuilt_from_predictions_file_lines(kind):
    rng = np.random.default_rng(7)
    task, adapter = _task(kind), TYPES[kind]
    raw, grid, scores = _random_case(kind, rng)
    split = SplitData("test", [AudioRef(id=f"t{i}", origin=f"t{i}") for i in range(len(raw))], raw)
    targets = adapter.targets(task, split, grid)
    coding = adapter.coding(task, targets)
    direct = metrics.compute(task.metric, *adapter.metric_inputs(task, coding, scores, targets), **task.metric_args)
    # the lines as the predictions file holds them: through JSON and back
    lines = [json.loads(json.dumps({"id": f"t{i}", "fold": "test", **rec}))
             for i, rec in enumerate(adapter.records(task, coding, scores, targets))]
    for task_arg in (task, None):  # the leaderboard may have no valid TaskMetadata: the lines are enough
        rebuilt = metrics.compute(task.metric, *adapter.inputs_from_records(task_arg, lines), **task.metric_args)
        if kind == "frame_regression":  # the file rounds the curves to 6 decimals
            assert rebuilt[task.main_score] == pytest.approx(direct[task.main_score], abs=1e-5)
        else:
            assert rebuilt == direct
    assert 0 < abs(direct[task.main_score]) or kind == "slu"  # random data, not a degenerate case


def test_retrieval_lines_cannot_rebuild_the_similarity_matrix():
    rng = np.random.default_rng(0)
    task, adapter = _task("retrieval"), TYPES["retrieval"]
    raw, _, scores = _random_case("retrieval", rng, n=5)
    targets = adapter.targets(task, SplitData("test", [AudioRef(id=str(i), origin=str(i)) for i in range(5)], raw))
    lines = adapter.records(task, adapter.coding(task, targets), scores, targets)
    with pytest.raises(NotImplementedError, match="similarity matrix"):
        adapter.inputs_from_records(task, lines)


# ---------------------------------------------------------------------- real result + predictions files
def _write(root, *, encoder, predictions, targets, task="esc50", benchmark="xares", probe="mlp", ci=None,
           folds=None, ids=None, with_file=True, **kw):
    """A result JSON as `hf-bench run` lays it out, and its predictions file: one line per test item."""
    ids = ids or [f"clip{i:04d}" for i in range(len(targets))]
    folds = folds or ["test"] * len(targets)
    by_fold = {}
    for f, p, t in zip(folds, predictions, targets):
        by_fold.setdefault(f, []).append(p == t)
    score = float(np.mean([np.mean(v) for v in by_fold.values()]))
    payload = make_result(task=task, benchmark=benchmark, probe=probe, score=score, encoder=encoder,
                          fingerprint=f"fp-{encoder}", ci=ci, **kw)
    folder = root / encoder / probe
    if with_file:
        payload["predictions_file"] = f"{task}.predictions.jsonl"
        lines = [json.dumps({"id": i, "fold": f, "target": int(t), "prediction": int(p)})
                 for i, f, p, t in zip(ids, folds, predictions, targets)]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{task}.predictions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_json(folder / f"{task}.json", payload)
    return score


def _col(table, task="esc50", board="xares", probe="mlp"):
    c = table.comparisons
    return c[(c["board"] == board) & (c["probe"] == probe) & (c["task"] == task) & (c["split"] == "test")]


def _key(model, probe="mlp"):
    return row_key("hf_bench", model, probe)


@pytest.fixture
def three_runs(tmp_path):
    """A perfect on 200 items; B the same but one item wrong; C wrong on every other item (50 %)."""
    rng = np.random.default_rng(1)
    targets = rng.integers(0, 10, 200)
    one_off = targets.copy()
    one_off[17] = (one_off[17] + 1) % 10
    half = targets.copy()
    half[::2] = (half[::2] + 3) % 10
    root = tmp_path / "results"
    for enc, pred in (("enc-a", targets), ("enc-b", one_off), ("enc-c", half)):
        _write(root, encoder=enc, predictions=pred, targets=targets)
    return root, targets


def test_paired_bootstrap_ties_near_identical_rows_and_separates_a_coin_flip(three_runs):
    root, _ = three_runs
    t = build_table([root], include_reference=False, progress=False)
    col = _col(t)
    assert list(col["method"]) == ["paired_bootstrap"] * 2
    ab = col[(col["key_a"] == _key("enc-a")) & (col["key_b"] == _key("enc-b"))].iloc[0]
    bc = col[(col["key_a"] == _key("enc-b")) & (col["key_b"] == _key("enc-c"))].iloc[0]
    assert bool(ab["tied"]) and ab["difference"] == pytest.approx(0.005)
    assert ab["low"] <= 0 <= ab["high"] and ab["p_value"] > 0.05
    assert not bool(bc["tied"]) and bc["difference"] == pytest.approx(0.495)
    assert bc["low"] > 0.3 and bc["p_value"] < 0.01
    # the same numbers as the metric's own paired bootstrap on the file's items
    pairs = ties.tied_pairs(t, "xares", "test", "mlp", "esc50")
    assert set(pairs) == {(_key("enc-a"), _key("enc-b")), (_key("enc-b"), _key("enc-c"))}
    assert pairs[(_key("enc-a"), _key("enc-b"))]["tied"] and not pairs[(_key("enc-b"), _key("enc-c"))]["tied"]


def test_paired_numbers_are_those_of_paired_bootstrap(three_runs):
    root, targets = three_runs
    t = build_table([root], include_reference=False, progress=False)
    bc = _col(t).iloc[1]
    recs = {enc: sorted((json.loads(x) for x in (root / enc / "mlp" / "esc50.predictions.jsonl").read_text()
                         .splitlines()), key=lambda r: r["id"]) for enc in ("enc-b", "enc-c")}
    ref = np.array([r["target"] for r in recs["enc-b"]])
    want = metrics.paired_bootstrap("accuracy", np.array([r["prediction"] for r in recs["enc-b"]]),
                                    np.array([r["prediction"] for r in recs["enc-c"]]), ref,
                                    n_resamples=ties.N_RESAMPLES, seed=ties.SEED)
    assert (bc["difference"], bc["low"], bc["high"], bc["p_value"]) == pytest.approx(
        (want["difference"], want["low"], want["high"], want["p_value"]))


def test_predictions_are_read_once_per_file_across_boards_and_neighbours(three_runs):
    root, _ = three_runs
    table = build_table([root], include_reference=False, progress=False)
    cache = ties.PredictionCache()
    again = ties.compute_comparisons(table.df, table.boards, cache=cache)
    n_boards = table.df["board"].nunique()
    assert len(again) == 2 * n_boards
    assert cache.stats == {"predictions_read": 3, "replicates_computed": 3}
    pd.testing.assert_frame_equal(again, table.comparisons)


def test_multi_fold_tasks_compare_fold_means(tmp_path):
    rng = np.random.default_rng(3)
    n = 150
    folds = [f"fold{1 + i % 3}" for i in range(n)]
    targets = rng.integers(0, 5, n)
    a = np.where(rng.random(n) < 0.9, targets, (targets + 1) % 5)
    b = np.where(rng.random(n) < 0.6, targets, (targets + 2) % 5)
    root = tmp_path / "results"
    for enc, pred in (("enc-a", a), ("enc-b", b)):
        _write(root, encoder=enc, predictions=pred, targets=targets, folds=folds, ids=[f"x{i:03d}" for i in range(n)],
               task="tones", benchmark="embedded", domain="sound")
    t = build_table([root], include_reference=False, progress=False)
    got = _col(t, task="tones", board="embedded").iloc[0]
    assert got["method"] == "paired_bootstrap" and not got["tied"]
    per = {}
    for enc, pred in (("enc-a", a), ("enc-b", b)):
        per[enc] = [(pred[[i for i in range(n) if folds[i] == f]], targets[[i for i in range(n) if folds[i] == f]])
                    for f in ("fold1", "fold2", "fold3")]
    want = paired_fold_mean_bootstrap("accuracy", per["enc-a"], per["enc-b"], n_resamples=1000, seed=0)
    assert (got["difference"], got["low"], got["high"], got["p_value"]) == pytest.approx(
        (want["difference"], want["low"], want["high"], want["p_value"]))


def test_mismatched_items_or_missing_files_fall_back_to_ci_overlap(tmp_path):
    rng = np.random.default_rng(5)
    targets = rng.integers(0, 10, 100)
    wrong = targets.copy()
    wrong[:10] = (wrong[:10] + 1) % 10
    root = tmp_path / "results"
    # A: ids clip0000.., B: the same predictions under other ids; C: no predictions file; D: neither file nor CI
    _write(root, encoder="enc-a", predictions=targets, targets=targets, ci=(0.97, 1.0))
    _write(root, encoder="enc-b", predictions=wrong, targets=targets, ci=(0.84, 0.95),
           ids=[f"other{i}" for i in range(100)])
    _write(root, encoder="enc-c", predictions=wrong, targets=targets, ci=(0.80, 0.90), with_file=False,
           created_at="2026-08-01T10:00:01Z")  # 0.9 too: the later row in the table's order ranks below B
    wrong2 = targets.copy()
    wrong2[:40] = (wrong2[:40] + 1) % 10
    _write(root, encoder="enc-d", predictions=wrong2, targets=targets, with_file=False)
    t = build_table([root], include_reference=False, progress=False)
    col = _col(t).set_index(["key_a", "key_b"])
    assert list(col.index) == [(_key("enc-a"), _key("enc-b")), (_key("enc-b"), _key("enc-c"))]  # C-D: unknown
    ab = col.loc[(_key("enc-a"), _key("enc-b"))]
    assert ab["method"] == "ci_overlap" and not ab["tied"] and math.isnan(ab["p_value"])
    assert (ab["low"], ab["high"]) == pytest.approx((0.97 - 0.95, 1.0 - 0.84))
    bc = col.loc[(_key("enc-b"), _key("enc-c"))]
    assert bc["method"] == "ci_overlap" and bc["tied"] and bc["difference"] == pytest.approx(0.0)


def test_ci_overlap_between_reference_like_rows():
    def row(model, value, lo, hi, kind="reference"):
        return {"board": "xares", "split": "test", "probe": "published", "task": "esc50", "model": model,
                "source_kind": kind, "value": value, "ci_low": lo, "ci_high": hi, "result_file": "", "order": 0}

    rows = pd.DataFrame([row("paper-b", 0.80, 0.76, 0.84), row("paper-a", 0.83, 0.80, 0.86),
                         row("paper-c", 0.70, 0.68, 0.72), row("paper-d", 0.60, math.nan, math.nan)])
    got = ties.compare_column(rows, higher_is_better=True)
    assert [(g["key_a"], g["key_b"], g["tied"]) for g in got] == [
        (row_key("reference", "paper-a", "published"), row_key("reference", "paper-b", "published"), True),
        (row_key("reference", "paper-b", "published"), row_key("reference", "paper-c", "published"), False)]
    assert all(g["method"] == "ci_overlap" for g in got)
    # lower is better: the order flips, the decisions do not
    flipped = ties.compare_column(rows, higher_is_better=False)
    assert [g["tied"] for g in flipped] == [False, True]


def test_published_neighbours_without_intervals_are_unknown(three_runs):
    root, _ = three_runs
    t = build_table([root], progress=False)
    col = _col(t)
    assert set(col["method"]) <= {"paired_bootstrap"}  # reference rows carry no interval: no line
    ref_keys = {row_key("reference", m, p) for m, p in
                t.df[t.df["source_kind"] == "reference"][["model", "probe"]].itertuples(index=False)}
    assert not (set(col["key_a"]) | set(col["key_b"])) & ref_keys


def test_comparisons_survive_save_and_load_and_old_tables_load_without_them(three_runs, tmp_path):
    import pyarrow.parquet as pq

    root, _ = three_runs
    t = build_table([root], include_reference=False, progress=False)
    path = t.save(tmp_path / "lb.parquet")
    back = LeaderboardTable.load(path)
    pd.testing.assert_frame_equal(back.comparisons, t.comparisons)
    assert ties.tied_pairs(back, "xares", "test", "mlp", "esc50") == ties.tied_pairs(t, "xares", "test", "mlp",
                                                                                     "esc50")
    # a table written before comparisons existed: no such metadata key
    arrow = pq.read_table(path)
    meta = json.loads(arrow.schema.metadata[META_KEY])
    del meta["comparisons"]
    old = tmp_path / "old.parquet"
    pq.write_table(arrow.replace_schema_metadata({**arrow.schema.metadata, META_KEY: json.dumps(meta).encode()}), old)
    loaded = LeaderboardTable.load(old)
    assert loaded.comparisons.empty and list(loaded.comparisons.columns) == list(ties.COMPARISON_COLUMNS)
    assert ties.tied_pairs(loaded, "xares", "test", "mlp", "esc50") == {}


def test_build_without_comparisons(three_runs):
    root, _ = three_runs
    t = build_table([root], include_reference=False, progress=False, comparisons=False)
    assert t.comparisons.empty


def test_results_over_the_size_cap_fall_back_to_ci_overlap(tmp_path):
    rng = np.random.default_rng(8)
    targets = rng.integers(0, 10, 300)
    root = tmp_path / "results"
    for enc, ci in (("enc-a", (0.95, 1.0)), ("enc-b", (0.93, 0.99))):
        _write(root, encoder=enc, predictions=targets, targets=targets, ci=ci)
    table = build_table([root], include_reference=False, progress=False, comparisons=False)
    small = ties.compute_comparisons(table.df, table.boards, cache=ties.PredictionCache(max_cells=299))
    assert set(small["method"]) == {"ci_overlap"} and small["tied"].all()
    full = ties.compute_comparisons(table.df, table.boards, cache=ties.PredictionCache(max_cells=300))
    assert set(full["method"]) == {"paired_bootstrap"}


def test_lines_are_parsed_without_their_scores_when_that_is_clean():
    line = json.dumps({"id": "x", "fold": "test", "target": 1, "prediction": 2, "scores": [0.1, 0.9]})
    assert ties._parse_line(line) == {"id": "x", "fold": "test", "target": 1, "prediction": 2}
    # a hypothesis that quotes the marker stays whole (JSON escapes its quotes, the cut finds nothing)
    tricky = json.dumps({"id": "y", "target": 'a , "scores": b', "prediction": "c"})
    assert ties._parse_line(tricky) == json.loads(tricky)
    nested = json.dumps({"id": "z", "prediction": [{"onset": 0, "scores": [1]}], "target": []})
    assert ties._parse_line(nested) == json.loads(nested)
