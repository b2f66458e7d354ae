#!/usr/bin/env bash
# Side by side in one run, alternating: ul softmax (one shard) against scikit-learn LogisticRegression,
# both end to end (read the CSV, train, predict the test set); then ul softmax on 10 random shards × 5
# blocks and ul-forget of one row from it (end to end, reading the data). Prints the medians of REPS runs.
#   examples/bench/side_by_side.sh DIR      (DIR gets train.csv/test.csv from fashion_mnist_csv.py if absent)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:?usage: side_by_side.sh DIR}
reps=${REPS:-3}
mkdir -p "$dir"
[ -f "$dir/train.csv" ] || python3 "$root/examples/bench/fashion_mnist_csv.py" "$dir"
swift build --package-path "$root" -c release >/dev/null
B=$root/.build/release
cd "$dir"
scale=0.00392156862745098
accuracy() { awk -F, 'NR > 1 { n++; c += ($2 == $NF) } END { printf "%.4f", c / n }' "$1"; }
timed() { /usr/bin/time -f "%e %M" -o time.out "$@"; cat time.out; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
: > ul.t; : > sk.t; : > forget.t
for r in $(seq "$reps"); do
    timed sh -c "$B/ul-train -q --scale $scale train.csv -o one.ulm && $B/ul-predict -m one.ulm test.csv > one.pred" >> ul.t
    timed sh -c "python3 $root/examples/bench/train_peer.py logreg train.csv test.csv > sk.acc" >> sk.t
done
$B/ul-partition --by random --shards 10 --blocks 5 --seed 0 train.csv -o parted.csv
timed sh -c "$B/ul-train -q --scale $scale parted.csv -o ten.ulm && $B/ul-predict -m ten.ulm test.csv > ten.pred" > ten.t
awk -F, 'NR == 2 { print "id"; print $1 }' parted.csv > request.csv
for r in $(seq "$reps"); do
    timed "$B/ul-forget" -q -m ten.ulm -d parted.csv -r request.csv -o forgot.ulm --remaining remaining.csv >> forget.t
done
ul=$(cut -d' ' -f1 ul.t | median); sk=$(cut -d' ' -f1 sk.t | median); fg=$(cut -d' ' -f1 forget.t | median)
printf '%-44s %8s %9s %9s\n' run accuracy "median s" "peak MB"
printf '%-44s %8s %9s %9d\n' "ul softmax, 1 shard" "$(accuracy one.pred)" "$ul" $(( $(cut -d' ' -f2 ul.t | median) / 1024 ))
printf '%-44s %8s %9s %9d\n' "sklearn LogisticRegression(lbfgs)" "$(cat sk.acc)" "$sk" $(( $(cut -d' ' -f2 sk.t | median) / 1024 ))
printf '%-44s %8s %9s %9d\n' "ul softmax, 10 shards x 5 blocks (1 run)" "$(accuracy ten.pred)" "$(cut -d' ' -f1 ten.t)" $(( $(cut -d' ' -f2 ten.t) / 1024 ))
printf '%-44s %8s %9s %9d\n' "ul-forget 1 row of the 10 x 5 model" "-" "$fg" $(( $(cut -d' ' -f2 forget.t | median) / 1024 ))
awk -v u="$ul" -v s="$sk" -v f="$fg" 'BEGIN { printf "ul/sklearn train time: %.2f; sklearn retrain / ul-forget: %.1fx\n", u / s, s / f }'
