#!/bin/sh
# Approximate forgetting on Fashion-MNIST: PUMA, Newton and plain influence removal against
# `ul-forget --method retrain`, with scikit-learn's full retrain as the peer, in the same run; then (softmax)
# mislabel detection by self-influence.
#
#     examples/bench/approximate.sh [WORKDIR]     (default ${TMPDIR:-/tmp}/ul-approximate-bench)
#     KIND=mlp HIDDEN=32 ROWS=10000 SIZES="1 10 100" examples/bench/approximate.sh DIR
#
# KIND softmax (exact Hessian, Cholesky) or mlp (conjugate gradient on Hessian-vector products, DAMPING);
# ROWS trains on the first ROWS training rows only (the CG requests of an mlp are slow on all 60,000);
# EPOCHS: L-BFGS iterations (softmax, default 100, as scikit-learn's default) or passes (mlp, default 20).
# With 100 iterations the softmax is not converged and retraining moves θ more than removing a row does.
# MISLABEL=0 skips the mislabel-detection part (softmax).
#
# Prints markdown tables. Times are wall-clock medians of RUNS runs (default 3) of the whole command
# (reading the 133 MB CSV, the stored curvature, writing the model, the remaining rows and the curvature
# downdated to them); the
# reference retrain and scikit-learn run RETRAIN_RUNS times (default 1: each takes a minute or more).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export BENCH="$ROOT/examples/bench"  # ulm_params.py, for the Python below
W=${1:-${TMPDIR:-/tmp}/ul-approximate-bench}
RUNS=${RUNS:-3}
RETRAIN_RUNS=${RETRAIN_RUNS:-1}
L2=${L2:-1}
KIND=${KIND:-softmax}
HIDDEN=${HIDDEN:-32}
[ "$KIND" = mlp ] && EPOCHS=${EPOCHS:-20} || EPOCHS=${EPOCHS:-100}
DAMPING=${DAMPING:-0.01}
SIZES=${SIZES:-1 10 100 600}
ROWS=${ROWS:-}
SCALE=0.00392156862745098   # 1/255
mkdir -p "$W"
[ -x "$ROOT/.build/release/ul-influence" ] || (cd "$ROOT" && swift build -c release >/dev/null)
PATH=$ROOT/.build/release:$PATH
[ -f "$W/full.csv" ] || { python3 "$ROOT/examples/bench/fashion_mnist_csv.py" "$W" >/dev/null && mv "$W/train.csv" "$W/full.csv"; }
cd "$W"
if [ -n "$ROWS" ]; then head -n $((ROWS + 1)) full.csv > train.csv; else cp full.csv train.csv; fi
case $KIND in
softmax) TRAIN="ul-train --scale $SCALE --l2 $L2 -e $EPOCHS"; APPROX="" ;;
mlp) TRAIN="ul-train --model mlp --hidden $HIDDEN --scale $SCALE --l2 $L2 -e $EPOCHS"; APPROX="--damping $DAMPING" ;;
*) echo "KIND: softmax or mlp" >&2; exit 64 ;;
esac

now() { python3 -c 'import time; print(time.time())'; }
# median wall time of a command run RUNS times: timed CMD...
timed() {
    ts=""
    i=0
    while [ $i -lt "$RUNS" ]; do
        t0=$(now); "$@" >/dev/null; t1=$(now)
        ts="$ts $(python3 -c "print($t1 - $t0)")"
        i=$((i + 1))
    done
    python3 -c "import statistics,sys; print('%.2f' % statistics.median(map(float, sys.argv[1:])))" $ts
}

echo "## Fashion-MNIST $KIND$( [ "$KIND" = mlp ] && echo " ($HIDDEN hidden, damping $DAMPING)") trained for $EPOCHS epochs/iterations, $(($(wc -l < train.csv) - 1)) training rows (λ = $L2 on the summed loss, pixels/255), $(nproc) cores"
rm -f model.ulm model.ulm.curv
t0=$(now); $TRAIN train.csv -o model.ulm; t1=$(now)
echo "ul-train: $(python3 -c "print('%.1f' % ($t1 - $t0))") s"
SK=$(python3 - "$L2" "$RETRAIN_RUNS" "$KIND" "$HIDDEN" "$EPOCHS" <<'PY'
import sys, time, statistics, warnings
import numpy as np, pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
warnings.simplefilter("ignore", ConvergenceWarning)
lam, runs, kind, hidden, epochs = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
times = []
for _ in range(runs):
    t0 = time.time()
    d = pd.read_csv("train.csv")
    X = d.iloc[:, 2:].to_numpy(np.float64) / 255
    if kind == "softmax":
        m = LogisticRegression(C=1 / lam, max_iter=epochs).fit(X, d.label)
    else:
        m = MLPClassifier(hidden_layer_sizes=(hidden,), max_iter=epochs, random_state=0).fit(X, d.label)
    times.append(time.time() - t0)
t = pd.read_csv("test.csv")
print("%.2f %.4f" % (statistics.median(times), m.score(t.iloc[:, 2:].to_numpy(np.float64) / 255, t.label)))
PY
)
SKT=${SK% *}
echo "scikit-learn $( [ "$KIND" = softmax ] && echo "LogisticRegression(lbfgs, $EPOCHS iterations)" || echo "MLPClassifier($HIDDEN, $EPOCHS epochs)") retrain incl. reading: $SKT s (median of $RETRAIN_RUNS), test accuracy ${SK#* }"

# One-time cost: the Hessian and its Cholesky factor (stored in model.ulm.curv), through a one-row request.
python3 -c "
import random, sys; random.seed(1); ids = [l.split(',', 1)[0] for l in open('train.csv').readlines()[1:]]
for k in sorted(set(map(int, sys.argv[1:])) | {1}):
    open('req%d.csv' % k, 'w').write('id\n' + '\n'.join(random.sample(ids, k)) + '\n')
" $SIZES
# The stored factor of the trained state, once (ul-influence stores it as computed). A request leaves the
# factor downdated to its remaining rows under its own model's key, so every request below starts from a
# link to the original (the tool replaces the link, never the original).
# (mlp: its preconditioner, 32 Hessian-vector products, is computed by each request and then dropped.)
rm -f model.ulm.curv
if [ "$KIND" = softmax ]; then
    t0=$(now); ul-influence -q --model model.ulm --data train.csv --top 1 -o /dev/null; t1=$(now)
    mv model.ulm.curv original.curv
    echo "ul-influence computing and storing the curvature (and every row's solves): $(python3 -c "print('%.1f' % ($t1 - $t0))") s (curvature file $(du -m original.curv | cut -f1) MB)"
    fresh() { ln -f original.curv c.curv && "$@" --curvature c.curv; }
else
    fresh() { "$@"; }
fi
echo
echo "| rows | method | test acc | forget acc | ‖θ − θ_retrain‖ | agreement | time (s) |"
echo "|---:|---|---:|---:|---:|---:|---:|"
for k in $SIZES; do
    python3 -c "
import sys; want = set(l.strip() for l in open('req$k.csv').readlines()[1:])
with open('train.csv') as f, open('forget$k.csv', 'w') as o:
    o.write(f.readline())
    for l in f:
        if l.split(',', 1)[0] in want: o.write(l)
"
    tr=$(RUNS=$RETRAIN_RUNS timed ul-forget --model model.ulm --data train.csv --requests req$k.csv --method retrain -o retrain$k.ulm --remaining rem.csv)
    tn=$(timed fresh ul-forget --model model.ulm --data train.csv --requests req$k.csv --method newton $APPROX -o newton$k.ulm --remaining rem.csv)
    tp=$(timed fresh ul-forget --model model.ulm --data train.csv --requests req$k.csv --method puma $APPROX -o puma$k.ulm --remaining rem.csv)
    ti=$(timed fresh ul-forget --model model.ulm --data train.csv --requests req$k.csv --method puma $APPROX --iterations 0 -o naive$k.ulm --remaining rem.csv)
    for m in model retrain$k newton$k puma$k naive$k; do
        ul-predict --model $m.ulm test.csv | awk -F, '{print $1 "," $2 "," $NF}' > $m.test
        ul-predict --model $m.ulm forget$k.csv | awk -F, '{print $1 "," $2 "," $NF}' > $m.forget
    done
    python3 - $k "$tr" "$tn" "$tp" "$ti" <<'PY'
import os, sys
k = sys.argv[1]
times = dict(zip(["retrain", "newton", "puma", "naive"], sys.argv[2:]))
times["original"] = "-"

sys.path.insert(0, os.environ["BENCH"])
from ulm_params import params

import csv
def load(m, part):
    with open("%s.%s" % (m, part)) as f:
        return [r for r in csv.reader(f)][1:]
ref = params("retrain%s.ulm" % k)
out = []
for m, name in [("model", "original"), ("retrain" + k, "retrain"), ("newton" + k, "newton"), ("puma" + k, "puma"), ("naive" + k, "naive")]:
    t = load(m, "test"); fo = load(m, "forget")
    th = params(m + ".ulm")
    dist = sum((a - b) ** 2 for a, b in zip(th, ref)) ** 0.5
    out.append((name, t, fo, dist))
rt = out[1][1]
for name, t, fo, dist in out:
    ta = sum(r[1] == r[2] for r in t) / len(t)
    fa = sum(r[1] == r[2] for r in fo) / len(fo)
    ag = sum(a[2] == b[2] for a, b in zip(t, rt)) / len(t)
    print("| %s | %s | %.4f | %.4f | %.4g | %.4f | %s |" % (k, name, ta, fa, dist, ag, times[name]))
PY
done
echo
echo "target: one request < $(python3 -c "print('%.2f' % ($SKT / 50))") s (1/50 of scikit-learn's retrain)"

[ "$KIND" = softmax ] && [ "${MISLABEL:-1}" = 1 ] || exit 0   # MISLABEL=0 skips it
echo
echo "## Mislabel detection: 10,000 training rows, 10% of labels flipped (seeded)"
python3 - <<'PY'
import random
random.seed(2)
with open("train.csv") as f, open("flipped.csv", "w") as o, open("flipped.ids", "w") as ids:
    o.write(f.readline())
    for i, l in enumerate(f):
        if i == 10000: break
        idv, lab, rest = l.split(",", 2)
        if random.random() < 0.1:
            lab = str(random.choice([c for c in range(10) if c != int(lab)]))
            ids.write(idv + "\n")
        o.write(idv + "," + lab + "," + rest)
PY
ul-train --scale $SCALE --l2 "$L2" -e 100 flipped.csv -o flipped.ulm
t0=$(now); ul-influence --model flipped.ulm --data flipped.csv --sort self_influence --no-store -o influence.csv; t1=$(now)
ul-predict --model flipped.ulm --proba flipped.csv -o flipped.pred
python3 - "$(python3 -c "print('%.1f' % ($t1 - $t0))")" <<'PY'
import csv, math, random, sys
flipped = set(l.strip() for l in open("flipped.ids"))
by_influence = [r["id"] for r in csv.DictReader(open("influence.csv"))]
rows = list(csv.DictReader(open("flipped.pred")))
by_loss = [r["id"] for r in sorted(rows, key=lambda r: math.log(max(float(r["p_" + r["label"]]), 1e-300)))]
n = len(by_influence)
print("ul-influence on %d rows (Hessian, factor, every row's solves): %s s; %d flipped" % (n, sys.argv[1], len(flipped)))
print()
print("| inspected | self-influence | loss | random (expected) |")
print("|---:|---:|---:|---:|")
for frac in (0.1, 0.2, 0.3):
    top = int(frac * n)
    f = lambda order: sum(i in flipped for i in order[:top]) / len(flipped)
    print("| %d%% | %.3f | %.3f | %.3f |" % (100 * frac, f(by_influence), f(by_loss), frac))
PY
