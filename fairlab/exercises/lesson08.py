"""Exercise checks for lesson 08 (monitoring after deployment).

Each expected value is computed here, from the same seeded simulations the
lesson uses, never typed in.

Lesson: 08-monitoring-after-deployment
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fairlab.exercises._core import check_number, check_option

__all__ = ["check_first_alert_day", "check_quiet_window", "check_silent_complaints"]

#: The lesson's deployment stream: ``simulate_stream(**STREAM)``.
STREAM = {"n_days": 180, "per_day": 300, "mix_shift": 0.3, "proxy_appears_at": 120,
          "feedback": 0.02, "random_state": 0}
#: The trade-off study of section 5: ``detection_tradeoff(**TRADEOFF)``.
TRADEOFF = {"windows": (3, 7, 14, 28), "per_day": 100, "limit": 0.08, "consecutive": 3,
            "n_runs": 40, "random_state": 0}
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


@cache
def _tradeoff():
    from fairlab.monitoring import detection_tradeoff

    return detection_tradeoff(**TRADEOFF)


def _normalize_window(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, str):
        value = value.lower().replace("-day", "").replace("days", "").replace("day", "")
        value = value.strip()
    number = float(value)
    if number != int(number):
        raise ValueError
    return int(number)


def check_quiet_window(answer: Any) -> bool:
    """Exercise 2: the smallest window whose false-alarm rate is at most 5 %.

    Examples
    --------
    >>> check_quiet_window(3)
    ✗ ...
    False

    Lesson: 08-monitoring-after-deployment
    """
    table = _tradeoff()
    quiet = table.index[table["false_alarm_rate"] <= 0.05]
    expected = int(quiet.min())
    hints = {}
    for w in table.index:
        rate = table.loc[w, "false_alarm_rate"]
        if w < expected:
            hints[int(w)] = (f"In the table, the {w}-day window raised a false alarm in "
                             f"{rate:.0%} of runs: more than 5 %. Look further down.")
        elif w > expected:
            hints[int(w)] = (f"The {w}-day window is quiet too, but it is not the smallest "
                             "quiet one, and it detects the change later. Look one row up.")
    return check_option(
        answer, expected, normalize=_normalize_window, hints=hints,
        praise="Correct: the smallest quiet window; any longer one only adds detection lag.",
        hint="Answer with a window size from the table (3, 7, 14 or 28): the first row, "
             "from the top, whose false_alarm_rate is at most 0.05.",
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
