"""fairlab.report: the audit's numbers against fairlab.metrics, fairlearn and hand counts;
LL144 conventions on a crafted frame; the writers; the command line's bad-input exits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, precision_score

from fairlab import metrics
from fairlab.calibration import calibration_by_group
from fairlab.datasets import load_adult, load_compas
from fairlab.report import GAP_FUNCTIONS, UNKNOWN, audit

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compas():
    f = load_compas().frame
    return {"y": f["two_year_recid"].to_numpy(), "pred": (f["decile_score"] >= 5).astype(int)
            .to_numpy(), "score": f["decile_score"].to_numpy() / 10,
            "sf": f[["race", "sex"]].reset_index(drop=True)}


@pytest.fixture(scope="module")
def adult():
    a = load_adult()
    X = a.data[["age", "education_num", "hours_per_week", "capital_gain"]].to_numpy(float)
    model = LogisticRegression(max_iter=500).fit(X, a.target)
    score = model.predict_proba(X)[:, 1]
    return {"y": a.target.to_numpy(), "pred": (score >= 0.5).astype(int), "score": score,
            "sf": a.sensitive_features[["race", "sex"]].reset_index(drop=True)}


@pytest.fixture(scope="module")
def compas_report(compas):
    return audit(compas["y"], compas["pred"], y_score=compas["score"],
                 sensitive_features=compas["sf"], n_boot=300, random_state=0)


@pytest.fixture(scope="module")
def adult_report(adult):
    return audit(adult["y"], adult["pred"], y_score=adult["score"],
                 sensitive_features=adult["sf"], n_boot=300, random_state=0)


# ------------------------------------------------------------------ numbers vs oracles
FAIRLEARN = {"selection_rate": selection_rate, "tpr": true_positive_rate,
             "fpr": false_positive_rate, "accuracy": accuracy_score,
             "ppv": lambda y, p: precision_score(y, p, zero_division=np.nan)}


@pytest.mark.filterwarnings("ignore::fairlab.metrics.UndefinedRateWarning")
@pytest.mark.parametrize("name", ["compas", "adult"])
def test_rates_match_fairlab_metrics_and_fairlearn(name, request):
    data, report = request.getfixturevalue(name), request.getfixturevalue(f"{name}_report")
    sf = data["sf"]
    for attribute, features in [("race", sf["race"]), ("sex", sf["sex"]),
                                ("race × sex", sf[["race", "sex"]])]:
        table = report.by_group.loc[attribute]
        ours = metrics.group_metrics(data["y"], data["pred"], sensitive_features=features)
        labels = [" × ".join(map(str, i)) if isinstance(i, tuple) else str(i)
                  for i in ours.index]
        np.testing.assert_array_equal(table.index, labels)
        np.testing.assert_allclose(table["n"], ours["count"])
        np.testing.assert_allclose(table["share"], ours["count"] / len(data["y"]))
        for rate in ("base_rate", "selection_rate", "tpr", "fpr", "ppv", "accuracy"):
            np.testing.assert_allclose(table[rate], ours[rate], rtol=0, atol=1e-12,
                                       err_msg=f"{name} {attribute} {rate}")
        mf = MetricFrame(metrics=FAIRLEARN, y_true=data["y"], y_pred=data["pred"],
                         sensitive_features=features).by_group
        for rate in FAIRLEARN:
            # fairlearn reports 0 where a rate's denominator is empty; we report NaN (and
            # fairlab.metrics does too, checked above), so compare the defined ones.
            defined = table[rate].notna().to_numpy()
            np.testing.assert_allclose(table[rate].to_numpy()[defined],
                                       mf[rate].to_numpy(dtype=float)[defined],
                                       rtol=0, atol=1e-12, err_msg=f"{name} {attribute} {rate}")


@pytest.mark.parametrize("name", ["compas", "adult"])
def test_gaps_match_fairlab_metrics_on_the_readable_groups(name, request):
    data, report = request.getfixturevalue(name), request.getfixturevalue(f"{name}_report")
    sf = data["sf"]
    for attribute, features in [("race", sf["race"].astype(str)), ("sex", sf["sex"].astype(str)),
                                ("race × sex", sf["race"].astype(str) + " × "
                                 + sf["sex"].astype(str))]:
        readable = report.by_group.loc[attribute].query("n >= 30").index
        keep = features.isin(readable).to_numpy()
        for gap, func in GAP_FUNCTIONS.items():
            expected = func(data["y"][keep], data["pred"][keep],
                            sensitive_features=features[keep])
            row = report.gaps.loc[(attribute, gap)]
            assert row["estimate"] == pytest.approx(expected, abs=1e-12), (attribute, gap)
            assert row["low"] <= row["estimate"] + 1e-9 or gap.endswith("ratio")
            assert row["groups"] == len(readable)


def test_intersections_and_impact_ratios_by_hand(compas, compas_report):
    frame = compas["sf"].astype(str).assign(pred=compas["pred"])
    rate = frame.groupby(["race", "sex"])["pred"].mean()
    by_hand = rate / rate.max()
    table = compas_report.impact_ratios.loc["race × sex"]
    for (race, sex), value in by_hand.items():
        assert table.loc[f"{race} × {sex}", "impact_ratio"] == pytest.approx(value, abs=1e-12)
        assert table.loc[f"{race} × {sex}", "selection_rate"] == pytest.approx(rate[(race, sex)])
    share = frame.groupby(["race", "sex"]).size() / len(frame)
    np.testing.assert_array_equal(table["excludable"].to_numpy(), (share < 0.02).to_numpy())
    # without the excludable categories, divide by the highest among the others
    big = rate[(share >= 0.02).to_numpy()]
    for (race, sex), value in (big / big.max()).items():
        assert table.loc[f"{race} × {sex}", "impact_ratio_without_excludable"] == \
            pytest.approx(value, abs=1e-12)


def test_calibration_error_matches_calibration_by_group(compas, compas_report):
    t = calibration_by_group(compas["y"], compas["score"], sensitive_features=compas["sf"]["race"],
                             n_bins=10)
    ece = (t["count"] * (t["mean_score"] - t["observed"]).abs()).groupby(level=0).sum() \
        / t["count"].groupby(level=0).sum()
    np.testing.assert_allclose(compas_report.by_group.loc["race", "calibration_error"],
                               ece.to_numpy(), atol=1e-12)


def test_interval_width_matches_the_binomial_standard_error(adult, adult_report):
    # Row bootstrap of a proportion in a large group: the 95 % interval is about
    # ±1.96·sqrt(p(1-p)/n) (normal approximation).
    row = adult_report.by_group.loc[("sex", "Male")]
    p, n = row["selection_rate"], row["n"]
    expected = 2 * 1.96 * np.sqrt(p * (1 - p) / n)
    width = row["selection_rate_high"] - row["selection_rate_low"]
    assert width == pytest.approx(expected, rel=0.2)
    assert row["selection_rate_low"] < p < row["selection_rate_high"]


def test_conflicts_follow_chouldechova(compas_report):
    c = compas_report.conflicts.set_index(["attribute", "criteria"])
    assert not c.loc[("race", "equalized odds + predictive parity"), "can_hold_together"]
    gaps = compas_report.gaps.loc[("sex", "predictive_parity_difference"), "conflicts_with"]
    assert "equalized_odds_difference" in gaps


def test_equal_base_rates_show_no_conflict():
    y = np.tile([1, 0, 1, 0, 0, 1, 0, 0], 200)
    pred = np.tile([1, 0, 0, 1, 0, 1, 0, 0], 200)
    groups = np.repeat(["a", "b"], 800)
    r = audit(y, pred, sensitive_features=groups, n_boot=200, random_state=1)
    assert r.conflicts["can_hold_together"].all()
    assert (r.gaps["conflicts_with"] == "").all()


# ----------------------------------------------------------- LL144 on a crafted frame
def crafted():
    """1,000 rows; sex has 10 missing, race has 5 'Unknown' and a 1.5 % category C."""
    sex = np.array(["F"] * 600 + ["M"] * 390 + [None] * 10, dtype=object)
    race = np.array((["A", "B"] * 300) + ["B"] * 380 + ["C"] * 15 + ["Unknown"] * 5,
                    dtype=object)
    pred = np.zeros(1000, dtype=int)
    pred[:300:2] = 1  # A: 150 of its first 150 rows... see the counts below
    pred[1:600:4] = 1
    pred[980:995] = 1  # C: all 15 selected
    y = np.ones(1000, dtype=int)
    y[::3] = 0
    return y, pred, pd.DataFrame({"race": race, "sex": sex})


def test_two_percent_rule_and_unknown_counts():
    y, pred, sf = crafted()
    r = audit(y, pred, sensitive_features=sf, unknown_labels=["Unknown"], n_boot=200,
              random_state=0)
    assert r.unknown_counts == {"race": 5, "sex": 10}
    ir = r.impact_ratios.loc["race"]
    assert ir.loc[UNKNOWN, "n"] == 5 and ir.loc[UNKNOWN, "unknown"]
    assert np.isnan(ir.loc[UNKNOWN, "impact_ratio"])
    known = sf["race"] != "Unknown"
    rate = pd.Series(pred[known]).groupby(sf["race"][known].to_numpy()).mean()
    assert rate["C"] == 1.0
    assert ir.loc["C", "excludable"] and not ir.loc["A", "excludable"]
    assert ir.loc["C", "share"] == pytest.approx(0.015)
    # all categories: divide by C (the highest); without excludable ones: by max(A, B)
    assert ir.loc["A", "impact_ratio"] == pytest.approx(rate["A"] / 1.0)
    top = max(rate["A"], rate["B"])
    assert ir.loc["A", "impact_ratio_without_excludable"] == pytest.approx(rate["A"] / top)
    assert ir.loc["B", "impact_ratio_without_excludable"] == pytest.approx(rate["B"] / top)
    assert np.isnan(ir.loc["C", "impact_ratio_without_excludable"])
    # the intersection counts a row as unknown when either attribute is
    inter = r.impact_ratios.loc["race × sex"]
    unknown_rows = inter[inter["unknown"]]["n"].sum()
    assert unknown_rows == ((sf["race"] == "Unknown") | sf["sex"].isna()).sum()
    # unknown and small groups are flagged, not hidden
    bg = r.by_group
    assert bg.loc[("race", "C"), "small"] and "small" in bg.loc[("race", "C"), "note"]
    assert "unknown" in bg.loc[("sex", UNKNOWN), "note"]
    assert "C" in r.gaps.loc[("race", "demographic_parity_difference"), "groups_left_out"]


def test_reference_group_changes_the_denominator():
    y, pred, sf = crafted()
    r = audit(y, pred, sensitive_features=sf, reference_group={"race": "B"}, n_boot=200)
    ir = r.impact_ratios.loc["race"]
    assert ir.loc["B", "impact_ratio"] == 1.0
    assert ir.loc["A", "impact_ratio"] == pytest.approx(ir.loc["A", "selection_rate"]
                                                        / ir.loc["B", "selection_rate"])
    with pytest.raises(ValueError, match="choose one of"):
        audit(y, pred, sensitive_features=sf, reference_group={"race": "Z"}, n_boot=200)
    with pytest.raises(ValueError, match="as a dict"):
        audit(y, pred, sensitive_features=sf, reference_group="B", n_boot=200)


def test_thresholds_per_group_make_the_decisions():
    score = np.array([0.2, 0.4, 0.6, 0.8] * 50)
    groups = np.repeat(["a", "b"], 100)
    y = np.tile([0, 1], 100)
    r = audit(y, y_score=score, thresholds={"a": 0.5, "b": 0.3}, sensitive_features=groups,
              n_boot=100)
    assert r.by_group.loc[("group", "a"), "selection_rate"] == 0.5
    assert r.by_group.loc[("group", "b"), "selection_rate"] == 0.75
    with pytest.raises(ValueError, match="no entry for groups"):
        audit(y, y_score=score, thresholds={"a": 0.5}, sensitive_features=groups, n_boot=100)


@pytest.mark.parametrize("kwargs, match", [
    ({"y_pred": None}, "pass y_pred"),
    ({"thresholds": 0.5}, "not both"),
    ({"n_boot": 20}, "n_boot must be >= 100"),
    ({"sensitive_features": ["a"] * 8}, "only one known group"),
    ({"sensitive_features": [None] * 8}, "no known category"),
    ({"sensitive_features": ["a", "b"] * 3}, "has 6 entries"),
    ({"min_group_size": 0}, "min_group_size must be >= 1"),
])
def test_bad_arguments_name_the_fix(kwargs, match):
    args = {"y_pred": [1, 0] * 4, "sensitive_features": ["a", "b"] * 4, "n_boot": 100}
    args.update(kwargs)
    y_pred = args.pop("y_pred")
    with pytest.raises(ValueError, match=match):
        audit([1, 0, 0, 1] * 2, y_pred, **args)


def test_determinism_with_random_state(compas):
    kw = dict(sensitive_features=compas["sf"], n_boot=200)
    a = audit(compas["y"], compas["pred"], random_state=7, **kw)
    b = audit(compas["y"], compas["pred"], random_state=7, **kw)
    c = audit(compas["y"], compas["pred"], random_state=8, **kw)
    for name in ("by_group", "impact_ratios", "gaps", "conflicts"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert not a.by_group["selection_rate_low"].equals(c.by_group["selection_rate_low"])
    assert a.provenance["sha256"] == b.provenance["sha256"]
    assert a.provenance["random_state"] == 7


def test_progress_is_reported():
    calls = []
    audit([1, 0] * 50, [1, 1] * 50, sensitive_features=["a", "b"] * 50, n_boot=120,
          progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (120, 120) and len(calls) == 3


# ---------------------------------------------------------------------------- writers
def test_writers(compas_report, tmp_path):
    page = compas_report.to_html(tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == page
    for external in ("http://", "https://", "src=", "href=", "@import", "url("):
        assert external not in page.split("<pre>")[0]
    assert page.count("<svg") == 6 and "<script" not in page
    md = compas_report.to_markdown()
    for section in ("Model details", "Intended use", "Factors", "Metrics", "Evaluation data",
                    "Quantitative analyses", "Caveats"):
        assert f"## {section}" in md and f"<h2>{section}" in page
    assert "Asian × Female" in md and "0.576 [" in md
    data = json.loads(compas_report.to_json())
    first = data["by_group"][0]
    assert first["group"] == "African-American"
    assert first["selection_rate"] == pytest.approx(
        compas_report.by_group["selection_rate"].iloc[0])
    assert data["provenance"]["sha256"]["y_true"] == compas_report.provenance["sha256"]["y_true"]
    paths = compas_report.to_csv(tmp_path / "csv")
    assert len(paths) == 4
    back = pd.read_csv(tmp_path / "csv" / "gaps.csv", index_col=[0, 1])
    np.testing.assert_allclose(back["estimate"], compas_report.gaps["estimate"])


# --------------------------------------------------------------------------- the CLI
def run_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "fairlab.report", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


@pytest.fixture
def data_csv(tmp_path):
    y, pred, sf = crafted()
    frame = sf.assign(y=y, yhat=pred, p=np.linspace(0, 1, len(y)))
    frame.to_csv(tmp_path / "data.csv", index=False)
    return tmp_path / "data.csv"


def test_cli_writes_the_report(data_csv, tmp_path):
    out = tmp_path / "report"
    done = run_cli(data_csv, "--target", "y", "--pred", "yhat", "--score", "p", "--sensitive",
                   "race", "sex", "--unknown", "Unknown", "--n-boot", "200", "--out", out,
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "bootstrap [" in done.stderr and "200/200" in done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md",
                                                     "tables"]
    data = json.loads((out / "report.json").read_text())
    assert data["unknown_counts"] == {"race": 5, "sex": 10}
    assert data["provenance"]["input_file"]["name"] == "data.csv"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("case, match", [
    ("missing column", "column 'income' is not in data.csv"),
    ("non-binary target", "must be binary"),
    ("empty group", "no known category"),
    ("not csv", "is not a CSV file"),
    ("no file", "does not exist"),
    ("out exists", "already exists"),
])
def test_cli_bad_input_exits_2_and_writes_nothing(case, match, data_csv, tmp_path):
    out = tmp_path / "report"
    target, csv, sensitive = "y", data_csv, ["race", "sex"]
    if case == "missing column":
        target = "income"
    elif case == "non-binary target":
        frame = pd.read_csv(data_csv)
        frame["y"] = frame["y"] * 3
        frame.to_csv(data_csv, index=False)
    elif case == "empty group":
        frame = pd.read_csv(data_csv)
        frame["blank"] = np.nan
        frame.to_csv(data_csv, index=False)
        sensitive = ["race", "blank"]
    elif case == "not csv":
        csv = tmp_path / "data.csv.gz"
        csv.write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4)
    elif case == "no file":
        csv = tmp_path / "nope.csv"
    elif case == "out exists":
        out.mkdir()
        (out / "keep.txt").write_text("mine")
    before = sorted(p.name for p in tmp_path.iterdir())
    done = run_cli(csv, "--target", target, "--pred", "yhat", "--sensitive", *sensitive,
                   "--n-boot", "100", "--out", out, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert match in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written
    if case == "out exists":
        assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_categorical_columns_keep_their_category_order(compas):
    f = load_compas().frame
    r = audit(f["two_year_recid"], (f["decile_score"] >= 5).astype(int),
              sensitive_features=f[["age_cat", "sex"]], n_boot=100)
    assert r.by_group.loc["age_cat"].index.tolist() == ["Less than 25", "25 - 45",
                                                        "Greater than 45"]
    assert r.by_group.loc["age_cat × sex"].index[0] == "Less than 25 × Female"
