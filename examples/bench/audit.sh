#!/bin/sh
# Audit of forgetting on Fashion-MNIST: forget 1% of the training rows, then audit the original model, the
# forget methods that exist (exact, puma, newton) and a model retrained without the rows, each against the
# retrained reference, with the audit's own run time. Prints a table; it is a benchmark, not a test.
#
#   examples/bench/audit.sh [WORKDIR]
#
# Environment: MODEL (softmax), EPOCHS (50), SHARDS (4), BLOCKS (3), SHADOW (4 shadow models), RUNS (3 timed
# audit runs without shadow models, median reported). Needs python3 with scikit-learn (the cross-check of the
# loss-attack AUC) and the Fashion-MNIST IDX files in /usr/share/datasets/fashion-mnist.
#
# Measured (2 cores shared with other jobs; softmax, 50 L-BFGS iterations, 4 shards x 3 blocks, 596 rows
# forgotten, 4 shadow models; original / exact / puma / newton / retrained):
#   test accuracy        0.8378 / 0.8374 / 0.8377 / 0.8417 / 0.8374
#   loss AUC             0.5033 / 0.5012 / 0.4984 / 0.4955 / 0.5012
#   LiRA AUC             0.5177 / 0.4795 / 0.4263 / 0.4536 / 0.4795
#   param distance       1.11   / 0      / 4.45   / 27.6   / 0       (to the retrained model)
#   mean KL (forgotten)  0.0004 / 0      / 0.0007 / 0.0077 / 0
#   lineage_ok           0      / 1      / 1      / 1      / 1
# Exact forgetting equals retraining in every number. puma and newton end farther from the retrained model than
# the original and push the forgotten rows' LiRA AUC below the retrained model's (over-unlearning). The softmax
# does not over-fit at this size, so no attack separates forgotten from test rows (AUC about 0.5). Audit run
# time: 13-25 s with 4 shadow models, 6.0 s without (median of 3; mostly reading 133 MB of CSV). An mlp run
# (256 hidden, 10 epochs, 2 shadows, under heavy load) gave loss AUC 0.4985 original, 0.4946 exact = retrained.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-${TMPDIR:-/tmp}/ul-bench-audit}
MODEL=${MODEL:-softmax}
EPOCHS=${EPOCHS:-50}
SHARDS=${SHARDS:-4}
BLOCKS=${BLOCKS:-3}
SHADOW=${SHADOW:-4}
RUNS=${RUNS:-3}
swift build -c release --package-path "$root" >/dev/null
bin=$root/.build/release
export PATH="$bin:$PATH"
mkdir -p "$work"
cd "$work"
[ -f train.csv ] && [ -f test.csv ] || python3 "$here/fashion_mnist_csv.py" . >/dev/null

now() { python3 -c 'import time; print(time.time())'; }
elapsed() { python3 -c "print(f'{$2 - $1:.2f}')"; }

# Shard and block by a hash of the id (as ul-partition --by random assigns them); 1% of the rows to forget,
# chosen by another hash of the id.
python3 - "$SHARDS" "$BLOCKS" <<'EOF'
import sys, zlib
shards, blocks = int(sys.argv[1]), int(sys.argv[2])
with open("train.csv") as f, open("parted.csv", "w") as p, open("forget.csv", "w") as fo:
    header = f.readline().rstrip("\n")
    p.write(header + ",shard,block\n")
    fo.write(header + "\n")
    for line in f:
        line = line.rstrip("\n")
        i = line.split(",", 1)[0]
        h = zlib.crc32(i.encode())
        p.write(f"{line},{h % shards},{(h // shards) % blocks}\n")
        if zlib.crc32(b"forget:" + i.encode()) % 100 == 0:
            fo.write(line + "\n")
EOF
forgotten=$(($(wc -l < forget.csv) - 1))
cut -d, -f1 forget.csv > requests.csv

train_opts="--model $MODEL -e $EPOCHS --scale 0.00392156862745098 --shards $SHARDS --blocks $BLOCKS"
t0=$(now)
ul-train $train_opts -o original.ulm parted.csv
echo "original: trained in $(elapsed "$t0" "$(now)") s ($MODEL, $EPOCHS epochs, $SHARDS shards x $BLOCKS blocks)"
rm -f ledger.csv
t0=$(now)
ul-forget -m original.ulm -d parted.csv -r requests.csv --method exact --ledger ledger.csv -o exact.ulm --remaining remaining.csv
echo "exact: $forgotten rows forgotten in $(elapsed "$t0" "$(now)") s"
t0=$(now)
ul-train $train_opts -o retrained.ulm remaining.csv
echo "retrained: trained in $(elapsed "$t0" "$(now)") s"
models="original exact"
missing=""
for method in puma newton; do
    t0=$(now)
    if ul-forget -m original.ulm -d parted.csv -r requests.csv --method $method -o $method.ulm --remaining remaining_$method.csv 2>err.txt; then
        echo "$method: $forgotten rows forgotten in $(elapsed "$t0" "$(now)") s"
        models="$models $method"
    else
        missing="$missing $method"
        echo "$method: not available ($(head -1 err.txt))"
    fi
done
models="$models retrained"

# The audits: every model against the retrained reference, with shadow models; the exact model with the ledger.
for m in $models; do
    ledger=""
    [ "$m" = exact ] && ledger="--ledger ledger.csv"
    t0=$(now)
    ul-audit -q -m $m.ulm --reference retrained.ulm -d remaining.csv -f forget.csv -t test.csv --shadow "$SHADOW" \
        $ledger -o audit_$m.csv --plot roc_$m.svg 2>audit_$m.err || true
    elapsed "$t0" "$(now)" > time_$m.txt
done
# The audit's own cost without shadow models: median of RUNS runs on the exact model.
: > times.txt
for r in $(seq "$RUNS"); do
    t0=$(now)
    ul-audit -q -m exact.ulm --reference retrained.ulm -d remaining.csv -f forget.csv -t test.csv -o /dev/null || true
    elapsed "$t0" "$(now)" >> times.txt
done

# Cross-check with scikit-learn: the loss attack's AUC and the test accuracy of the original model, from its
# probabilities as ul-predict writes them, with sklearn's roc_auc_score and timing of that computation.
ul-predict -m original.ulm --proba forget.csv -o p_forget.csv
ul-predict -m original.ulm --proba test.csv -o p_test.csv

python3 - "$SHADOW" "$models" "$missing" <<'EOF'
import csv, statistics, sys, time
import numpy as np
from sklearn.metrics import roc_auc_score
shadow, models, missing = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()

def report(m):
    with open(f"audit_{m}.csv") as f:
        return {r["metric"]: float(r["value"]) for r in csv.DictReader(f)}

cols = [("acc test", "accuracy_test"), ("acc forget", "accuracy_forget"), ("loss AUC", "mia_loss_auc"),
        ("LiRA AUC", "mia_lira_auc"), ("TPR@1%", "mia_tpr_at_1pct"), ("TPR@0.1%", "mia_tpr_at_0_1pct"),
        ("resist.", "resistance"), ("param dist", "param_distance"), ("agree", "agreement"), ("KL", "kl"),
        ("lineage", "lineage_ok")]
print()
print(f"Audit on Fashion-MNIST, forgotten rows vs 10000 test rows, {shadow} shadow models, reference = retrained")
print(f"{'model':<10}" + "".join(f"{c:>11}" for c, _ in cols) + f"{'audit s':>9}")
for m in models:
    r = report(m)
    t = open(f"time_{m}.txt").read().strip()
    print(f"{m:<10}" + "".join(f"{r.get(k, float('nan')):>11.4f}" for _, k in cols) + f"{t:>9}")
print("missing methods: " + (", ".join(missing) if missing else "none"))
times = [float(x) for x in open("times.txt").read().split()]
print(f"audit without shadow models (exact model): median {statistics.median(times):.2f} s of {len(times)} runs")

def probs(path):
    with open(path) as f:
        rd = csv.reader(f)
        h = next(rd)
        pc = [i for i, c in enumerate(h) if c.startswith("p_")]
        labels = [c[2:] for c in h if c.startswith("p_")]
        li = h.index("label")
        rows = list(rd)
    p = np.array([[float(r[i]) for i in pc] for r in rows])
    y = np.array([labels.index(r[li]) for r in rows])
    return p, y

pf, yf = probs("p_forget.csv")
pt, yt = probs("p_test.csv")
t0 = time.perf_counter()
score = lambda p, y: np.log(np.maximum(p[np.arange(len(y)), y], 1e-300))
auc = roc_auc_score(np.r_[np.ones(len(yf)), np.zeros(len(yt))], np.r_[score(pf, yf), score(pt, yt)])
acc = (pt.argmax(1) == yt).mean()
dt = time.perf_counter() - t0
r = report("original")
print(f"scikit-learn check (original model, from ul-predict probabilities): loss AUC {auc:.6f} "
      f"(ul-audit {r['mia_loss_auc']:.6f}), test accuracy {acc:.4f} (ul-audit {r['accuracy_test']:.4f}), "
      f"{dt * 1000:.1f} ms")
EOF
