#!/usr/bin/env bash
# ul-forget on Fashion-MNIST (60,000 rows, 784 pixels /255), 10 shards x 5 blocks, softmax and mlp:
# wall time of one forget request, a batch of 10 and of 100 with --method exact, against
# --method retrain and against scikit-learn retraining LogisticRegression / MLPClassifier from scratch
# (reading the CSV included); medians of RUNS runs (default 3), each run with its own random requests.
# Rows retrained are row-epochs (the ledger's rows_retrained: every row once per epoch of every block
# step rerun), beside their exact expectation over the partition and SISA's formula e*D*(2/3 + 1/(3R)).
# Layouts: random blocks with uniform requests, and sorted blocks (high p_delete in the last blocks)
# with requests drawn in proportion to p_delete.
#
#   examples/bench/forget.sh [WORKDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-/tmp/ul-forget-bench}
runs=${RUNS:-3}
mkdir -p "$work"
(cd "$root" && swift build -c release --product ul-train >/dev/null && swift build -c release --product ul-forget >/dev/null)
bin="$root/.build/release"
[ -s "$work/random.csv" ] && [ -s "$work/sorted.csv" ] || python3 "$here/forget_data.py" csv "$work"
scale=0.00392156862745098

seconds() {  # wall time of a command, its output discarded
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mean() { awk '{ s += $1 } END { printf "%.0f\n", s / NR }'; }

epochs_of() { [ "$1" = softmax ] && echo 100 || echo 10; }
table="$work/forget-table.txt"
printf '%-8s %-7s %5s %-9s %9s %12s %12s %10s %10s\n' model blocks reqs method 'median s' 'row-epochs' 'expected' 'SISA' 'vs sklearn' | tee "$table"

for kind in softmax mlp; do
  e=$(epochs_of "$kind")
  sk=()
  for run in $(seq "$runs"); do
    python3 "$here/forget_data.py" requests "$work/random.csv" "$work/req.csv" 1 "$run" uniform
    sk+=("$(python3 "$here/forget_sklearn.py" "$work/random.csv" "$work/req.csv" "$kind" "$e")")
  done
  sklearn=$(printf '%s\n' "${sk[@]}" | median)
  printf '%-8s %-7s %5s %-9s %9s %12s %12s %10s %10s\n' "$kind" - 1 sklearn "$sklearn" - - - 1.0 | tee -a "$table"
  for layout in random sorted; do
    how=uniform; [ "$layout" = sorted ] && how=weighted
    data="$work/$layout.csv" model="$work/$kind-$layout.ulm"
    [ -s "$model" ] || "$bin/ul-train" --model "$kind" --exclude p_delete --scale "$scale" --shards 10 --blocks 5 "$data" -o "$model"
    read -r expected sisa < <(python3 "$here/forget_data.py" expected "$data" "$e" "$how")
    methods="exact"; [ "$layout" = random ] && methods="exact retrain"
    for method in $methods; do
      sizes="1 10 100"; [ "$method" = retrain ] && sizes="1"
      for k in $sizes; do
        times=() costs=()
        for run in $(seq "$runs"); do
          python3 "$here/forget_data.py" requests "$data" "$work/req.csv" "$k" "$run" "$how"
          rm -f "$work/ledger.csv"
          times+=("$(seconds "$bin/ul-forget" -m "$model" -d "$data" -r "$work/req.csv" --method "$method" \
                     -o "$work/out.ulm" --remaining "$work/rest.csv" --ledger "$work/ledger.csv")")
          costs+=("$(tail -1 "$work/ledger.csv" | cut -d, -f8)")
        done
        t=$(printf '%s\n' "${times[@]}" | median)
        c=$(printf '%s\n' "${costs[@]}" | mean)
        exp="-" sis="-"; [ "$k" = 1 ] && [ "$method" = exact ] && exp=$expected sis=$sisa
        speed=$(awk -v a="$sklearn" -v b="$t" 'BEGIN { printf "%.1f", a / b }')
        printf '%-8s %-7s %5s %-9s %9s %12s %12s %10s %10s\n' "$kind" "$layout" "$k" "$method" "$t" "$c" "$exp" "$sis" "$speed" | tee -a "$table"
      done
    done
  done
done
rm -f "$work/out.ulm" "$work/rest.csv" "$work/req.csv" "$work/ledger.csv"
