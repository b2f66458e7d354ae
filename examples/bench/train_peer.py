#!/usr/bin/env python3
"""scikit-learn peer of examples/bench/train.sh: reads the CSVs with pandas, scales pixels to [0, 1],
fits, and prints the test accuracy. Timing and peak memory are measured around the whole process.

    train_peer.py logreg|mlp|mlp256 TRAIN.csv TEST.csv

logreg: LogisticRegression(lbfgs, 100 iterations); mlp: MLPClassifier((100,), max_iter=20); mlp256:
MLPClassifier((256,), max_iter=10) — the widths and epochs of ul-train's runs in train.sh.
"""
import sys
import warnings

import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier


def load(path):
    df = pd.read_csv(path)
    y = df["label"].to_numpy()
    x = df.drop(columns=[c for c in ("id", "label", "shard", "block") if c in df.columns]).to_numpy("float32") / 255.0
    return x, y


def main():
    kind, train, test = sys.argv[1:4]
    x, y = load(train)
    xt, yt = load(test)
    warnings.simplefilter("ignore", ConvergenceWarning)
    if kind == "logreg":
        model = LogisticRegression(solver="lbfgs", max_iter=100)
    elif kind == "mlp":
        model = MLPClassifier(hidden_layer_sizes=(100,), max_iter=20, random_state=0)
    else:
        model = MLPClassifier(hidden_layer_sizes=(256,), max_iter=10, random_state=0)
    model.fit(x, y)
    print(f"{(model.predict(xt) == yt).mean():.4f}")


if __name__ == "__main__":
    main()
