"""The one validation layer: clean arrays or errors that name the fix."""

import numpy as np
import pandas as pd
import pytest

from fairlab import _validation as V


def test_check_groups_intersections_and_order():
    df = pd.DataFrame({"race": ["b", "w", "b", "w"], "sex": ["f", "f", "m", "f"]})
    g = V.check_groups(df)
    assert g.index.names == ["race", "sex"]
    assert g.labels == [("b", "f"), ("b", "m"), ("w", "f")]
    assert g.codes.tolist() == [0, 2, 1, 2] and g.counts.tolist() == [1, 1, 2]


def test_check_groups_small_and_single_groups():
    with pytest.raises(ValueError, match=r"groups \['x'\] have fewer than 2 rows; merge them"):
        V.check_groups(["x", "y", "y"], min_rows=2)
    with pytest.raises(ValueError, match="only 1 group"):
        V.check_groups(["y", "y"], min_groups=2)


def test_categorical_with_missing_is_refused():
    s = pd.Series(pd.Categorical(["a", None, "b"]))
    with pytest.raises(ValueError, match="1 missing labels"):
        V.check_groups(s)


def test_binary_accepts_bool_and_float_and_refuses_scores():
    assert V.check_binary(np.array([True, False])).tolist() == [1, 0]
    assert V.check_binary(pd.Series([1.0, 0.0])).tolist() == [1, 0]
    with pytest.raises(ValueError, match=r"threshold them first"):
        V.check_binary([0.2, 0.9])


def test_scores_and_ranges():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*predict_proba"):
        V.check_scores([0.5, 1.5])
    with pytest.raises(ValueError, match="NaN or infinite"):
        V.check_scores([0.5, np.nan])
    with pytest.raises(ValueError, match="threshold must be <= 1; got 1.2"):
        V.check_in_range(1.2, "threshold", low=0, high=1)
    with pytest.raises(TypeError, match="lam must be a number; got str"):
        V.check_in_range("1", "lam", low=0)


def test_columns_and_choices():
    df = pd.DataFrame({"a": [1], "b": [2]})
    assert V.check_columns(df, ["a", "b"]) == ["a", "b"]
    with pytest.raises(ValueError, match=r"columns \['x', 'y'\] are not in df"):
        V.check_columns(df, ["x", "y"])
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        V.check_columns([1, 2], "a")
