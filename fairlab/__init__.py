"""fairlab: learn machine-learning fairness by doing.

Modules: ``datasets``, ``metrics``, ``audit``, ``resampling``, ``training``,
``thresholds``, ``plotting``, ``exercises`` and ``widgets``. Import the one you
need; ``import fairlab`` itself loads nothing heavy.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
