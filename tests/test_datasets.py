"""Loaders: shapes, published base rates, checksums, and no personal data."""

import gzip
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from fairlab import datasets as D


def test_adult_shapes_and_published_base_rates():
    train, test = D.load_adult("train"), D.load_adult("test")
    assert train.frame.shape[0] == 32_561 and test.frame.shape[0] == 16_281
    assert len(D.load_adult("all").frame) == 32_561 + 16_281
    by_sex = train.frame.groupby("sex", observed=True)["income"].mean()
    # Widely reported for the Adult train split: 10.9 % of women and 30.6 % of men earn >50K.
    assert by_sex["Female"] == pytest.approx(0.109, abs=5e-4)
    assert by_sex["Male"] == pytest.approx(0.306, abs=5e-4)
    # the test file's labels end in "." in the original: cleaned, so both splits agree
    assert set(test.target.unique()) == {0, 1}
    assert test.target.mean() == pytest.approx(3_846 / 16_281)


def test_bunch_layout():
    for bunch in (D.load_adult(), D.load_compas(), D.load_german(), D.make_biased_world(200)):
        assert list(bunch.data.columns) == bunch.feature_names
        assert not set(bunch.sensitive_features.columns) & set(bunch.data.columns)
        assert bunch.target.name not in bunch.data.columns
        assert set(bunch.target.unique()) <= {0, 1}
        assert (len(bunch.data) == len(bunch.target) == len(bunch.sensitive_features)
                == len(bunch.frame))
        assert "Licence" in bunch.DESCR or "licence" in bunch.DESCR or "synthetic" in bunch.DESCR
        for col in bunch.sensitive_features:
            assert isinstance(bunch.sensitive_features[col].dtype, pd.CategoricalDtype)


def test_adult_missing_values_are_nan_and_categorical():
    adult = D.load_adult()
    assert adult.frame["workclass"].isna().sum() == 1_836  # '?' in the original file
    assert isinstance(adult.data["occupation"].dtype, pd.CategoricalDtype)
    assert "fnlwgt" not in adult.data and "fnlwgt" in adult.frame


def test_compas_filters_and_published_counts():
    compas = D.load_compas()
    f = compas.frame
    assert len(f) == 6_172
    assert f["days_b_screening_arrest"].between(-30, 30).all()
    assert (f["c_charge_degree"] != "O").all() and (f["is_recid"] != -1).all()
    # ProPublica's analysis: 3,175 African-American and 2,103 Caucasian defendants.
    assert f["race"].value_counts()[["African-American", "Caucasian"]].tolist() == [3175, 2103]
    assert {"decile_score", "score_text"} <= set(f.columns)
    assert compas.target.mean() == pytest.approx(0.455, abs=1e-3)


PII_COLUMNS = re.compile(r"name|first|last|dob|birth|case_number|booking|jail|custody|"
                         r"_date|^id$|screening_date|offense_date|arrest_date", re.I)


def test_compas_holds_no_personal_data():
    raw = gzip.decompress((D.DATA_DIR / "compas.csv.gz").read_bytes()).decode()
    header = raw.splitlines()[0].split(",")
    assert not [c for c in header if PII_COLUMNS.search(c)], header
    assert not re.search(r"\d{4}-\d{2}-\d{2}", raw), "a date is still in the file"
    assert not re.search(r"\d{2}\d{6}[A-Z]{2}\d{2}[A-Z]", raw), "a case number is still there"
    # two names from the public file's first rows must be gone
    assert "hernandez" not in raw.lower() and "dixon" not in raw.lower()


def test_german_readable_and_sensitive():
    german = D.load_german()
    assert german.frame.shape[0] == 1_000 and german.target.mean() == pytest.approx(0.7)
    assert "no account" in german.frame["checking_account"].cat.categories
    assert not german.frame.select_dtypes("category").apply(
        lambda c: c.astype(str).str.match(r"A\d+$").any()).any()
    assert german.sensitive_features["sex"].value_counts()["female"] == 310
    assert german.sensitive_features["age_band"].value_counts()["under 25"] == 149


def test_fico_tables():
    fico = D.load_fico()
    assert fico.groups == ["Asian", "Black", "Hispanic", "White"]
    assert list(fico.cdf.columns) == fico.groups
    assert np.all(np.diff(fico.cdf.to_numpy(), axis=0) >= -1e-9)  # CDFs never decrease
    assert fico.cdf.iloc[-1].tolist() == pytest.approx([1, 1, 1, 1], abs=1e-3)
    assert fico.performance.to_numpy().max() <= 1
    # repayment rises with the score: about 1 % repay at score 0, about 99 % at 100
    assert fico.performance.loc[0.0, "White"] == pytest.approx(1 - 0.9854)
    assert (fico.performance.loc[100.0] > 0.97).all()
    assert fico.totals["White"] == 133_165


def test_checksum_mismatch_is_a_clear_error(tmp_path, monkeypatch):
    for name in D.CHECKSUMS:
        shutil.copy(D.DATA_DIR / name, tmp_path / name)
    (tmp_path / "german.data.gz").write_bytes(b"tampered")
    monkeypatch.setattr(D, "DATA_DIR", tmp_path)
    D._read_bytes.cache_clear()
    try:
        with pytest.raises(ValueError, match="does not match its sha256.*git checkout"):
            D.load_german()
        assert not D.verify_checksums().loc["german.data.gz", "ok"]
        (tmp_path / "german.data.gz").unlink()
        with pytest.raises(FileNotFoundError, match="FAIRLAB_DATA"):
            D.load_german()
    finally:
        D._read_bytes.cache_clear()


def test_split_must_be_known():
    with pytest.raises(ValueError, match=r"split must be one of \['train', 'test', 'all'\]"):
        D.load_adult("validation")


def test_world_with_knobs_off_is_unbiased():
    w = D.make_biased_world(20_000, random_state=3)
    assert (w.target == w.true_target).all()
    rates = w.frame.groupby("group", observed=True)["true_target"].mean()
    assert abs(rates["A"] - rates["B"]) < 0.02
    share_b = w.sensitive_features["group"].value_counts(normalize=True)["B"]
    assert share_b == pytest.approx(0.5, abs=0.02)


def test_world_each_knob_does_its_one_thing():
    base = D.make_biased_world(20_000, random_state=1)
    rep = D.make_biased_world(20_000, representation=0.8, random_state=1)
    share_b = rep.sensitive_features["group"].value_counts(normalize=True)["B"]
    assert share_b == pytest.approx(0.1, abs=0.01)
    hist = D.make_biased_world(20_000, historical_bias=0.4, random_state=1)
    f = hist.frame
    b_pos = (f["group"] == "B") & (f["true_target"] == 1)
    assert (1 - f.loc[b_pos, "target"].mean()) == pytest.approx(0.4, abs=0.02)
    assert (f.loc[f["group"] == "A", "target"] == f.loc[f["group"] == "A", "true_target"]).all()
    meas = D.make_biased_world(20_000, measurement_bias=1.0, random_state=1)
    err = (meas.frame["test_score"] - base.frame["test_score"]).groupby(base.frame["group"],
                                                                       observed=True).std()
    assert err["A"] == 0 and err["B"] == pytest.approx(1.0, abs=0.05)
    proxy = D.make_biased_world(20_000, proxy_strength=1.0, random_state=1)
    corr = np.corrcoef(proxy.frame["neighbourhood"], proxy.frame["group"] == "B")[0, 1]
    assert corr > 0.9
    assert abs(np.corrcoef(base.frame["neighbourhood"], base.frame["group"] == "B")[0, 1]) < 0.03


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"representation": 1.0}, "representation must be < 1"),
    ({"historical_bias": -0.1}, "historical_bias must be >= 0"),
    ({"measurement_bias": "big"}, "measurement_bias must be a number"),
    ({"n": 5}, "n must be >= 20; got 5"),
])
def test_world_bad_knobs(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        D.make_biased_world(**kwargs)


def test_german_sex_column_warns_once_and_descr_says_why(monkeypatch, recwarn):
    # Grömping (2019): A92 mixes non-single women and single men, A94 is single women
    monkeypatch.setattr(D, "_CAVEATS_SHOWN", set())
    german = D.load_german()
    D.load_german()
    caught = [w for w in recwarn if issubclass(w.category, D.DataCaveatWarning)]
    assert len(caught) == 1 and "Grömping 2019" in str(caught[0].message)
    assert caught[0].filename == "fairlab/datasets.py"  # no machine-specific path in outputs
    status = german.frame["personal_status"].astype(str)
    assert (status.str.startswith("female") == (german.sensitive_features["sex"] == "female")).all()
    assert status.value_counts().to_dict() == {
        "male: single": 548, "female: divorced/separated/married": 310,
        "male: married/widowed": 92, "male: divorced/separated": 50}
    assert "'sex' IS NOT SEX" in german.DESCR and "A94 female, single (92)" in german.DESCR
    assert "never occurs" in german.DESCR


def test_descr_states_provenance_and_known_problems():
    import warnings

    adult, compas = D.load_adult(), D.load_compas()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", D.DataCaveatWarning)
        german = D.load_german()
    for phrase in ("1994", "fnlwgt", "Ding, Hardt, Miller & Schmidt (2021", "folktables",
                   "not a sample of US adults"):
        assert phrase in adult.DESCR, phrase
    assert "Bao et al. (2021" in compas.DESCR and "ProPublica" in compas.DESCR
    assert "Grömping (2019" in german.DESCR and "doi:10.24432/C5NC77" in german.DESCR
