"""Writers of a :class:`FairnessReport`: HTML (self-contained), Markdown model card, JSON.

The HTML page has inline CSS and inline SVG figures, so it makes no request
when opened; it prints on A4/Letter with each section kept together where it fits.

Lesson: 11-choosing-an-intervention
"""

from __future__ import annotations

import html
import json
import math
from typing import Any

import numpy as np
import pandas as pd

from fairlab.report._template import CSS, PAGE

__all__ = ["to_html", "to_markdown", "to_json", "display_tables"]

_RATE_NAMES = {
    "share": "share of rows", "base_rate": "base rate", "selection_rate": "selection rate",
    "tpr": "TPR", "fpr": "FPR", "ppv": "PPV", "accuracy": "accuracy",
    "calibration_error": "calibration error",
}
_DEFINITIONS = [
    ("base rate", "P(y = 1 | group): how often the label is positive."),
    ("selection rate", "P(ŷ = 1 | group): how often the model says yes."),
    ("TPR", "true-positive rate P(ŷ = 1 | y = 1, group); 1 − TPR is the false-negative rate."),
    ("FPR", "false-positive rate P(ŷ = 1 | y = 0, group)."),
    ("PPV", "precision P(y = 1 | ŷ = 1, group)."),
    ("accuracy", "P(ŷ = y | group)."),
    ("calibration error", "expected calibration error: Σ over 10 equal-width score bins of "
     "(bin share) × |mean score − observed positive rate| (Naeini et al. 2015)."),
    ("impact ratio", "a category's selection rate divided by the highest category's (or the "
     "reference group's): the NYC Local Law 144 bias-audit measure; below 0.8 fails the "
     "EEOC four-fifths rule of thumb."),
    ("gaps", "from fairlab.metrics, over the groups with enough rows: a *_difference is the "
     "largest minus the smallest group value (0 = parity); a *_ratio is the smallest over "
     "the largest (1 = parity); equalized odds takes the worse of the TPR and FPR parts."),
]


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float | np.floating) and math.isnan(x))


def _count(x: Any) -> str:
    return "–" if _missing(x) else f"{int(x):,}"


def _num(x: Any) -> str:
    return "–" if _missing(x) else f"{float(x):.3f}"


def _ci(point: Any, low: Any, high: Any) -> str:
    if _missing(point):
        return "–"
    return f"{float(point):.3f} [{_num(low)}, {_num(high)}]"


def display_tables(report: Any) -> dict[str, pd.DataFrame]:
    """The report's tables as strings: each estimate with its interval, ``0.412 [0.39, 0.43]``."""
    bg = report.by_group
    rates = [r for r in _RATE_NAMES if r in bg.columns]
    groups = pd.DataFrame({"n": [_count(v) for v in bg["n"]]}, index=bg.index)
    for r in rates:
        groups[_RATE_NAMES[r]] = [_ci(*t) for t in zip(bg[r], bg[f"{r}_low"], bg[f"{r}_high"],
                                                        strict=True)]
    groups["flags"] = bg["note"]
    ir = report.impact_ratios
    impact = pd.DataFrame({
        "n": [_count(v) for v in ir["n"]], "share": [_num(v) for v in ir["share"]],
        "selected": [_count(v) for v in ir["selected"]],
        "selection rate": [_num(v) for v in ir["selection_rate"]],
        "impact ratio": [_ci(*t) for t in zip(ir["impact_ratio"], ir["impact_ratio_low"],
                                              ir["impact_ratio_high"], strict=True)],
        "< 2 % (excludable)": ["yes" if v else "" for v in ir["excludable"]],
        "impact ratio without excludable": [_num(v) for v in
                                            ir["impact_ratio_without_excludable"]],
    }, index=ir.index)
    gp = report.gaps
    gaps = pd.DataFrame({
        "estimate [interval]": [_ci(*t) for t in zip(gp["estimate"], gp["low"], gp["high"],
                                                      strict=True)],
        "groups compared": gp["groups"].astype(str),
        "left out (small or unknown)": gp["groups_left_out"],
        "cannot also be 0 with": gp["conflicts_with"],
    }, index=gp.index)
    cf = report.conflicts
    conflicts = pd.DataFrame({
        "attribute": cf["attribute"], "criteria": cf["criteria"],
        "can hold together": ["yes" if v else "no" for v in cf["can_hold_together"]],
        "why": cf["why"], "source": cf["source"]})
    return {"by_group": groups, "impact_ratios": impact, "gaps": gaps, "conflicts": conflicts}


# -------------------------------------------------------------------------------- SVG
def _svg_intervals(fig_id: str, title: str, desc: str, labels: list[str], est: np.ndarray,
                   low: np.ndarray, high: np.ndarray, *, hollow: np.ndarray, xmax: float = 1.0,
                   line: float | None = None, line_label: str = "") -> str:
    """A dot-and-whisker chart: one row per group, the estimate and its interval."""
    row, left, width, top = 22, 230, 360, 28
    height = top + row * len(labels) + 34
    x = lambda v: left + width * min(max(float(v), 0.0), xmax) / xmax  # noqa: E731
    parts = [f'<svg role="img" class="figure" '
             f'viewBox="0 0 {left + width + 30} {height}" width="{left + width + 30}" '
             f'height="{height}" aria-labelledby="{fig_id}-t {fig_id}-d">',
             f'<title id="{fig_id}-t">{html.escape(title)}</title>',
             f'<desc id="{fig_id}-d">{html.escape(desc)}</desc>']
    for k in range(6):
        v = xmax * k / 5
        parts.append(f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{top - 6}" '
                     f'y2="{height - 30}" class="grid"/>'
                     f'<text x="{x(v):.1f}" y="{height - 14}" class="tick">{v:.1f}</text>')
    if line is not None:
        parts.append(f'<line x1="{x(line):.1f}" x2="{x(line):.1f}" y1="{top - 10}" '
                     f'y2="{height - 30}" class="ref"/><text x="{x(line):.1f}" '
                     f'y="{top - 14}" class="tick">{html.escape(line_label)}</text>')
    for i, lab in enumerate(labels):
        y = top + row * i + row / 2
        parts.append(f'<text x="{left - 8}" y="{y + 4:.1f}" class="label">'
                     f'{html.escape(lab)}</text>')
        if not np.isfinite(est[i]):
            parts.append(f'<text x="{left + 4}" y="{y + 4:.1f}" class="tick-left">'
                         'undefined</text>')
            continue
        if np.isfinite(low[i]) and np.isfinite(high[i]):
            parts.append(f'<line x1="{x(low[i]):.1f}" x2="{x(high[i]):.1f}" y1="{y:.1f}" '
                         f'y2="{y:.1f}" class="whisker"/>')
        cls = "dot hollow" if hollow[i] else "dot"
        parts.append(f'<circle cx="{x(est[i]):.1f}" cy="{y:.1f}" r="5" class="{cls}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _figures(report: Any) -> list[tuple[str, str]]:
    """(heading, svg) per attribute: selection rates, then impact ratios."""
    out = []
    level = report.settings.get("level", 0.95)
    for k, attribute in enumerate(report.by_group.index.unique("attribute")):
        bg = report.by_group.loc[attribute]
        labels = list(bg.index)
        desc = "; ".join(f"{lab}: {_ci(e, lo, hi)}" for lab, e, lo, hi in zip(
            labels, bg["selection_rate"], bg["selection_rate_low"], bg["selection_rate_high"],
            strict=True))
        out.append((f"Selection rate by {attribute}", _svg_intervals(
            f"fig-sel-{k}", f"Selection rate by {attribute} with {level:.0%} intervals",
            desc + ". Hollow dots: small or unknown groups.", labels,
            bg["selection_rate"].to_numpy(), bg["selection_rate_low"].to_numpy(),
            bg["selection_rate_high"].to_numpy(),
            hollow=(bg["small"] | bg["unknown"]).to_numpy())))
        ir = report.impact_ratios.loc[attribute]
        known = ~ir["unknown"].to_numpy()
        labels = [lab for lab, ok in zip(ir.index, known, strict=True) if ok]
        desc = "; ".join(f"{lab}: {_ci(e, lo, hi)}" for lab, e, lo, hi in zip(
            labels, ir["impact_ratio"][known], ir["impact_ratio_low"][known],
            ir["impact_ratio_high"][known], strict=True))
        out.append((f"Impact ratios by {attribute}", _svg_intervals(
            f"fig-ir-{k}", f"Impact ratio by {attribute} with {level:.0%} intervals; the "
            "line marks 0.8", desc + ". Hollow dots: categories under 2 % of the rows.",
            labels, ir["impact_ratio"][known].to_numpy(),
            ir["impact_ratio_low"][known].to_numpy(), ir["impact_ratio_high"][known].to_numpy(),
            hollow=ir["excludable"][known].to_numpy(), line=0.8, line_label="0.8")))
    return out


# ------------------------------------------------------------------------------- text
def _caveats(report: Any) -> list[str]:
    bg, ir = report.by_group, report.impact_ratios
    out = []
    small = bg[bg["small"] & ~bg["unknown"]]
    if len(small):
        names = ", ".join(f"{g} ({int(n)})" for (_, g), n in small["n"].items())
        out.append(f"Groups with fewer than {report.settings['min_group_size']} rows are "
                   f"shown but too small to read and left out of the gaps: {names}.")
    exc = ir[ir["excludable"]]
    if len(exc):
        names = ", ".join(f"{g} ({s:.2%})" for (_, g), s in exc["share"].items())
        out.append("Categories under 2 % of the rows may be excluded from impact ratios "
                   f"under the LL144 bias-audit rules; the report marks them: {names}.")
    unknown = {k: v for k, v in report.unknown_counts.items() if v}
    out.append("Rows with an unknown category (missing or listed as unknown): "
               + (", ".join(f"{k}: {v:,}" for k, v in unknown.items()) if unknown else
                  "none") + ". They are counted here and left out of impact ratios and gaps.")
    bad = report.conflicts[~report.conflicts["can_hold_together"]]
    if len(bad):
        out.append("At the observed base rates some criteria cannot all hold (see Conflicts): "
                   "closing one gap can widen another; choosing which matters is a decision "
                   "about the use, not a statistical one.")
    out.append(f"Intervals: {report.settings['bootstrap']}; {report.settings['n_boot']:,} "
               "replicates. They cover sampling noise only, not label bias, a shifted "
               "population or a different decision threshold.")
    out.append("Labels are the outcome the data recorded (e.g. re-arrest, not re-offence); "
               "a model that matches biased labels can look fair on every metric here.")
    return out


def _intro(report: Any) -> dict[str, str]:
    s, p = report.settings, report.provenance
    thresholds = s.get("thresholds")
    rule = ("decisions given as y_pred" if thresholds is None else
            f"decision = score ≥ {thresholds}")
    return {
        "details": (f"{report.model_name}; {rule}. Report made {p['created']} with fairlab "
                    f"{p['fairlab']} (numpy {p['numpy']}, pandas {p['pandas']}, scipy "
                    f"{p['scipy']}, Python {p['python']})."),
        "use": report.intended_use or ("Not stated. The model owner must say what decisions "
                                       "this model informs, for whom, and what it must not be "
                                       "used for before this report is published."),
        "factors": (f"Sensitive attributes: {', '.join(s['sensitive_features'])}"
                    + (" and their intersection" if len(s["sensitive_features"]) > 1 else "")
                    + f". Groups under {s['min_group_size']} rows are flagged small."),
        "data": (f"{s['n_rows']:,} rows; sha256 of y_true {p['sha256']['y_true'][:16]}…, "
                 f"of y_pred {p['sha256']['y_pred'][:16]}…"
                 + (f", of y_score {p['sha256']['y_score'][:16]}…" if p['sha256']['y_score']
                    else "") + f". random_state: {p['random_state']}."),
    }


def _md_table(frame: pd.DataFrame) -> str:
    frame = frame.reset_index() if not isinstance(frame.index, pd.RangeIndex) else frame
    cells = [[str(c) for c in frame.columns]] + [[str(v).replace("|", "\\|") for v in row]
                                                  for row in frame.itertuples(index=False)]
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(cells[0])]
    lines += ["| " + " | ".join(r) + " |" for r in cells[1:]]
    return "\n".join(lines)


def to_markdown(report: Any) -> str:
    """Markdown in the sections of a model card (Mitchell et al. 2019)."""
    t, intro = display_tables(report), _intro(report)
    level = report.settings["level"]
    out = [f"# Fairness audit: {report.model_name}", "",
           "## Model details", "", intro["details"], "",
           "## Intended use", "", intro["use"], "",
           "## Factors", "", intro["factors"], "",
           "## Metrics", "", *[f"- **{a}**: {b}" for a, b in _DEFINITIONS],
           f"- Brackets hold {level:.0%} percentile bootstrap intervals.", "",
           "## Evaluation data", "", intro["data"], "",
           "## Quantitative analyses", "",
           "### Rates by group and intersection", "", _md_table(t["by_group"]), "",
           "### Impact ratios (NYC Local Law 144 conventions)", "",
           _md_table(t["impact_ratios"]), "",
           "### Gaps between groups", "", _md_table(t["gaps"]), "",
           "### Conflicts between criteria", "", _md_table(t["conflicts"]), "",
           "## Caveats and recommendations", "", *[f"- {c}" for c in _caveats(report)], ""]
    return "\n".join(out)


def _html_cell(value: Any) -> str:
    """``0.412 [0.390, 0.430]`` → the estimate, with its interval on a second, smaller line."""
    text = str(value)
    point, sep, interval = text.partition(" [")
    if not sep:
        return html.escape(text)
    return f'{html.escape(point)}<span class="ci">[{html.escape(interval)}</span>'


def _html_table(frame: pd.DataFrame, caption: str) -> str:
    frame = frame.reset_index() if not isinstance(frame.index, pd.RangeIndex) else frame
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in frame.columns)
    rows = []
    for row in frame.itertuples(index=False):
        cells = [f'<th scope="row">{html.escape(str(row[0]))}</th>'] + [
            f"<td>{_html_cell(v)}</td>" for v in row[1:]]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="table-wrap" tabindex="0" role="region" '
            f'aria-label="{html.escape(caption)}"><table><caption>{html.escape(caption)}'
            f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            "</div>")


def to_html(report: Any) -> str:
    """One self-contained page: inline CSS, inline SVG, no script, no external request."""
    t, intro = display_tables(report), _intro(report)
    level = report.settings["level"]
    esc = html.escape
    figures = "".join(f'<figure><figcaption>{esc(h)}</figcaption>{svg}</figure>'
                      for h, svg in _figures(report))
    definitions = "".join(f"<dt>{esc(a)}</dt><dd>{esc(b)}</dd>" for a, b in _DEFINITIONS)
    provenance = esc(json.dumps(_jsonable(report.provenance), indent=2))
    body = "".join([
        f"<section><h2>Model details</h2><p>{esc(intro['details'])}</p></section>",
        f"<section><h2>Intended use</h2><p>{esc(intro['use'])}</p></section>",
        f"<section><h2>Factors</h2><p>{esc(intro['factors'])}</p></section>",
        f"<section><h2>Metrics</h2><dl>{definitions}</dl><p>Brackets hold {level:.0%} "
        "percentile bootstrap intervals.</p></section>",
        f"<section><h2>Evaluation data</h2><p>{esc(intro['data'])}</p></section>",
        "<section><h2>Quantitative analyses</h2>",
        f'<div class="figures">{figures}</div>',
        _html_table(t["by_group"], "Rates by group and intersection"),
        _html_table(t["impact_ratios"], "Impact ratios (NYC Local Law 144 conventions)"),
        _html_table(t["gaps"], "Gaps between groups"),
        _html_table(t["conflicts"], "Conflicts between criteria"),
        "</section>",
        "<section><h2>Caveats and recommendations</h2><ul>"
        + "".join(f"<li>{esc(c)}</li>" for c in _caveats(report)) + "</ul></section>",
        f"<section><h2>Provenance</h2><pre>{provenance}</pre></section>",
    ])
    return PAGE.format(title=esc(f"Fairness audit: {report.model_name}"), css=CSS, body=body)


# ------------------------------------------------------------------------------- JSON
def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    flat = frame.reset_index() if not isinstance(frame.index, pd.RangeIndex) else frame
    return [_jsonable(r) for r in flat.to_dict(orient="records")]


def to_json(report: Any) -> str:
    data = {
        "model_name": report.model_name, "intended_use": report.intended_use,
        "by_group": _records(report.by_group), "impact_ratios": _records(report.impact_ratios),
        "gaps": _records(report.gaps), "conflicts": _records(report.conflicts),
        "unknown_counts": report.unknown_counts, "provenance": report.provenance,
    }
    return json.dumps(_jsonable(data), indent=2, allow_nan=False)
