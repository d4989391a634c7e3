"""The LeBenchmark suite end to end on miniature copies of its corpora: tasks, readers, heads, scorecard, board."""

from __future__ import annotations

import json

import pytest
from test_corpora import make_etape, make_mtedx, make_recola

from hf_bench.data import load_task_data, missing_task_data
from hf_bench.data.corpora import get_reader
from hf_bench.errors import HFBenchError, TaskSpecError
from hf_bench.leaderboard.catalog import TASK_HEADS, default_boards
from hf_bench.metrics import METRICS
from hf_bench.pipeline import RunConfig, evaluate_encoder
from hf_bench.probes.registry import probes_for
from hf_bench.tasks import get_suite, get_task

TASKS = get_suite("lebenchmark")


def test_every_task_has_its_head_its_reader_and_its_board_column():
    board = {b.id: b for b in default_boards()}["lebenchmark"]
    assert [t.name for t in TASKS] == ["commonvoice_fr", "etape", "media", "mtedx_fr_en", "mtedx_fr_es",
                                       "mtedx_fr_pt", "recola_arousal", "recola_valence", "allosat"]
    for task in TASKS:
        assert task.benchmark == "lebenchmark" and task.source.kind == "corpus"
        heads = [p.name for p in probes_for(task)]
        assert heads == list(task.probes) and len(heads) == 1, task.name
        reader = get_reader(task.source.reader)
        reader.options(task.source.options)  # every option is one the reader knows
        col = board.column(task.name)
        assert col is not None, task.name
        assert col.higher_is_better == METRICS[task.metric].higher_is_better, task.name
    assert {t.type for t in TASKS} == {"asr", "slu", "translation", "frame_regression"}


def test_missing_corpora_say_how_to_get_them(tmp_path):
    etape = get_task("etape")
    why = missing_task_data(etape, data_root=tmp_path)
    assert "ELRA-E0046" in why and "--data-dir" in why and "corpora/etape" in why
    why = missing_task_data(get_task("mtedx_fr_en"), data_root=tmp_path)
    assert "hf-bench prepare --task mtedx_fr_en" in why
    with pytest.raises(HFBenchError, match="not on this machine"):
        load_task_data(etape, data_root=tmp_path)


def test_suite_run_scores_what_is_present_and_lists_the_rest(tmp_path):
    """mTEDx fr-en and RECOLA are here (miniature copies laid out like the releases); the other six are not."""
    data = tmp_path / "data"
    make_mtedx(data / "corpora" / "mtedx", "fr-en")
    make_recola(data / "corpora" / "recola", test_labels=True)
    # the heads' own settings, fewer epochs: these corpora hold a few utterances
    quick = {"mtedx_fr_en": {"epochs": 3}, "recola_arousal": {"epochs": 4}, "recola_valence": {"epochs": 4}}
    tasks = [t.model_copy(update={"probe": t.probe.model_copy(update=quick[t.name])}) if t.name in quick else t
             for t in TASKS]
    config = RunConfig(encoder="mfb", output_dir=tmp_path / "results", cache_dir=tmp_path / "cache", data_dir=data,
                       bootstrap=0, progress=False, skip_missing=True, suite="lebenchmark")
    outcome = evaluate_encoder(config, tasks, log=lambda m: None)
    done = {o.task.name: {p for _, p in o.results} for o in outcome.tasks}
    assert done == {"mtedx_fr_en": {"seq2seq"}, "recola_arousal": {"gru"}, "recola_valence": {"gru"}}
    card = json.loads((tmp_path / "results" / "mfb" / "scorecard.json").read_text())
    assert set(card["skipped"]) == {"commonvoice_fr", "etape", "media", "mtedx_fr_es", "mtedx_fr_pt", "allosat"}
    assert "licensed" in card["skipped"]["etape"]
    markdown = (tmp_path / "results" / "mfb" / "scorecard.md").read_text()
    assert "Not run (6 task(s)" in markdown and "`etape`: ETAPE" in markdown
    result = json.loads((tmp_path / "results" / "mfb" / "seq2seq" / "mtedx_fr_en.json").read_text())
    vocab = result["probe"]["selected"]["test"]["vocabulary"]
    assert vocab["size"] >= 1 and vocab["model_base64"]  # the vocabulary is saved with the result
    assert result["probe"]["config"]["decoding"].startswith("beam search, beam 5")

    from hf_bench.leaderboard.table import build_table

    table = build_table([tmp_path / "results"])
    rows = table.board_frame("lebenchmark")
    ours = rows[rows["source_kind"] == "hf_bench"]
    assert set(ours["probe"]) == {TASK_HEADS}  # one row per model, whichever head each task uses
    assert set(ours["task"]) == {"mtedx_ast_fr_en", "recola_arousal", "recola_valence"}
    published = rows[rows["source_kind"] == "reference"]
    assert {"mtedx_ast_fr_en", "recola_arousal"} <= set(published["task"])  # beside the published rows

    # in the tab's view, best / second follow each column's direction over published and computed rows alike
    from hf_bench.leaderboard.views import BoardViews, Query

    view = BoardViews(table).query(Query(board="lebenchmark"))
    ours = [k for k in view.rows.index if k.startswith("hf_bench")]
    assert len(ours) == 1 and view.rows.loc[ours[0], "model"] == "mfb"
    for col in view.columns:
        values = view.rows[col.task].dropna().astype(float)
        best = [k for k, m in view.highlight.get(col.task, {}).items() if m == "best"]
        if values.empty:
            continue
        target = values.max() if col.higher_is_better else values.min()
        assert best and all(abs(values[k] - target) < 0.01 for k in best), col.task


def test_a_spec_points_a_builtin_corpus_task_at_a_local_copy(tmp_path):
    make_etape(tmp_path / "my_copy")
    spec = tmp_path / "etape.yaml"
    spec.write_text("extends: etape\ndata:\n  root: my_copy\n")
    task = get_task(str(spec))
    assert task.name == "etape" and task.version == get_task("etape").version
    assert task.source.root == str(tmp_path / "my_copy")
    splits = load_task_data(task, data_root=tmp_path / "nowhere", progress=False)
    assert all(len(splits[s]) for s in ("train", "valid", "test"))
    assert all(r.is_segment for r in splits["train"].refs)

    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: esc50\ndata:\n  root: my_copy\n")
    with pytest.raises(TaskSpecError, match="not a corpus"):
        get_task(str(bad))
    bad.write_text("extends: etape\ndata:\n  root: absent\n")
    with pytest.raises(TaskSpecError, match="not a folder"):
        get_task(str(bad))


def test_custom_slu_and_translation_specs(tmp_path):
    import soundfile as sf
    from data_testutil import tone

    from hf_bench.tasks.types import get_type

    rows = {"slu": [{"concept": "ville", "words": "à Paris"}, {"concept": "null", "words": "svp"}],
            "translation": {"translation": "to Paris", "source": "à Paris"}}
    for kind, label in rows.items():
        folder = tmp_path / kind
        folder.mkdir()
        for split in ("train", "valid", "test"):
            lines = []
            for i in range(2):
                sf.write(folder / f"{split}{i}.wav", tone(200.0 + 50 * i + len(split), seconds=0.5), 16000)
                lines.append(json.dumps({"audio": f"{split}{i}.wav", "y": label}))
            (folder / f"{split}.jsonl").write_text("\n".join(lines) + "\n")
        extra = "probes: [ctc]\nprobe: {vocab_size: 50, beam_size: 3}\n" if kind == "slu" else \
            "metric_args: {tokenize: intl}\n"
        (folder / "task.yaml").write_text(
            f"name: my_{kind}\ntype: {kind}\ndomain: speech\ntext_normalization: english\n{extra}"
            "data: {format: manifest, label_key: y, train: train.jsonl, valid: valid.jsonl, test: test.jsonl}\n")
        task = get_task(str(folder / "task.yaml"))
        assert task.type == kind and task.benchmark == "custom"
        if kind == "slu":
            assert task.probes == ("ctc",) and task.probe.beam_size == 3 and task.metric == "concept_error_rate"
            split = load_task_data(task, data_root=tmp_path)["train"]
            assert get_type("slu").targets(task, split).sequence(0) == "SOC à paris [ville] EOC svp"
        else:
            assert task.metric == "corpus_bleu" and task.metric_args == {"tokenize": "intl"}
    (tmp_path / "slu" / "task.yaml").write_text(
        "name: bad\ntype: slu\ndomain: speech\nmetric_args: {tokenize: zh}\n"
        "data: {format: manifest, label_key: y, train: train.jsonl, valid: valid.jsonl, test: test.jsonl}\n")
    with pytest.raises(TaskSpecError, match="does not apply to concept_error_rate"):
        get_task(str(tmp_path / "slu" / "task.yaml"))
