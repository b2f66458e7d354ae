"""Whether ul-train's L-BFGS mlp stops at ‖∇J‖ ≈ 30 because of its single-precision products or because of
the objective (examples/bench/ggn-results.md): continues L-BFGS from the model's θ in double precision
(SciPy's L-BFGS-B, memory 10, no bounds) on the same objective (summed cross-entropy + (λ/2)‖θ‖², one
hidden ReLU layer, pixels/255) and prints ‖∇J‖ every PRINT iterations.

    ggn_lbfgs64.py MODEL TRAIN.csv HIDDEN L2 ITERATIONS [PRINT] [OUT.npy]
"""
import os
import sys

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ulm_params import params  # noqa: E402


def main():
    model, train, hidden, lam, iters = sys.argv[1:6]
    every = int(sys.argv[6]) if len(sys.argv) > 6 else 100
    hidden, lam, iters = int(hidden), float(lam), int(iters)
    a = np.loadtxt(train, delimiter=",", skiprows=1, usecols=range(1, 786), dtype=np.float64)
    x, y = a[:, 1:] / 255, a[:, 0].astype(int)
    d, k = x.shape[1], 10
    shapes = [(d, hidden), (hidden,), (hidden, k), (k,)]
    sizes = [int(np.prod(s)) for s in shapes]
    rows = np.arange(len(y))

    def fg(theta):
        parts, o = [], 0
        for s, n in zip(shapes, sizes):
            parts.append(theta[o:o + n].reshape(s)); o += n
        w0, b0, w1, b1 = parts
        pre = x @ w0 + b0
        h = np.maximum(pre, 0)
        z = h @ w1 + b1
        z -= z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(z).sum(1))
        f = (lse - z[rows, y]).sum() + 0.5 * lam * theta @ theta
        p = np.exp(z - lse[:, None])
        p[rows, y] -= 1
        da = (p @ w1.T) * (pre > 0)
        g = np.concatenate([(x.T @ da).ravel(), da.sum(0), (h.T @ p).ravel(), p.sum(0)]) + lam * theta
        return f, g

    theta0 = np.array(params(model))
    count = [0]

    def report(theta):
        count[0] += 1
        if count[0] % every == 0:
            f, g = fg(theta)
            print("iteration %d: J %.6f  ‖∇J‖ %.4g  ‖θ − θ_ul‖ %.4g" % (count[0], f, np.linalg.norm(g), np.linalg.norm(theta - theta0)), flush=True)

    f, g = fg(theta0)
    print("ul's θ: J %.6f  ‖∇J‖ %.4g" % (f, np.linalg.norm(g)), flush=True)
    r = minimize(fg, theta0, jac=True, method="L-BFGS-B", callback=report,
                 options={"maxiter": iters, "maxcor": 10, "gtol": 0, "ftol": 0, "maxfun": 4 * iters})
    f, g = fg(r.x)
    print("end (%s): %d iterations, J %.6f  ‖∇J‖ %.4g  ‖θ − θ_ul‖ %.4g" % (r.message, r.nit, f, np.linalg.norm(g), np.linalg.norm(r.x - theta0)))
    if len(sys.argv) > 7:
        np.save(sys.argv[7], r.x)


main()
