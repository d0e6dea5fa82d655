"""Exercise checks for lesson 08 (monitoring after deployment).

Each expected value is computed here, from the same seeded simulations the
lesson uses, never typed in.

Lesson: 08-monitoring-after-deployment
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fairlab.exercises._core import check_function, check_number

__all__ = ["check_first_alert_day", "check_alert_days", "check_silent_complaints"]

#: The lesson's deployment stream: ``simulate_stream(**STREAM)``.
STREAM = {"n_days": 180, "per_day": 300, "mix_shift": 0.3, "proxy_appears_at": 120,
          "feedback": 0.02, "random_state": 0}
#: Exercise 3: complaint propensities, and the complaint monitor's settings.
COMPLAINT_RATES = {"A": 0.05, "B": 0.02}
COMPLAINT_MONITOR = {"window": 28, "n_boot": 0, "complaint_limit": 10, "complaint_ratio": 1.5}


@cache
def _stream():
    from fairlab.monitoring import simulate_stream

    return simulate_stream(**STREAM)


@cache
def _alert_days() -> dict[str, float]:
    from fairlab.monitoring import FairnessMonitor

    mon = FairnessMonitor("equal_opportunity_difference", window=14, limit=0.1,
                          n_boot=0).fit_stream(_stream())
    first = {f"tpr_{w}": float(mon.evaluate(window=w).raised[0]) for w in (7, 14, 28)}
    dp = mon.evaluate(metric="demographic_parity_difference", window=28).raised
    first["dp_28"] = float(dp[0])
    return first


def check_first_alert_day(answer: Any) -> bool:
    """Exercise 1: first alert day of the TPR-gap monitor with a 28-day window.

    Examples
    --------
    >>> check_first_alert_day(10)
    ✗ ...
    False

    Lesson: 08-monitoring-after-deployment
    """
    days = _alert_days()
    return check_number(
        answer, days["tpr_28"], tol=0.5,
        praise="Correct: the 28-day window raises its first alert a few days after the "
               "14-day one. A longer window averages more days, so it is steadier and "
               "slower.",
        hint="Build FairnessMonitor('equal_opportunity_difference', window=28, limit=0.1) "
             "(consecutive=3, alert_on='estimate', the defaults), fit it on the lesson's "
             "stream and read the first day in .alerts_.",
        near_misses={
            "That is the 14-day window's first alert. Set window=28.":
                lambda a: abs(a - days["tpr_14"]) <= 0.5,
            "That is the 7-day window's first alert. Set window=28.":
                lambda a: abs(a - days["tpr_7"]) <= 0.5,
            "That monitor watched the selection-rate (DP) gap; the exercise asks for "
            "metric='equal_opportunity_difference'.": lambda a: abs(a - days["dp_28"]) <= 0.5,
            "Give the day itself (a day number between 0 and 179), not a lag.":
                lambda a: a < 28,
        },
    )


def _raised_days(gap, limit, consecutive):
    """Reference loop: the days on which a run of over-limit days reaches ``consecutive``."""
    raised, run = [], 0
    for day, value in enumerate(gap):
        run = run + 1 if value == value and value > limit else 0  # NaN never counts
        if run == consecutive:
            raised.append(day)
    return raised


def check_alert_days(answer: Any) -> bool:
    """Exercise 2 (build it): ``answer(gap, limit, consecutive)`` → the days an alert is raised.

    ``gap`` holds one windowed gap per day (NaN where the window had too few rows).
    A day is *over the limit* when its gap is strictly above ``limit``; an alert is
    raised on the day a run of over-limit days reaches ``consecutive`` days, once per
    run (a NaN or a day at or under the limit ends the run). This is the rule of
    :class:`fairlab.monitoring.FairnessMonitor` (its ``raised`` days). Checked on hidden
    cases against a reference loop.

    Examples
    --------
    >>> check_alert_days(lambda gap, limit, consecutive: [])
    ✗ ...
    False

    Lesson: 08-monitoring-after-deployment
    """
    import numpy as np

    nan = float("nan")
    rng = np.random.default_rng(8)
    cases = [
        ([0.05, 0.12, 0.13, 0.14, 0.15, 0.16, 0.02, 0.2, 0.2, 0.2], 0.1, 3),  # one alert per run
        ([0.11, 0.1, 0.11, 0.11, 0.1, 0.11, 0.11, 0.11], 0.1, 3),  # at the limit is not over
        ([0.3, nan, 0.3, 0.3, 0.3, 0.3, nan, 0.3], 0.1, 2),  # NaN ends a run
        ([0.2] * 6, 0.1, 1),
        ([0.0, 0.01], 0.1, 3),  # never
    ]
    for n, limit, k in ((60, 0.08, 3), (200, 0.05, 5)):
        gap = np.round(np.abs(rng.normal(limit, 0.04, n)), 2)
        gap[rng.random(n) < 0.05] = np.nan
        cases.append((gap.tolist(), limit, k))
    cases = [((np.asarray(g, dtype=float), lim, k), _raised_days(g, lim, k))
             for g, lim, k in cases]

    def days_of(got):
        return [int(d) for d in np.asarray(got, dtype=float).ravel()]

    def diagnose(args, got):
        gap, limit, k = args
        days = days_of(got)
        with np.errstate(invalid="ignore"):
            over = np.nan_to_num(gap, nan=-np.inf) > limit
            run = np.zeros(len(gap), dtype=int)
            for d in range(len(gap)):
                run[d] = run[d - 1] + 1 if over[d] and d else int(over[d])
        if days == [d for d in range(len(gap)) if run[d] >= k] and days:
            return ("You return every day the alert is *on*; the exercise asks for the days "
                    "it is *raised*: once per run, on the day the run reaches `consecutive`.")
        if days == _raised_days([v if v != limit else limit + 1 for v in gap], limit, k):
            return "A gap exactly at the limit is not over it: use '>' rather than '>='."
        if days and days == [d for d in range(len(gap)) if over[: d + 1].sum() == k][:1]:
            return "Count days in a row: a day at or under the limit (or NaN) resets the run."
        return None

    return check_function(
        answer, cases,
        compare=lambda got, want: days_of(got) == want,
        diagnose=diagnose,
        praise="Correct: a run counter that resets on a quiet day. With consecutive=3 the "
               "monitor ignores a one- or two-day blip, which is where a short window's "
               "false alarms come from, and pays for it with a lag of two days.",
        hint="Walk through the days with a counter: add 1 when the gap is above the limit, "
             "reset to 0 otherwise (NaN included); record the day when the counter equals "
             "`consecutive`. Return a list of day indices (0 = the first entry).",
    )


@cache
def _complaint_rates() -> dict[str, float]:
    from fairlab.monitoring import FairnessMonitor, simulate_complaints

    out = {}
    for name, rate in (("unequal", COMPLAINT_RATES), ("equal", COMPLAINT_RATES["A"])):
        c = simulate_complaints(_stream(), rate=rate, random_state=STREAM["random_state"])
        mon = FairnessMonitor(**COMPLAINT_MONITOR).fit_stream(_stream())
        mon.log_feedback(c.day, c.group, c.kind, c.text)
        late = mon.history_.loc[150:]
        out[f"{name}_B"] = float(late["complaints_per_1000_B"].mean())
        out[f"{name}_A"] = float(late["complaints_per_1000_A"].mean())
        out[f"{name}_count_B"] = float(late["complaints_B"].mean())
    return out


def check_silent_complaints(answer: Any) -> bool:
    """Exercise 3: B's complaints per 1,000 decisions, days 150-179, when B complains less.

    Examples
    --------
    >>> check_silent_complaints(100)
    ✗ ...
    False

    Lesson: 08-monitoring-after-deployment
    """
    r = _complaint_rates()
    tol = 0.05
    return check_number(
        answer, r["unequal_B"], tol=tol,
        praise="Correct: B now complains less often than A although B is harmed more. "
               "Silence is not fairness; a complaint channel measures who speaks up as "
               "much as who is harmed.",
        hint="Simulate complaints with rate={'A': 0.05, 'B': 0.02}, log them on a "
             "FairnessMonitor(window=28, n_boot=0, complaint_limit=10, complaint_ratio=1.5) "
             "fitted on the lesson's stream, then average history_.loc[150:, "
             "'complaints_per_1000_B'].",
        near_misses={
            "That is B's rate when B complains as readily as A (rate=0.05). Use "
            "rate={'A': 0.05, 'B': 0.02}.": lambda a: abs(a - r["equal_B"]) <= tol,
            "That is A's rate; the exercise asks for group B.":
                lambda a: abs(a - r["unequal_A"]) <= tol,
            "That is a count of complaints in the window, not a rate: use the "
            "complaints_per_1000_B column.": lambda a: abs(a - r["unequal_count_B"]) <= tol,
        },
    )
