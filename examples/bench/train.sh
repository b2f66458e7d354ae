#!/bin/sh
# Training speed on Fashion-MNIST (60,000 training rows, 10,000 test rows, pixels scaled to [0, 1]), ul against
# its peers in one run on the same files:
#   * reading: ul-train --epochs 0 (parse, check every id and feature, write a model that trained nothing)
#     against pandas.read_csv and polars.read_csv, on the integer-pixel file and on a copy with the pixels as
#     decimals in [0, 1] (train_dec.csv, made here); MB/s from the median;
#   * ul-train + ul-predict against scikit-learn end to end (reading the CSVs, training, predicting the test
#     set): softmax vs LogisticRegression, mlp 100 hidden 20 epochs vs MLPClassifier((100,), max_iter=20),
#     mlp 256 hidden 10 epochs vs MLPClassifier((256,), max_iter=10);
#   * ul-select --method entropy --fraction 0.5 on the 60,000 rows in class shards (SELECT=0 leaves it out).
# Times are wall clock, medians of REPS runs, with the median CPU time (user + system, all processes); memory is
# the peak resident set of the largest process. Runs are interleaved (one of each per round), so a change
# of load hits every row alike; on a loaded machine compare CPU times as well.
#
#   examples/bench/train.sh            (REPS=3 WORK=/tmp/ul-bench-fashion BIN=.build/release)
#
# BEFORE=DIR adds the same ul runs with the tools in DIR (an older build), for before/after in one run;
# SHARDED=1 adds 10 random shards x 5 blocks; WIDE=0 leaves out mlp 256. The last lines give ul's time over its peers'.
#
# Needs: swift build -c release; python3 with scikit-learn and pandas (pip install scikit-learn pandas);
# the Debian package dataset-fashion-mnist.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${BIN:-$ROOT/.build/release}
WORK=${WORK:-/tmp/ul-bench-fashion}
REPS=${REPS:-3}
BEFORE=${BEFORE:-}
SHARDED=${SHARDED:-0}
WIDE=${WIDE:-1}
SELECT=${SELECT:-1}
SCALE=0.00392156862745098
mkdir -p "$WORK"
[ -f "$WORK/train.csv" ] || python3 "$HERE/fashion_mnist_csv.py" "$WORK"
if [ ! -f "$WORK/train_dec.csv" ]; then
    # The same rows with each pixel p written as p/255 to at most 4 decimals (0 stays 0).
    python3 - "$WORK/train.csv" "$WORK/train_dec.csv" <<'PY'
import os, sys
src, dst = sys.argv[1:3]
with open(src) as f, open(dst + ".tmp", "w") as g:
    g.write(f.readline())
    for line in f:
        p = line.rstrip("\n").split(",")
        g.write(",".join(p[:2] + [("%.4f" % (int(v) / 255)).rstrip("0").rstrip(".") if v != "0" else "0" for v in p[2:]]) + "\n")
os.replace(dst + ".tmp", dst)
PY
fi
if [ "$SELECT" = 1 ] && [ ! -f "$WORK/train_class.csv" ]; then
    "$BIN/ul-partition" --by class "$WORK/train.csv" -o "$WORK/train_class.csv"
fi
python3 -c 'import pandas, polars, sklearn' 2>/dev/null || pip install --quiet pandas polars scikit-learn
if [ "$SHARDED" = 1 ] && [ ! -f "$WORK/train_sharded.csv" ]; then
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

T="$WORK/train.csv"; D="$WORK/train_dec.csv"; S="$WORK/train_sharded.csv"; E="$WORK/test.csv"; C="$WORK/train_class.csv"
# One line per run: NAME<TAB>COMMAND. A ul command writes its predictions to $WORK/NAME.pred; a peer
# prints its accuracy.
ul_runs() {  # PREFIX BIN
    printf '%s\t%s\n' "$1read-int" "$2/ul-train -q --epochs 0 $T -o $WORK/$1read.ulm"
    printf '%s\t%s\n' "$1read-dec" "$2/ul-train -q --epochs 0 $D -o $WORK/$1read.ulm"
    printf '%s\t%s\n' "$1softmax" "$2/ul-train -q --scale $SCALE $T -o $WORK/$1softmax.ulm && $2/ul-predict -m $WORK/$1softmax.ulm $E > $WORK/$1softmax.pred"
    printf '%s\t%s\n' "$1mlp-100-20ep" "$2/ul-train -q --model mlp --hidden 100 --epochs 20 --scale $SCALE $T -o $WORK/$1mlp100.ulm && $2/ul-predict -m $WORK/$1mlp100.ulm $E > $WORK/$1mlp-100-20ep.pred"
    [ "$WIDE" = 0 ] || printf '%s\t%s\n' "$1mlp-256-10ep" "$2/ul-train -q --model mlp --hidden 256 --scale $SCALE $T -o $WORK/$1mlp256.ulm && $2/ul-predict -m $WORK/$1mlp256.ulm $E > $WORK/$1mlp-256-10ep.pred"
    if [ "$SHARDED" = 1 ]; then
        printf '%s\t%s\n' "$1softmax-10x5" "$2/ul-train -q --scale $SCALE $S -o $WORK/$1softmax10.ulm && $2/ul-predict -m $WORK/$1softmax10.ulm $E > $WORK/$1softmax-10x5.pred"
        printf '%s\t%s\n' "$1mlp-256-10x5" "$2/ul-train -q --model mlp --hidden 256 --scale $SCALE $S -o $WORK/$1mlp10.ulm && $2/ul-predict -m $WORK/$1mlp10.ulm $E > $WORK/$1mlp-256-10x5.pred"
    fi
    [ "$SELECT" = 0 ] || printf '%s\t%s\n' "$1select-entropy-0.5" "$2/ul-select -q --method entropy --fraction 0.5 --scale $SCALE $C -o $WORK/$1select.csv"
}
{
    ul_runs ul- "$BIN"
    [ -z "$BEFORE" ] || ul_runs before- "$BEFORE"
    for f in int dec; do
        file=$T; [ $f = dec ] && file=$D
        printf '%s\t%s\n' "pandas-read-$f" "python3 $HERE/read_peer.py pandas $file"
        printf '%s\t%s\n' "polars-read-$f" "python3 $HERE/read_peer.py polars $file"
    done
    printf '%s\t%s\n' sklearn-logreg "python3 $HERE/train_peer.py logreg $T $E"
    printf '%s\t%s\n' sklearn-mlp-100-20it "python3 $HERE/train_peer.py mlp $T $E"
    [ "$WIDE" = 0 ] || printf '%s\t%s\n' sklearn-mlp-256-10it "python3 $HERE/train_peer.py mlp256 $T $E"
} > "$WORK/runs.tsv"

cut -f1 "$WORK/runs.tsv" | while read -r name; do : > "$WORK/$name.runs"; done
: > "$WORK/load"
i=0
while [ $i -lt "$REPS" ]; do
    i=$((i+1))
    while IFS="$(printf '\t')" read -r name cmd; do
        cut -d' ' -f1 /proc/loadavg >> "$WORK/load"
        /usr/bin/time -f "%e %M %U %S" -o "$WORK/$name.time" sh -c "$cmd" > "$WORK/$name.out" < /dev/null
        cat "$WORK/$name.time" >> "$WORK/$name.runs"
        echo "  $name run $i: $(cat "$WORK/$name.time") (wall s, KB, user s, sys s; load $(cut -d' ' -f1 /proc/loadavg))" >&2
    done < "$WORK/runs.tsv"
done

wall() { awk '{print $1}' "$WORK/$1.runs" | median; }
row() {  # NAME ACCURACY
    t=$(wall "$1")
    m=$(awk '{print $2}' "$WORK/$1.runs" | sort -n | tail -1)
    c=$(awk '{print $3 + $4}' "$WORK/$1.runs" | median)
    printf "| %-28s | %8s | %8s | %8s | %4s | %8d |\n" "$1" "$2" "$t" "$c" "$(wc -l < "$WORK/$1.runs")" $((m / 1024))
}
echo "| run                          | accuracy | median s |    cpu s | runs |  peak MB |"
echo "|------------------------------|----------|----------|----------|------|----------|"
cut -f1 "$WORK/runs.tsv" | while read -r name; do
    case $name in
    sklearn-*) row "$name" "$(cat "$WORK/$name.out")" ;;
    *read-int|*read-dec) row "$name" "$(awk -v b="$(wc -c < "$(case $name in *int) echo "$T";; *) echo "$D";; esac)")" -v t="$(wall "$name")" 'BEGIN { printf "%.0fMB/s", b / 1e6 / t }')" ;;
    *select*) row "$name" - ;;
    *) row "$name" "$(accuracy "$WORK/$name.pred")" ;;
    esac
done
echo "(the accuracy column of a read-* row is the reading rate: file size over the median time)"
ratio() { awk -v a="$(wall "$1")" -v b="$(wall "$2")" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "wall-time ratios: ul-softmax / sklearn-logreg $(ratio ul-softmax sklearn-logreg);" \
    "ul-mlp-100-20ep / sklearn-mlp-100-20it $(ratio ul-mlp-100-20ep sklearn-mlp-100-20it)"
[ "$WIDE" = 0 ] || echo "wall-time ratio: ul-mlp-256-10ep / sklearn-mlp-256-10it $(ratio ul-mlp-256-10ep sklearn-mlp-256-10it)"
echo "reading time ratios (ul / polars, ul / pandas): integer $(ratio ul-read-int polars-read-int), $(ratio ul-read-int pandas-read-int);" \
    "decimal $(ratio ul-read-dec polars-read-dec), $(ratio ul-read-dec pandas-read-dec)"
[ -z "$BEFORE" ] || echo "after / before: softmax $(ratio ul-softmax before-softmax); mlp-100-20ep $(ratio ul-mlp-100-20ep before-mlp-100-20ep)"
[ -z "$BEFORE" ] || [ "$WIDE" = 0 ] || echo "after / before: mlp-256-10ep $(ratio ul-mlp-256-10ep before-mlp-256-10ep)"
echo "($(nproc) cores; load average (1 min) at the start of each run: median $(median < "$WORK/load"), max $(sort -n "$WORK/load" | tail -1))"
