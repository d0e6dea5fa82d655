"""Is this machine ready for the lessons? Versions, data checksums, widgets.

Lesson: 00-start-here
"""

from __future__ import annotations

import sys
from importlib import metadata

import pandas as pd

__all__ = ["REQUIRED", "check_environment"]

#: Packages the lessons need, with the oldest version they are tested with.
REQUIRED = {
    "numpy": "1.26", "pandas": "2.1", "scipy": "1.11", "matplotlib": "3.8",
    "scikit-learn": "1.4", "imbalanced-learn": "0.12", "fairlearn": "0.10", "torch": "2.2",
    "jupyterlab": "4.1", "ipywidgets": "8.1", "ipympl": "0.9.3",
}


def _version_tuple(v: str) -> tuple:
    out = []
    for part in v.split("+")[0].split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        out.append(int(digits) if digits else 0)
    return tuple(out)


def check_environment(verbose: bool = True) -> pd.DataFrame:
    """One row per requirement (packages, Python, data files) with ``ok`` and a fix.

    Examples
    --------
    >>> report = check_environment(verbose=False)
    >>> bool(report["ok"].all())
    True

    Lesson: 00-start-here
    """
    rows = [{"item": "python", "found": sys.version.split()[0], "needs": ">= 3.10",
             "ok": sys.version_info >= (3, 10),
             "fix": "use Python 3.10 or newer (make lab creates .venv with python3)"}]
    for pkg, oldest in REQUIRED.items():
        try:
            found = metadata.version(pkg)
            ok = _version_tuple(found) >= _version_tuple(oldest)
        except metadata.PackageNotFoundError:
            found, ok = "missing", False
        rows.append({"item": pkg, "found": found, "needs": f">= {oldest}", "ok": ok,
                     "fix": "" if ok else "run 'make lab' again from the project folder, "
                                          "or 'pip install -e .' in your environment"})
    from fairlab.datasets import verify_checksums

    for name, row in verify_checksums().iterrows():
        rows.append({"item": f"data/{name}", "found": f"{row['bytes']:,} bytes",
                     "needs": "sha256 matches", "ok": bool(row["ok"]),
                     "fix": "" if row["ok"] else f"restore it: git checkout -- data/{name}"})
    report = pd.DataFrame(rows).set_index("item")
    if verbose:
        bad = report[~report["ok"]]
        if bad.empty:
            print(f"✓ All {len(report)} checks passed: packages, Python and data are ready.")
        else:
            print(f"✗ {len(bad)} of {len(report)} checks need attention:")
            for item, row in bad.iterrows():
                print(f"  - {item}: found {row['found']}, needs {row['needs']}; {row['fix']}")
    return report
