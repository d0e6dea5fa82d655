"""Lesson 13 checks: the reference solution passes, typical mistakes get their own hint."""

import torch

from fairlab import exercises


def _ask(check, answer, capsys):
    ok = check(answer)
    return ok, capsys.readouterr().out


def test_penalised_reward(capsys):
    answer = 2.0 - 0.3 * (-3.0 - (-5.0))  # the solution, by hand: 1.4
    ok, out = _ask(exercises.check_penalised_reward, answer, capsys)
    assert ok is True and "✓" in out
    for wrong, hint in [(2.6, "Sign slip"), (2.0, "reward alone"), (0.0, "reward − β"),
                        ("1.4", "give a number"), (None, "Not answered yet")]:
        ok, out = _ask(exercises.check_penalised_reward, wrong, capsys)
        assert ok is False and hint in out, (wrong, out)


def test_dpo_loss_build_it(capsys):
    def mine(lc, lr, rc, rr, beta):
        z = (lc - rc) - (lr - rr)
        return -torch.nn.functional.logsigmoid(beta * z).mean()

    ok, out = _ask(exercises.check_dpo_loss, mine, capsys)
    assert ok is True and "✓" in out
    flipped = lambda lc, lr, rc, rr, beta: mine(lr, lc, rr, rc, beta)  # noqa: E731
    summed = lambda lc, lr, rc, rr, beta: mine(lc, lr, rc, rr, beta) * len(lc)  # noqa: E731
    for wrong, hint in [(flipped, "Sign slip"), (summed, "sum over pairs"),
                        (lambda *a: 0.0, "expected"), (lambda *a: 1 / 0, "ZeroDivisionError"),
                        (3.0, "give a function"), (None, "Not answered yet")]:
        ok, out = _ask(exercises.check_dpo_loss, wrong, capsys)
        assert ok is False and hint in out, (wrong, out)


def test_higher_reward(capsys):
    ok, out = _ask(exercises.check_higher_reward, "Cannot tell", capsys)
    assert ok is True and "✓" in out
    for wrong, hint in [("a", "rewards length"), ("b", "cannot tell you"),
                        ("x", "Answer 'a'"), (None, "Not answered yet")]:
        ok, out = _ask(exercises.check_higher_reward, wrong, capsys)
        assert ok is False and hint in out, (wrong, out)
