#!/usr/bin/env python3
"""scikit-learn peer of ul-forget --method retrain: read the CSV, drop the requested rows, retrain from
scratch, end to end (reading included). Prints the wall time in seconds.

    forget_sklearn.py DATA.csv REQUESTS.csv softmax|mlp EPOCHS
"""
import sys, time
t0 = time.perf_counter()
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

data, requests, kind, epochs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
d = pd.read_csv(data)
gone = set(pd.read_csv(requests, dtype={"id": str}).id)
d = d[~d.id.isin(gone)]
x = d[[c for c in d.columns if c.startswith("px")]].to_numpy(dtype="float32") / 255
y = d.label.to_numpy()
if kind == "softmax":
    # ul-train's softmax: L2 (λ/2)‖θ‖² on the summed loss with λ = 1, i.e. C = 1; L-BFGS iterations.
    LogisticRegression(C=1.0, max_iter=epochs).fit(x, y)
else:
    MLPClassifier(hidden_layer_sizes=(256,), max_iter=epochs, batch_size=128, alpha=1.0 / len(y)).fit(x, y)
print(f"{time.perf_counter() - t0:.3f}")
