"""Measures ul models of one mlp shard (examples/bench/ggn.sh): ‖∇J(θ)‖ of the training objective
(summed cross-entropy + (λ/2)‖θ‖², pixels/255), test accuracy, and distances between parameter vectors.

    ggn_eval.py grad MODEL TRAIN.csv HIDDEN L2      prints ‖∇J‖ and ‖θ‖
    ggn_eval.py acc MODEL TEST.csv HIDDEN           prints test accuracy
    ggn_eval.py dist A B                            prints ‖θ_A − θ_B‖
    ggn_eval.py table RUNS.tsv TEST.csv HIDDEN      markdown rows for the runs (see ggn.sh)

RUNS.tsv: rows, method, curvature, model, retrained model, original model, seconds, CG iterations, status.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ulm_params import params  # noqa: E402


def layers(theta, d, hidden, k):
    sizes = [d, hidden, k]
    out, o = [], 0
    for l in range(2):
        w = theta[o:o + sizes[l] * sizes[l + 1]].reshape(sizes[l], sizes[l + 1]); o += w.size
        b = theta[o:o + sizes[l + 1]]; o += b.size
        out.append((w, b))
    assert o == theta.size, "not a one-hidden-layer mlp of that width"
    return out


def read(path):
    a = np.loadtxt(path, delimiter=",", skiprows=1, usecols=range(1, 786), dtype=np.float64)
    return a[:, 1:] / 255, a[:, 0].astype(int)


def forward(theta, x, hidden):
    (w0, b0), (w1, b1) = layers(theta, x.shape[1], hidden, 10)
    a = x @ w0 + b0
    h = np.maximum(a, 0)
    z = h @ w1 + b1
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return a, h, p


def table(runs, test, hidden):
    x, y = read(test)
    acc = {}

    def accuracy(path):
        if path not in acc:
            _, _, p = forward(np.array(params(path)), x, hidden)
            acc[path] = (p.argmax(axis=1) == y).mean()
        return acc[path]

    for line in open(runs):
        k, method, curvature, model, retrained, original, secs, its, status = line.rstrip("\n").split("\t")
        if status != "ok":
            print("| %s | %s | %s | – | – | – | %s | %s | %s |" % (k, method, curvature, secs, its, status))
            continue
        ref = np.array(params(retrained))
        far = np.linalg.norm(np.array(params(original)) - ref)
        ratio = np.linalg.norm(np.array(params(model)) - ref) / far
        print("| %s | %s | %s | %.3f | %.4f | %+.2f | %s | %s | ok |" % (
            k, method, curvature, ratio, far, 100 * (accuracy(model) - accuracy(retrained)), secs, its))


def main():
    cmd = sys.argv[1]
    if cmd == "table":
        table(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    if cmd == "dist":
        a, b = np.array(params(sys.argv[2])), np.array(params(sys.argv[3]))
        print("%.6g" % np.linalg.norm(a - b))
    elif cmd == "acc":
        theta = np.array(params(sys.argv[2]))
        x, y = read(sys.argv[3])
        _, _, p = forward(theta, x, int(sys.argv[4]))
        print("%.4f" % (p.argmax(axis=1) == y).mean())
    elif cmd == "grad":
        theta = np.array(params(sys.argv[2]))
        x, y = read(sys.argv[3])
        hidden, lam = int(sys.argv[4]), float(sys.argv[5])
        (w0, b0), (w1, b1) = layers(theta, x.shape[1], hidden, 10)
        a, h, p = forward(theta, x, hidden)
        dz = p.copy()
        dz[np.arange(len(y)), y] -= 1
        gw1, gb1 = h.T @ dz, dz.sum(0)
        da = (dz @ w1.T) * (a > 0)
        gw0, gb0 = x.T @ da, da.sum(0)
        g = np.concatenate([gw0.ravel(), gb0, gw1.ravel(), gb1]) + lam * theta
        print("%.6g %.6g" % (np.linalg.norm(g), np.linalg.norm(theta)))


main()
