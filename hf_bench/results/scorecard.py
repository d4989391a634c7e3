"""result -> scorecard: every task x probe of one encoder variant, normalised, weighted, rendered and plotted.

The weighted average is X-ARES's: ``sum(score * eval_weight) / sum(eval_weight)`` over the tasks a probe ran on,
on scores normalised to [0, 1] (``score_range``). Columns are the probes that produced results, in registry order.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hf_bench.results.schema import EncoderInfo, Scorecard
from hf_bench.utils.io import atomic_write_bytes, atomic_write_json, atomic_write_text

if TYPE_CHECKING:
    from hf_bench.tasks.schema import TaskMetadata

log = logging.getLogger("hf_bench")

PANELS = ("raw", "normalized")    # the figure's panels (scorecard_figure)
DEFAULT_PANELS = ("normalized",)


def score_range(metric: str) -> tuple[float, float]:
    """(worst, best) used to normalise a metric for the weighted average: ``metrics.normalization_range``."""
    from hf_bench.metrics import normalization_range

    return normalization_range(metric)


def weighted_averages(scores: dict[str, dict[str, float]], tasks: dict[str, "TaskMetadata"]):
    """Normalised scores (task -> probe -> [0, 1]) and the X-ARES weighted average per probe, over the tasks
    that probe ran on (weights: each task's ``eval_weight``)."""
    from hf_bench import metrics

    normalized: dict[str, dict[str, float]] = {}
    for name, per_probe in scores.items():
        worst, best = score_range(tasks[name].metric)
        for probe, raw in per_probe.items():
            normalized.setdefault(name, {})[probe] = float(
                metrics.normalized_score(raw, worst=worst, best=best)["normalized_score"])
    weights = {name: tasks[name].eval_weight for name in scores}
    probes = dict.fromkeys(p for per_probe in normalized.values() for p in per_probe)
    averages = {p: metrics.weighted_average({n: v[p] for n, v in normalized.items() if p in v}, weights)
                for p in probes}
    return normalized, averages


def columns(rows: list[dict]) -> list[str]:
    """The probes with at least one result, in registry order (unknown names last)."""
    from hf_bench.probes.registry import probe_names

    present = [p for r in rows for p in r["probes"]]
    known = [p for p in probe_names() if p in present]
    return known + [p for p in dict.fromkeys(present) if p not in known]


def build_scorecard(*, version: str, created_at: str, encoder: EncoderInfo, suite: str | None, protocol: str,
                    results: dict[tuple[str, str], object], tasks: dict[str, "TaskMetadata"],
                    files: list[str], skipped: dict[str, str] | None = None) -> Scorecard:
    scores: dict[str, dict[str, float]] = {}
    for (task, probe), r in results.items():
        scores.setdefault(task, {})[probe] = r.scores.main_score
    normalized, averages = weighted_averages(scores, tasks)
    return Scorecard(hf_bench_version=version, created_at=created_at, encoder=encoder, suite=suite,
                     protocol=protocol, scores=scores, normalized=normalized,
                     weights={n: tasks[n].eval_weight for n in scores}, weighted_average=averages,
                     result_files=sorted(files), skipped=dict(skipped or {}))


def scorecard_stem(folder: Path, card: Scorecard) -> str:
    """``scorecard``, unless that would replace a suite's scorecard with one of another selection (a one-task
    run into the same output folder): then ``scorecard-<tasks>`` (up to three task names, else a hash)."""
    import json

    from hf_bench.utils.io import stable_hash

    existing = folder / "scorecard.json"
    try:
        old = json.loads(existing.read_text(encoding="utf-8")) if existing.is_file() else None
    except (OSError, ValueError):
        old = None
    if not old or not old.get("suite") or old.get("suite") == card.suite:
        return "scorecard"
    names = sorted(card.scores) or ["empty"]
    label = "+".join(names) if len(names) <= 3 else f"{len(names)}tasks-{stable_hash(names, length=6)}"
    return f"scorecard-{card.suite or label}"


def _unchanged(folder: Path, stem: str, card: Scorecard, rows: list[dict], panels=DEFAULT_PANELS) -> bool:
    """The scorecard on disk says what ``card`` says (its creation time aside), with its tables and a figure of
    the same panels."""
    import json

    try:
        old = json.loads((folder / f"{stem}.json").read_text())
        markdown = (folder / f"{stem}.md").read_text()
        tex = (folder / f"{stem}.tex").read_text()
        svg = (folder / f"{stem}.svg").read_text(errors="replace")
    except (OSError, ValueError):
        return False
    if not isinstance(old, dict) or not all((folder / f"{stem}.{fmt}").is_file() for fmt in FIGURE_FORMATS):
        return False
    drawn = sorted((svg.index(f'id="panel-{p}"'), p) for p in PANELS if f'id="panel-{p}"' in svg)
    if tuple(p for _, p in drawn) != _check_panels(panels):
        return False
    then = card.model_copy(update={"created_at": old.get("created_at")})
    return (old == then.model_dump(mode="json") and markdown == render_markdown(then, rows)
            and tex == render_latex(then, rows))


def write_scorecard(folder: Path, card: Scorecard, rows: list[dict], *, panels=DEFAULT_PANELS) -> Path:
    """Write ``<stem>.json`` / ``.md`` / ``.tex`` and the figure as ``.png`` / ``.svg`` / ``.pdf``
    (``scorecard_stem``): a suite's scorecard is never replaced by another selection's. ``panels``: the figure's
    (``scorecard_figure``)."""
    stem = scorecard_stem(folder, card)
    path = folder / f"{stem}.json"
    if _unchanged(folder, stem, card, rows, panels):
        return path  # a warm rerun: the same scores, tables and figure are on disk (matplotlib costs ~1 s)
    atomic_write_json(path, card.model_dump(mode="json"))
    atomic_write_text(folder / f"{stem}.md", render_markdown(card, rows))
    atomic_write_text(folder / f"{stem}.tex", render_latex(card, rows))
    try:
        plot_scorecard(card, rows, folder / f"{stem}.png", panels=panels)
    except Exception as e:  # a plot must never lose the results already written
        log.warning("could not draw %s: %s", folder / f"{stem}.png", e)
    return path


def summary_row(task: "TaskMetadata", results: dict[str, object], n_test: int) -> dict:
    """One table row: the task's facts, then per probe its main score and interval."""
    row = {"task": task.name, "type": task.type.replace("clip_", ""), "domain": task.domain,
           "metric": task.main_score, "metric_name": task.metric, "n_test": n_test, "weight": task.eval_weight,
           "chance": task.chance_level, "probes": list(results)}
    for probe, r in results.items():
        row[probe] = r.scores.main_score
        row[f"{probe}_ci"] = None if r.scores.ci is None else (r.scores.ci.low, r.scores.ci.high)
    return row


def _fmt(v, ci=None) -> str:
    if v is None:
        return "-"
    text = f"{v:.3f}"
    if ci is not None:
        text += f" [{ci[0]:.3f}, {ci[1]:.3f}]"
    return text


def render_table(card: Scorecard, rows: list[dict], *, with_ci: bool = True) -> str:
    from hf_bench.probes.registry import probe_label

    probes = columns(rows)
    headers = ["task", "type", "domain", "metric", "n_test", "chance"] + [probe_label(p) for p in probes]
    body = [[r["task"], r["type"], r["domain"], r["metric"], str(r["n_test"]), _fmt(r["chance"])]
            + [_fmt(r.get(p), r.get(f"{p}_ci") if with_ci else None) for p in probes] for r in rows]
    avg = card.weighted_average
    body.append(["weighted average", "", "", "normalized", str(sum(card.weights.values())), ""]
                + [_fmt(avg.get(p)) for p in probes])
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    sep = "  ".join("-" * w for w in widths)
    out = [line, sep] + ["  ".join(c.ljust(w) for c, w in zip(b, widths)) for b in body[:-1]] + [sep]
    out.append("  ".join(c.ljust(w) for c, w in zip(body[-1], widths)))
    if card.skipped:
        out.append(f"not run ({len(card.skipped)} task(s) without data on this machine):")
        out += [f"  {name}: {why}" for name, why in card.skipped.items()]
    return "\n".join(out)


def render_markdown(card: Scorecard, rows: list[dict]) -> str:
    from hf_bench.probes.registry import probe_label

    probes = columns(rows)
    protocol = "" if card.protocol == "default" else f" Protocol `{card.protocol}` (see the README, --compat)."
    covers = f"suite `{card.suite}`" if card.suite else f"{len(card.scores)} selected task(s)"
    lines = [f"# Scorecard: {card.encoder.name}", "",
             f"hf_bench {card.hf_bench_version}, {card.created_at}; encoder fingerprint `{card.encoder.fingerprint}`, "
             f"layer `{card.encoder.layer}`; {covers}. Scores are each task's metric on the test split (k-fold: mean "
             f"over folds); brackets give a 95% bootstrap interval over test items.{protocol} The weighted average "
             "is X-ARES's: each task's score normalised as (score - worst) / (best - worst) of its metric (accuracy, "
             "mAP, F1, R@1, iWER: 0 to 1; CCC: 0 to 1, a negative CCC counting 0; WER / CER / concept error rate: 100 % "
             "to 0; BLEU: 0 to 100), "
             "weighted by the task's eval_weight (min(2000, test size)). The figure: the .png / .svg / .pdf beside this file.",
             "",
             "| task | type | domain | metric | n test | chance | " + " | ".join(probe_label(p) for p in probes) + " |",
             "|---|---|---|---|---:|---:|" + "---:|" * len(probes)]
    for r in rows:
        lines.append(f"| {r['task']} | {r['type']} | {r['domain']} | {r['metric']} | {r['n_test']} | {_fmt(r['chance'])} | "
                     + " | ".join(_fmt(r.get(p), r.get(f"{p}_ci")) for p in probes) + " |")
    avg = card.weighted_average
    lines.append(f"| **weighted average** (normalized, weights = eval_weight) | | | | {sum(card.weights.values())} | | "
                 + " | ".join(f"**{_fmt(avg.get(p))}**" for p in probes) + " |")
    if card.skipped:
        lines += ["", f"Not run ({len(card.skipped)} task(s) without data on this machine, `--skip-missing`):", ""]
        lines += [f"- `{name}`: {why}" for name, why in card.skipped.items()]
    return "\n".join(lines) + "\n"


def render_latex(card: Scorecard, rows: list[dict], *, float_env: bool = True) -> str:
    """The scorecard as a booktabs LaTeX table (``<stem>.tex``): tasks as rows (the Markdown table's order), probes
    as columns, each task's best probe bold and second best underlined in its metric's direction (ties share the
    mark; a task with one probe gets none), ``-`` where a probe did not run, then the weighted average row
    (normalised, higher is better), marked the same way where every probe ran on the same tasks. ``float_env``: in a ``table`` float with a caption."""
    from hf_bench import metrics
    from hf_bench.probes.registry import probe_label
    from hf_bench.utils import latex

    probes = columns(rows)
    out = [rf"\begin{{tabular}}{{lll{'r' * len(probes)}}}", r"\toprule",
           latex.row(["Task", "Domain", "Metric"] + [latex.escape(probe_label(p)) for p in probes]), r"\midrule"]
    for r in rows:
        higher = metrics.get_metric(r["metric_name"]).higher_is_better
        marks = latex.ranks({p: r.get(p) for p in probes}, higher, 3, min_values=2)
        out.append(latex.row([latex.escape(r["task"]), latex.escape(r["domain"]),
                              f"{latex.escape(r['metric'])} {latex.arrow(higher)}"]
                             + [latex.mark(latex.fmt(r.get(p), 3), marks.get(p)) for p in probes]))
    avg = card.weighted_average
    # averages are ranked only where every probe ran on the same tasks (else they average different things)
    same_tasks = len({frozenset(t for t, v in card.normalized.items() if p in v) for p in probes}) == 1
    marks = latex.ranks({p: avg.get(p) for p in probes}, True, 3, min_values=2) if same_tasks else {}
    out += [r"\midrule", latex.row([r"\multicolumn{3}{l}{Weighted average (normalised) " + latex.UP + "}"]
                                   + [latex.mark(latex.fmt(avg.get(p), 3), marks.get(p)) for p in probes]),
            r"\bottomrule", r"\end{tabular}"]
    tabular = "\n".join(out)
    head = f"% hf_bench scorecard: {card.encoder.name}; needs \\usepackage{{booktabs}}"
    if not float_env:
        return f"{head}\n{tabular}\n"
    mode = "" if card.protocol == "default" else f", {card.protocol} protocol"
    covers = f"suite {card.suite}" if card.suite else f"{len(card.scores)} selected task(s)"
    caption = (f"hf\\_bench scorecard of {latex.escape(card.encoder.name)} (layer {latex.escape(card.encoder.layer)}, "
               f"{latex.escape(covers)}{latex.escape(mode)}): each task's metric on the test split (k-fold: mean over "
               f"folds). Best probe per task in bold, second underlined; {latex.UP}/{latex.DOWN}: higher/lower is "
               f"better; {latex.MISSING}: not run. Weighted average: X-ARES's, each score normalised as "
               f"(score - worst) / (best - worst) of its metric, weighted by the task's eval\\_weight.")
    label = "tab:hf-bench-scorecard-" + "".join(ch if ch.isalnum() or ch in "-." else "-"
                                                 for ch in card.encoder.name.lower())
    return f"{head}\n{latex.in_float(tabular, caption=caption, label=label)}\n"


_COLORS = ("#3b6fb6", "#e08a2c", "#4f9d5a", "#9b59b6", "#c0392b")


FIGURE_FORMATS = ("png", "svg", "pdf")
_DOMAIN_ORDER = ("speech", "sound", "music")


def _check_panels(panels) -> tuple[str, ...]:
    panels = tuple(dict.fromkeys(panels or DEFAULT_PANELS))
    bad = [p for p in panels if p not in PANELS]
    if bad:
        raise ValueError(f"unknown scorecard panel(s) {bad}: use {' / '.join(PANELS)}")
    return panels


def scorecard_figure(card: Scorecard, rows: list[dict], *, panels=DEFAULT_PANELS):
    """The scorecard as a matplotlib figure: per task (grouped by domain, the metric under its name) one bar per
    probe, with its bootstrap interval, a dashed chance line per task, and the legend (with each probe's weighted
    average) outside the axes.

    ``panels`` (top to bottom): ``"normalized"`` (the default, alone) draws each score normalised to [0, 1] by its
    metric's worst and best value (``score_range``, the weighted average's normalisation; card.normalized);
    ``"raw"`` draws the scores as the table prints them (metric units, each value written on its bar; heights on
    the metric's range, not flipped for lower-is-better metrics, so a WER of 16.7 is a short bar labelled 16.7).
    ``("raw", "normalized")``: both, one above the other, same tasks, order and domain groups."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hf_bench import metrics
    from hf_bench.probes.registry import probe_label

    panels = _check_panels(panels)
    order = sorted(range(len(rows)), key=lambda i: (_DOMAIN_ORDER.index(rows[i]["domain"])
                                                    if rows[i]["domain"] in _DOMAIN_ORDER else 9, i))
    rows = [rows[i] for i in order]
    names = [r["task"] for r in rows]
    probes = columns(rows)
    x = np.arange(len(names))
    height = 4.6 + 3.4 * (len(panels) - 1)
    fig, axes = plt.subplots(len(panels), 1, sharex=True, squeeze=False,
                             figsize=(max(6.5, 0.85 * len(names) + 3.2), height), dpi=120)
    axes = list(axes[:, 0])
    ranges = [score_range(r["metric_name"]) for r in rows]

    def norm(v, rng):
        return min(1.0, max(0.0, (v - rng[0]) / (rng[1] - rng[0])))

    def on_range(v, rng):  # raw panel: the value's place on its metric's range, lower-is-better not flipped
        lo, hi = min(rng), max(rng)
        return (v - lo) / (hi - lo)

    width = 0.8 / max(1, len(probes))
    for ax, kind in zip(axes, panels):
        ax.set_gid(f"panel-{kind}")
        low = 0.0
        for j, probe in enumerate(probes):
            offset = (j - (len(probes) - 1) / 2) * width
            ran = [k for k, n in enumerate(names) if probe in card.normalized.get(n, {})]  # no bar where it did not run
            if kind == "normalized":
                heights = [card.normalized[names[k]][probe] for k in ran]
                ends = [None if rows[k].get(f"{probe}_ci") is None else
                        (norm(rows[k][f"{probe}_ci"][0], ranges[k]), norm(rows[k][f"{probe}_ci"][1], ranges[k]))
                        for k in ran]
            else:
                heights = [on_range(card.scores[names[k]][probe], ranges[k]) for k in ran]
                ends = [None if rows[k].get(f"{probe}_ci") is None else
                        (on_range(rows[k][f"{probe}_ci"][0], ranges[k]), on_range(rows[k][f"{probe}_ci"][1], ranges[k]))
                        for k in ran]
                low = min([low] + heights)
            # the CI is in metric units; both mappings are linear, so map its ends the same way
            errs = np.array([[0.0, 0.0] if e is None else sorted([abs(h - e[0]), abs(e[1] - h)])
                             for e, h in zip(ends, heights)]).reshape(-1, 2).T
            avg = card.weighted_average.get(probe)
            label = f"{probe_label(probe)} (weighted avg {avg:.3f})" if avg is not None else probe_label(probe)
            ax.bar(x[ran] + offset, heights, width=width, color=_COLORS[j % len(_COLORS)], label=label, yerr=errs,
                   capsize=2, gid=f"bars-{probe}")
            if kind == "raw":
                for k, h, e in zip(ran, heights, ends):  # the value above its bar and interval
                    ax.annotate(_fmt_raw(card.scores[names[k]][probe]), (x[k] + offset, max(h, 0.0, *(e or ()))),
                                xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", rotation=90,
                                fontsize=6, color="#333", gid="raw-value")
        chance_drawn = False
        for i, r in enumerate(rows):
            if r["chance"] is not None:
                y = norm(r["chance"], ranges[i]) if kind == "normalized" else on_range(r["chance"], ranges[i])
                ax.hlines(y, i - 0.42, i + 0.42, colors="#555", linestyles="dashed", linewidth=1,
                          label=None if chance_drawn else "chance (per task)")
                chance_drawn = True
        # domain groups: a separator between domains (every panel), the domain's name above the top panel's tasks
        start = 0
        for i in range(1, len(rows) + 1):
            if i == len(rows) or rows[i]["domain"] != rows[start]["domain"]:
                if i < len(rows):
                    ax.axvline(i - 0.5, color="#999", linewidth=0.8)
                if ax is axes[0]:
                    ax.text((start + i - 1) / 2, 1.01, rows[start]["domain"], ha="center", va="bottom", fontsize=9,
                            color="#333", transform=ax.get_xaxis_transform())
                start = i
        ax.set_xlim(-0.6, len(rows) - 0.4)
        if kind == "normalized":
            ax.set_ylim(0, 1.05)
            ax.set_ylabel("normalised score\n(score - worst) / (best - worst)")
        else:
            ax.set_ylim(min(0.0, low - 0.05), 1.25)  # room for the printed values
            lower = sorted({r["metric"] for r in rows if not metrics.get_metric(r["metric_name"]).higher_is_better})
            ax.set_ylabel("score as printed\n(bar: place on the metric's range" +
                          (f";\n{', '.join(lower)}: lower is better)" if lower else ")"))
        ax.grid(axis="y", alpha=0.3)
    ax = axes[-1]
    ax.set_xticks(x, [f"{r['task']}\n{r['metric']}" for r in rows], rotation=30, ha="right", fontsize=8)
    mode = "" if card.protocol == "default" else f" [{card.protocol} protocol]"
    suite = f", {card.suite}" if card.suite else ""
    axes[0].set_title(f"hf_bench scorecard: {card.encoder.name}{mode}{suite}", pad=18)
    handles, labels = axes[0].get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: labels[i].startswith("chance"))  # the probes first
    axes[0].legend([handles[i] for i in order], [labels[i] for i in order], loc="upper left",
                   bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def _fmt_raw(v: float) -> str:
    return f"{v:.3f}" if abs(v) <= 1.5 else f"{v:.1f}"


def plot_scorecard(card: Scorecard, rows: list[dict], path: Path, *, panels=DEFAULT_PANELS) -> list[Path]:
    """Draw the scorecard once and write it as PNG, SVG and PDF beside ``path`` (its suffix is replaced);
    ``panels``: see ``scorecard_figure``."""
    import matplotlib.pyplot as plt

    fig = scorecard_figure(card, rows, panels=panels)
    written = []
    try:
        for fmt in FIGURE_FORMATS:
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
            target = Path(path).with_suffix(f".{fmt}")
            atomic_write_bytes(target, buf.getvalue())
            written.append(target)
    finally:
        plt.close(fig)
    return written


def summary_json(scorecards) -> dict:
    """The documented machine-readable summary: {task: {probe: main_score}, "weighted_average": {probe: value}}
    (with several layer variants: one such object per layer under ``"layer_<i>"``). Takes a run's outcome or its
    scorecards."""
    scorecards = getattr(scorecards, "scorecards", scorecards)

    def one(card: Scorecard) -> dict:
        return {**{t: dict(p) for t, p in card.scores.items()}, "weighted_average": dict(card.weighted_average)}

    if len(scorecards) == 1:
        return one(next(iter(scorecards.values())))
    return {f"layer_{layer}": one(card) for layer, card in scorecards.items()}


__all__ = ["score_range", "weighted_averages", "build_scorecard", "write_scorecard", "summary_row", "render_table",
           "render_markdown", "render_latex", "plot_scorecard", "scorecard_figure", "summary_json", "columns",
           "PANELS", "DEFAULT_PANELS"]
