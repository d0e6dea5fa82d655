"""Exercise checks: ``check_<name>(answer)`` prints ✓ or a hint, never the answer.

Each lesson's checks live in ``fairlab.exercises.lessonNN`` and are found here by
name, so a lesson writes ``from fairlab import exercises`` and
``exercises.check_<name>(answer)``. Every check returns True or False, so tests
can call it; wrong types get a hint, not a traceback.
"""

from __future__ import annotations

import importlib

from fairlab.exercises._core import check_number, check_option, feedback

__all__ = ["feedback", "check_number", "check_option", "all_checks"]


#: Every exercise check → the lesson module that defines it (one line each; append yours).
_WHERE = {
    "check_unaware_gap": "lesson01",
    "check_label_bias_knob": "lesson01",
    "check_frozen_share": "lesson01",
    "check_strongest_proxy": "lesson02",
    "check_compas_race_v": "lesson02",
    "check_power_n": "lesson02",
    "check_reweighing_weight": "lesson03",
    "check_cells_undersampled_rows": "lesson03",
    "check_balanced_base_rate": "lesson03",
    "check_surrogate_gradient": "lesson04",
    "check_soft_eo_gap": "lesson04",
    "check_compas_high_fpr_gap": "lesson05",
    "check_chouldechova_fpr": "lesson05",
    "check_metric_choice": "lesson05",
    "check_projected_step": "lesson07",
    "check_adversary_baseline": "lesson07",
    "check_leak_detector": "lesson07",
    "check_first_alert_day": "lesson08",
    "check_silent_complaints": "lesson08",
    "check_satisfaction_drop": "lesson09",
    "check_bt_by_hand": "lesson09",
    "check_analogy_without_exclusion": "lesson10",
    "check_direction_agreement": "lesson10",
    "check_recoverability_after": "lesson10",
    "check_pareto_count": "lesson11",
    "check_budget_choice": "lesson11",
    "check_corpus_she_share": "lesson12",
    "check_counterfactual_pair": "lesson12",
    "check_paired_score": "lesson12",
    "check_penalised_reward": "lesson13",
    "check_dpo_loss": "lesson13",
    "check_higher_reward": "lesson13",
    "check_measured_flip_rate": "lesson14",
    "check_shortcut_accuracy_drop": "lesson14",
    "check_flip_rate_function": "lesson14",
    "check_fgsm_step": "lesson15",
    "check_dp_epsilon": "lesson15",
    "check_who_pays": "lesson15",
    "check_reweigh_function": "lesson03",
    "check_soft_dp_function": "lesson04",
    "check_fpr_gap_function": "lesson05",
    "check_threshold_search": "lesson06",
    "check_recalibration_prediction": "lesson06",
    "check_projection_function": "lesson07",
    "check_mixing_probability": "lesson06",
    "check_alert_days": "lesson08",
    "check_selected_shares": "lesson09",
    "check_t_interval": "lesson11",
}

__all__ += list(_WHERE)


def all_checks() -> dict:
    """Every ``check_*`` function of every lesson, by name (from ``_WHERE``)."""
    return {name: __getattr__(name) for name in _WHERE}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    if name in set(_WHERE.values()):  # a lesson's module, e.g. exercises.lesson15.FGSM_STEP
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"fairlab.exercises has no check named {name!r}; "
                         f"available: {sorted(_WHERE)}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
