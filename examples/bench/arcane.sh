#!/bin/sh
# ARCANE on Fashion-MNIST: class shards × 5 blocks, selection fractions 1.0 / 0.5 / 0.25 by random, entropy and
# entropy within hash cells; test accuracy of one-class sub-models; ul-select time per class; rows retrained
# per forget request (random requests, requests of unselected rows, skewed requests with --sort-by) beside
# SISA (random shards, softmax) on the same requests. Prints tables on standard output.
#
#   examples/bench/arcane.sh [WORKDIR]
#   PER_CLASS=1000  training rows per class (a subsample of the 6000: entropy selection is O(N·m²) per class)
#   TEST=5000       test rows (the first ones; knn scores every test row against every kept row)
#   MPPCA="--epochs 6 --mixtures 2 --components 10"   mppca options (each EM step solves a 784×784 eigenproblem
#                   per component, so EM is kept short)
#   AUTOENCODER=""  autoencoder options (default: --hidden 64, 10 epochs, Adam 0.001, batches of 128)
#   KINDS="ppca mppca knn autoencoder"   one-class kinds to measure
#   MPPCA_AT="1.0 0.5 0.25"  fractions at which mppca is measured (its EM is the slowest part)
#   CALIBRATED="ppca mppca autoencoder"  kinds also measured with --calibrate (all rows)
#   REQUESTS=10     forget requests per kind of request
#   SKIP_ACCURACY=1 only the forgetting part;  SKIP_FORGETTING=1 only the accuracy part
#   FORGET_SELECTION="--method entropy --cells 16"  the greedy selection of the forgetting table
#   FORGET_FRACTION=0.5  the fraction of the forgetting table
#   METHODS="random entropy entropy-cells spread"   selection methods of the accuracy table; a method may carry
#                   options after @, as in spread@gamma=0.1@noise=0.1 (--method spread --gamma 0.1 --noise 0.1)
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
PER_CLASS=${PER_CLASS:-1000}
TEST=${TEST:-5000}
MPPCA=${MPPCA:---epochs 6 --mixtures 2 --components 10}
MPPCA_AT=${MPPCA_AT:-1.0 0.5 0.25}
AUTOENCODER=${AUTOENCODER:-}
CALIBRATED=${CALIBRATED-ppca mppca autoencoder}   # CALIBRATED="" measures none
KINDS=${KINDS:-ppca mppca knn autoencoder}
REQUESTS=${REQUESTS:-10}
METHODS=${METHODS:-random entropy entropy-cells spread}
(cd "$here" && swift build -c release >/dev/null)
PATH="$here/.build/release:$PATH"
scale=0.00392156862745098   # pixels / 255, a constant fixed in the configuration
cd "$work"

[ -f full-train.csv ] || {
    python3 "$here/examples/bench/fashion_mnist_csv.py" . >/dev/null
    mv train.csv full-train.csv
    mv test.csv full-test.csv
}
# Subsample per class (first PER_CLASS rows of each class) and add a skewed deletion probability: 10% of the
# rows (by a hash of the id) are 50 times as likely to be deleted as the others.
python3 - "$PER_CLASS" "$TEST" <<'PY'
import csv, sys, zlib
per, test = int(sys.argv[1]), int(sys.argv[2])
r = csv.reader(open("full-train.csv")); h = next(r)
w = csv.writer(open("train.csv", "w", newline="")); w.writerow(h + ["p_delete"])
count = {}
for row in r:
    if count.get(row[1], 0) < per:
        count[row[1]] = count.get(row[1], 0) + 1
        u = zlib.crc32(row[0].encode()) / 2**32
        w.writerow(row + ["%.5f" % (0.05 if u < 0.1 else 0.001)])
r = csv.reader(open("full-test.csv")); w = csv.writer(open("test.csv", "w", newline=""))
for i, row in enumerate(r):
    if i <= test: w.writerow(row)
PY

accuracy() {  # MODEL -> test accuracy
    ul-predict -m "$1" test.csv | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "label") l = i; if ($i == "predicted") p = i }; next }
        { n++; ok += ($l == $p) } END { printf "%.4f", ok / n }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else printf "%.2f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

ul-partition --by class --blocks 5 --exclude p_delete train.csv -o part.csv
ul-partition --by class --blocks 5 --sort-by p_delete --exclude p_delete train.csv -o part-sorted.csv

if [ -z "${SKIP_ACCURACY:-}" ]; then
echo "## Test accuracy ($PER_CLASS training rows per class, $TEST test rows) and ul-select time per class"
echo
printf "| fraction | method | select s/class (median) |"; for k in $KINDS; do printf " %s |" "$k"; done; echo
printf "|---|---|---|"; for k in $KINDS; do printf -- "---|"; done; echo
for f in 1.0 0.5 0.25; do
    methods=$METHODS; [ "$f" = 1.0 ] && methods=random   # every row: one measurement
    for method in $methods; do
        case $method in
            entropy-cells) opts="--method entropy --cells 16" ;;
            *) opts="--method ${method%%@*}$(echo "$method" | awk -F@ '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); printf " --%s %s", kv[1], kv[2] } }')" ;;
        esac
        ul-select -v $opts --fraction "$f" --scale $scale --exclude p_delete part.csv -o sel.csv 2> select.log
        t=$(grep -o '[0-9.]* s$' select.log | cut -d' ' -f1 | median)
        spec=$(ul-select --spec $opts --fraction "$f" --scale $scale)
        label=$method; [ "$f" = 1.0 ] && label="all rows"
        printf "| %s | %s | %s |" "$f" "$label" "$t"
        for k in $KINDS; do
            extra=""; [ "$k" = mppca ] && extra=$MPPCA; [ "$k" = autoencoder ] && extra=$AUTOENCODER
            if [ "$k" = mppca ] && ! echo " $MPPCA_AT " | grep -q " $f "; then printf " - |"; continue; fi
            ul-train --model "$k" $extra --scale $scale --exclude p_delete --selection "$spec" sel.csv -o "m-$k.ulm"
            printf " %s |" "$(accuracy "m-$k.ulm")"
        done
        echo
    done
done
echo
cal=""
for k in $CALIBRATED; do
    extra=""; [ "$k" = mppca ] && extra=$MPPCA; [ "$k" = autoencoder ] && extra=$AUTOENCODER
    ul-train --model $k $extra --scale $scale --exclude p_delete --calibrate part.csv -o $k-cal.ulm
    cal="$cal $k $(accuracy $k-cal.ulm)"
done
[ -n "$cal" ] && echo "Per-class calibration (all rows):$cal (raw scores in the table)."
ul-train --model softmax --scale $scale --exclude p_delete train.csv -o softmax.ulm
ul-partition --by random --shards 10 --blocks 5 --exclude p_delete train.csv -o sisa.csv
ul-train --model softmax --scale $scale --exclude p_delete sisa.csv -o sisa.ulm
echo "Softmax on all rows (1 shard): $(accuracy softmax.ulm); SISA softmax, 10 random shards × 5 blocks: $(accuracy sisa.ulm)."
python3 - <<'PY'
import csv, time
import warnings; warnings.filterwarnings("ignore")
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.decomposition import PCA
def load(p):
    r = csv.reader(open(p)); h = next(r); k = [i for i, c in enumerate(h) if c.startswith("px")]
    rows = list(r)
    return np.array([[float(x[i]) for i in k] for x in rows]) / 255, np.array([int(x[1]) for x in rows])
X, y = load("train.csv"); Xt, yt = load("test.csv")
lr = LogisticRegression(max_iter=100).fit(X, y)
# Per-class PPCA (20 components) by log-likelihood, as scikit-learn's PCA.score_samples computes it.
pp = [PCA(20).fit(X[y == c]) for c in range(10)]
s = np.stack([p.score_samples(Xt) for p in pp], 1)
print(f"scikit-learn peer on the same rows: logistic regression {(lr.predict(Xt) == yt).mean():.4f}, "
      f"per-class PCA(20) log-likelihood {(s.argmax(1) == yt).mean():.4f}.")
PY

fi

[ -n "${SKIP_FORGETTING:-}" ] && exit 0

# Forgetting: rows refitted per request (Σ over the block steps rerun of the rows each step fits on), each request
# alone against the trained model. ARCANE: ppca at fraction 0.5, selection by entropy with 16 cells (a count m:
# a deleted selected row is replaced, and greedy re-selection may change every later step) or at random by the
# fraction (no count: nothing is re-selected, only the deleted row's block changes).
FORGET_SELECTION=${FORGET_SELECTION:---method entropy --cells 16}
FORGET_FRACTION=${FORGET_FRACTION:-0.5}
echo
echo "## Rows refitted per forget request (mean over $REQUESTS requests each; ARCANE ppca at fraction $FORGET_FRACTION)"
echo
opts="$FORGET_SELECTION --fraction $FORGET_FRACTION --scale $scale"
spec=$(ul-select --spec $opts)
ropts="--method random --fraction $FORGET_FRACTION --scale $scale"
rspec=$(ul-select --spec $ropts)
for p in part part-sorted; do
    ul-select $opts --exclude p_delete $p.csv -o $p-sel.csv
    ul-train --model ppca --scale $scale --exclude p_delete --selection "$spec" $p-sel.csv -o $p.ulm
    ul-select $ropts --exclude p_delete $p.csv -o $p-r-sel.csv
    ul-train --model ppca --scale $scale --exclude p_delete --selection "$rspec" $p-r-sel.csv -o $p-r.ulm
done
ul-partition --by random --shards 10 --blocks 5 --exclude p_delete train.csv -o sisa.csv
ul-partition --by random --shards 10 --blocks 5 --sort-by p_delete --exclude p_delete train.csv -o sisa-sorted.csv
python3 - "$REQUESTS" <<'PY'
import csv, random, sys
n = int(sys.argv[1])
rows = list(csv.DictReader(open("part-sel.csv")))
# Rows neither selection method chose, in either partition.
chosen = {r["id"] for f in ("part-sel.csv", "part-r-sel.csv", "part-sorted-sel.csv", "part-sorted-r-sel.csv")
          for r in csv.DictReader(open(f)) if r["selected"] == "1"}
rnd = random.Random(1)
sets = {
    "random": rnd.sample([r["id"] for r in rows], n),
    "unselected": rnd.sample([r["id"] for r in rows if r["id"] not in chosen], n),
    "skewed": rnd.choices([r["id"] for r in rows], weights=[float(r["p_delete"]) for r in rows], k=n),
}
for k, ids in sets.items():
    with open(f"req-{k}.txt", "w") as f: f.write("\n".join(ids) + "\n")
PY
sisa_cost() {  # PARTITION REQUESTFILE -> mean rows refitted per request
    python3 - "$1" "$2" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
size = {}
where = {}
for r in rows:
    s, b = int(r["shard"]), int(r["block"]); size[(s, b)] = size.get((s, b), 0) + 1; where[r["id"]] = (s, b)
total = 0
ids = open(sys.argv[2]).read().split()
for i in ids:
    s, b = where[i]; run = 0
    for r in range(5):
        run += size.get((s, r), 0)
        if r >= b: total += run
print(f"{total / len(ids):.0f}")
PY
}
arcane_cost() {  # PARTITION-PREFIX REQUESTFILE -> mean rows refitted per request, share with nothing retrained
    rm -f ledger.csv
    for id in $(cat "$2"); do
        printf "id\n%s\n" "$id" > one.csv
        ul-forget -q --model "$1.ulm" --data "$1-sel.csv" --requests one.csv --ledger ledger.csv -o after.ulm --remaining /dev/null
    done
    awk -F, 'NR > 1 { n++; s += $8; z += ($8 == 0) } END { printf "%.0f (%d of %d free)", s / n, z, n }' ledger.csv
}
echo "ARCANE greedy: $FORGET_SELECTION; fraction $FORGET_FRACTION."
echo
echo "| requests | ARCANE greedy, unsorted | ARCANE greedy, sorted | ARCANE random, unsorted | ARCANE random, sorted | SISA softmax, unsorted | SISA softmax, sorted |"
echo "|---|---|---|---|---|---|---|"
for k in random unselected skewed; do
    echo "| $k | $(arcane_cost part req-$k.txt) | $(arcane_cost part-sorted req-$k.txt) | $(arcane_cost part-r req-$k.txt) | $(arcane_cost part-sorted-r req-$k.txt) | $(sisa_cost sisa.csv req-$k.txt) | $(sisa_cost sisa-sorted.csv req-$k.txt) |"
done
echo
echo "Sorted: ul-partition --sort-by p_delete (likely deletions in the last blocks). Rows refitted: for ARCANE ppca the"
echo "ledger's rows_retrained (each rerun block step refits on all rows of the steps so far); for SISA the same count"
echo "from the partition (softmax reruns L-BFGS over those rows, so its real cost is that times the iterations)."
