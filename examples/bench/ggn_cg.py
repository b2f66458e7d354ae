"""Why conjugate gradient on the Gauss–Newton system of an mlp is slow (examples/bench/ggn.sh): runs the
solve Newton removal makes, (G + λI + δI)x = b with b the removed rows' loss gradient, in double precision
with NumPy on the same model and rows, and estimates the extreme eigenvalues of G + λI (Lanczos, SciPy), so
that the iteration count ul reports (Float32 products) can be set beside the one exact arithmetic needs and
beside the condition number.

    ggn_cg.py MODEL TRAIN.csv REQUESTS.csv HIDDEN L2 DAMPING [TOL] [LIMIT]

prints: λ_max, λ_min (of G + λI), κ with the damping, CG iterations to relative residual TOL (default 1e-4),
unpreconditioned and with the exact diagonal of G + λI + δI.
"""
import os
import sys

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ulm_params import params  # noqa: E402


def main():
    model, train, requests, hidden, lam, delta = sys.argv[1:7]
    tol = float(sys.argv[7]) if len(sys.argv) > 7 else 1e-4
    limit = int(sys.argv[8]) if len(sys.argv) > 8 else 5000
    hidden, lam, delta = int(hidden), float(lam), float(delta)
    ids = np.loadtxt(train, delimiter=",", skiprows=1, usecols=0, dtype=str)
    a = np.loadtxt(train, delimiter=",", skiprows=1, usecols=range(1, 786), dtype=np.float64)
    x, y = a[:, 1:] / 255, a[:, 0].astype(int)
    gone = set(l.strip() for l in open(requests).readlines()[1:] if l.strip())
    keep = np.array([i not in gone for i in ids])
    theta = np.array(params(model))
    d, k = x.shape[1], 10
    shapes = [(d, hidden), (hidden,), (hidden, k), (k,)]
    sizes = [int(np.prod(s)) for s in shapes]
    assert sum(sizes) == theta.size

    def split(v):
        out, o = [], 0
        for s, n in zip(shapes, sizes):
            out.append(v[o:o + n].reshape(s)); o += n
        return out

    w0, b0, w1, b1 = split(theta)

    def forward(xs):
        pre = xs @ w0 + b0
        h = np.maximum(pre, 0)
        z = h @ w1 + b1
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z); p /= p.sum(axis=1, keepdims=True)
        return pre > 0, h, p

    def grad(xs, ys):
        on, h, p = forward(xs)
        dz = p.copy(); dz[np.arange(len(ys)), ys] -= 1
        da = (dz @ w1.T) * on
        return np.concatenate([(xs.T @ da).ravel(), da.sum(0), (h.T @ dz).ravel(), dz.sum(0)])

    xk, yk = x[keep], y[keep]
    on, h, p = forward(xk)

    def ggn(v):
        v0, c0, v1, c1 = split(v)
        dh = (xk @ v0 + c0) * on
        dz = h @ v1 + dh @ w1 + c1
        hz = p * dz - p * (p * dz).sum(1, keepdims=True)
        back = (hz @ w1.T) * on
        g = np.concatenate([(xk.T @ back).ravel(), back.sum(0), (h.T @ hz).ravel(), hz.sum(0)])
        return g + (lam + delta) * v

    # Diagonal of G: Σ_rows Σ_classes (J row)² weighted by H_out, computed per row block via the factor
    # H_out = diag(p) − ppᵀ = Σ_c p_c (e_c − p)(e_c − p)ᵀ.
    diag = np.zeros(theta.size)
    for c in range(k):
        u = np.sqrt(p[:, c:c + 1]) * ((np.arange(k) == c) - p)   # rows × K: √p_c (e_c − p)
        back = (u @ w1.T) * on                                    # rows × H
        diag += np.concatenate([((xk ** 2).T @ (back ** 2)).ravel(), (back ** 2).sum(0),
                                ((h ** 2).T @ (u ** 2)).ravel(), (u ** 2).sum(0)])
    diag += lam + delta

    b = -grad(x[~keep], y[~keep])
    n = theta.size
    op = LinearOperator((n, n), matvec=lambda v: ggn(v) - delta * v, dtype=np.float64)
    top = eigsh(op, k=1, which="LA", return_eigenvectors=False, tol=1e-3)[0]
    shifted = LinearOperator((n, n), matvec=lambda v: top * v - (ggn(v) - delta * v), dtype=np.float64)
    bottom = top - eigsh(shifted, k=1, which="LA", return_eigenvectors=False, tol=1e-3)[0]

    def cg(m):
        xv = np.zeros(n); r = b.copy(); bn = np.linalg.norm(b)
        z = r / m; pv = z.copy(); rz = r @ z
        for it in range(1, limit + 1):
            ap = ggn(pv)
            alpha = rz / (pv @ ap)
            xv += alpha * pv; r -= alpha * ap
            if np.linalg.norm(r) <= tol * bn:
                true = np.linalg.norm(b - ggn(xv)) / bn
                return it, true
            z = r / m; rzn = r @ z; pv = z + (rzn / rz) * pv; rz = rzn
        return None, np.linalg.norm(b - ggn(xv)) / bn

    plain, pres = cg(np.ones(n))
    pre, preres = cg(diag)
    kappa = (top + delta) / (bottom + delta)
    print("λ_max %.4g  λ_min %.4g  κ(δ=%g) %.4g  √κ %.0f  CG(Float64, tol %g): none %s (true residual %.2g), diagonal %s (%.2g)" % (
        top, bottom, delta, kappa, np.sqrt(kappa), tol, plain or "> %d" % limit, pres, pre or "> %d" % limit, preres))


main()
