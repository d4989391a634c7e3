"""Board views as LaTeX tables (`hf-bench leaderboard export --format latex`): structure, marks, escaping, NaN.

Compile-free: the tables are parsed back (cells per row, \\multicolumn spans, \\cmidrule ranges); no pdflatex."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from hf_bench.cli import main
from hf_bench.errors import HFBenchError
from hf_bench.leaderboard import table as table_module
from hf_bench.leaderboard.catalog import Board, Column
from hf_bench.leaderboard.export import board_latex, select_models
from hf_bench.leaderboard.views import AVG, BoardView, Query, _ranks

NAN = math.nan


@pytest.fixture(scope="module")
def _reference():
    return table_module.reference_table()


@pytest.fixture
def cli(monkeypatch, tmp_path, _reference):
    """In an empty folder (no ./leaderboard.parquet: the export reads the shipped published rows), built once."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(table_module, "reference_table", lambda: _reference)
    return lambda *args: main(["leaderboard", "export", *args])


def parse(tex: str) -> dict:
    """The tabular of ``tex``: its column spec, header/body rows as cell lists, and the cmidrule ranges."""
    spec = re.search(r"\\begin\{tabular\}\{([lcr]+)\}", tex).group(1)
    body = tex[tex.index(r"\toprule"):tex.index(r"\bottomrule")]
    head, rows = body.split(r"\midrule", 1)
    split = lambda line: [c.strip() for c in re.split(r"(?<!\\)&", line.rstrip().removesuffix(r"\\"))]  # noqa: E731
    lines = lambda part: [ln for ln in part.splitlines() if ln.rstrip().endswith(r"\\")]  # noqa: E731
    return {"spec": spec, "head": [split(ln) for ln in lines(head)], "rows": [split(ln) for ln in lines(rows)],
            "cmidrules": [tuple(map(int, m)) for m in re.findall(r"\\cmidrule\(lr\)\{(\d+)-(\d+)\}", head)]}


def width(cells: list[str]) -> int:
    return sum(int(m.group(1)) if (m := re.match(r"\\multicolumn\{(\d+)\}", c)) else 1 for c in cells)


def _view() -> BoardView:
    cols = [Column("acc", "Acc", "accuracy task", "speech", "accuracy", True, weight=1.0, decimals=3),
            Column("wer", "WER_%", "a WER task", "speech", "wer", False, decimals=1),
            Column("map", "mAP", "a mAP task", "music", "mean_average_precision", True, weight=1.0, decimals=3)]
    board = Board(id="toy", benchmark="toy", title="Toy & Co", tab="Toy", description="", group_label="Domain",
                  groups=("speech", "music"), columns=tuple(cols), average=True)
    names = ["a_b&c", "x%y#z", "plain", "tie_model"]
    values = {"acc": [0.9, 0.8, 0.9, NAN], "wer": [10.0, 20.04, 5.0, 19.96], "map": [0.5, NAN, 0.1, 0.3]}
    rows = pd.DataFrame({"model": names, "source_kind": "reference", "source": "toy_src", "probe": "published",
                         **values, AVG: [0.7, NAN, 0.5, NAN]}, index=[f"k{i}" for i in range(4)])
    decimals = {"acc": 3, "wer": 1, "map": 3, AVG: 3}
    highlight = {c.task: _ranks(rows[c.task], c.higher_is_better, decimals[c.task]) for c in cols}
    highlight[AVG] = _ranks(rows[AVG], True, 3)
    return BoardView(board=board, query=Query("toy", split="test"), columns=cols, rows=rows, highlight=highlight,
                     decimals=decimals, avg_label="W.avg", avg_tasks=["acc", "map"], n_filtered=4, n_matched=4,
                     sort_by=AVG)


def test_structure_groups_and_header():
    t = parse(board_latex(_view(), float_env=False))
    assert t["spec"] == "l" + "r" * 4  # model, 3 tasks, the average
    assert all(width(r) == len(t["spec"]) for r in t["head"] + t["rows"])
    groups, header = t["head"]
    assert groups[1:3] == [r"\multicolumn{2}{c}{Speech}", r"\multicolumn{1}{c}{Music}"]
    assert t["cmidrules"] == [(2, 3), (4, 4)]
    assert header == ["Model", r"Acc $\uparrow$", r"WER\_\% $\downarrow$", r"mAP $\uparrow$", r"W.avg $\uparrow$"]
    assert len(t["rows"]) == 4


def test_best_bold_second_underlined_in_each_direction_ties_share_and_nan_is_a_dash():
    rows = {r[0]: r[1:] for r in parse(board_latex(_view(), float_env=False))["rows"]}
    a, x, plain, tie = rows[r"a\_b\&c"], rows[r"x\%y\#z"], rows["plain"], rows[r"tie\_model"]
    # accuracy (higher is better): two rows tie at 0.900, both bold; 0.800 underlined; NaN "-"
    assert (a[0], plain[0], x[0], tie[0]) == (r"\textbf{0.900}", r"\textbf{0.900}", r"\underline{0.800}", "-")
    # WER (lower is better): 5.0 bold, 10.0 underlined; 20.04 and 19.96 print as 20.0: a tie, no mark
    assert (plain[1], a[1], x[1], tie[1]) == (r"\textbf{5.0}", r"\underline{10.0}", "20.0", "20.0")
    assert (a[2], tie[2], plain[2], x[2]) == (r"\textbf{0.500}", r"\underline{0.300}", "0.100", "-")
    assert (a[3], plain[3], x[3]) == (r"\textbf{0.700}", r"\underline{0.500}", "-")


def test_float_caption_names_board_split_and_sources_escaped():
    tex = board_latex(_view(), sources={"toy_src": {"title": "Toy paper, table 2 (50% off)"}})
    assert tex.count(r"\begin{table}") == 1 and tex.rstrip().endswith(r"\end{table}")
    caption = re.search(r"\\caption\{(.*)\}\n", tex).group(1)
    assert caption.startswith(r"Toy \& Co, test split.") and r"Sources: Toy paper, table 2 (50\% off)." in caption
    assert r"\label{tab:hf-bench-toy}" in tex
    # no unescaped special character anywhere in the cells
    for row in parse(tex)["rows"]:
        assert not re.search(r"(?<!\\)[%#_]", row[0])


def test_selected_models_are_marked_among_themselves():
    view = select_models(_view(), ["x%y#z", "tie_model"])
    rows = {r[0]: r[1:] for r in parse(board_latex(view, float_env=False))["rows"]}
    assert list(rows) == [r"x\%y\#z", r"tie\_model"]
    assert rows[r"x\%y\#z"][0] == r"\textbf{0.800}" and rows[r"tie\_model"][2] == r"\textbf{0.300}"
    with pytest.raises(HFBenchError, match="did you mean 'plain'"):
        select_models(_view(), ["plai"])


def test_cli_exports_the_published_xares_mlp_view(cli, tmp_path, capsys):
    out = tmp_path / "xares.tex"
    assert cli("--format", "latex", "--board", "xares", "-o", str(out)) == 0
    tex = out.read_text()
    assert "published reference rows only" in capsys.readouterr().err
    assert r"\begin{table*}" in tex and "MLP (X-ARES protocol), test split" in tex
    t = parse(tex)
    assert len(t["spec"]) == 1 + 22 + 1 and all(width(r) == len(t["spec"]) for r in t["head"] + t["rows"])
    assert t["cmidrules"] == [(2, 12), (13, 19), (20, 23)]
    rows = {r[0]: r for r in t["rows"]}
    assert len(rows) == 4 and rows["dasheng-base"][-1] == r"\textbf{0.724}"  # the best W.avg
    assert all(sum(c.startswith(r"\textbf") for c in col) >= 1 for col in list(zip(*t["rows"]))[1:])
    # stdout, a bare tabular, two models
    assert cli("--format", "latex", "--board", "xares", "--probe", "knn+xares",
               "--models", "dasheng-base,data2vec-audio-base", "--no-float") == 0
    text = capsys.readouterr().out
    assert r"\begin{table" not in text and len(parse(text)["rows"]) == 2


def test_cli_latex_errors_exit_2(cli, capsys):
    cases = [(["--format", "latex"], "--board"),
             (["dasheng-base", "--format", "latex", "--board", "xares"], "--models dasheng-base"),
             (["dasheng-base", "--board", "xares"], "add --format latex"),
             (["--format", "latex", "--board", "nope"], "unknown board"),
             (["--format", "latex", "--board", "xares", "--probe", "svm"], "mlp+xares"),
             (["--format", "latex", "--board", "xares", "--models", "dashen"], "did you mean 'dasheng-base'")]
    for args, expected in cases:
        assert cli(*args) == 2, args
        assert expected in capsys.readouterr().err, args
