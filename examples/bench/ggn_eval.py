"""Measures ul models of one mlp shard (examples/bench/ggn.sh): ‖∇J(θ)‖ of the training objective
(summed cross-entropy + (λ/2)‖θ‖², pixels/255), test accuracy, and distances between parameter vectors.

    ggn_eval.py grad MODEL TRAIN.csv HIDDEN L2      prints ‖∇J‖ and ‖θ‖
    ggn_eval.py acc MODEL TEST.csv HIDDEN           prints test accuracy
    ggn_eval.py dist A B                            prints ‖θ_A − θ_B‖
    ggn_eval.py table RUNS.tsv TEST.csv HIDDEN      markdown rows for the runs (see ggn.sh)
    ggn_eval.py polish MODEL TRAIN.csv HIDDEN L2 OUT [REQUESTS.csv]
        minimises J (without the requested rows) from MODEL's θ by L-BFGS in double precision and writes
        OUT, MODEL with that θ (the nearby stationary point: a converged model, or its converged retrain)

RUNS.tsv: rows, method, curvature, model, retrained model, original model, seconds, CG iterations, status.
"""
import os
import sys

import hashlib
import struct
import zlib

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


def objective(x, y, hidden, lam):
    """J(θ) and ∇J(θ) in double precision: summed cross-entropy plus (λ/2)‖θ‖²."""
    def f(theta):
        (w0, b0), (w1, b1) = layers(theta, x.shape[1], hidden, 10)
        a = x @ w0 + b0
        h = np.maximum(a, 0)
        z = h @ w1 + b1
        z -= z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(z).sum(axis=1))
        value = (lse - z[np.arange(len(y)), y]).sum() + 0.5 * lam * theta @ theta
        dz = np.exp(z - lse[:, None])
        dz[np.arange(len(y)), y] -= 1
        da = (dz @ w1.T) * (a > 0)
        g = np.concatenate([(x.T @ da).ravel(), da.sum(0), (h.T @ dz).ravel(), dz.sum(0)]) + lam * theta
        return value, g
    return f


def with_params(path, out, theta):
    """MODEL's bytes with shard 0's final θ replaced (same length), its section CRC-32 and SHA-256 prefix
    and the header CRC-32 recomputed (ul-model(5))."""
    b = bytearray(open(path, "rb").read())
    old = params(path)
    raw = struct.pack("<%dd" % len(old), *old)
    at = bytes(b).rfind(raw)
    assert at > 0 and len(theta) == len(old)
    b[at:at + len(raw)] = struct.pack("<%dd" % len(theta), *theta)
    n = struct.unpack_from("<I", b, 12)[0]
    for i in range(n):
        e = 16 + 48 * i
        off, ln = struct.unpack_from("<QQ", b, e + 16)
        if off <= at < off + ln:
            payload = bytes(b[off:off + ln])
            struct.pack_into("<I", b, e + 32, zlib.crc32(payload))
            b[e + 40:e + 48] = hashlib.sha256(payload).digest()[:8]
    struct.pack_into("<I", b, 16 + 48 * n, zlib.crc32(bytes(b[:16 + 48 * n])))
    open(out, "wb").write(bytes(b))


def polish(model, train, hidden, lam, out, requests=None):
    from scipy.optimize import minimize
    ids = np.loadtxt(train, delimiter=",", skiprows=1, usecols=0, dtype=str)
    x, y = read(train)
    if requests:
        gone = set(np.loadtxt(requests, skiprows=1, dtype=str, ndmin=1))
        keep = np.array([i not in gone for i in ids])
        x, y = x[keep], y[keep]
    theta = np.array(params(model))
    r = minimize(objective(x, y, hidden, lam), theta, jac=True, method="L-BFGS-B",
                 options={"maxiter": 20000, "maxcor": 20, "gtol": 1e-6, "ftol": 1e-15})
    g = objective(x, y, hidden, lam)(r.x)[1]
    print("%.3g %d %.4g" % (np.linalg.norm(g), r.nit, np.linalg.norm(r.x - theta)))
    with_params(model, out, r.x)


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
    if cmd == "polish":
        polish(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6], sys.argv[7] if len(sys.argv) > 7 else None)
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
