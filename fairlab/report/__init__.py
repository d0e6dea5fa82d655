"""A fairness audit report for your own model: ``audit(...)`` and ``python -m fairlab.report``.

:func:`audit` turns labels, decisions (or scores) and sensitive columns into a
:class:`FairnessReport`: per group and intersection rates with bootstrap
intervals, the impact ratios of a New York City Local Law 144 bias audit, every
gap of :mod:`fairlab.metrics` and which criteria conflict at the observed base
rates, and the provenance needed to reproduce it. Writers give one
self-contained HTML page, Markdown in model-card sections (Mitchell et al. 2019),
JSON and CSV tables. ``python -m fairlab.report data.csv --target y --pred yhat
--sensitive race sex --out report/`` does the same for a CSV file.

Lesson: 11-choosing-an-intervention
"""

from fairlab.report._core import GAP_FUNCTIONS, RATE_COLUMNS, UNKNOWN, FairnessReport, audit

__all__ = ["GAP_FUNCTIONS", "RATE_COLUMNS", "UNKNOWN", "FairnessReport", "audit"]
