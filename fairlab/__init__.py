"""fairlab: learn machine-learning fairness by doing.

Import the module you need; ``import fairlab`` itself loads nothing heavy. The layers,
the import rules and a lesson → files table are in ``docs/architecture.md``.

Foundations
    ``datasets`` (loaders: Bunches from checksummed files), ``metrics`` (counts → rates →
    gaps; ``GAPS`` is the one vocabulary of gaps), ``_validation`` (private: input
    checks shared by every module), ``_nn`` (private: the torch networks and batched
    training shared by ``training``, ``adversarial`` and ``feedback``), ``recipes``
    (the lessons' shared set-up: a dataset by name, THE tabular preprocessor, lesson
    splits, the reference model and lesson-only experiment helpers).
Topics (one module per lesson topic)
    ``setup_check`` (00), ``simulation`` (01), ``audit`` (02), ``resampling`` (03),
    ``training`` (04), ``calibration`` (05), ``thresholds`` (06), ``adversarial`` (07),
    ``monitoring`` (08), ``feedback`` (09), ``embeddings`` (10), ``compare`` (11),
    ``lm`` (12), ``alignment`` (13), ``causal`` and ``explain`` (14), ``robustness`` and
    ``privacy`` (15).
Tools for after the course
    ``report`` (an audit report of your own model: ``python -m fairlab.report``),
    ``reset`` (restore a lesson to the course version: ``python -m fairlab.reset 06``).
Presentation
    ``plotting`` (static figures, one per ``plot_*`` name), ``widgets`` (the explorers;
    ``widgets.browser`` draws them in the page from data sent once),
    ``exercises`` (``check_*`` answers, one per exercise).
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
