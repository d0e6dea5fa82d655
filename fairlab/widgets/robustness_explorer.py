"""RobustnessExplorer: slide the privacy budget ε and the attack strength, see who pays.

Every model (one per privacy budget) is trained before the explorer is built, and
the constructor attacks each of them at every attack strength once
(:func:`fairlab.robustness.accuracy_table`). A slider move only looks up that
grid and moves lines. In a notebook the explorer is drawn by the browser
(:meth:`RobustnessExplorer.browser_view`): one precomputed frame per (ε, attack).

Lesson: 15-robustness-and-privacy-who-pays
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd

from fairlab._validation import check_choice, check_in_range
from fairlab.plotting import group_colors, metrics_table_html
from fairlab.robustness import accuracy_table
from fairlab.widgets._explorer import Explorer, new_figure
from fairlab.widgets.browser import BrowserView, Frame, frames_spec

__all__ = ["RobustnessExplorer", "RobustnessState", "epsilon_label"]


def epsilon_label(eps: float) -> str:
    """``"∞"`` for no privacy, else ε written compactly.

    Examples
    --------
    >>> epsilon_label(float("inf")), epsilon_label(0.5), epsilon_label(8.0)
    ('∞', '0.5', '8')

    Lesson: 15-robustness-and-privacy-who-pays
    """
    return "∞" if math.isinf(eps) else f"{eps:g}"


@dataclass(frozen=True)
class RobustnessState:
    """What one (privacy ε, attack strength) setting shows."""

    epsilon: float
    attack: float
    clean: dict[str, float]       # group (and "all") → clean accuracy
    attacked: dict[str, float]    # group (and "all") → accuracy under the attack
    table: pd.DataFrame
    readout: str


class RobustnessExplorer(Explorer):
    """Privacy budget × attack strength → accuracy of each group.

    Parameters
    ----------
    models : mapping ε → model
        One network per privacy budget (``float('inf')`` = trained without
        privacy): a ``torch.nn.Module`` or a
        :class:`fairlab.privacy.PrivateModel` (its ``epsilon`` and ``delta`` are
        shown), e.g. the ``models`` of :func:`fairlab.privacy.private_sweep`.
    X, y : test images and classes
    sensitive_features : group of each test row
    attack_strengths : sequence of float >= 0, default (0, 0.025, 0.05, 0.1, 0.15, 0.2)
        L∞ attack radii in pixel units; 0 is the clean accuracy.
    method : {"pgd", "fgsm"}
    random_state : seeds PGD's random starts

    Examples
    --------
    >>> import torch
    >>> lin = torch.nn.Linear(2, 2)
    >>> with torch.no_grad(): _ = lin.weight.copy_(torch.eye(2)); _ = lin.bias.zero_()
    >>> ex = RobustnessExplorer({float("inf"): lin}, [[1.0, 0.0], [0.0, 1.0]], [0, 1],
    ...                         sensitive_features=["a", "b"], attack_strengths=[0, 0.6])
    >>> ex.compute(epsilon=float("inf"), attack=0.6).attacked
    {'a': 0.0, 'b': 0.0, 'all': 0.0}

    Lesson: 15-robustness-and-privacy-who-pays
    """

    def __init__(self, models: Mapping[float, Any], X: Any, y: Any, *, sensitive_features: Any,
                 attack_strengths: Sequence[float] = (0.0, 0.025, 0.05, 0.1, 0.15, 0.2),
                 method: str = "pgd", random_state: Any = 0) -> None:
        self._validate(models, method, attack_strengths)
        self._precompute(models, X, y, sensitive_features, random_state)
        controls = self._build_controls()
        self._build_figure()
        panels = self._build_panels()
        self._setup(controls, fig=self.fig, panels=panels,
                    title="Privacy and robustness explorer: who pays?")

    # ------------------------------------------------------------------ set-up steps
    def _validate(self, models: Mapping[float, Any], method: str,
                  attack_strengths: Sequence[float]) -> None:
        """Check the models, method and attack strengths; keep the two grids' stops."""
        if not isinstance(models, Mapping) or not models:
            raise ValueError("models must be a non-empty mapping privacy ε → model, e.g. the "
                             "models of fairlab.privacy.private_sweep(...).")
        check_choice(method, "method", ["pgd", "fgsm"])
        self.method = method
        self.epsilons = sorted(float(e) for e in models)
        self.attacks = sorted({check_in_range(a, "every attack strength", low=0)
                               for a in attack_strengths} | {0.0})

    def _precompute(self, models: Mapping[float, Any], X: Any, y: Any,
                    sensitive_features: Any, random_state: Any) -> None:
        """Every (privacy ε, attack strength) cell's accuracy per group: ``self.grid``."""
        self.info: dict[float, tuple[float | None, float | None]] = {}
        grids = []
        for eps in self.epsilons:
            m = models[eps]
            net = getattr(m, "model", m)
            self.info[eps] = (getattr(m, "epsilon", None), getattr(m, "delta", None))
            t = accuracy_table(net, X, y, sensitive_features=sensitive_features,
                               epsilons=self.attacks, method=self.method,
                               random_state=random_state)
            grids.append(t.to_numpy())                 # (groups + all, attacks)
        self.rows = [str(r) for r in t.index]
        self.groups = self.rows[:-1]
        self.grid = np.stack(grids)                    # (privacy ε, rows, attacks)

    def _build_controls(self) -> dict[str, W.ValueWidget]:
        """Two selection sliders: privacy budget ε and attack strength."""
        style = {"description_width": "initial"}
        return {
            "epsilon": W.SelectionSlider(
                options=[(epsilon_label(e), e) for e in self.epsilons], value=self.epsilons[-1],
                description="privacy budget ε", style=style),
            "attack": W.SelectionSlider(
                options=[(f"{a:g}", a) for a in self.attacks], value=self.attacks[0],
                description=f"attack strength ({self.method.upper()} ε)", style=style),
        }

    def _build_figure(self) -> None:
        """Accuracy against attack strength and against privacy, one line per group."""
        method = self.method
        colors = group_colors(self.groups)
        self.fig, (self.ax_attack, self.ax_priv) = new_figure(1, 2, figsize=(8.4, 3.3))
        self.attack_lines, self.attack_marks, self.priv_lines, self.priv_marks = {}, {}, {}, {}
        xp = np.arange(len(self.epsilons))
        for g in self.groups:
            (self.attack_lines[g],) = self.ax_attack.plot([], [], "-", color=colors[g], label=g)
            (self.attack_marks[g],) = self.ax_attack.plot([], [], "o", color=colors[g], ms=7)
            (self.priv_lines[g],) = self.ax_priv.plot([], [], "-", color=colors[g], label=g)
            (self.priv_marks[g],) = self.ax_priv.plot([], [], "o", color=colors[g], ms=7)
        self.ax_attack.set(xlim=(-0.01, max(self.attacks) * 1.05 + 0.01), ylim=(0, 1),
                           xlabel=f"attack strength ({method.upper()} ε, pixels)",
                           ylabel="test accuracy")
        self.ax_priv.set(xlim=(-0.3, len(xp) - 0.7), ylim=(0, 1),
                         xlabel="privacy budget ε (smaller = more private)")
        self.ax_priv.set_xticks(xp, [epsilon_label(e) for e in self.epsilons])
        self.ax_attack.legend(loc="lower left", fontsize=8)
        self.title_attack = self.ax_attack.set_title("")
        self.title_priv = self.ax_priv.set_title("")
        self.fig.tight_layout()

    def _build_panels(self) -> list[W.Widget]:
        """Readout and table."""
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        return [self.readout, self.table]

    # ------------------------------------------------------------------ the road
    def _index(self, values: list[float], value: float, name: str) -> int:
        i = int(np.argmin(np.abs(np.asarray(values) - value))) if math.isfinite(value) \
            else len(values) - 1
        if not (values[i] == value or (math.isinf(value) and math.isinf(values[i]))):
            raise ValueError(f"{name}={value!r} is not on the precomputed grid; choose one of "
                             f"{values}.")
        return i

    def compute(self, epsilon: float, attack: float) -> RobustnessState:
        i = self._index(self.epsilons, float(epsilon), "epsilon")
        j = self._index(self.attacks, float(attack), "attack")
        acc = self.grid[i]
        clean = dict(zip(self.rows, acc[:, 0].tolist(), strict=True))
        hit = dict(zip(self.rows, acc[:, j].tolist(), strict=True))
        table = pd.DataFrame({"clean accuracy": acc[:, 0], "under attack": acc[:, j],
                              "lost to the attack": acc[:, 0] - acc[:, j],
                              "lost to privacy": self.grid[-1][:, j] - acc[:, j]},
                             index=pd.Index(self.rows, name="group"))
        spent, delta = self.info[self.epsilons[i]]
        if math.isinf(self.epsilons[i]):
            privacy = "no privacy (ε = ∞)"
        elif spent is not None:
            privacy = f"ε = {spent:.3f} spent (δ = {delta:g})"
        else:
            privacy = f"ε = {epsilon_label(self.epsilons[i])}"
        a, b = self.groups[0], self.groups[-1]
        readout = (f"{privacy} · {self.method.upper()} attack ε = {self.attacks[j]:g} · "
                   + " · ".join(f"{g} {hit[g]:.3f}" for g in self.groups)
                   + f" · gap {hit[a] - hit[b]:.3f}")
        return RobustnessState(epsilon=self.epsilons[i], attack=self.attacks[j], clean=clean,
                               attacked=hit, table=table, readout=readout)

    def render(self, state: RobustnessState) -> None:
        i = self.epsilons.index(state.epsilon)
        j = self.attacks.index(state.attack)
        xp = np.arange(len(self.epsilons))
        for k, g in enumerate(self.groups):
            self.attack_lines[g].set_data(self.attacks, self.grid[i, k])
            self.attack_marks[g].set_data([state.attack], [self.grid[i, k, j]])
            self.priv_lines[g].set_data(xp, self.grid[:, k, j])
            self.priv_marks[g].set_data([i], [self.grid[i, k, j]])
        self.title_attack.set_text(f"model trained at privacy ε = {epsilon_label(state.epsilon)}")
        self.title_priv.set_text(f"under attack ε = {state.attack:g}")
        self.table.value = metrics_table_html(state.table)
        self.readout.value = state.readout
        self.fig.canvas.draw_idle()

    # --------------------------------------------------------------- browser view
    def _page_values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The page holds ε as its index in :attr:`epsilons` (JSON has no ``inf``)."""
        out = dict(values)
        if "epsilon" in out:
            out["epsilon"] = self._index(self.epsilons, float(out["epsilon"]), "epsilon")
        return out

    def _control_values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(values)
        if "epsilon" in out:
            out["epsilon"] = self.epsilons[int(out["epsilon"])]
        return out

    def browser_view(self) -> BrowserView:
        """The view drawn in the browser (built once): one precomputed frame per
        (privacy ε, attack strength) of the grid.

        Each frame holds the readout, the table and the lines and marks that
        :meth:`render` draws for that setting; a slider move in the page picks a frame
        and a release writes the values back to :attr:`state`.
        """
        if getattr(self, "_view", None) is None:
            colors = group_colors(self.groups)
            method = self.method.upper()
            xp = list(range(len(self.epsilons)))

            def layers(prefix: str, legend: bool) -> list[dict]:  # legend: as the figure's
                return ([{"id": f"{prefix}line{k}", "type": "line", "color": colors[g],
                          **({"label": g} if legend else {})}
                         for k, g in enumerate(self.groups)]
                        + [{"id": f"{prefix}mark{k}", "type": "points", "color": colors[g],
                            "size": 5} for k, g in enumerate(self.groups)])

            panels = [
                {"title": "accuracy at the chosen privacy ε",
                 "xlabel": f"attack strength ({method} ε, pixels)", "ylabel": "test accuracy",
                 "xlim": [-0.01, max(self.attacks) * 1.05 + 0.01], "ylim": [0, 1],
                 "layers": layers("a", True), "legend": "lower left",
                 "alt": "each group's accuracy against the attack strength, for the model "
                        "trained at the chosen privacy budget; the current attack marked"},
                {"title": "accuracy under the chosen attack",
                 "xlabel": "privacy budget ε (smaller = more private)", "ylabel": "",
                 "xlim": [-0.3, len(xp) - 0.7], "ylim": [0, 1],
                 "xticks": [[x, epsilon_label(e)] for x, e in zip(xp, self.epsilons,
                                                                  strict=True)],
                 "layers": layers("p", False),
                 "alt": "each group's accuracy against the privacy budget, under the chosen "
                        "attack; the current budget marked"},
            ]

            def frame_at(epsilon: int, attack: float) -> Frame:
                st = self.compute(epsilon=self.epsilons[epsilon], attack=attack)
                j = self.attacks.index(st.attack)
                left, right = {}, {}
                for k in range(len(self.groups)):
                    curve, across = self.grid[epsilon, k], self.grid[:, k, j]
                    left[f"aline{k}"] = [[float(a), float(v)]
                                         for a, v in zip(self.attacks, curve, strict=True)]
                    left[f"amark{k}"] = [[float(st.attack), float(curve[j])]]
                    right[f"pline{k}"] = [[float(x), float(v)]
                                          for x, v in zip(xp, across, strict=True)]
                    right[f"pmark{k}"] = [[float(epsilon), float(across[epsilon])]]
                return Frame(readout=st.readout, table=metrics_table_html(st.table),
                             layers=[left, right])

            start = self._page_values(self.values())
            controls = [
                {"name": "epsilon", "label": "privacy budget ε", "values": xp,
                 "labels": [epsilon_label(e) for e in self.epsilons],
                 "index": start["epsilon"]},
                {"name": "attack", "label": f"attack strength ({method} ε)",
                 "values": [float(a) for a in self.attacks],
                 "labels": [f"{a:g}" for a in self.attacks],
                 "index": self.attacks.index(start["attack"])},
            ]
            spec = frames_spec(controls, frame_at, panels=panels, title=self.title)
            self._view = BrowserView(kind="frames", spec=spec, values=start)
            self._view.observe(self._from_view, names="values")
        return self._view
