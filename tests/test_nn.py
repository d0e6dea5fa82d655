"""fairlab._nn's sweep helpers: the held-out split check and the Sweep result base.

Oracles: hand-made frames and labels small enough to read (the torch parts are
exercised by test_training.py and test_adversarial.py through the sweeps).
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from fairlab._nn import Sweep, held_out_split, sweep_grid, sweep_inputs


@pytest.fixture(scope="module")
def fitted():
    return LogisticRegression().fit([[0.0, 1.0], [1.0, 0.0]], ["no", "yes"])


def test_held_out_split_codes_labels_as_training(fitted):
    Xt, yt = held_out_split(fitted, fitted.classes_, [[2.0, 0.0], [0.0, 3.0]], ["yes", "no"],
                            ["a", "b"])
    assert Xt.dtype == np.float64 and Xt.shape == (2, 2)
    assert yt.tolist() == [1, 0]  # "yes" is classes_[1]
    assert held_out_split(fitted, fitted.classes_, None, None, None) is None


@pytest.mark.parametrize("args, match", [
    (([[1.0, 2.0]], None, ["a"]), "pass all of X_test, y_test and sensitive_features_test"),
    ((None, ["no"], None), "or none of them"),
    (([[1.0, 2.0]], ["maybe"], ["a"]), r"y_test has labels \['maybe'\] that y does not have"),
    (([[1.0, 2.0, 3.0]], ["no"], ["a"]), "3 features"),
])
def test_held_out_split_errors_name_the_fix(fitted, args, match):
    with pytest.raises(ValueError, match=match):
        held_out_split(fitted, fitted.classes_, *args)


def test_sweep_unpacks_and_finds_the_nearest_row():
    frame = pd.DataFrame({"lam": [0.0, 1.0, 3.0] * 2, "split": ["train"] * 3 + ["test"] * 3,
                          "accuracy": [0.9, 0.8, 0.7, 0.85, 0.75, 0.65]})
    sweep = Sweep(frame=frame, models=["m0", "m1", "m2"], proba={}, y={}, sensitive_features={})
    got_frame, models = sweep
    assert got_frame is frame and models == ["m0", "m1", "m2"]
    grid = np.array([0.0, 1.0, 3.0])
    assert [Sweep.nearest(grid, v) for v in (-1, 0.4, 0.5, 1.9, 2.1, 9)] == [0, 0, 0, 1, 2, 2]
    assert sweep._row(grid, 2.2, "test")["accuracy"] == 0.65
    assert sweep._row(grid, 0.2, "train")["accuracy"] == 0.9
    with pytest.raises(TypeError):
        Sweep(frame, [], {}, {}, {})  # keyword-only: fields cannot be swapped by position


@pytest.mark.parametrize("values, match", [
    ([], "alphas is empty; pass a grid such as \\[0, 1\\]"),
    ([0.0, -0.5], "every alpha must be >= 0; got -0.5"),
])
def test_sweep_grid_errors_name_the_fix(values, match):
    with pytest.raises(ValueError, match=match):
        sweep_grid(values, "alphas", example="[0, 1]")


def test_sweep_grid_is_a_flat_float_array():
    grid = sweep_grid(np.array([[0, 1], [2, 3]]), "lams", example="[0]")
    assert grid.dtype == np.float64 and grid.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_sweep_inputs_seed_and_labels_match_a_single_fit():
    from sklearn.utils import check_random_state

    X, classes, y01, seed = sweep_inputs(LogisticRegression(), [[1, 2], [3, 4], [5, 6]],
                                         [True, False, True], random_state=7)
    assert X.dtype == np.float64 and classes.tolist() == [False, True]
    assert y01.tolist() == [1, 0, 1]
    # oracle: the draw one estimator's fit makes from the same random_state
    assert seed == int(check_random_state(7).randint(2**31 - 1))
    with pytest.raises(ValueError, match="Found input variables with inconsistent numbers"):
        sweep_inputs(LogisticRegression(), [[1, 2], [3, 4]], [0, 1, 1], random_state=0)
