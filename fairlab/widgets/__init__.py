"""Interactive explorers, one class per lesson topic (see ``_explorer.Explorer``).

Imported lazily: ``from fairlab.widgets import ThresholdExplorer`` loads only that
explorer's module (and not torch, unless the explorer needs it).
"""

from __future__ import annotations

import importlib

from fairlab.widgets._explorer import Explorer, new_figure

_WHERE = {
    "BiasSourcesExplorer": "bias_sources",
    "AuditExplorer": "audit_explorer",
    "ResamplingExplorer": "resampling_explorer",
    "LambdaExplorer": "lambda_explorer",
    "MetricExplorer": "metric_explorer",
    "ImpossibilityExplorer": "impossibility_explorer",
    "ThresholdExplorer": "threshold_explorer",
    "EmbeddingExplorer": "embedding_explorer",
    "MonitorExplorer": "monitor_explorer",
    "FeedbackExplorer": "feedback_explorer",
    "GoodhartExplorer": "feedback_explorer",
    "AdversarialExplorer": "adversarial_explorer",
    "InterventionExplorer": "intervention_explorer",
    "ShortcutExplorer": "shortcut_explorer",
    "RobustnessExplorer": "robustness_explorer",
    "LanguageModelExplorer": "lm_explorer",
    "AlignmentExplorer": "alignment_explorer",
}

__all__ = ["Explorer", "new_figure", *_WHERE]


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
