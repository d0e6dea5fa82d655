"""group_metrics vs fairlearn's MetricFrame, measured in the same run.

Selection rate, TPR, FPR and accuracy by race × sex on the Adult train split,
for the predictions of a logistic regression. Prints both timings, the
speed-up ratio (target: at least 500×) and the largest difference between the
two tables (target: identical, < 1e-12).
"""

from __future__ import annotations

import timeit

import numpy as np
from fairlearn.metrics import (
    MetricFrame,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.pipeline import make_pipeline

from fairlab.datasets import load_adult
from fairlab.metrics import group_metrics
from fairlab.recipes import feature_kinds, tabular_preprocessor


def main() -> float:
    adult = load_adult("train")
    X, y, s = adult.data, adult.target.to_numpy(), adult.sensitive_features[["race", "sex"]]
    model = make_pipeline(
        tabular_preprocessor(*feature_kinds(X)),
        LogisticRegression(max_iter=500))
    y_pred = model.fit(X, y).predict(X)

    def ours():
        return group_metrics(y, y_pred, sensitive_features=s)

    def theirs():
        return MetricFrame(
            metrics={"selection_rate": selection_rate, "tpr": true_positive_rate,
                     "fpr": false_positive_rate, "accuracy": accuracy_score},
            y_true=y, y_pred=y_pred, sensitive_features=s).by_group

    t_ours = min(timeit.repeat(ours, number=20, repeat=5)) / 20
    t_theirs = min(timeit.repeat(theirs, number=1, repeat=3))
    a, b = ours(), theirs()
    cols = ["selection_rate", "tpr", "fpr", "accuracy"]
    diff = np.nanmax(np.abs(a[cols].to_numpy(float) - b.loc[a.index, cols].to_numpy(float)))
    ratio = t_theirs / t_ours
    print(f"groups (race × sex): {len(a)}  rows: {len(y):,}")
    print(f"fairlab.group_metrics : {t_ours * 1e3:8.3f} ms")
    print(f"fairlearn.MetricFrame : {t_theirs * 1e3:8.1f} ms")
    print(f"speed-up              : {ratio:8.0f}x   (target >= 500x)")
    print(f"largest difference    : {diff:.1e}   (target < 1e-12)")
    return ratio


if __name__ == "__main__":
    main()
