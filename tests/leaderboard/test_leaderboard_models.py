"""Model metadata of the published rows (data/models.json), the printed aggregates (data/published_averages.csv)
and the source links (data/sources.json)."""

from __future__ import annotations

import copy
import json
import math
import re
from importlib import resources

import pytest

from hf_bench.errors import HFBenchError
from hf_bench.leaderboard.catalog import (
    AVERAGES_FILE,
    MODEL_FACTS,
    MODELS_FILE,
    SIZE_UNKNOWN,
    default_boards,
    load_model_info,
    load_published_averages,
    load_reference,
    load_sources,
    parse_model_info,
    parse_published_averages,
    published_average,
)

DATA = resources.files("hf_bench.leaderboard.data")


def _models_doc() -> dict:
    return json.loads(DATA.joinpath("models.json").read_text(encoding="utf-8"))


def _averages_text() -> str:
    return DATA.joinpath("published_averages.csv").read_text(encoding="utf-8")


def test_every_published_model_has_exactly_one_entry():
    published = {r.model for r in load_reference()}
    info = load_model_info()
    assert set(info) == published
    names = [e["model"] for e in _models_doc()["models"]]
    assert len(names) == len(set(names))


def test_every_entry_validates_and_every_fact_has_a_source():
    for name, m in load_model_info().items():
        for fact in MODEL_FACTS:
            if getattr(m, fact) is not None:
                assert m.sources_for(fact), (name, fact)
                assert all(s.url.startswith(("https://", "http://")) for s in m.sources_for(fact))
        assert (m.n_parameters is None) == (m.n_parameters_scope is None)
        assert m.to_dict()["model"] == name


def test_size_filter_knows_every_probed_encoder():
    """The X-ARES and LeBenchmark rows are frozen encoders: all of them have a parameter count."""
    info = load_model_info()
    for r in load_reference():
        if r.board in ("xares", "lebenchmark"):
            assert info[r.model].size_bucket != SIZE_UNKNOWN, r.model
    assert info["dasheng-base"].n_parameters == 86_000_000 and info["dasheng-base"].frame_rate_hz == 25
    assert info["W2V-Fr-7K-large"].embedding_dim == 1024 and info["W2V-Fr-7K-large"].frame_rate_hz == 50
    assert info["whisper-base (encoder)"].n_parameters_scope == "encoder"
    assert info["MFB or Spectro or MFCC"].n_parameters == 0 and info["MFB or Spectro or MFCC"].kind == "handcrafted"
    assert info["Tencent-Cloud-ASR"].n_parameters is None  # undisclosed: left empty, not guessed


def _break(mutate):
    doc = _models_doc()
    mutate(doc["models"])
    return json.dumps(doc)


def _entry(models, name):
    return next(e for e in models if e["model"] == name)


@pytest.mark.parametrize("mutate, problem", [
    (lambda ms: _entry(ms, "dasheng-base").update(n_params=1), "unknown field"),
    (lambda ms: _entry(ms, "dasheng-base").update(release_date="June 2024"), "release_date"),
    (lambda ms: _entry(ms, "dasheng-base").update(release_date="2024-13"), "release_date"),
    (lambda ms: _entry(ms, "dasheng-base").update(n_parameters=-5), "n_parameters"),
    (lambda ms: _entry(ms, "dasheng-base").update(n_parameters=True), "n_parameters"),
    (lambda ms: _entry(ms, "dasheng-base").update(n_parameters=8.6e7), "n_parameters"),
    (lambda ms: _entry(ms, "dasheng-base").update(frame_rate_hz=0), "frame_rate_hz"),
    (lambda ms: _entry(ms, "dasheng-base").update(n_parameters_scope=None), "n_parameters_scope"),
    (lambda ms: _entry(ms, "dasheng-base").update(sources=[]), "have no source"),
    (lambda ms: _entry(ms, "dasheng-base")["sources"][0].update(url="XiaoMi/dasheng"), "URL"),
    (lambda ms: _entry(ms, "dasheng-base")["sources"][0].update(fields=["params"]), "source fields"),
    (lambda ms: _entry(ms, "Paraformer").update(kind="llm"), "unknown kind"),
    (lambda ms: _entry(ms, "dasheng-base").update(model="Dasheng-Base"), "not a published row"),
    (lambda ms: ms.append(copy.deepcopy(_entry(ms, "Paraformer"))), "duplicate"),
    (lambda ms: ms.remove(_entry(ms, "Qwen3-Omni")), "no entry for published model"),
])
def test_a_malformed_models_file_is_rejected_naming_the_file_and_entry(mutate, problem):
    with pytest.raises(HFBenchError) as e:
        parse_model_info(_break(mutate))
    msg = str(e.value)
    assert MODELS_FILE in msg and problem in msg
    if "no entry" not in problem:
        assert "models[" in msg


def test_a_models_file_that_is_not_json_is_rejected():
    with pytest.raises(HFBenchError, match="models.json: not valid JSON"):
        parse_model_info("{")


def test_published_averages_refer_to_known_boards_probes_and_models():
    boards = {b.id: b for b in default_boards()}
    sources = load_sources()
    rows = {(r.board, r.probe, r.model) for r in load_reference()}
    avgs = load_published_averages()
    assert avgs and {a.board for a in avgs} == {"xares"}  # LeBenchmark and WenetSpeech-Wu print no aggregate
    for a in avgs:
        assert a.board in boards and a.split in boards[a.board].splits and a.source in sources
        assert (a.board, a.probe, a.model) in rows
        assert math.isclose(a.value, float(a.value_text))


def test_published_averages_are_the_readme_numbers():
    order = ("dasheng-base", "wav2vec2-large-100k-voxpopuli", "whisper-base (encoder)", "data2vec-audio-base")
    printed = {("mlp", "public"): (.699, .490, .632, .598), ("knn", "public"): (.504, .262, .299, .388),
               ("mlp", "all"): (.801, .664, .740, .694), ("knn", "all"): (.683, .469, .475, .455)}
    got = {(a.probe, a.aggregate, a.model): a.value for a in load_published_averages()}
    assert len(got) == 16
    for (probe, agg), values in printed.items():
        assert tuple(got[(probe, agg, m)] for m in order) == values


def _recomputed(probe: str) -> dict[str, float]:
    board = next(b for b in default_boards() if b.id == "xares")
    weights = {c.task: c.weight for c in board.columns}
    acc: dict[str, list[float]] = {}
    for r in load_reference():
        if r.board == "xares" and r.probe == probe:
            s = acc.setdefault(r.model, [0.0, 0.0])
            s[0] += r.value * weights[r.task]
            s[1] += weights[r.task]
    return {m: s / w for m, (s, w) in acc.items()}


def test_printed_and_recomputed_averages_are_both_available():
    """X-ARES dasheng-base MLP: printed .699, recomputed from its own per-task numbers 0.724 (kNN agrees)."""
    mlp, knn = _recomputed("mlp"), _recomputed("knn")
    dasheng = published_average("xares", "mlp+xares", "dasheng-base")
    assert dasheng is not None and dasheng.value_text == "0.699" and round(mlp["dasheng-base"], 3) == 0.724
    for a in load_published_averages():
        if a.aggregate == "public" and a.probe == "knn":
            assert math.isclose(a.value, knn[a.model], abs_tol=0.0015), a.model
    assert published_average("xares", "mlp", "dasheng-base", aggregate="all").value == .801
    assert published_average("lebenchmark", "published", "W2V-Fr-7K-large") is None


@pytest.mark.parametrize("old, new, problem", [
    ("xares,mlp,test,dasheng-base,public", "xares,linear,test,dasheng-base,public", "probe 'linear'"),
    ("xares,mlp,test,dasheng-base,public", "xares,mlp,test,dasheng,public", "model 'dasheng'"),
    ("xares,mlp,test,dasheng-base,public", "xares_v2,mlp,test,dasheng-base,public", "unknown board"),
    ("xares,mlp,test,dasheng-base,public,0.699", "xares,mlp,test,dasheng-base,public,n/a", "printed value"),
    ("xares,mlp,test,dasheng-base,public,0.699", "xares,mlp,test,dasheng-base,public,-", "must be a number"),
    ("xares,mlp,test,dasheng-base,public", "xares,mlp,test,dasheng-base,private", "unknown aggregate"),
    (",xares_readme,MLP Result", ",xares_v9,MLP Result", "unknown source"),
    ("board,probe", "board,prob", "columns must be"),
])
def test_a_malformed_averages_file_is_rejected_naming_the_file(old, new, problem):
    text = _averages_text()
    assert old in text
    with pytest.raises(HFBenchError) as e:
        parse_published_averages(text.replace(old, new, 1))
    assert AVERAGES_FILE in str(e.value) and problem in str(e.value)


def test_duplicate_published_average_is_rejected():
    text = _averages_text()
    first = text.splitlines()[1]
    with pytest.raises(HFBenchError, match="published_averages.csv:18: duplicate"):
        parse_published_averages(text + first + "\n")


def test_source_links_point_at_the_table_not_an_organisation_page():
    for sid, s in load_sources().items():
        url = s["url"]
        assert url.startswith("https://"), sid
        if url.startswith("https://github.com/"):
            # pinned blob of the file holding the table, with the anchor of its section heading
            assert re.match(r"^https://github\.com/[^/]+/[^/]+/blob/[0-9a-f]{7,40}/\S+\.md#[a-z0-9-]+$", url), (sid, url)
            commit = url.split("/blob/")[1].split("/")[0]
            assert commit in s["citation"], (sid, "the citation names the pinned commit")
        else:
            assert url.rstrip("/").count("/") >= 3, (sid, url)  # a page, not a site root
