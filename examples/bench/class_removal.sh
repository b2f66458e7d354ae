#!/bin/sh
# Class removal on Fashion-MNIST: every training row of one class is forgotten in one request, by
#   (1) exact on a SISA softmax, 10 random shards x 5 blocks,
#   (2) exact on ARCANE class shards x 5 blocks (one-class KIND models, no selection),
#   (3) PUMA and (4) Newton removal on a one-shard softmax,
# beside scikit-learn LogisticRegression(lbfgs, max_iter=100) retrained on the same rows without the class
# (examples/bench/class_removal_peer.py). Per method: test accuracy on the removed class's rows (predicted
# label == true label; a model without the class must give 0) and on the other classes' rows, before and
# after, the wall time of the forget request (median of RUNS, /usr/bin/time, reading the CSV and writing
# the model and the remaining rows included), what ul-forget said it did (standard error, ledger note,
# rows retrained) and whether its model has the bytes of ul-train run on the remaining rows.
#
#     examples/bench/class_removal.sh DIR     (DIR gets the CSVs from fashion_mnist_csv.py if absent)
#
# ROWS     training rows, the first ROWS of train.csv (default 20000); the test set is all 10,000 rows
# CLASS    the label to remove (default: the first of the sorted label list, as ul-train orders it)
# RUNS     runs per forget request and per scikit-learn retrain (default 3)
# KIND     one-class model of the ARCANE shards: knn (default) or ppca
# CURVATURE=0 skips the PUMA/Newton requests made with a stored curvature (a one-row Newton request
#          computes and stores it first; that request is timed once)
#
# Prints markdown. Times are wall-clock and include whatever else runs on the machine: uptime is printed
# at the start and the end.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:?usage: class_removal.sh DIR}
ROWS=${ROWS:-20000}
RUNS=${RUNS:-3}
KIND=${KIND:-knn}
CURVATURE=${CURVATURE:-1}
SCALE=0.00392156862745098   # 1/255
case $KIND in knn|ppca) ;; *) echo "KIND: knn or ppca" >&2; exit 64 ;; esac
mkdir -p "$W"
(cd "$ROOT" && swift build -c release >/dev/null)
B=$ROOT/.build/release
if [ ! -f "$W/full.csv" ]; then
    [ -f "$W/train.csv" ] && [ -f "$W/test.csv" ] || python3 "$ROOT/examples/bench/fashion_mnist_csv.py" "$W" >/dev/null
    mv "$W/train.csv" "$W/full.csv"
fi
cd "$W"
head -n $((ROWS + 1)) full.csv > train.csv
CLASS=${CLASS:-$(tail -n +2 train.csv | cut -d, -f2 | sort -u | sort -n | head -n 1)}
awk -F, -v c="$CLASS" 'NR == 1 { print "id"; next } $2 == c { print $1 }' train.csv > request.csv
FORGET=$(($(wc -l < request.csv) - 1))
[ "$FORGET" -gt 0 ] || { echo "no training row has label $CLASS" >&2; exit 65; }

echo "## Class removal: label $CLASS ($FORGET of $(($(wc -l < train.csv) - 1)) training rows), Fashion-MNIST, $(nproc) cores"
echo
echo "start: $(date -u '+%Y-%m-%d %H:%M UTC'); uptime:$(uptime)"

# seconds NAME CMD...: runs CMD once, its standard error in NAME.err, appends its wall time to NAME.t
seconds() {
    n=$1; shift
    if ! /usr/bin/time -f %e -o "$n.t1" "$@" 2> "$n.err"; then cat "$n.err" "$n.t1" >&2; exit 70; fi
    tail -n 1 "$n.t1" >> "$n.t"
}
median() { sort -n "$1" | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] }'; }
# accuracy PREDICTIONS: "removed other" (ul-predict output: label in column 2, predicted last)
accuracy() {
    awk -F, -v c="$CLASS" 'NR > 1 { if ($2 == c) { n1++; r1 += ($2 == $NF) } else { n0++; r0 += ($2 == $NF) } }
        END { printf "%.4f %.4f", r1 / n1, r0 / n0 }' "$1"
}
# forget NAME MODEL DATA [OPTION...]: the class request RUNS times, each from MODEL and DATA as trained
forget() {
    n=$1 m=$2 d=$3; shift 3
    : > "$n.t"
    i=0
    while [ $i -lt "$RUNS" ]; do
        rm -f "$n.ledger"
        seconds "$n" "$B/ul-forget" -m "$m" -d "$d" -r request.csv --ledger "$n.ledger" -o "$n.ulm" --remaining "$n.rem.csv" "$@"
        i=$((i + 1))
    done
}
# check NAME TRAIN-OPTION...: is NAME.ulm the model ul-train gives on NAME.rem.csv?
check() {
    n=$1; shift
    "$B/ul-train" -q "$@" "$n.rem.csv" -o "$n.ref.ulm"
    if cmp -s "$n.ulm" "$n.ref.ulm"; then echo yes; else echo no; fi
}
ledger() {   # ledger NAME FIELD
    python3 -c 'import csv, sys; print(list(csv.DictReader(open(sys.argv[1])))[-1][sys.argv[2]])' "$1.ledger" "$2"
}

: > train.t
"$B/ul-partition" -q --by random --shards 10 --blocks 5 --seed 0 train.csv -o sisa.csv
"$B/ul-partition" -q --by class --blocks 5 train.csv -o arcane.csv
seconds train "$B/ul-train" -q --model softmax --scale $SCALE sisa.csv -o sisa0.ulm
seconds train "$B/ul-train" -q --model "$KIND" --scale $SCALE arcane.csv -o arcane0.ulm
seconds train "$B/ul-train" -q --model softmax --scale $SCALE train.csv -o one0.ulm
for m in sisa0 arcane0 one0; do "$B/ul-predict" -m $m.ulm test.csv -o $m.pred; done

forget sisa sisa0.ulm sisa.csv --method exact
forget arcane arcane0.ulm arcane.csv --method exact
rm -f one0.ulm.curv
forget puma one0.ulm train.csv --method puma
[ -f one0.ulm.curv ] && PUMA_CURV="written ($(du -m one0.ulm.curv | cut -f1) MB)" || PUMA_CURV="not written"
rm -f one0.ulm.curv
forget newton one0.ulm train.csv --method newton
[ -f one0.ulm.curv ] && NEWTON_CURV="written ($(du -m one0.ulm.curv | cut -f1) MB)" || NEWTON_CURV="not written"
if [ "$CURVATURE" = 1 ]; then
    rm -f one0.ulm.curv
    awk -F, -v c="$CLASS" 'NR == 1 { print "id"; next } $2 != c { print $1; exit }' train.csv > one-row.csv
    : > curv.t
    seconds curv "$B/ul-forget" -m one0.ulm -d train.csv -r one-row.csv --method newton -o curv.ulm --remaining curv.rem.csv
    CURV_MB=$(du -m one0.ulm.curv | cut -f1)
    forget puma2 one0.ulm train.csv --method puma
    forget newton2 one0.ulm train.csv --method newton
fi

: > peer.t; : > peer.fit
i=0
while [ $i -lt "$RUNS" ]; do
    seconds peer sh -c "python3 '$ROOT/examples/bench/class_removal_peer.py' train.csv test.csv '$CLASS' > peer.acc"
    cut -d' ' -f3 peer.acc >> peer.fit
    i=$((i + 1))
done

echo
echo "| method | what ul-forget did | rows retrained | removed-class acc, before → after | other classes acc, before → after | = ul-train on the remaining rows | forget request, median of $RUNS (s) |"
echo "|---|---|---:|---:|---:|---|---:|"
row() {   # row NAME ORIGINAL LABEL TRAIN-OPTION...
    n=$1 o=$2 label=$3; shift 3
    "$B/ul-predict" -m "$n.ulm" test.csv -o "$n.pred"
    set -- $(accuracy "$o.pred") $(accuracy "$n.pred") "$(check "$n" "$@")"
    did=$(ledger "$n" note)
    echo "| $label | $(ledger "$n" method): ${did:-(no note)} | $(ledger "$n" rows_retrained) | $1 → $3 | $2 → $4 | $5 | $(median "$n.t") |"
}
row sisa sisa0 "exact, SISA softmax 10 shards × 5 blocks" --model softmax --scale $SCALE
row arcane arcane0 "exact, ARCANE $KIND, class shards × 5 blocks" --model "$KIND" --scale $SCALE
row puma one0 "puma, softmax 1 shard" --model softmax --scale $SCALE
row newton one0 "newton, softmax 1 shard" --model softmax --scale $SCALE
if [ "$CURVATURE" = 1 ]; then
    row puma2 one0 "puma, softmax 1 shard, curvature stored" --model softmax --scale $SCALE
    row newton2 one0 "newton, softmax 1 shard, curvature stored" --model softmax --scale $SCALE
fi
set -- $(cat peer.acc)
echo "| scikit-learn LogisticRegression(lbfgs, max_iter=100) retrained without the class | – | $(($(wc -l < train.csv) - 1 - FORGET)) rows, 1 fit | – → $1 | – → $2 | – | $(median peer.fit) (whole process $(median peer.t)) |"
echo
set -- $(cat train.t)
echo "ul-train of the original models (one run each): SISA softmax $1 s, ARCANE $KIND $2 s, softmax 1 shard $3 s."
echo "Curvature file (one0.ulm.curv) after the class request with none stored: puma $PUMA_CURV, newton $NEWTON_CURV."
if [ "$CURVATURE" = 1 ]; then
    echo "A one-row Newton request computing and storing the curvature ($CURV_MB MB): $(cat curv.t) s (one run); the \"curvature stored\" rows ran after it."
fi
echo "scikit-learn's time is its reading of the training CSV and its fit (in-process); the whole process adds"
echo "the interpreter and imports, reading the test CSV and predicting. The ledger's method column is the"
echo "method asked for; the standard error below says what was done."
echo
echo "Standard error of the last run of each request:"
echo
for n in sisa arcane puma newton $( [ "$CURVATURE" = 1 ] && echo curv puma2 newton2 ); do
    sed "s/^/    $n: /" "$n.err"
done
echo
echo "end: $(date -u '+%Y-%m-%d %H:%M UTC'); uptime:$(uptime)"
