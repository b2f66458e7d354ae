#!/usr/bin/env python3
"""Selection variants on Fashion-MNIST, measured in numpy before (or instead of) building them into ul-select.

For each class the first PER training rows; test rows the first TEST of the test set; pixels / 255. Accuracy of
one-class sub-models trained on the chosen rows: knn (score = -mean distance to the 5 nearest chosen rows of the
class) and ppca (20 components, log-likelihood), argmax over classes, as ul-train's knn and ppca. Prints one line
per variant and fraction, then (STABILITY=1) how often deleting an unselected row changes a greedy step of
facility location (which would make the deletion re-select and retrain).

    python3 examples/bench/selection_variants.py [PER] [TEST]      (defaults 1000 2000)
    VARIANTS="random fl herd:10 spread:40:0.1 thin:4 proj:20 entropy" STABILITY=1
"""
import gzip, os, random, sys, time, zlib
import numpy as np

D = "/usr/share/datasets/fashion-mnist/"
def images(f):
    with gzip.open(D + f) as g: b = g.read()
    return np.frombuffer(b, np.uint8, offset=16).reshape(-1, 784).astype(np.float64) / 255
def labels(f):
    with gzip.open(D + f) as g: b = g.read()
    return np.frombuffer(b, np.uint8, offset=8).astype(int)

PER = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
TEST = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
X, y = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
Xt, yt = images("t10k-images-idx3-ubyte.gz")[:TEST], labels("t10k-labels-idx1-ubyte.gz")[:TEST]
classes = [X[y == c][:PER] for c in range(10)]
ids = [np.arange(len(classes[c])) + c * 100000 for c in range(10)]

def u(idv, salt=1):  # a stable hash of the id in [0, 1)
    return np.array([zlib.crc32(b"%d-%d" % (i, salt)) / 2**32 for i in idv])
def sqdist(A, B):
    return np.maximum((A**2).sum(1)[:, None] + (B**2).sum(1)[None] - 2 * A @ B.T, 0)

def knn_accuracy(sets, k=5):
    s = []
    for Xc in sets:
        d = np.sqrt(sqdist(Xt, Xc)); d.sort(1); s.append(-d[:, :k].mean(1))
    return (np.argmax(np.stack(s, 1), 1) == yt).mean()
def ppca_accuracy(sets, q=20, weights=None):
    s = []
    for c, Xc in enumerate(sets):
        a = np.ones(len(Xc)) if weights is None else weights[c]; a = a / a.sum()
        mu = a @ Xc; Z0 = (Xc - mu) * np.sqrt(a)[:, None]; w, V = np.linalg.eigh(Z0.T @ Z0); w, V = w[::-1], V[:, ::-1]
        s2 = w[q:].mean(); Z = Xt - mu; p = Z @ V[:, :q]; r = (Z**2).sum(1) - (p**2).sum(1)
        s.append(-0.5 * ((p**2 / w[:q]).sum(1) + r / s2 + np.log(w[:q]).sum() + (784 - q) * np.log(s2)))
    return (np.argmax(np.stack(s, 1), 1) == yt).mean()

def random_rows(Xc, idv, m): return np.argsort(u(idv))[:m]
def facility_location(Xc, idv, m):
    """Greedy max of sum_i max_{j in S} k(x_i, x_j), rbf with gamma = 1/median squared distance (of the class)."""
    D2 = sqdist(Xc, Xc); K = np.exp(-D2 / np.median(D2)); cover = np.zeros(len(Xc)); free = np.ones(len(Xc), bool); out = []
    for _ in range(m):
        g = np.maximum(K - cover[:, None], 0).sum(0); g[~free] = -1; j = int(np.argmax(g))
        out.append(j); free[j] = False; cover = np.maximum(cover, K[:, j])
    return np.array(out)
def herding(Xc, idv, m, gamma, rho=1.0):
    """Kernel herding: greedy minimum of the MMD between the chosen rows and all rows of the class, rbf with a
    fixed gamma: step t takes the row maximising mean_i k(x, x_i) - (1/t) sum_{s in S} k(x, x_s). With rho < 1
    the mean runs over a reference subset (rows whose hash is below rho) only, so deleting a row outside it and
    outside the chosen rows changes nothing."""
    K = np.exp(-gamma * sqdist(Xc, Xc)); ref = u(idv, 2) < rho; mu = K[:, ref].mean(1); near = np.zeros(len(Xc)); free = np.ones(len(Xc), bool); out = []
    for t in range(m):
        g = mu - near / (t + 1); g[~free] = -np.inf; j = int(np.argmax(g))
        out.append(j); free[j] = False; near = near + K[:, j]
    return np.array(out)
CHOSEN_VARIANCE = {}   # row -> conditional variance when chosen (for the weighted ppca of WEIGHTED=1)
def greedy_logdet(Xc, idv, m, gamma, noise, keyed, power=1.0):
    """keyed=False: largest conditional variance (entropy); keyed=True: smallest E/v^power (spread: power 1;
    power < 0 prefers rows close to the chosen ones, i.e. typical rows)."""
    n = len(Xc); K = np.exp(-gamma * sqdist(Xc, Xc)); var = np.ones(n) + noise; F = np.zeros((n, m))
    E = -np.log(1 - u(idv)); free = np.ones(n, bool); out = []
    for t in range(m):
        if keyed: key = E / var**power; key[~free] = np.inf; j = int(np.argmin(key))
        else: v = var.copy(); v[~free] = -1; j = int(np.argmax(v))
        out.append(j); free[j] = False; CHOSEN_VARIANCE[j] = var[j]
        e = (K[:, j] - F[:, :t] @ F[j, :t]) / np.sqrt(var[j]); F[:, t] = e; var = var - e * e; var[j] = 1e9
    return np.array(out)
def thinning(Xc, idv, m, tau):
    """Hash order, skipping a row within squared distance tau of a chosen one (then the skipped, in hash order)."""
    order = np.argsort(u(idv)); D2 = sqdist(Xc, Xc); out = []; near = np.full(len(Xc), np.inf)
    for j in order:
        if near[j] > tau: out.append(j); near = np.minimum(near, D2[:, j])
        if len(out) == m: break
    chosen = set(out); out += [j for j in order if j not in chosen][:m - len(out)]
    return np.array(out)
def projected_entropy(Xc, idv, m, dim):
    """Greedy log-det in a Gaussian random projection fixed by a seed (not fitted to the data)."""
    P = np.random.default_rng(0).standard_normal((784, dim)) / np.sqrt(784)
    return greedy_logdet(Xc @ P, idv, m, 1 / dim, 0.01, False)

def variant(name):
    kind, *a = name.split(":")
    if kind == "random": return random_rows
    if kind == "fl": return facility_location
    if kind == "herd": return lambda X_, i, m: herding(X_, i, m, float(a[0]) / 784, float(a[1]) if len(a) > 1 else 1.0)
    if kind == "entropy": return lambda X_, i, m: greedy_logdet(X_, i, m, 1 / 784, 0.01, False)
    if kind == "spread": return lambda X_, i, m: greedy_logdet(X_, i, m, float(a[0]) / 784, float(a[1]), True)
    if kind == "power": return lambda X_, i, m: greedy_logdet(X_, i, m, float(a[0]) / 784, float(a[1]), True, float(a[2]))
    if kind == "thin": return lambda X_, i, m: thinning(X_, i, m, float(a[0]))
    if kind == "proj": return lambda X_, i, m: projected_entropy(X_, i, m, int(a[0]))
    raise SystemExit(f"unknown variant {name}")

print(f"all rows ({PER}/class, {TEST} test): knn {knn_accuracy(classes):.4f} ppca {ppca_accuracy(classes):.4f}", flush=True)
for frac in (0.5, 0.25):
    for name in os.environ.get("VARIANTS", "random fl entropy spread:1:0.01 spread:10:0.01 spread:10:0.1 spread:40:0.1 thin:4 proj:20").split():
        t = time.time(); f = variant(name)
        rows, weights = [], []
        for c in range(10):
            CHOSEN_VARIANCE.clear(); r = f(classes[c], ids[c], int(round(frac * len(classes[c])))); rows.append(r)
            weights.append(np.array([1 / CHOSEN_VARIANCE[j] for j in r]) if CHOSEN_VARIANCE else np.ones(len(r)))
        sets = [classes[c][rows[c]] for c in range(10)]
        weighted = f" weighted-ppca {ppca_accuracy(sets, weights=weights):.4f}" if any(len(set(w)) > 1 for w in weights) else ""
        more = "".join(f" knn{k} {knn_accuracy(sets, k):.4f}" for k in map(int, os.environ.get("MORE_K", "").split()))
        print(f"{frac} {name}: knn {knn_accuracy(sets):.4f}{more} ppca {ppca_accuracy(sets):.4f}{weighted} ({time.time() - t:.0f} s)", flush=True)

if os.environ.get("STABILITY"):
    # First greedy step of facility location that changes when one unselected row is deleted (None: no step).
    for frac in (0.5, 0.25):
        for c in (0, 5):
            Xc = classes[c]; n = len(Xc); m = int(round(frac * n)); base = list(facility_location(Xc, ids[c], m))
            firsts = []
            for r in random.Random(c).sample([i for i in range(n) if i not in set(base)], 12):
                keep = [i for i in range(n) if i != r]
                o = [keep[j] for j in facility_location(Xc[keep], ids[c][keep], m)]
                firsts.append(next((t + 1 for t in range(m) if o[t] != base[t]), None))
            print(f"facility location, fraction {frac}, class {c}, {n} rows, m {m}: first changed step per unselected "
                  f"deletion {firsts}; {sum(f is None for f in firsts)} of 12 change no step", flush=True)
