"""AlignmentExplorer: compute() is a lookup in the sweep; render() shows exactly that."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fairlab import alignment as al
from fairlab.widgets import AlignmentExplorer


@pytest.fixture(scope="module")
def sweep():
    pol = al.Policy(lambda ids: torch.nn.functional.one_hot(ids, 5).double(),
                    torch.zeros(5, 5), torch.zeros(5), ["he", "she", "today", "really", "."])
    return al.align_sweep(pol, ["he", "she"], al.Raters(length_bias=0.4, group_bias=1.0),
                          betas=[0.05, 0.5, 2.0], seeds=[0, 1, 2], n_comparisons=200,
                          n_held_out=50, n_steps=20, eval_every=5, max_new_tokens=5,
                          batch_size=16, learning_rate=0.05)


def test_compute_is_the_sweep(sweep):
    ex = AlignmentExplorer(sweep, method="dpo", beta=0.5, step=10)
    s = ex.compute(method="dpo", beta=0.5, step=10)
    h = sweep.history.xs(("dpo", 0.5, 10), level=("method", "beta", "step"))
    assert s.row[("true_score", "mean")] == pytest.approx(h["true_score"].mean())
    assert s.row[("kl", "mean")] == pytest.approx(h["kl"].mean())
    assert s.samples == sweep.samples[("dpo", 0.5, 10)]


def test_moving_controls_updates_readout_table_and_lines(sweep):
    ex = AlignmentExplorer(sweep)
    assert ex.values() == {"method": "rlhf", "beta": 0.05, "step": 20}
    n = ex.n_updates
    ex.controls["beta"].value = 2.0
    ex.controls["step"].value = 5
    assert ex.n_updates == n + 2
    c = sweep.curve("rlhf", 2.0)
    np.testing.assert_allclose(ex.true.get_ydata(), c[("true_score", "mean")])
    np.testing.assert_allclose(ex.cursor.get_xdata(), [5, 5])
    assert f"KL {c.loc[5, ('kl', 'mean')]:.3f}" in ex.readout.value
    assert "β 2 · step 5" in ex.readout.value
    for text in sweep.samples[("rlhf", 2.0, 5)]:
        assert text.replace("<", "&lt;").replace(">", "&gt;") in ex.table.value
    ex.controls["method"].value = "dpo"
    assert ex.state.method == "dpo" and "DPO" in ex.readout.value


def test_bad_arguments(sweep):
    with pytest.raises(TypeError, match="align_sweep"):
        AlignmentExplorer({"not": "a sweep"})
    with pytest.raises(ValueError, match="not in the sweep"):
        AlignmentExplorer(sweep, beta=0.7)
    with pytest.raises(ValueError, match="was not measured"):
        AlignmentExplorer(sweep, step=3)
    with pytest.raises(ValueError, match="method must be one of"):
        AlignmentExplorer(sweep, method="ppo")


# ------------------------------------------------------------------ drawn in the browser
def test_every_browser_frame_is_what_python_renders(sweep):
    """Frame k = (method, β, step) read in mixed radix; each must show exactly the readout,
    table, curves and cursor that render(compute(...)) shows for that setting."""
    import html

    from fairlab.widgets.browser import spec_size

    ex = AlignmentExplorer(sweep, method="dpo", beta=0.5, step=10)
    view = ex.browser_view()
    assert ex.browser_view() is view and ex.widget().children[0] is view
    spec = view.spec
    assert spec_size(spec) < 1_000_000
    methods, betas, steps = (c["values"] for c in spec["controls"])
    assert spec["controls"][0]["widget"] == "select"
    assert [c["index"] for c in spec["controls"]] == [methods.index("dpo"), 1, steps.index(10)]
    assert len(spec["frames"]) == len(methods) * len(betas) * len(steps)
    k = 0
    for method in methods:
        for beta in betas:
            for step in steps:
                frame = spec["frames"][k]
                k += 1
                ex.set_values(method=method, beta=beta, step=step)
                assert html.escape(frame["readout"]) == ex.readout.value
                assert frame["table"] == ex.table.value
                left, right = frame["layers"]
                assert left["cursor"] == right["cursor"] == ex.cursor.get_xdata()[0] == step
                np.testing.assert_allclose([y for _, y in left["true"]], ex.true.get_ydata())
                np.testing.assert_allclose([y for _, y in left["learned"]],
                                           ex.learned.get_ydata())
                np.testing.assert_allclose([y for _, y in right["kl"]], ex.kl_line.get_ydata())
                assert [x for x, _ in right["kl"]] == [int(s) for s in sweep.steps]


def test_page_release_syncs_python_state(sweep):
    ex = AlignmentExplorer(sweep)
    view = ex.browser_view()
    view.values = {"method": "dpo", "beta": 2, "step": 5}  # as the page writes it
    assert (ex.state.method, ex.state.beta, ex.state.step) == ("dpo", 2.0, 5)
    assert ex.state.readout.startswith("DPO · β 2 · step 5 ·")
    ex.set_values(step=15)
    assert view.values["step"] == 15
