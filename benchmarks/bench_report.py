"""Speed of ``fairlab.report.audit``: 1 M rows × 2 attributes × 1,000 bootstrap replicates.

Budget: <= 10 s wall time on the 2-core course machine for ``audit`` (every table: the two
attributes and their intersection, rates, impact ratios, gaps, conflicts, all with
intervals). Also timed: the writers, and the whole command ``python -m fairlab.report``
on the same data saved as CSV (reading the CSV included).

The comparison is fairlearn's own bootstrap, ``MetricFrame(..., n_boot=...)``, with the same
groupings (race, sex, race × sex) and rates. It resamples rows and recomputes every metric
per replicate: on the full million rows one replicate did not finish within 40 minutes on the
shared machine, so fairlearn is timed on a 100,000-row sample of the same data, with 0 and 1
replicates, and extrapolated linearly to 1,000 (time(1) − time(0) per replicate, plus
time(0)); fairlab.report is timed on the same sample with all 1,000 replicates. The printed
ratio says it is extrapolated.

Wall and CPU time (this process, all threads) are both printed: other engineers share the
2 cores, so wall time can be inflated while CPU time is not.
"""

from __future__ import annotations

import contextlib
import functools
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from fairlab.report import audit
from fairlab.report.__main__ import main

print = functools.partial(print, flush=True)  # noqa: A001 - lines appear as they are timed

N_ROWS, N_BOOT, BUDGET_S = 1_000_000, 1000, 10.0
FAIRLEARN_BOOT = 1
N_FAIRLEARN = 100_000


def make_data(n: int = N_ROWS, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    race = rng.choice(["White", "Black", "Hispanic", "Asian", "Other"], n,
                      p=[0.6, 0.13, 0.18, 0.06, 0.03])
    sex = rng.choice(["Female", "Male"], n)
    y = (rng.random(n) < np.where(race == "White", 0.3, 0.22)).astype(int)
    score = np.clip(0.35 * y + 0.65 * rng.random(n), 0, 1)
    return pd.DataFrame({"race": race, "sex": sex, "y": y, "yhat": (score >= 0.5).astype(int),
                         "p": score})


def timed(func):
    w, c = time.perf_counter(), time.process_time()
    out = func()
    return out, time.perf_counter() - w, time.process_time() - c


def fairlearn_seconds(df: pd.DataFrame, n_boot: int) -> tuple[float, float]:
    from fairlearn.metrics import (
        MetricFrame,
        count,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score, precision_score

    rates = {"count": count, "base_rate": lambda y, p: float(np.mean(y)),
             "selection_rate": selection_rate, "tpr": true_positive_rate,
             "fpr": false_positive_rate, "accuracy": accuracy_score,
             "ppv": lambda y, p: precision_score(y, p, zero_division=0)}

    def run():
        for features in (df["race"], df["sex"], df[["race", "sex"]]):
            MetricFrame(metrics=rates, y_true=df["y"], y_pred=df["yhat"],
                        sensitive_features=features,
                        n_boot=n_boot or None, ci_quantiles=[0.025, 0.975] if n_boot else None,
                        random_state=0 if n_boot else None)

    _, wall, cpu = timed(run)
    return wall, cpu


def main_bench() -> None:
    df = make_data()
    print(f"{N_ROWS:,} rows; race (5) × sex (2); {N_BOOT:,} bootstrap replicates")
    kw = dict(sensitive_features=df[["race", "sex"]], n_boot=N_BOOT, random_state=0)
    report, wall, cpu = timed(lambda: audit(df["y"], df["yhat"], **kw))
    verdict = "OK" if wall <= BUDGET_S else "OVER"
    print(f"  audit (decisions):          wall {wall:5.2f} s, CPU {cpu:5.2f} s "
          f"(budget {BUDGET_S:.0f} s wall: {verdict})")
    _, wall, cpu = timed(lambda: audit(df["y"], df["yhat"], y_score=df["p"], **kw))
    print(f"  audit (+ scores, 10 bins):  wall {wall:5.2f} s, CPU {cpu:5.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        _, wall, cpu = timed(lambda: (report.to_html(Path(tmp) / "r.html"),
                                      report.to_markdown(), report.to_json(),
                                      report.to_csv(Path(tmp) / "csv")))
        print(f"  writers (html, md, json, csv): wall {wall:5.2f} s, CPU {cpu:5.2f} s")
        csv = Path(tmp) / "data.csv"
        df.to_csv(csv, index=False)
        args = [str(csv), "--target", "y", "--pred", "yhat", "--score", "p", "--sensitive",
                "race", "sex", "--quiet", "--out", str(Path(tmp) / "out")]
        with contextlib.redirect_stdout(io.StringIO()):
            status, wall, cpu = timed(lambda: main(args))
        print(f"  python -m fairlab.report (CSV read + audit + write): wall {wall:5.2f} s, "
              f"CPU {cpu:5.2f} s, exit {status}")
    # fairlearn on a 100,000-row sample (its cost grows with rows and replicates); ours on the
    # same sample with all 1,000 replicates, so the ratio is measured on equal data.
    small = df.sample(N_FAIRLEARN, random_state=0).reset_index(drop=True)
    _, s_wall, s_cpu = timed(lambda: audit(small["y"], small["yhat"], n_boot=N_BOOT,
                                           sensitive_features=small[["race", "sex"]],
                                           random_state=0))
    base_wall, base_cpu = fairlearn_seconds(small, 0)
    k_wall, k_cpu = fairlearn_seconds(small, FAIRLEARN_BOOT)
    per_wall = max(k_wall - base_wall, 0) / FAIRLEARN_BOOT
    per_cpu = max(k_cpu - base_cpu, 0) / FAIRLEARN_BOOT
    est_wall, est_cpu = base_wall + N_BOOT * per_wall, base_cpu + N_BOOT * per_cpu
    print(f"  on a {N_FAIRLEARN:,}-row sample, same groupings (race, sex, race × sex) and rates:")
    print(f"    fairlab.report, {N_BOOT:,} replicates: wall {s_wall:.2f} s, CPU {s_cpu:.2f} s")
    print(f"    fairlearn MetricFrame: no bootstrap wall {base_wall:.2f} s, CPU {base_cpu:.2f} s; "
          f"{FAIRLEARN_BOOT} replicate(s) wall {k_wall:.2f} s, CPU {k_cpu:.2f} s")
    print(f"    fairlearn extrapolated to {N_BOOT:,} replicates (linear, not run): wall ≈ "
          f"{est_wall:,.0f} s, CPU ≈ {est_cpu:,.0f} s")
    print(f"    ratio fairlearn / fairlab.report (CPU, extrapolated): ≈ {est_cpu / s_cpu:,.0f}×;"
          f" (wall): ≈ {est_wall / s_wall:,.0f}×")
    sys.stdout.flush()


if __name__ == "__main__":
    main_bench()
