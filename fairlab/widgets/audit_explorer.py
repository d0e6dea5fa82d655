"""AuditExplorer: pick a dataset and sensitive attribute(s), watch the audit update.

Lesson: 02-auditing-a-dataset
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from fairlab.audit import (
    OutcomeByGroup,
    ProxyStrength,
    Representation,
    outcome_by_group,
    proxy_strength,
    representation,
)
from fairlab.plotting import PALETTE, group_colors
from fairlab.widgets._explorer import Explorer, new_figure
from fairlab.widgets.browser import BrowserView

__all__ = ["AuditExplorer", "AuditState", "NONE"]

#: The "intersect with" option that means a single attribute.
NONE = "(none)"


def _default_datasets() -> dict[str, Callable[[], Any]]:
    from fairlab.datasets import load_adult, load_compas, load_german

    return {"Adult": load_adult, "COMPAS": load_compas, "German credit": load_german}


def _labels(index) -> list[str]:
    return [" × ".join(map(str, g)) if isinstance(g, tuple) else str(g) for g in index]


@dataclass(frozen=True)
class AuditState:
    """Everything one view shows: the three audits and the one-line readout."""

    dataset: str
    sensitive_columns: list[str]
    representation: Representation
    outcome: OutcomeByGroup
    proxy: ProxyStrength
    readout: str


class AuditExplorer(Explorer):
    """Audit Adult, COMPAS or German credit by any sensitive attribute or pair of them.

    Three panels: each group's share of the rows, its base rate of the positive
    label (groups with fewer than 30 rows hatched and labelled), and the
    features that best predict the attribute (mutual information, with the
    cross-validated AUC of all features together in the title). The table lists
    every group with its test statistics; the readout gives the key numbers.

    Loading each dataset and the proxy classifier for each attribute run once,
    in ``__init__`` (a few seconds), so changing a dropdown costs milliseconds.
    The view drawn in the browser (:meth:`browser_view`) holds one frame per valid
    choice of the three dropdowns, computed once; the page redraws on every change
    with no kernel round trip (the matplotlib panel stays as :meth:`python_widget`).
    The proxy panel always shows the first attribute: proxies are computed per
    (dataset, attribute), not per intersection.

    Parameters
    ----------
    datasets : dict, optional
        Name → Bunch (or a loader returning one) with ``frame``, ``target`` and
        ``sensitive_names``; default Adult, COMPAS and German credit.
    top : int, default=6
        Number of proxy features shown.
    max_rows : int, default=4000
        Rows (stratified sample) used by the proxy classifier; see ``proxy_strength``.
        Proxies use every column except the label and the sensitive ones, as in
        ``audit_report``, so with the same ``max_rows`` and ``random_state`` the
        explorer and the report show the same numbers.
    random_state : int, default=0
    reports : dict, optional
        Dataset name → ``audit_report(frame, target, sensitive_names)`` already
        computed (with the same ``max_rows`` and ``random_state``): its proxies
        are reused instead of fitted again.

    Examples
    --------
    >>> from fairlab.datasets import load_german
    >>> ex = AuditExplorer({"German credit": load_german()})
    >>> ex.controls["group_by"].options
    ('sex', 'age_band')
    >>> ex.readout.value.split(" · ")[:2]
    ['German credit', 'sex']

    Lesson: 02-auditing-a-dataset
    """

    def __init__(
        self,
        datasets: Mapping[str, Any] | None = None,
        *,
        top: int = 6,
        max_rows: int = 4000,
        random_state: int = 0,
        reports: Mapping[str, Any] | None = None,
    ) -> None:
        self._load(datasets)
        self.top, self.max_rows, self.random_state = int(top), int(max_rows), random_state
        self._proxies: dict[tuple[str, tuple[str, ...]], ProxyStrength] = {}
        self._reuse_reports(reports or {})
        self._precompute()
        controls = self._build_controls()
        fig = self._build_figure()
        panels = self._build_panels()
        self._setup(controls, fig=fig, panels=panels,
                    title="Audit a dataset: who is in it, what they got, what gives them away")

    # ------------------------------------------------------------------ set-up steps
    def _load(self, datasets: Mapping[str, Any] | None) -> None:
        """Load each dataset once (a loader is called) and check it is a fairlab Bunch."""
        sources = dict(datasets) if datasets is not None else _default_datasets()
        if not sources:
            raise ValueError("datasets is empty; pass {name: bunch} with at least one dataset.")
        self._data = {name: (src() if callable(src) else src) for name, src in sources.items()}
        for name, b in self._data.items():
            for attr in ("frame", "target", "sensitive_names"):
                if not hasattr(b, attr):
                    raise TypeError(f"dataset {name!r} has no {attr!r}; pass a fairlab Bunch "
                                    "such as fairlab.datasets.load_adult().")

    def _reuse_reports(self, reports: Mapping[str, Any]) -> None:
        """Keep the proxies of reports computed on the same data, instead of fitting again."""
        for name, report in reports.items():
            if name not in self._data:
                raise ValueError(f"reports has {name!r}, which is not one of the datasets "
                                 f"{list(self._data)}; key reports by dataset name.")
            b = self._data[name]
            if report.n != len(b.frame) or report.target != b.target.name:
                raise ValueError(f"the report for {name!r} was computed on other data "
                                 f"({report.n} rows, target {report.target!r}); pass "
                                 "audit_report(bunch.frame, target, bunch.sensitive_names).")
            if sorted(report.sensitive_columns) == sorted(b.sensitive_names):
                for attr, proxy in report.proxies.items():
                    self._proxies[(name, (attr,))] = proxy

    def _precompute(self) -> None:
        """The heavy part, once per dataset and attribute: proxies, and the most groups shown."""
        max_groups = 2
        for name, b in self._data.items():
            for col in b.sensitive_names:
                self._proxy(name, (col,))
            for pair in combinations(b.sensitive_names, 2):
                sizes = b.frame.groupby(list(pair), observed=True).size()
                max_groups = max(max_groups, len(sizes))
            max_groups = max(max_groups, *(b.frame[c].nunique() for c in b.sensitive_names))
        self.max_groups = max_groups

    def _build_controls(self) -> dict[str, W.ValueWidget]:
        """Dataset, attribute and intersection dropdowns, kept consistent with each other."""
        first = next(iter(self._data))
        names = list(self._data[first].sensitive_names)
        style = {"description_width": "initial"}
        controls = {
            "dataset": W.Dropdown(options=list(self._data), value=first, description="dataset",
                                  style=style),
            "group_by": W.Dropdown(options=names, value=names[0],
                                    description="sensitive attribute", style=style),
            "intersect": W.Dropdown(options=[NONE, *names[1:]], value=NONE,
                                    description="× intersect with", style=style),
        }
        self._syncing = False
        # Registered before _setup, so options are consistent before the update runs.
        controls["dataset"].observe(self._sync_options, names="value")
        controls["group_by"].observe(self._sync_options, names="value")
        return controls

    def _build_figure(self) -> Figure:
        """Three panels of bars (shares, base rates, proxies), one bar per possible group."""
        max_groups = self.max_groups
        fig, axes = new_figure(1, 3, figsize=(11, 4.4), layout="constrained",
                               gridspec_kw={"width_ratios": [1, 1, 1.1]})
        axes[1].sharey(axes[0])  # same groups: their labels once, on the left
        axes[1].tick_params(labelleft=False)
        self.axes = axes
        g = np.arange(max_groups)
        self._share_bars = axes[0].barh(g, np.zeros(max_groups), color=PALETTE[0])
        self._rate_bars = axes[1].barh(g, np.zeros(max_groups), color=PALETTE[0])
        self._overall = axes[1].axvline(0, color="black", lw=1, ls="--")
        self._small_text = [axes[1].text(0, i, "", va="center", fontsize=8,
                                         bbox={"facecolor": "white", "alpha": 0.8,
                                               "edgecolor": "none", "pad": 1}) for i in g]
        self._proxy_bars = axes[2].barh(np.arange(self.top), np.zeros(self.top),
                                        color=PALETTE[5])
        self._proxy_text = [axes[2].text(0, i, "", va="center", fontsize=8)
                            for i in range(self.top)]
        for ax, label in zip(axes, ["share of rows", "base rate (dashed: overall)",
                                    "MI / H(group)"], strict=True):
            ax.set_xlim(0, 1)
            ax.set_xlabel(label)
            ax.grid(axis="y", visible=False)
        return fig

    def _build_panels(self) -> list[W.Widget]:
        """Readout and table."""
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        return [self.readout, self.table]

    # ------------------------------------------------------------------ helpers
    def _proxy(self, dataset: str, cols: tuple[str, ...]) -> ProxyStrength:
        key = (dataset, cols)
        if key not in self._proxies:
            b = self._data[dataset]
            # As audit_report: every column but the label and the sensitive ones.
            features = [c for c in b.frame.columns
                        if c != b.target.name and c not in b.sensitive_names]
            self._proxies[key] = proxy_strength(b.frame, list(cols), features=features,
                                                max_rows=self.max_rows,
                                                random_state=self.random_state)
        return self._proxies[key]

    def _sync_options(self, change: Mapping[str, Any]) -> None:
        """Keep the attribute dropdowns valid for the chosen dataset."""
        if self._syncing:
            return
        self._syncing = True
        try:
            names = list(self._data[self.controls["dataset"].value].sensitive_names)
            sens = self.controls["group_by"]
            if list(sens.options) != names:
                sens.options = names
                sens.value = names[0]
            inter = self.controls["intersect"]
            others = [NONE, *[n for n in names if n != sens.value]]
            if list(inter.options) != others:
                keep = inter.value if inter.value in others else NONE
                inter.options = others
                inter.value = keep
        finally:
            self._syncing = False

    def _on_change(self, change: Mapping[str, Any] | None = None) -> None:
        if not self._syncing:
            super()._on_change(change)

    # --------------------------------------------------------------- the road
    def compute(self, dataset: str, group_by: str, intersect: str = NONE) -> AuditState:
        """The audits of ``dataset`` by ``group_by`` (× ``intersect``): pure, cached proxies."""
        if dataset not in self._data:
            raise ValueError(f"dataset must be one of {list(self._data)}; got {dataset!r}.")
        b = self._data[dataset]
        if group_by not in b.sensitive_names:
            raise ValueError(f"group_by must be one of {b.sensitive_names} for {dataset}; "
                             f"got {group_by!r}.")
        cols = [group_by] if intersect in (NONE, None, group_by) else [group_by, intersect]
        target = b.target.name
        rep = (representation(b.frame, group_by) if len(cols) == 1 else None)
        out = outcome_by_group(b.frame, target, cols)
        if rep is None:  # the intersection's shares come with the outcome table
            rep = Representation(column=" × ".join(cols), table=out.table[["n", "share"]]
                                 .rename(columns={"n": "count"}), test=None, reading="")
        proxy = self._proxy(dataset, (group_by,))
        t = out.test
        big = out.table.loc[~out.table["small"], "base_rate"]
        rates = big if len(big) else out.table["base_rate"]
        readout = (f"{dataset} · {' × '.join(cols)} · n = {t.n:,} · base rate "
                   f"{rates.min():.3f}–{rates.max():.3f}"
                   f"{' (groups with n ≥ 30)' if out.small_cells else ''} · "
                   f"χ² = {t.statistic:,.1f}, "
                   f"{'p < 0.001' if t.p_value < 0.001 else f'p = {t.p_value:.3f}'} · "
                   f"Cramér's V = {t.effect_size:.3f} ({t.effect}) · proxy AUC for {group_by} "
                   f"{proxy.auc:.3f} (top: {proxy.strongest})")
        return AuditState(dataset=dataset, sensitive_columns=cols, representation=rep, outcome=out,
                          proxy=proxy, readout=readout)

    def render(self, state: AuditState) -> None:
        """Move bars, labels and titles; fill the table and readout."""
        t = state.outcome.table
        labels = _labels(t.index)
        colors = list(group_colors(labels).values())
        k = len(labels)
        for i in range(self.max_groups):
            on = i < k
            for bars, values in ((self._share_bars, t["share"]),
                                 (self._rate_bars, t["base_rate"])):
                bar = bars[i]
                bar.set_visible(on)
                bar.set_width(float(values.iloc[i]) if on else 0.0)
                if on:
                    bar.set_color(colors[i])
            small = on and bool(t["small"].iloc[i])
            self._rate_bars[i].set_alpha(0.35 if small else 1.0)
            self._rate_bars[i].set_hatch("///" if small else None)
            txt = self._small_text[i]
            txt.set_text(f"n = {t['n'].iloc[i]} < 30" if small else "")
            # Inside the axes even for a rate of 1.
            x = min(float(t["base_rate"].iloc[i]) + 0.01, 0.75) if on else 0.0
            txt.set_position((x, i))
        self.axes[0].set_yticks(np.arange(k), labels)  # axes[1] shares them
        self.axes[0].set_ylim(k - 0.5, -0.5)
        overall = t["positives"].sum() / t["n"].sum()
        self._overall.set_xdata([overall, overall])
        f = state.proxy.features.head(self.top)
        # Weak proxies still deserve visible bars: the axis follows the largest value.
        right = max(0.05, min(1.0, 1.25 * float(f["mi_share"].max())))
        self.axes[2].set_xlim(0, right)
        for i, (bar, txt) in enumerate(zip(self._proxy_bars, self._proxy_text, strict=True)):
            on = i < len(f)
            value = float(f["mi_share"].iloc[i]) if on else 0.0
            bar.set_visible(on)
            bar.set_width(value)
            txt.set_text(f"{value:.3f}" if on else "")
            txt.set_position((value + 0.01 * right, i))
        self.axes[2].set_yticks(np.arange(len(f)), [str(x) for x in f.index])
        self.axes[2].set_ylim(self.top - 0.5, -0.5)
        test = state.outcome.test
        proxied = " × ".join(state.proxy.sensitive_columns)
        self.axes[0].set_title(f"{state.dataset}\nshare of rows by {state.sensitive_columns[0]}"
                               + (" × …" if len(state.sensitive_columns) > 1 else ""))
        self.axes[1].set_title(f"{state.outcome.target} = 1, by group\nCramér's V = "
                               f"{test.effect_size:.3f} ({test.effect})")
        self.axes[2].set_title(f"Proxies for {proxied}\nall features: AUC = "
                               f"{state.proxy.auc:.3f}")
        self.table.value = self._table_html(state)
        self.readout.value = state.readout
        self.fig.canvas.draw_idle()

    @staticmethod
    def _table_html(state: AuditState) -> str:
        t = state.outcome.table
        rows = "".join(
            f"<tr><td>{html.escape(lab)}</td><td>{n:,}</td><td>{share:.3f}</td>"
            f"<td>{rate:.3f}</td><td>{'n < 30: too few to compare' if small else ''}</td></tr>"
            for lab, n, share, rate, small in zip(_labels(t.index), t["n"], t["share"],
                                                  t["base_rate"], t["small"], strict=True))
        head = ("<tr><th>group</th><th>n</th><th>share</th><th>base rate</th>"
                "<th>note</th></tr>")
        notes = (f"<p>{html.escape(state.outcome.test.reading)}</p>"
                 f"<p>{html.escape(state.proxy.reading)}</p>")
        return f"<table class='fairlab-table'>{head}{rows}</table>{notes}"

    # --------------------------------------------------------------- browser view
    def choices(self) -> list[dict[str, str]]:
        """Every valid setting of the three dropdowns, in the order the page lists them."""
        out = []
        for dataset, b in self._data.items():
            for group_by in b.sensitive_names:
                others = [n for n in b.sensitive_names if n != group_by]
                out += [{"dataset": dataset, "group_by": group_by, "intersect": i}
                        for i in (NONE, *others)]
        return out

    @staticmethod
    def frame_key(values: Mapping[str, str]) -> str:
        """A setting's key in the page's frames (the page's ``auditKey``)."""
        return json.dumps([values["dataset"], values["group_by"], values["intersect"]],
                          separators=(",", ":"), ensure_ascii=False)

    def _frame(self, dataset: str, group_by: str, intersect: str) -> dict:
        """What the page shows for one setting: :meth:`compute`, drawn as :meth:`render`."""
        st = self.compute(dataset=dataset, group_by=group_by, intersect=intersect)
        t = st.outcome.table
        labels = _labels(t.index)
        colors = list(group_colors(labels).values())
        k = len(labels)
        rows = {"ylim": [k - 0.5, -0.5], "height": max(220, 60 + 22 * k),
                "yticks": [[float(i), lab] for i, lab in enumerate(labels)]}
        share = [[i - 0.4, i + 0.4, float(v), "", colors[i], 1]
                 for i, v in enumerate(t["share"])]
        rate = [[i - 0.4, i + 0.4, float(v), f"n = {n} < 30" if small else "", colors[i],
                 0.35 if small else 1]
                for i, (v, n, small) in enumerate(zip(t["base_rate"], t["n"], t["small"],
                                                      strict=True))]
        overall = float(t["positives"].sum() / t["n"].sum())
        f = st.proxy.features.head(self.top)
        right = max(0.05, min(1.0, 1.25 * float(f["mi_share"].max())))
        proxies = [[i - 0.4, i + 0.4, float(v), f"{v:.3f}", PALETTE[5], 1]
                   for i, v in enumerate(f["mi_share"])]
        test = st.outcome.test
        more = " × …" if len(st.sensitive_columns) > 1 else ""
        panels = [
            {**rows, "title": f"share of rows by {st.sensitive_columns[0]}{more}", "width": 330,
             "left": 150, "xlim": [0, 1], "xlabel": "share of rows",
             "layers": [{"id": "share", "type": "hbarl", "data": share}],
             "alt": f"{dataset}: each group's share of the rows"},
            {**rows, "yticks": [], "left": 16, "width": 260, "xlim": [0, 1],
             "title": f"{st.outcome.target} = 1 · V = {test.effect_size:.3f} ({test.effect})",
             "xlabel": "base rate (dashed: overall)",
             "layers": [{"id": "rate", "type": "hbarl", "data": rate},
                        {"id": "overall", "type": "vline", "color": "#000000",
                         "data": overall}],
             "alt": "each group's base rate, groups with fewer than 30 rows faded"},
            {"title": f"proxies for {group_by} · AUC = {st.proxy.auc:.3f}", "width": 330,
             "left": 150, "height": 220, "xlim": [0, right], "ylim": [self.top - 0.5, -0.5],
             "xlabel": "MI / H(group)",
             "yticks": [[float(i), str(x)] for i, x in enumerate(f.index)],
             "layers": [{"id": "proxies", "type": "hbarl", "data": proxies}],
             "alt": f"the features that best predict {group_by}"},
        ]
        return {"readout": st.readout, "table": self._table_html(st), "panels": panels}

    def browser_view(self) -> BrowserView:
        """The view drawn in the browser (built once): one frame per valid setting.

        The page keeps the dropdowns' choices valid as :meth:`_sync_options` does (a
        dataset's attributes; the attributes left to intersect with) and shows the
        frame of the setting: the readout, the table and the three panels.
        """
        if getattr(self, "_view", None) is None:
            spec = {
                "title": self.title, "none": NONE,
                "controls": [{"name": n, "label": self.controls[n].description}
                             for n in ("dataset", "group_by", "intersect")],
                "datasets": {name: list(b.sensitive_names) for name, b in self._data.items()},
                "frames": {self.frame_key(v): self._frame(**v) for v in self.choices()},
            }
            self._view = BrowserView(kind="audit", spec=spec, values=self.values())
            self._view.observe(self._from_view, names="values")
        return self._view
