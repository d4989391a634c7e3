"""A board view as a URL query string, and back (pure: no gradio), so that a copied link reopens the same view.

Only values that differ from the board's defaults are written, so a plain board reads ``?board=xares`` and a link
stays short. Reading is forgiving in one way only: a value the board does not offer (a renamed column, a probe
that left the table) is dropped, and the rest of the link still applies.

    board   board id                       q       search text
    probe   probe view (boards with one)   split   split
    protocol, probes                       rows    row limit (0 = all)
    sort    column key, __avg__, ...       order   best | worst
    groups, src, size, cols                comma-separated values ('' = none ticked)
    cells   scores | ranks
    tab     a tab that is not a board (details, heatmap, submit, about)
"""

from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import parse_qsl, urlencode

# control name (as the app names its inputs) -> query parameter
PARAM = {"search": "q", "probe": "probe", "split": "split", "protocol": "protocol", "probes": "probes",
         "sort": "sort", "order": "order", "limit": "rows", "groups": "groups", "sources": "src",
         "sizes": "size", "columns": "cols", "cells": "cells"}
LISTS = {"probes", "groups", "sources", "sizes", "columns"}
ORDER = {"best first": "best", "worst first": "worst"}
PAGES = ("details", "heatmap", "submit", "about")


def encode(board_id: str, values: Mapping[str, Any], defaults: Mapping[str, Any]) -> str:
    """``board=...`` plus every control whose value differs from its default, in a stable order."""
    out = [("board", board_id)]
    for name, key in PARAM.items():
        if name not in values:
            continue
        v, d = values[name], defaults.get(name)
        if name in LISTS:
            v, d = list(v or []), list(d or [])
            if sorted(map(str, v)) == sorted(map(str, d)):
                continue
            out.append((key, ",".join(map(str, v))))
            continue
        if v == d or (v in (None, "") and d in (None, "")):
            continue
        out.append((key, ORDER.get(v, v) if name == "order" else ("" if v is None else str(v))))
    return urlencode(out)


def decode(query: str | Mapping[str, str], choices: Mapping[str, Mapping[str, Any]]) -> tuple[str | None, dict]:
    """(board id or page, {control: value}) from a query string.

    ``choices``: board id -> {control name -> the values it accepts (a collection), or ``None`` for free text};
    the returned values are only those the board accepts. A page link (``?tab=heatmap``) returns the page name.
    """
    params = dict(parse_qsl(query, keep_blank_values=True)) if isinstance(query, str) else dict(query)
    board = params.get("board")
    if board not in choices:
        tab = params.get("tab")
        return (tab if tab in PAGES else None), {}
    accepted = choices[board]
    values: dict[str, Any] = {}
    for name, key in PARAM.items():
        if key not in params or name not in accepted:
            continue
        raw, allowed = params[key], accepted[name]
        if name in LISTS:
            items = [x for x in raw.split(",") if x] if raw else []
            values[name] = [x for x in items if allowed is None or x in allowed]
        elif name == "order":
            inverse = {v: k for k, v in ORDER.items()}
            if raw in inverse:
                values[name] = inverse[raw]
        elif name == "limit":
            if raw.isdigit() and (allowed is None or int(raw) in allowed):
                values[name] = int(raw)
        elif allowed is None or raw in allowed:
            values[name] = raw
    return board, values
