#!/usr/bin/env python3
"""scikit-learn peer of examples/bench/class_removal.sh: retrains LogisticRegression(lbfgs, max_iter=100) on
the training rows without one class, reading the CSVs with pandas (train_peer.load: pixels scaled to
[0, 1]), and prints two test accuracies, on the removed class's rows and on the other classes' rows, then
the seconds spent reading the training CSV and fitting (the part a forget request replaces; reading the
test CSV and predicting are left out). The whole process is also timed from outside.

    class_removal_peer.py TRAIN.csv TEST.csv CLASS
"""
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from train_peer import load  # noqa: E402


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: class_removal_peer.py TRAIN.csv TEST.csv CLASS")
    train, test, removed = sys.argv[1:4]
    t0 = time.perf_counter()
    x, y = load(train)
    keep = y.astype(str) != removed
    if keep.all():
        sys.exit(f"{train}: no row has label {removed}")
    warnings.simplefilter("ignore", ConvergenceWarning)
    model = LogisticRegression(solver="lbfgs", max_iter=100).fit(x[keep], y[keep])
    seconds = time.perf_counter() - t0
    xt, yt = load(test)
    right = model.predict(xt) == yt
    gone = yt.astype(str) == removed
    print(f"{right[gone].mean():.4f} {right[~gone].mean():.4f} {seconds:.2f}")


if __name__ == "__main__":
    main()
