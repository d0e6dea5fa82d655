"""MetricExplorer: pick a dataset, a model, the sensitive attribute(s) and a metric.

Predictions are made once, when the explorer is built
(:func:`fairlab.recipes.precompute_cases`:
each model is trained on one half of each dataset and predicts the other half).
A control change then only counts confusion matrices and draws bootstrap
replicates with :func:`fairlab.metrics.bootstrap_ci` (multinomial draws of the
four counts per group, so cheap), and results are cached per choice.

Lesson: 05-fairness-metrics
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations

import ipywidgets as W
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from fairlab._validation import check_in_range, check_int, check_seed
from fairlab.metrics import (
    GAPS,
    UndefinedRateWarning,
    accuracy_difference,
    bootstrap_ci,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equalized_odds_difference,
    predictive_parity_difference,
)
from fairlab.plotting import PALETTE, metrics_table_html
from fairlab.recipes import Case, precompute_cases
from fairlab.widgets._explorer import Explorer, new_figure
from fairlab.widgets.browser import BrowserView

__all__ = ["MetricExplorer", "MetricState", "METRICS", "SUMMARY_GAPS"]

#: Rates the explorer can show, with their labels.
METRICS = {
    "selection_rate": "selection rate P(ŷ=1)",
    "tpr": "true-positive rate (TPR)",
    "fpr": "false-positive rate (FPR)",
    "fnr": "false-negative rate (FNR)",
    "ppv": "precision (PPV)",
    "accuracy": "accuracy",
    "base_rate": "base rate P(y=1)",
}
#: The summary gaps, by the name shown in the table (short labels from metrics.GAPS).
SUMMARY_GAPS = {
    "demographic parity difference": demographic_parity_difference,
    "demographic parity ratio": demographic_parity_ratio,
    "equal opportunity difference (TPR gap)": equal_opportunity_difference,
    "equalized odds difference": equalized_odds_difference,
    "predictive parity difference (PPV gap)": predictive_parity_difference,
    "accuracy difference (accuracy gap)": accuracy_difference,
}
_SHORT = {name: next((g.label for g in GAPS.values() if g.metric == func.__name__), "DP ratio")
          for name, func in SUMMARY_GAPS.items()}
MAX_BARS = 24


def _attribute_options(columns) -> list[str]:
    cols = [str(c) for c in columns]
    return cols + [f"{a} × {b}" for a, b in combinations(cols, 2)]


@dataclass(frozen=True)
class MetricState:
    """One choice of dataset, model, attribute(s) and metric, and what it shows.

    ``groups``: one row per group with ``count, estimate, low, high, small``;
    ``gaps``: one row per summary gap with ``estimate, low, high``.
    """

    dataset: str
    model: str
    sensitive_columns: str
    metric: str
    groups: pd.DataFrame
    gaps: pd.DataFrame
    overall: float
    notes: tuple[str, ...]


class MetricExplorer(Explorer):
    """Per-group bars with bootstrap intervals and the summary gaps, for any choice.

    Parameters
    ----------
    cases : mapping (dataset, model) → Case, default=None
        Predictions to explore; by default :func:`precompute_cases` builds them
        for COMPAS, Adult and German credit.
    n_boot : int, default=400
        Bootstrap replicates per interval.
    min_count : int, default=50
        Groups with fewer rows, or whose interval is wider than ``max_width``,
        are flagged "small": drawn pale and hatched, with a warning.
    max_width : float, default=0.25
    random_state : int, numpy Generator or None, default=0

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 400)
    >>> sens = pd.DataFrame({"g": rng.choice(["a", "b"], 400)})
    >>> ex = MetricExplorer({("toy", "copy"): Case(y, y, sens)}, n_boot=50)
    >>> ex.state.groups["estimate"].tolist()  # y_pred == y_true: every TPR is 1
    [1.0, 1.0]

    Lesson: 05-fairness-metrics
    """

    def __init__(self, cases: Mapping[tuple[str, str], Case] | None = None, *,
                 n_boot: int = 400, min_count: int = 50, max_width: float = 0.25,
                 random_state: int | np.random.Generator | None = 0):
        self._validate(cases, n_boot=n_boot, min_count=min_count, max_width=max_width,
                       random_state=random_state)
        self._cache: dict[tuple, object] = {}
        self._models = {}
        for d, m in self.cases:
            self._models.setdefault(d, []).append(m)
        controls = self._build_controls()
        fig = self._build_figure()
        panels = self._build_panels()
        self._setup(controls, fig=fig, panels=panels,
                    title="Metric explorer: one metric, every group, with 95% intervals")

    # ------------------------------------------------------------------ set-up steps
    def _validate(self, cases: Mapping[tuple[str, str], Case] | None, *, n_boot: int,
                  min_count: int, max_width: float,
                  random_state: int | np.random.Generator | None) -> None:
        """Check the cases (default: the lesson's) and the interval settings; keep them."""
        self.cases = dict(precompute_cases(random_state=random_state) if cases is None else cases)
        if not self.cases:
            raise ValueError("cases is empty; pass at least one (dataset, model) → Case.")
        for key, case in self.cases.items():
            if not isinstance(case, Case):
                raise TypeError(f"cases[{key!r}] must be a Case(y_true, y_pred, "
                                f"sensitive_features); got {type(case).__name__}.")
            if not isinstance(case.sensitive_features, pd.DataFrame):
                raise TypeError(f"cases[{key!r}].sensitive_features must be a DataFrame of "
                                "sensitive columns (e.g. bunch.sensitive_features).")
        check_int(n_boot, "n_boot", low=10)
        self.min_count = int(check_in_range(min_count, "min_count", low=0))
        self.max_width = check_in_range(max_width, "max_width", low=0, high=1,
                                        low_inclusive=False)
        self.n_boot, self.random_state = int(n_boot), check_seed(random_state)

    def _build_controls(self) -> dict[str, W.ValueWidget]:
        """Dataset, model, grouping and metric; model and grouping follow the dataset."""
        first = next(iter(self._models))
        style = {"description_width": "initial"}
        controls = {
            "dataset": W.Dropdown(options=list(self._models), value=first,
                                  description="dataset", style=style),
            "model": W.Dropdown(options=self._models[first], description="model",
                                style=style),
            "group_by": W.Dropdown(options=self._attributes(first), description="group by",
                                    style=style),
            "metric": W.Dropdown(options=[(label, key) for key, label in METRICS.items()],
                                 value="tpr", description="metric", style=style),
        }
        # Registered before _setup's observer, so options follow the dataset first.
        controls["dataset"].observe(self._sync_options, names="value")
        return controls

    def _build_figure(self) -> Figure:
        """MAX_BARS empty bars with error bars and labels, and the all-groups line."""
        fig, ax = new_figure(figsize=(8.2, 4.0))
        fig.subplots_adjust(left=0.16, right=0.98, top=0.9, bottom=0.3)
        self.ax = ax
        x = np.arange(MAX_BARS)
        self.bar_artists = ax.bar(x, np.zeros(MAX_BARS), 0.7, color=PALETTE[0])
        self.err = ax.vlines(x, 0, 0, color="black", lw=1.2)
        self.value_texts = [ax.text(i, 0, "", ha="center", va="bottom", fontsize=7)
                            for i in range(MAX_BARS)]
        self.overall_line = ax.axhline(0, color="grey", ls="--", lw=1, label="all groups")
        ax.legend(loc="upper right", fontsize=8)
        ax.set_ylim(0, 1.05)
        return fig

    def _build_panels(self) -> list[W.Widget]:
        """Readout and table."""
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        return [self.readout, self.table]

    # ------------------------------------------------------------------ helpers
    def _attributes(self, dataset: str) -> list[str]:
        model = self._models[dataset][0]
        return _attribute_options(self.cases[(dataset, model)].sensitive_features.columns)

    def _sync_options(self, change) -> None:
        dataset = change["new"]
        self.controls["model"].options = self._models[dataset]
        self.controls["group_by"].options = self._attributes(dataset)

    def _groups_of(self, case: Case, group_by: str):
        cols = group_by.split(" × ")
        return case.sensitive_features[cols[0]] if len(cols) == 1 else case.sensitive_features[cols]

    def _cached(self, key: tuple, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # -------------------------------------------------------------- the road
    def compute(self, *, dataset: str, model: str, group_by: str,
                metric: str) -> MetricState:
        """Per-group intervals of ``metric`` and every summary gap, for this choice."""
        if dataset not in self._models:
            raise ValueError(f"dataset must be one of {list(self._models)}; got {dataset!r}.")
        # While the dropdowns catch up with a new dataset, fall back to its first options.
        if model not in self._models[dataset]:
            model = self._models[dataset][0]
        if group_by not in self._attributes(dataset):
            group_by = self._attributes(dataset)[0]
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {list(METRICS)}; got {metric!r}.")
        case = self.cases[(dataset, model)]
        groups = self._groups_of(case, group_by)
        notes: list[str] = []

        def boot(what):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", UndefinedRateWarning)
                out = bootstrap_ci(what, case.y_true, case.y_pred, sensitive_features=groups,
                                   n_boot=self.n_boot, random_state=self.random_state)
            return out, any(issubclass(w.category, UndefinedRateWarning) for w in caught)

        def per_group():
            frame, unstable = boot(metric)
            width = frame["high"] - frame["low"]
            frame["small"] = ((frame["count"] < self.min_count) | (width > self.max_width)
                              | frame["estimate"].isna())
            return frame, unstable

        def gaps():
            rows, unstable = {}, False
            for name, func in SUMMARY_GAPS.items():
                ci, bad = boot(func)
                rows[name], unstable = ci._asdict(), unstable or bad
            return pd.DataFrame.from_dict(rows, orient="index"), unstable

        frame, unstable_g = self._cached((dataset, model, group_by, metric), per_group)
        gap_frame, unstable_gap = self._cached((dataset, model, group_by), gaps)
        frame = frame.copy()
        if len(frame) > MAX_BARS:
            raise ValueError(f"{group_by!r} gives {len(frame)} groups; the chart shows at "
                             f"most {MAX_BARS}. Choose a coarser grouping.")
        small = frame.index[frame["small"]]
        if len(small):
            names = ", ".join(_label(g) for g in small)
            notes.append(f"⚠ small or uncertain groups: {names}. Their intervals are wide; "
                         "do not read their bars (or any gap involving them) as a precise "
                         "number.")
            edge = frame.loc[small, "estimate"].isin([0.0, 1.0])
            if edge.any():
                notes.append("⚠ a small group whose rate is exactly 0 or 1 gets a zero-width "
                             "bootstrap interval: resampling cannot produce what was never "
                             "observed. That is a limit of the bootstrap, not certainty.")
        if unstable_g or unstable_gap:
            notes.append("⚠ some bootstrap replicates left a rate undefined (a small group "
                         "drew no rows of a needed kind): those intervals are unreliable.")
        overall = _overall(case.y_true, case.y_pred, metric)
        return MetricState(dataset=dataset, model=model, sensitive_columns=group_by, metric=metric,
                           groups=frame, gaps=gap_frame, overall=overall, notes=tuple(notes))

    def render(self, state: MetricState) -> None:
        frame = state.groups
        n = len(frame)
        est = np.nan_to_num(frame["estimate"].to_numpy(float))
        low = np.nan_to_num(frame["low"].to_numpy(float))
        high = np.nan_to_num(frame["high"].to_numpy(float))
        labels, colors, texts = _bar_looks(frame)
        for i, (rect, text) in enumerate(zip(self.bar_artists, self.value_texts, strict=True)):
            visible = i < n
            rect.set_visible(visible)
            rect.set_height(est[i] if visible else 0)
            text.set_visible(visible)
            if visible:
                small = bool(frame["small"].iloc[i])
                rect.set_facecolor(colors[i])
                rect.set_alpha(0.35 if small else 0.9)
                rect.set_hatch("//" if small else "")
                text.set_position((i, high[i] + 0.01))
                text.set_text(texts[i])
        segs = [np.array([[i, low[i]], [i, high[i]]]) if i < n else np.zeros((2, 2))
                for i in range(MAX_BARS)]
        self.err.set_segments(segs)
        self.overall_line.set_ydata([state.overall, state.overall])
        self.ax.set_xlim(-0.6, n - 0.4)
        self.ax.set_xticks(np.arange(n), labels, fontsize=8 if n <= 8 else 7,
                           rotation=25, ha="right", rotation_mode="anchor")
        self.ax.set_ylabel(METRICS[state.metric])
        self.ax.set_title(_title(state))
        self.table.value = self.table_html(state)
        self.readout.value = html.escape(self.readout_text(state))
        self.fig.canvas.draw_idle()

    def table_html(self, state: MetricState) -> str:
        """Warnings, the per-group table and the summary gaps, as HTML."""
        frame = state.groups
        notes = "".join(f"<p>{html.escape(t)}</p>" for t in state.notes)
        shown = frame.drop(columns="small").assign(
            flag=np.where(frame["small"], "⚠ small", ""))
        shown.index = [_label(g) for g in shown.index]
        return (notes + f"<b>{html.escape(METRICS[state.metric])} by group</b>"
                + metrics_table_html(shown)
                + "<b>Summary gaps (95% bootstrap interval)</b>" + metrics_table_html(state.gaps))

    def readout_text(self, state: MetricState) -> str:
        """One line of plain text: the choice, the groups and three summary gaps."""
        frame, g = state.groups, state.gaps["estimate"]
        parts = [f"{state.dataset} · {state.model} · {state.sensitive_columns} · {state.metric}",
                 f"{len(frame)} groups ({int(frame['small'].sum())} small)"]
        parts += [f"{_SHORT[k]} {g[k]:.3f}" for k in ("equal opportunity difference (TPR gap)",
                                                     "equalized odds difference",
                                                     "demographic parity ratio")]
        return " · ".join(parts)

    # --------------------------------------------------------------- browser view
    def browser_view(self) -> BrowserView:
        """The view drawn in the browser (built once; ``js/kinds/metrics.js``).

        Every available choice (dataset, one of *its* models and groupings, metric) is
        computed once here and sent as a frame: the readout, the table and the bars.
        The page's model and grouping lists follow the chosen dataset (reset to its
        first entries, as the Python drop-downs do), so it never asks for a
        combination that does not exist; a change picks a frame, with no kernel.
        """
        if getattr(self, "_view", None) is None:
            datasets = [{"name": d, "models": list(ms), "group_by": self._attributes(d)}
                        for d, ms in self._models.items()]
            frames = {}
            for d in datasets:
                for m in d["models"]:
                    for s in d["group_by"]:
                        for k in METRICS:
                            frames[_key(d["name"], m, s, k)] = self._frame(d["name"], m, s, k)
            spec = {"title": self.title, "datasets": datasets,
                    "metrics": [[k, v] for k, v in METRICS.items()], "frames": frames}
            self._view = BrowserView(kind="metrics", spec=spec, values=self.values())
            self._view.observe(self._from_view, names="values")
        return self._view

    def _frame(self, dataset: str, model: str, group_by: str, metric: str) -> dict:
        """What the page shows for one choice: :meth:`render`'s text and bars."""
        try:
            state = self.compute(dataset=dataset, model=model, group_by=group_by,
                                 metric=metric)
        except ValueError as exc:  # e.g. too many groups: the page says why, as Python does
            return {"readout": str(exc), "table": "", "bars": [], "overall": None,
                    "title": f"{dataset} · {model} · by {group_by}", "xlabel": ""}
        frame = state.groups
        labels, colors, texts = _bar_looks(frame)
        num = lambda x: float(x) if np.isfinite(x) else 0.0  # noqa: E731 (as render's nan_to_num)
        bars = [[lab, num(e), num(lo), num(hi), c, bool(sm), txt] for lab, e, lo, hi, c, sm, txt
                in zip(labels, frame["estimate"], frame["low"], frame["high"], colors,
                       frame["small"], texts, strict=True)]
        return {"readout": self.readout_text(state), "table": self.table_html(state),
                "bars": bars, "overall": float(state.overall) if np.isfinite(state.overall)
                else None, "title": _title(state), "xlabel": METRICS[metric]}


def _key(*parts: str) -> str:
    """A frame's key in the page: the four choices joined by " | "."""
    return " | ".join(parts)


def _title(state: MetricState) -> str:
    return f"{state.dataset} · {state.model} · by {state.sensitive_columns}"


def _bar_looks(frame: pd.DataFrame) -> tuple[list[str], list[str], list[str]]:
    """Each group's tick label, colour (one per first attribute) and value text."""
    labels = [f"{_label(g)} (n={c:,.0f})" for g, c in zip(frame.index, frame["count"],
                                                        strict=True)]
    first = [g[0] if isinstance(g, tuple) else g for g in frame.index]
    palette = {k: PALETTE[i % 7] for i, k in enumerate(dict.fromkeys(first))}
    texts = ["undefined" if np.isnan(e) else f"{e:.2f}" + (" ⚠" if small else "")
             for e, small in zip(frame["estimate"], frame["small"], strict=True)]
    return labels, [palette[k] for k in first], texts


def _label(key) -> str:
    return " × ".join(map(str, key)) if isinstance(key, tuple) else str(key)


def _overall(y_true: np.ndarray, y_pred: np.ndarray, metric: str) -> float:
    from fairlab.metrics import rates_from_counts

    counts = np.bincount(2 * np.asarray(y_true) + np.asarray(y_pred), minlength=4)
    return float(rates_from_counts(counts[None, :].astype(float), (metric,))[metric][0])
