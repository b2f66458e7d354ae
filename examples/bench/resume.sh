#!/bin/sh
# ul-train --resume on Fashion-MNIST: 1 % new rows (600) arrive in the last block of a softmax model of 10
# shards × 5 blocks. Times, wall clock end to end (reading the CSV, training, writing the model), medians of
# REPS interleaved runs with the median CPU time: the resume, ul-train from scratch on the same rows (the
# same bytes), and scikit-learn's LogisticRegression fitted on all of them (train_peer.py, which also
# predicts the test set). Then the accuracy of the epoch rule as ul applies it to appended rows (the block
# count R fixed in the configuration, the last block growing) after ten nights of 1 % each, against the
# same rows partitioned at once, and scikit-learn on them.
#
#   examples/bench/resume.sh            (REPS=3 WORK=/tmp/ul-bench-fashion BIN=.build/release)
#   KIND="--model mlp --hidden 100 -e 10" PEER=mlp examples/bench/resume.sh     (mlp against MLPClassifier)
#
# Needs: swift build -c release; python3 with scikit-learn and pandas; the Debian package dataset-fashion-mnist.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${BIN:-$ROOT/.build/release}
WORK=${WORK:-/tmp/ul-bench-fashion}
REPS=${REPS:-3}
SCALE=0.00392156862745098
KIND=${KIND:-}
PEER=${PEER:-logreg}
OPTS="-q $KIND --scale $SCALE --shards 10 --blocks 5"
mkdir -p "$WORK"
[ -f "$WORK/train.csv" ] || python3 "$HERE/fashion_mnist_csv.py" "$WORK"
T="$WORK/train.csv" E="$WORK/test.csv" R="$WORK/resume"
mkdir -p "$R"
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
accuracy() { awk -F, 'NR>1{n++; if($2==$NF)c++} END{printf "%.4f", c/n}' "$1"; }

# Old rows: 99 %; new: every 100th row, into the last block (ul-partition --block 4).
awk 'NR == 1 || NR % 100 != 1' "$T" > "$R/old.csv"
awk 'NR == 1 || NR % 100 == 1' "$T" > "$R/new.csv"
"$BIN/ul-partition" -q --shards 10 --blocks 5 --seed 1 "$R/old.csv" -o "$R/p0.csv"
"$BIN/ul-partition" -q --shards 10 --seed 1 --block 4 "$R/new.csv" -o "$R/pnew.csv"
{ cat "$R/p0.csv"; tail -n +2 "$R/pnew.csv"; } > "$R/p1.csv"
"$BIN/ul-train" $OPTS "$R/p0.csv" -o "$R/old.ulm"

: > "$R/times"
for rep in $(seq "$REPS"); do
    for run in resume scratch sklearn; do
        case $run in
            resume) cp "$R/old.ulm" "$R/resumed.ulm"; cmd="$BIN/ul-train $OPTS --resume $R/resumed.ulm $R/p1.csv -o $R/resumed.ulm" ;;
            scratch) cmd="$BIN/ul-train $OPTS $R/p1.csv -o $R/scratch.ulm" ;;
            sklearn) cmd="python3 $HERE/train_peer.py $PEER $R/p1.csv $E" ;;
        esac
        /usr/bin/time -f "%e %U %S" -o "$R/t" sh -c "$cmd > $R/$run.out"
        printf '%s %s\n' "$run" "$(cat "$R/t")" >> "$R/times"
    done
    cmp "$R/resumed.ulm" "$R/scratch.ulm"
done
"$BIN/ul-train" $OPTS --resume "$R/old.ulm" "$R/p1.csv" -o "$R/check.ulm" 2>&1 | cat
"$BIN/ul-predict" -m "$R/scratch.ulm" "$E" > "$R/scratch.pred"
echo "load: $(cat /proc/loadavg)"
printf '| run | wall s (median of %s) | CPU s | test accuracy |\n|---|---:|---:|---:|\n' "$REPS"
for run in resume scratch sklearn; do
    wall=$(awk -v r=$run '$1 == r {print $2}' "$R/times" | median)
    cpu=$(awk -v r=$run '$1 == r {print $3 + $4}' "$R/times" | median)
    case $run in
        resume) acc="$(accuracy "$R/scratch.pred") (same bytes)" ;;
        scratch) acc=$(accuracy "$R/scratch.pred") ;;
        sklearn) acc=$(cat "$R/sklearn.out") ;;
    esac
    printf '| %s | %s | %s | %s |\n' "$run" "$wall" "$cpu" "$acc"
done

# The epoch rule for appended rows: ten nights of 1 % each into the last block (R = 5 fixed) give, bit for
# bit, ul-train on the rows so placed; against all rows partitioned at once (SISA's rule over random blocks).
awk 'NR == 1 || NR % 100 > 10' "$T" > "$R/base90.csv"
awk 'NR == 1 || (NR % 100 >= 1 && NR % 100 <= 10)' "$T" > "$R/nights.csv"
"$BIN/ul-partition" -q --shards 10 --blocks 5 --seed 1 "$R/base90.csv" -o "$R/b90.csv"
"$BIN/ul-partition" -q --shards 10 --seed 1 --block 4 "$R/nights.csv" -o "$R/n10.csv"
{ cat "$R/b90.csv"; tail -n +2 "$R/n10.csv"; } > "$R/appended.csv"
"$BIN/ul-partition" -q --shards 10 --blocks 5 --seed 1 "$T" -o "$R/atonce.csv"
for layout in appended atonce; do
    "$BIN/ul-train" $OPTS "$R/$layout.csv" -o "$R/$layout.ulm"
    "$BIN/ul-predict" -m "$R/$layout.ulm" "$E" > "$R/$layout.pred"
done
printf '\n| %s 10 × 5, all 60,000 rows | test accuracy |\n|---|---:|\n' "${KIND:-softmax}"
printf '| ten nights of 1 %% into the last block (R fixed) | %s |\n' "$(accuracy "$R/appended.pred")"
printf '| all rows partitioned at once | %s |\n' "$(accuracy "$R/atonce.pred")"
