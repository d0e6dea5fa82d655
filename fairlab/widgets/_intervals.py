"""Shared helper of the explorers' bootstrap-interval option: the interval table.

The intervals themselves come from :func:`fairlab.metrics.bootstrap_sweep` and
:class:`fairlab.thresholds.BootstrapCurves`.

Lesson: 11-choosing-an-intervention
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

__all__ = ["ci_html"]


def ci_html(ci: pd.DataFrame, labels: list) -> str:
    """A small HTML table of ``estimate [low, high]`` per group and rate (no pandas styling:
    this runs in slider callbacks)."""
    rates = list(dict.fromkeys(ci.columns.get_level_values(0)))
    v = ci.to_numpy().reshape(len(ci), -1, 3)
    head = "".join(f"<th>{html.escape(r.replace('_', ' '))}</th>" for r in rates)
    rows = []
    for g, row in zip(labels, v, strict=True):
        cells = "".join("<td>–</td>" if np.isnan(e) else f"<td>{e:.3f} [{a:.3f}, {b:.3f}]</td>"
                        for e, a, b in row)
        rows.append(f"<tr><th>{html.escape(str(g))}</th>{cells}</tr>")
    return (f'<table class="fairlab-table"><thead><tr><th></th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")
