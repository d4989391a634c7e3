"""LaTeX table helpers shared by the leaderboard's board export and the scorecard's ``scorecard.tex``.

Tables are booktabs ``tabular`` (``\\usepackage{booktabs}``); the conventions are the published tables': the best
value of a column bold, the second best underlined, equal printed values sharing the mark, a missing value ``-``.
"""

from __future__ import annotations

import math
from typing import Iterable, Mapping

_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
            "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}",
            ">": r"\textgreater{}", "|": r"\textbar{}"}
MISSING = "-"
UP, DOWN = r"$\uparrow$", r"$\downarrow$"


def escape(text: object) -> str:
    """``text`` as LaTeX text: every special character escaped (model names carry ``_ & % #``)."""
    return "".join(_SPECIAL.get(ch, ch) for ch in str(text))


def arrow(higher_is_better: bool) -> str:
    return UP if higher_is_better else DOWN


def is_missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def fmt(v, decimals: int) -> str:
    return MISSING if is_missing(v) else f"{float(v):.{decimals}f}"


def mark(text: str, how: str | None) -> str:
    """A cell's text bold (``'best'``), underlined (``'second'``) or as is."""
    if how == "best":
        return rf"\textbf{{{text}}}"
    if how == "second":
        return rf"\underline{{{text}}}"
    return text


def ranks(values: Mapping[str, float | None], higher_is_better: bool, decimals: int, *,
          min_values: int = 1) -> dict[str, str]:
    """Key -> ``'best'`` / ``'second'`` over the printed (rounded) values; ties share the mark, missing values get
    none. Fewer than ``min_values`` values: no marks."""
    printed = {k: round(float(v), decimals) for k, v in values.items() if not is_missing(v)}
    if len(printed) < max(1, min_values):
        return {}
    distinct = sorted(set(printed.values()), reverse=higher_is_better)
    out = {}
    for k, v in printed.items():
        if v == distinct[0]:
            out[k] = "best"
        elif len(distinct) > 1 and v == distinct[1]:
            out[k] = "second"
    return out


def row(cells: Iterable[str]) -> str:
    return " & ".join(cells) + r" \\"


def in_float(tabular: str, *, caption: str | None, label: str | None, wide: bool = False) -> str:
    """``tabular`` in a ``table`` float (``table*`` and scaled to the text width when ``wide``: needs graphicx)."""
    env = "table*" if wide else "table"
    body = (f"\\resizebox{{\\textwidth}}{{!}}{{%\n{tabular}\n}}" if wide else tabular)
    lines = [rf"\begin{{{env}}}[t]", r"\centering"]
    if caption:
        lines.append(rf"\caption{{{caption}}}")
    if label:
        lines.append(rf"\label{{{label}}}")
    lines += [body, rf"\end{{{env}}}"]
    return "\n".join(lines)


__all__ = ["escape", "arrow", "fmt", "mark", "ranks", "row", "in_float", "MISSING", "is_missing"]
