"""Latency of the explorers' bootstrap-interval option: intervals on vs off.

ThresholdExplorer on the Adult test split (logistic-regression scores, groups =
race, 5 sliders): the median slider callback (compute + render, the canvas
redraw deferred as ipympl defers it) with the "intervals" checkbox off and on
(200 bootstrap replicates per group, drawn once), and the one-off cost of
drawing the replicates. Budget: median <= 15 ms with intervals on.

LambdaExplorer is timed the same way on a 9-value λ sweep trained here (5
epochs on 8,000 Adult training rows, groups = sex, scored on the test split);
same budget.
Other engineers share the 2 cores: timings may be inflated.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from fairlab.datasets import load_adult  # noqa: E402
from fairlab.recipes import feature_kinds, tabular_preprocessor  # noqa: E402
from fairlab.widgets.threshold_explorer import ThresholdExplorer  # noqa: E402

BUDGET_MS = 15.0


def _median_callback(ex, move, n: int = 200) -> tuple[float, float]:
    ex.fig.canvas.draw_idle = lambda *a, **k: None  # as ipympl: the render comes later
    rng = np.random.default_rng(0)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        move(rng)
        times.append(time.perf_counter() - t0)
    return float(np.median(times)) * 1e3, float(np.quantile(times, 0.95)) * 1e3


def thresholds(y, score, race) -> float:
    ex = ThresholdExplorer(y, score, sensitive_features=race)

    def move(rng):
        ex.slider(ex.groups[rng.integers(len(ex.groups))]).value = float(rng.random())

    off = _median_callback(ex, move)
    t0 = time.perf_counter()
    ex.controls["intervals"].value = True  # draws the replicates once
    draw = (time.perf_counter() - t0) * 1e3
    on = _median_callback(ex, move)
    print(f"ThresholdExplorer ({len(ex.groups)} groups, {len(y):,} rows, "
          f"{ex.n_boot} replicates per group)")
    print(f"  intervals off: median {off[0]:.2f} ms, 95th percentile {off[1]:.2f} ms")
    print(f"  intervals on:  median {on[0]:.2f} ms, 95th percentile {on[1]:.2f} ms "
          f"(budget median <= {BUDGET_MS:.0f} ms: {'OK' if on[0] <= BUDGET_MS else 'OVER'})")
    print(f"  one-off: drawing the replicates took {draw:.0f} ms")
    return on[0]


def lambdas(X, y, sex, X_test, y_test, sex_test) -> float | None:
    from fairlab.training import lambda_sweep
    from fairlab.widgets.lambda_explorer import LambdaExplorer

    sweep = lambda_sweep(X, y, sex, np.linspace(0, 4, 9), X_test=X_test, y_test=y_test,
                         sensitive_features_test=sex_test, epochs=5, random_state=0, progress=False)
    ex = LambdaExplorer(sweep)
    if "intervals" not in ex.controls:
        print("LambdaExplorer: no intervals option yet; not timed.")
        return None
    slider = ex.controls["lam"]  # its values are positions in the λ grid

    def move(rng):
        slider.value = int(rng.integers(len(sweep.lams)))

    off = _median_callback(ex, move)
    t0 = time.perf_counter()
    ex.controls["intervals"].value = True  # bootstraps every λ at once, once
    draw = (time.perf_counter() - t0) * 1e3
    on = _median_callback(ex, move)
    print(f"LambdaExplorer ({len(sweep.lams)} λ, {len(y_test):,} test rows, groups = sex)")
    print(f"  intervals off: median {off[0]:.2f} ms, 95th percentile {off[1]:.2f} ms")
    print(f"  intervals on:  median {on[0]:.2f} ms, 95th percentile {on[1]:.2f} ms "
          f"(budget median <= {BUDGET_MS:.0f} ms: {'OK' if on[0] <= BUDGET_MS else 'OVER'})")
    print(f"  one-off: bootstrapping every λ took {draw:.0f} ms")
    return on[0]


def main() -> None:
    tr, te = load_adult("train"), load_adult("test")
    prep = tabular_preprocessor(*feature_kinds(tr.data))
    model = make_pipeline(prep, LogisticRegression(max_iter=1000))
    model.fit(tr.data, tr.target)
    score = model.predict_proba(te.data)[:, 1]
    y = te.target.to_numpy()
    print(f"Adult test split: {len(y):,} rows, logistic regression scores")
    thresholds(y, score, te.sensitive_features["race"])
    Xtr, Xte = prep.transform(tr.data), prep.transform(te.data)
    lambdas(Xtr[:8000], tr.target.to_numpy()[:8000], tr.sensitive_features["sex"].to_numpy()[:8000],
            Xte, y, te.sensitive_features["sex"].to_numpy())


if __name__ == "__main__":
    main()
