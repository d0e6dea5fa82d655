"""Time lesson 12's batched λ sweep: 11 language models trained together.

Run: ``python benchmarks/bench_lm_sweep.py``. Prints wall-clock and CPU seconds
(the machine may be shared: CPU time is what the sweep itself costs) for the
batched sweep, and for one model alone for comparison. Target: ≤ 60 s for 11 λ
on a 2-core machine.
"""

from __future__ import annotations

import time

from fairlab.lm import CausalLM, fit_lambda_sweep, make_corpus

LAMS = [0, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300]


def main() -> None:
    corpus = make_corpus(random_state=0)
    fix = corpus.occupations[::2]
    t, c = time.perf_counter(), time.process_time()
    CausalLM(random_state=0).fit(corpus.sentences)
    print(f"one model:          {time.perf_counter() - t:6.1f} s wall, "
          f"{time.process_time() - c:6.1f} s CPU")
    t, c = time.perf_counter(), time.process_time()
    models = fit_lambda_sweep(corpus.sentences, LAMS, penalised=fix, random_state=0)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    print(f"sweep of {len(LAMS)} λ:     {wall:6.1f} s wall, {cpu:6.1f} s CPU "
          f"({models[0].n_params_:,} parameters each)")


if __name__ == "__main__":
    main()
