#!/bin/sh
# ul-train + ul-predict against scikit-learn on Fashion-MNIST (60,000 training rows, 10,000 test rows,
# pixels scaled to [0, 1]). Times are wall clock end to end (reading the CSVs, training, predicting the
# test set), medians of REPS runs, with the median CPU time (user + system, all processes); memory is
# the peak resident set of the largest process. On a loaded machine compare CPU times as well.
#
#   examples/bench/train.sh            (REPS=3 WORK=/tmp/ul-bench-fashion BIN=.build/release)
#
# Needs: swift build -c release; python3 with scikit-learn and pandas (pip install scikit-learn pandas);
# the Debian package dataset-fashion-mnist.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${BIN:-$ROOT/.build/release}
WORK=${WORK:-/tmp/ul-bench-fashion}
REPS=${REPS:-3}
SCALE=0.00392156862745098
mkdir -p "$WORK"
[ -f "$WORK/train.csv" ] || python3 "$HERE/fashion_mnist_csv.py" "$WORK"
if [ ! -f "$WORK/train_sharded.csv" ]; then
    # 10 random shards x 5 blocks from a hash of (seed, id), as ul-partition --by random assigns them.
    python3 - "$WORK/train.csv" "$WORK/train_sharded.csv" <<'PY'
import hashlib, sys
src, dst = sys.argv[1:3]
with open(src) as f, open(dst + ".tmp", "w") as g:
    g.write(f.readline().rstrip("\n") + ",shard,block\n")
    for line in f:
        h = int.from_bytes(hashlib.sha256(("1:" + line.split(",", 1)[0]).encode()).digest()[:8], "little")
        g.write(f"{line.rstrip()},{h % 10},{(h // 10) % 5}\n")
import os; os.replace(dst + ".tmp", dst)
PY
fi

median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
accuracy() { awk -F, 'NR>1{n++; if($2==$NF)c++} END{printf "%.4f", c/n}' "$1"; }

# run NAME COMMAND...: REPS timed runs; records "time rss" per run in $WORK/NAME.runs.
run() {
    name=$1; shift
    : > "$WORK/$name.runs"
    i=0
    while [ $i -lt "$REPS" ]; do
        /usr/bin/time -f "%e %M %U %S" -o "$WORK/$name.time" sh -c "$*" > "$WORK/$name.out"
        cat "$WORK/$name.time" >> "$WORK/$name.runs"
        echo "  $name run $((i+1)): $(cat "$WORK/$name.time") (wall s, KB, user s, sys s)" >&2
        i=$((i+1))
    done
}

row() {  # NAME ACCURACY VOTE_ACCURACY
    t=$(awk '{print $1}' "$WORK/$1.runs" | median)
    m=$(awk '{print $2}' "$WORK/$1.runs" | sort -n | tail -1)
    c=$(awk '{print $3 + $4}' "$WORK/$1.runs" | median)
    printf "| %-28s | %8s | %8s | %8s | %8s | %4s | %8d |\n" "$1" "$2" "$3" "$t" "$c" "$(wc -l < "$WORK/$1.runs")" $((m / 1024))
}

T="$WORK/train.csv"; S="$WORK/train_sharded.csv"; E="$WORK/test.csv"
run ul-softmax "$BIN/ul-train -q --scale $SCALE $T -o $WORK/softmax.ulm && $BIN/ul-predict -m $WORK/softmax.ulm $E > $WORK/softmax.pred"
run ul-mlp-256 "$BIN/ul-train -q --model mlp --hidden 256 --scale $SCALE $T -o $WORK/mlp.ulm && $BIN/ul-predict -m $WORK/mlp.ulm $E > $WORK/mlp.pred"
run ul-softmax-10x5 "$BIN/ul-train -q --scale $SCALE $S -o $WORK/softmax10.ulm && $BIN/ul-predict -m $WORK/softmax10.ulm $E > $WORK/softmax10.pred"
run ul-mlp-256-10x5 "$BIN/ul-train -q --model mlp --hidden 256 --scale $SCALE $S -o $WORK/mlp10.ulm && $BIN/ul-predict -m $WORK/mlp10.ulm $E > $WORK/mlp10.pred"
run sklearn-logreg "python3 $HERE/train_peer.py logreg $T $E"
cp "$WORK/sklearn-logreg.out" "$WORK/logreg.acc"
run sklearn-mlp-100-20it "python3 $HERE/train_peer.py mlp $T $E"
cp "$WORK/sklearn-mlp-100-20it.out" "$WORK/mlpsk.acc"
for m in softmax10 mlp10; do "$BIN/ul-predict" --aggregate vote -m "$WORK/$m.ulm" "$E" > "$WORK/$m.vote"; done

echo "| run                          | accuracy |     vote | median s |    cpu s | runs |  peak MB |"
echo "|------------------------------|----------|----------|----------|----------|------|----------|"
row ul-softmax "$(accuracy "$WORK/softmax.pred")" -
row ul-mlp-256 "$(accuracy "$WORK/mlp.pred")" -
row ul-softmax-10x5 "$(accuracy "$WORK/softmax10.pred")" "$(accuracy "$WORK/softmax10.vote")"
row ul-mlp-256-10x5 "$(accuracy "$WORK/mlp10.pred")" "$(accuracy "$WORK/mlp10.vote")"
row sklearn-logreg "$(cat "$WORK/logreg.acc")" -
row sklearn-mlp-100-20it "$(cat "$WORK/mlpsk.acc")" -
echo "($(nproc) cores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
