"""ShortcutExplorer, headless: a slider move looks up the sweep; the panel follows."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, recall_score

from fairlab.causal import shortcut_data, shortcut_sweep
from fairlab.widgets import ShortcutExplorer

STRENGTHS = [0.0, 0.3, 0.6, 0.9]
N = 800


@pytest.fixture(scope="module")
def sweep():
    return shortcut_sweep(STRENGTHS, n=N, random_state=2)


def test_compute_is_a_lookup_that_an_independent_fit_agrees_with(sweep):
    from sklearn.linear_model import LogisticRegression

    ex = ShortcutExplorer(sweep, strength=0.6)
    state = ex.compute(strength=0.62)  # nearest stop
    assert state.strength == 0.6
    d = shortcut_data(N, shortcut_strength=0.6, random_state=2)
    features = ["test_score", "experience", "neighbourhood"]
    model = LogisticRegression().fit(d.train[features], d.train.true_target)
    rows = d.shifted[d.shifted.group == 1.0]
    pred = model.predict(rows[features])
    assert state.metrics.loc[("after", "B"), "tpr"] == pytest.approx(
        recall_score(rows.true_target, pred))
    assert state.metrics.loc[("after", "B"), "accuracy"] == pytest.approx(
        accuracy_score(rows.true_target, pred))
    assert state.coef["neighbourhood"] == pytest.approx(
        model.coef_[0][2] * d.train.neighbourhood.std(ddof=0))


def test_slider_moves_markers_bars_table_and_readout(sweep):
    ex = ShortcutExplorer(sweep)
    assert ex.state.strength == 0.0 and ex.n_updates == 1
    table, readout = ex.table.value, ex.readout.value
    ex.controls["strength"].value = 0.9
    assert ex.n_updates == 2 and ex.error is None
    want = ex.compute(strength=0.9)
    x, y = ex.marks["after", "B"].get_data()
    assert x[0] == 0.9 and y[0] == pytest.approx(want.metrics.loc[("after", "B"), "tpr"])
    assert list(ex.cursor.get_xdata()) == [0.9, 0.9]
    widths = [bar.get_width() for bar in ex.coef_bars]
    np.testing.assert_allclose(widths, want.coef.to_numpy())
    assert ex.table.value != table and ex.readout.value != readout
    assert f"{want.metrics.loc[('after', 'B'), 'tpr']:.3f}" in ex.readout.value
    assert "B, after the shift" in ex.table.value


def test_bad_inputs(sweep):
    with pytest.raises(TypeError, match="shortcut_sweep"):
        ShortcutExplorer(sweep.reset_index())
    with pytest.raises(ValueError, match="metric must be one of"):
        ShortcutExplorer(sweep, metric="auc")
    with pytest.raises(ValueError, match="evenly spaced"):
        ShortcutExplorer(sweep.drop(index=0.3, level="strength"))
    with pytest.raises(ValueError, match="at least two"):
        ShortcutExplorer(sweep.loc[[0.0]])


def test_browser_frames_are_compute_for_every_strength(sweep):
    ex = ShortcutExplorer(sweep, strength=0.3)
    view = ex.browser_view()
    spec = view.spec
    (control,) = spec["controls"]
    assert control["values"] == STRENGTHS and control["index"] == 1
    assert view.values == {"strength": 0.3}
    assert len(spec["frames"]) == len(STRENGTHS)
    for s, frame in zip(STRENGTHS, spec["frames"], strict=True):
        ex.controls["strength"].value = s  # what the Python panel shows for this stop
        assert frame["readout"] == ex.readout.value
        assert frame["table"] == ex.table.value
        curves, coef = frame["layers"]
        assert curves["cursor"] == s
        for g in ("A", "B"):
            assert [p[0] for p in curves[f"mark-{g}"]] == [s, s]
            assert [p[1] for p in curves[f"mark-{g}"]] == [
                ex.marks[split, g].get_data()[1][0] for split in ("before", "after")]
        widths = [coef[f"coef-{n}"][0][2] for n in ("test_score", "experience", "neighbourhood")]
        np.testing.assert_allclose(widths, [bar.get_width() for bar in ex.coef_bars])
        assert [coef[f"coef-{n}"][0][3] for n in ("test_score", "experience",
                                                  "neighbourhood")] == [
            note.get_text() for note in ex.coef_notes]
    # static curves: every stop's before/after metric per group, as the figure draws them
    (left, _) = spec["panels"]
    after_b = next(layer for layer in left["layers"] if layer["id"] == "after-B")
    assert [p[1] for p in after_b["data"]] == [
        ex.compute(strength=s).metrics.loc[("after", "B"), "tpr"] for s in STRENGTHS]
    assert after_b["color"] == ex.marks["after", "B"].get_color()
    ex.controls["strength"].value = 0.9  # Python's moves reach the page
    assert view.values == {"strength": 0.9}
    view.values = {"strength": 0.6}  # a release in the page
    assert ex.state.strength == 0.6 and ex.controls["strength"].value == 0.6
    assert ex.state is ex.compute(strength=0.6)
    assert ex.widget().children[0] is view
    assert ex.table in ex.python_widget().children  # the matplotlib panel stays reachable
