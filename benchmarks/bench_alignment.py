"""β sweep of lesson 13: RLHF and DPO for 6 β × 3 seeds, trained together.

Prints the wall-clock and CPU time of the sweep with the lesson's settings (target: <= 3 min
wall on the 2-core machine). The machine is shared, so wall time can be several times the CPU
time; both are printed. ``--compare`` also times one β at a time (6 separate sweeps) to show
what batching buys.

Run: ``MPLBACKEND=Agg .venv/bin/python benchmarks/bench_alignment.py [--compare]``.
"""

from __future__ import annotations

import sys
import time

from fairlab.alignment import OCCUPATIONS, Policy, Raters, align_sweep, make_answer_corpus
from fairlab.lm import CausalLM

BETAS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
SETTINGS = dict(seeds=(0, 1, 2), n_comparisons=1000, n_held_out=1000, n_steps=120,
                eval_every=10)


def main(compare: bool) -> None:
    t0, c0 = time.perf_counter(), time.process_time()
    lm = CausalLM(epochs=6, random_state=0).fit(make_answer_corpus(3000, random_state=0))
    print(f"reference model: {time.perf_counter() - t0:.1f} s wall, "
          f"{time.process_time() - c0:.1f} s CPU")
    policy = Policy.from_language_model(lm)
    prompts = [f"the {o} said that" for o in OCCUPATIONS]
    raters = Raters(length_bias=0.4, confidence_bias=1.0, group_bias=0.5)
    sweep = align_sweep(policy, prompts, raters, betas=BETAS, **SETTINGS)
    n = len(BETAS) * len(SETTINGS["seeds"]) * 2
    print(f"β sweep, {len(BETAS)} β × {len(SETTINGS['seeds'])} seeds × RLHF+DPO = {n} "
          f"policies, {SETTINGS['n_steps']} steps: {sweep.seconds:.1f} s wall, "
          f"{sweep.cpu_seconds:.1f} s CPU (target <= 180 s wall)")
    if compare:
        wall = cpu = 0.0
        for beta in BETAS:
            one = align_sweep(policy, prompts, raters, betas=(beta,), **SETTINGS)
            wall, cpu = wall + one.seconds, cpu + one.cpu_seconds
        print(f"one β at a time: {wall:.1f} s wall, {cpu:.1f} s CPU "
              f"(batched is {cpu / sweep.cpu_seconds:.1f}× less CPU)")


if __name__ == "__main__":
    main("--compare" in sys.argv)
