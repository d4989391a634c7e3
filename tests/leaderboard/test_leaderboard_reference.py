"""The shipped reference rows are the published tables, exactly as printed (checked against the seed documents)."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import pytest

from hf_bench.leaderboard.catalog import REFERENCE, load_reference, load_sources
from hf_bench.leaderboard.table import reference_table
from hf_bench.leaderboard.views import BoardViews, Query

SHARED = Path(os.environ.get("HF_BENCH_SHARED") or Path(__file__).resolve().parents[3] / "shared")
SEEDS = SHARED / "seeds"
REF = SHARED / "reference"


def _seed(prefix: str) -> str:
    hits = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not hits:
        pytest.skip(f"seed {prefix}_*.txt not available under {SEEDS}")
    return hits[0].read_text(encoding="utf-8")


def _ref_doc(name: str) -> str:
    path = REF / name
    if not path.is_file():
        pytest.skip(f"{path} not available")
    return path.read_text(encoding="utf-8")


def _shipped(board: str, source: str | None = None, probe: str | None = None) -> dict[tuple[str, str], str]:
    return {(r.model, r.task): r.value_text for r in load_reference()
            if r.board == board and (source is None or r.source == source) and (probe is None or r.probe == probe)}


@pytest.fixture(scope="module")
def views() -> BoardViews:
    return BoardViews(reference_table())


# ---------------------------------------------------------------- LeBenchmark (seed 000, markdown table)
LEB_HEADERS = {"ASR-hybrid ETAPE": "etape_asr_hybrid", "ASR-e2e CommonVoice": "commonvoice_asr_e2e",
               "ASR-e2e ETAPE": "etape_asr_e2e", "SLU MEDIA": "media_slu", "AST mTEDx fr-en": "mtedx_ast_fr_en",
               "AST mTEDx fr-es": "mtedx_ast_fr_es", "AST mTEDx fr-pt": "mtedx_ast_fr_pt",
               "AER RECOLA Valence": "recola_valence", "AER RECOLA Arousal": "recola_arousal",
               "AER AlloSat": "allosat"}


def _lebenchmark_seed() -> tuple[dict, set]:
    text = _seed("000")
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    header = [h.strip() for h in lines[0].strip("| \n").split("|")]
    tasks = [LEB_HEADERS[h] for h in header[1:] if h]
    values, bold = {}, set()
    for ln in lines[2:]:
        cells = [c.strip() for c in ln.strip().strip("|").split("|")]
        model = re.sub(r"<a\b.*$", "", cells[0]).strip()
        for task, cell in zip(tasks, cells[1:]):
            if cell.startswith("**"):
                bold.add((model, task))
            values[(model, task)] = cell.replace("*", "").strip()
    return values, bold


def test_lebenchmark_rows_are_the_seed_values():
    values, _ = _lebenchmark_seed()
    assert len(values) == 70
    assert _shipped("lebenchmark", "lebenchmark_leaderboard") == values
    assert values[("W2V-Fr-7K-large", "etape_asr_hybrid")] == "25.64"


def test_lebenchmark_bold_cells_are_our_best(views):
    _, bold = _lebenchmark_seed()
    view = views.query(Query("lebenchmark", sources=[REFERENCE]))
    ours = {(view.rows.loc[k, "model"], task) for task, marks in view.highlight.items()
            for k, m in marks.items() if m == "best"}
    assert ours == bold


def test_lebenchmark_repo_rows_match_the_reference_doc():
    doc = _ref_doc("lebenchmark.md")

    def table(section: str, until: str) -> dict[str, list[str]]:
        body = doc.split(section, 1)[1].split(until, 1)[0]
        rows = {}
        for ln in body.splitlines():
            cells = [c.strip() for c in ln.strip().strip("|").split("|")]
            if ln.startswith("|") and len(cells) > 2 and not set(cells[1]) <= set("-"):
                rows.setdefault(cells[0], cells[1:])
        return rows

    hybrid = table("### 7.1", "Default Kaldi")
    ast = table("### 7.2", "*(b)")
    shipped_h = _shipped("lebenchmark", "lebenchmark_repo_asr_hybrid")
    shipped_a = _shipped("lebenchmark", "lebenchmark_repo_ast")
    names_h = {"W2V2-En-large": "W2V2-En-large", "XLSR-53-large": "XLSR-53-large", "W2V-Fr-2.6K-base": "W2V2-Fr-2.6K-base"}
    for ours, theirs in names_h.items():
        assert shipped_h[(ours, "etape_asr_hybrid")] == hybrid[theirs][3]  # LM ESTER-1,2+EPAC, test
    names_a = {"W2V2-En-base": "En-base", "W2V2-En-large": "En-large", "XLSR-53-large": "XLSR-53-large",
               "W2V-Fr-2.6K-base": "Fr-2.6K-base"}
    for ours, theirs in names_a.items():
        for i, task in enumerate(("mtedx_ast_fr_en", "mtedx_ast_fr_es", "mtedx_ast_fr_pt")):
            assert shipped_a[(ours, task)] == ast[theirs][3 + i]
    # models already on the leaderboard page are not duplicated from the repo tables
    page_models = {m for m, _ in _shipped("lebenchmark", "lebenchmark_leaderboard")}
    assert not page_models & {m for m, _ in {**shipped_h, **shipped_a}}


# ---------------------------------------------------------------- WenetSpeech-Wu (seed 002, HTML tables)
def _wu_tables():
    text = _seed("002")
    asr_part, und_part = text.split("Speech understanding performance", 1)
    und_part = und_part.split("</table>", 1)[0]

    def parse(part, tasks):
        values, marks = {}, {}
        for tr in re.findall(r"<tr>(.*?)</tr>", part, re.S):
            tds = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
            if len(tds) != len(tasks) + 1:
                continue
            model = re.sub(r"<[^>]+>", "", tds[0]).replace("⭐", "").strip()
            for task, cell in zip(tasks, tds[1:]):
                values[(model, task)] = re.sub(r"<[^>]+>", "", cell).strip()
                if "<b>" in cell:
                    marks[(model, task)] = "best"
                elif "<ins>" in cell:
                    marks[(model, task)] = "second"
        return values, marks

    asr = parse(asr_part, ["wu_inhouse_dialogue_asr", "wu_inhouse_reading_asr", "wu_bench_asr"])
    und = parse(und_part, ["wu_bench_asr", "wu_bench_ast", "wu_bench_gender", "wu_bench_age", "wu_bench_emotion"])
    return asr, und


def test_wenetspeech_wu_rows_are_the_seed_values():
    (asr, _), (und, _) = _wu_tables()
    assert len(asr) == 45 and len(und) == 15
    assert _shipped("wenetspeech_wu_asr") == asr
    assert _shipped("wenetspeech_wu_und") == und
    assert asr[("Step-Audio2-Wu-ASR", "wu_bench_asr")] == "12.85"


@pytest.mark.parametrize("board,which", [("wenetspeech_wu_asr", 0), ("wenetspeech_wu_und", 1)])
def test_wenetspeech_wu_bold_and_underline_match_the_seed(views, board, which):
    seed_marks = _wu_tables()[which][1]
    view = views.query(Query(board, sources=[REFERENCE]))
    ours = {(view.rows.loc[k, "model"], task): m for task, marks in view.highlight.items() for k, m in marks.items()}
    assert ours == seed_marks


def test_wenetspeech_wu_star_marks_authors_models():
    starred = {r.model for r in load_reference() if "released by the WenetSpeech-Wu authors" in r.tags}
    assert starred == {"Conformer-U2pp-Wu", "Whisper-medium-Wu", "Step-Audio2-Wu-ASR", "Step-Audio2-Wu-Und"}


# ---------------------------------------------------------------- X-ARES README (reference/xares.md)
XARES_NAMES = {"ASV2015": "asvspoof2015", "Clotho": "clotho", "CREMA-D": "cremad", "DESED": "desed",
               "ESC-50": "esc50", "FSC": "fluentspeechcommands", "FMA": "freemusicarchive", "FSD50k": "fsd50k",
               "FSD18": "fsdkaggle2018", "GTZAN": "gtzan_genre", "LibriCount": "libricount",
               "LibriSpeech-MF": "librispeechmalefemale", "MAESTRO": "maestro", "NSynth": "nsynthinstument",
               "RAVDESS": "ravdess", "SC V1": "speechcommandsv1", "US8K": "urbansound8k",
               "Vocal Imitation": "vocalimitations", "VocalSound": "vocalsound", "VoxCeleb1": "voxceleb1",
               "VoxLingua33": "voxlingua33", "LibriSpeech-100h": "librispeech"}
XARES_MODELS = ["dasheng-base", "wav2vec2-large-100k-voxpopuli", "whisper-base (encoder)", "data2vec-audio-base"]


def _xares_readme():
    doc = _ref_doc("xares.md")
    section = doc.split("### README baseline results", 1)[1].split("\n## ", 1)[0]
    mlp, knn = section.split("kNN (public tasks):", 1)
    out = {}
    for probe, part in (("mlp", mlp), ("knn", knn)):
        for ln in part.splitlines():
            cells = [c.strip() for c in ln.strip().strip("|").split("|")]
            if not ln.startswith("|") or len(cells) != 4:
                continue
            for name, cell in ((cells[0], cells[1]), (cells[2], cells[3])):
                if name not in XARES_NAMES:
                    continue
                out[(probe, XARES_NAMES[name])] = cell
    return out


def test_xares_rows_are_the_readme_values():
    readme = _xares_readme()
    assert len(readme) == 22 + 16
    notes = {(r.probe, r.model, r.task): r.note for r in load_reference() if r.board == "xares"}
    for probe in ("mlp", "knn"):
        shipped = _shipped("xares", probe=probe)
        assert len(shipped) == len([k for k in readme if k[0] == probe]) * 4
        for (p, task), cell in readme.items():
            if p != probe:
                continue
            m = re.fullmatch(r"(\S+) \(v0\.1\.3: (\S+)\)", cell)
            printed = (m.group(2) if m else cell).split("/")
            for model, value in zip(XARES_MODELS, printed):
                assert shipped[(model, task)] == value, (probe, task, model)
            if m:  # the superseded pre-0.1.3 value is kept in the note
                for model, old in zip(XARES_MODELS, m.group(1).split("/")):
                    assert old in notes[(probe, model, task)]


@pytest.mark.parametrize("probe,expected", [
    ("knn", {"dasheng-base": 0.504, "wav2vec2-large-100k-voxpopuli": 0.263, "whisper-base (encoder)": 0.299,
             "data2vec-audio-base": 0.387}),
    ("mlp", {"dasheng-base": 0.724, "wav2vec2-large-100k-voxpopuli": 0.520, "whisper-base (encoder)": 0.651,
             "data2vec-audio-base": 0.586}),
])
def test_xares_weighted_average_reproduces_the_recomputed_values(views, probe, expected):
    # xares.md §9 "[computed]": kNN public and MLP public with the v0.1.3 LibriSpeech numbers
    view = views.query(Query("xares", probe=f"{probe}+xares"))  # the published numbers' own protocol
    got = dict(zip(view.rows["model"], view.rows["__avg__"]))
    for model, value in expected.items():
        assert math.isclose(got[model], value, abs_tol=0.0015), (model, got[model], value)


def test_every_reference_value_names_a_known_source():
    sources = load_sources()
    for r in load_reference():
        assert r.source in sources
        assert sources[r.source]["citation"] and sources[r.source]["label"]
        assert r.value_text == "-" or math.isclose(r.value, float(r.value_text))


def test_xares_columns_agree_with_the_task_registry():
    from hf_bench.leaderboard.catalog import default_boards
    from hf_bench.tasks.xares import XARES_TASKS

    board = next(b for b in default_boards() if b.id == "xares")
    registry = {t.name: t for t in XARES_TASKS}
    assert {c.task for c in board.columns} == set(registry)
    for c in board.columns:
        t = registry[c.task]
        assert (c.group, c.weight, "knn" in c.probes) == (t.domain, t.eval_weight, t.do_knn), c.task
