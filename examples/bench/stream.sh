#!/usr/bin/env bash
# A stream of forget requests against the binary shard store (ul-partition --store, ul-store(5)) on
# Fashion-MNIST (60,000 rows, 784 pixels /255), with scikit-learn's full LogisticRegression retrain
# (reading the CSV included) as the peer, in the same run.
#
#   examples/bench/stream.sh [WORKDIR]          (default ${TMPDIR:-/tmp}/ul-stream-bench)
#
# (a) REQUESTS (default 200; APPROX_REQUESTS for puma and newton, default the same) sequential single-row requests of random ids, each applied in place to the
#     model and the store it leaves (a real stream: request i sees the model of request i - 1):
#     exact on softmax 10 shards x 5 blocks; puma and newton on the one-shard softmax (its curvature is
#     computed once by ul-influence and then kept warm: every request downdates the stored factor).
#     Latency of each whole ul-forget command: p50 / p90 / p99, and the ratio of scikit-learn's median
#     retrain to the p50.
# (b) BATCHES (default "1 10 100 1000"; empty skips it): one request of K random ids on a fresh copy of
#     the model and store: wall time, rows retrained (the ledger's row-epochs), test accuracy; and the
#     approximate methods at APPROX_K rows (default 600) on the one-shard softmax, once per way of
#     CURVATURE_UPDATES (default "auto drop": the cheaper of downdate and refactor, and --curvature-update drop).
# (c) MLP_REQUESTS (default REQUESTS) single-row exact requests, as (a), on an mlp 10 shards x 5 blocks
#     (--hidden MLP_HIDDEN, default 32; MLP_EPOCHS, default 5).
# (d) K (default 10, the shard count) worst-case ids (one per shard, each in its first block) beside K random
#     ids, each sequence as one request on a fresh copy, RUNS (default 3) times: median time, rows retrained,
#     test accuracy, for exact on softmax 10x5, mlp 10x5 and ARCANE (class shards x 5 blocks, one-class kind
#     ARCANE_KIND, default knn), and puma / newton / exact on the one-shard softmax with the distance
#     ||theta_method - theta_retrain|| (exact forgetting of the one shard is the retrain; 0 skips: ONE_SHARD=0).
# (e) FIGURE (default 1): rows retrained against the number of requests, SISA (random shards), SISA with
#     blocks sorted by deletion probability and ARCANE, written as stream-figure.csv / .svg in WORKDIR
#     (FIGURE_MAX requests, default 1000; FIGURE_SEEDS draws, default 5).
# EPOCHS (default 100): L-BFGS iterations, as scikit-learn's default; SK_RUNS (default 3; 0 skips) retrains.
# Prints markdown tables; peak resident memory of a request with /usr/bin/time when present.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-${TMPDIR:-/tmp}/ul-stream-bench}
requests=${REQUESTS:-200}
approx_requests=${APPROX_REQUESTS:-$requests}
batches=${BATCHES-1 10 100 1000}
approx_k=${APPROX_K:-600}
curvature_updates=${CURVATURE_UPDATES:-auto drop}
epochs=${EPOCHS:-100}
sk_runs=${SK_RUNS:-3}
mlp_requests=${MLP_REQUESTS:-$requests}
mlp_hidden=${MLP_HIDDEN:-32}
mlp_epochs=${MLP_EPOCHS:-5}
k=${K:-10}
runs=${RUNS:-3}
arcane_kind=${ARCANE_KIND:-knn}
one_shard=${ONE_SHARD:-1}
figure=${FIGURE:-1}
figure_max=${FIGURE_MAX:-1000}
figure_seeds=${FIGURE_SEEDS:-5}
scale=0.00392156862745098
mkdir -p "$work"
(cd "$root" && swift build -c release >/dev/null)
bin="$root/.build/release"
cd "$work"
[ -s train.csv ] && [ -s test.csv ] || python3 "$here/fashion_mnist_csv.py" . >/dev/null

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", b - a }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# pNN of the numbers on standard input (nearest rank).
pct() { sort -g | awk -v p="$1" '{ v[NR] = $1 } END { k = int(p / 100 * NR + 0.999999); if (k < 1) k = 1; print v[k] }'; }
accuracy() {  # test accuracy of a model
  "$bin/ul-predict" -m "$1" test.csv | python3 -c "
import csv, sys
r = csv.DictReader(sys.stdin); n = ok = 0
for row in r: n += 1; ok += row['label'] == row['predicted']
print('%.4f' % (ok / n))"
}
load() { cut -d' ' -f1-3 /proc/loadavg; }
ratio() { [ -n "$1" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }' || printf -- -; }
# id, shard and block of every row of a store (a partition for stream_batch.py)
placement() { "$bin/ul-partition" --export "$1" | awk -F, '{ print $1 "," $(NF - 1) "," $NF }'; }
rss() { if [ -x /usr/bin/time ]; then /usr/bin/time -f %M -o "$work/rss.txt" "$@"; else "$@"; fi; }

echo "## Request stream, Fashion-MNIST, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the start"
echo

# The stores and models (timed once; not part of any request).
t0=$(now)
[ -d s10 ] || "$bin/ul-partition" --shards 10 --blocks 5 --seed 1 --store s10 train.csv
[ -d s1 ] || "$bin/ul-partition" --store s1 train.csv
t1=$(now)
[ -s sm10.ulm ] || "$bin/ul-train" --model softmax --scale "$scale" -e "$epochs" s10 -o sm10.ulm
t2=$(now)
[ -s sm1.ulm ] || "$bin/ul-train" --model softmax --scale "$scale" -e "$epochs" s1 -o sm1.ulm
t3=$(now)
t5=$(now)
[ -s mlp10.ulm ] || "$bin/ul-train" --model mlp --hidden "$mlp_hidden" -e "$mlp_epochs" --scale "$scale" s10 -o mlp10.ulm
[ -d a10 ] || "$bin/ul-partition" --by class --blocks 5 --seed 1 --store a10 train.csv
[ -s "arcane-$arcane_kind.ulm" ] || "$bin/ul-train" --model "$arcane_kind" --scale "$scale" a10 -o "arcane-$arcane_kind.ulm"
t6=$(now)
[ "$one_shard" = 0 ] || [ -s sm1.curv ] || { "$bin/ul-influence" -q -m sm1.ulm -d s1 --top 1 -o /dev/null && mv sm1.ulm.curv sm1.curv; }
t4=$(now)
echo "setup (times near 0: kept from an earlier run in $work): stores $(elapsed "$t0" "$t1") s ($(du -sm s10 | cut -f1) MB for 10 shards), ul-train 10x5 $(elapsed "$t1" "$t2") s, 1 shard $(elapsed "$t2" "$t3") s, curvature once $(elapsed "$t6" "$t4") s ($(du -m sm1.curv 2>/dev/null | cut -f1) MB), mlp 10x5 + class store + ARCANE $arcane_kind $(elapsed "$t5" "$t6") s"

# scikit-learn's full retrain without one row, reading the CSV included.
python3 -c "
import random; ids = [l.split(',', 1)[0] for l in open('train.csv').readlines()[1:]]; random.seed(7)
open('sk-req.csv', 'w').write('id\n' + random.choice(ids) + '\n')"
sk=()
sklearn=
for _ in $(seq "$sk_runs"); do sk+=("$(python3 "$here/forget_sklearn.py" train.csv sk-req.csv softmax "$epochs")"); done
[ "$sk_runs" -gt 0 ] && sklearn=$(printf '%s\n' "${sk[@]}" | median) &&
echo "scikit-learn LogisticRegression(lbfgs, $epochs iterations) full retrain incl. reading: median $sklearn s of $sk_runs ($(printf '%s ' "${sk[@]}")s), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# A private copy of a model, its curvature and its store, so every part starts from the same state.
fresh() {  # fresh NAME MODEL STORE [CURV]
  rm -rf "run-$1"; mkdir "run-$1"
  cp "$2" "run-$1/model.ulm"; cp -r "$3" "run-$1/store"
  [ -z "${4:-}" ] || cp "$4" "run-$1/model.ulm.curv"
}
# Random distinct ids of a store, in random order: ids SEED COUNT STORE
ids() {
  "$bin/ul-partition" --export "$3" | python3 -c "
import random, sys
ids = [l.split(',', 1)[0] for l in sys.stdin.readlines()[1:]]
random.seed(int(sys.argv[1])); print('\n'.join(random.sample(ids, int(sys.argv[2]))))" "$1" "$2"
}

echo "### (a) sequential single-row requests of random ids (each one ul-forget command, in place)"
echo
echo "| model | method | requests | p50 s | p90 s | p99 s | max s | p99/p50 | sklearn / p50 | peak RSS MB | test acc after |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
stream() {  # stream NAME METHOD MODEL STORE CURV LABEL COUNT
  local name=$1 method=$2
  [ "$7" -gt 0 ] || return 0
  fresh "$name" "$3" "$4" "${5:-}"
  ids 11 "$7" "run-$name/store" > "run-$name/ids.txt"
  : > "run-$name/times.txt"
  local peak=0
  while read -r id; do
    printf 'id\n%s\n' "$id" > "run-$name/req.csv"
    local a b
    a=$(now)
    rss "$bin/ul-forget" -q --method "$method" -m "run-$name/model.ulm" --data "run-$name/store" -r "run-$name/req.csv" \
      -o "run-$name/model.ulm" --ledger "run-$name/ledger.csv"
    b=$(now)
    elapsed "$a" "$b" >> "run-$name/times.txt"
    [ -s rss.txt ] && peak=$(awk -v p="$peak" '{ print ($1 > p) ? $1 : p }' rss.txt)
  done < "run-$name/ids.txt"
  local p50 p90 p99 max
  p50=$(pct 50 < "run-$name/times.txt"); p90=$(pct 90 < "run-$name/times.txt")
  p99=$(pct 99 < "run-$name/times.txt"); max=$(pct 100 < "run-$name/times.txt")
  printf '| %s | %s | %d | %s | %s | %s | %s | %.2f | %s | %d | %s |\n' "$6" "$method" "$(wc -l < "run-$name/times.txt")" \
    "$p50" "$p90" "$p99" "$max" "$(awk -v a="$p99" -v b="$p50" 'BEGIN { print a / b }')" \
    "$(ratio "$sklearn" "$p50")" $((peak / 1024)) "$(accuracy "run-$name/model.ulm")"
}
stream exact10 exact sm10.ulm s10 "" "softmax 10x5" "$requests"
stream puma1 puma sm1.ulm s1 sm1.curv "softmax 1 shard" "$approx_requests"
stream newton1 newton sm1.ulm s1 sm1.curv "softmax 1 shard" "$approx_requests"
stream exactmlp exact mlp10.ulm s10 "" "mlp 10x5 (hidden $mlp_hidden, $mlp_epochs epochs)" "$mlp_requests"
echo
echo "load at the end of (a): $(load)"
echo

# PUMA and Newton need the one-shard model's curvature, made only with ONE_SHARD=1.
[ "$one_shard" != 0 ] || approx_k=0
if [ -n "$batches" ] || [ "$approx_k" -gt 0 ]; then
  echo "### (b) one request of K random ids, from the trained model and full store"
  echo
  echo "| model | method | K | time s | rows retrained (row-epochs) | test acc | sklearn / time | peak RSS MB |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
  batch() {  # batch NAME METHOD MODEL STORE CURV K LABEL [ul-forget OPTIONS...]
    local extra=("${@:8}")
    fresh "$1" "$3" "$4" "$5"
    ids 23 "$6" "run-$1/store" | { echo id; cat; } > "run-$1/req.csv"
    local a b
    a=$(now)
    rss "$bin/ul-forget" -q --method "$2" -m "run-$1/model.ulm" --data "run-$1/store" -r "run-$1/req.csv" -o "run-$1/model.ulm" \
      --ledger "run-$1/ledger.csv" "${extra[@]}"
    b=$(now)
    local t; t=$(elapsed "$a" "$b")
    printf '| %s | %s | %d | %s | %s | %s | %s | %s |\n' "$7" "$2${extra[*]:+ ${extra[*]}}" "$6" "$t" "$(tail -1 "run-$1/ledger.csv" | cut -d, -f8)" \
      "$(accuracy "run-$1/model.ulm")" "$(ratio "$sklearn" "$t")" "$([ -s rss.txt ] && echo $(($(cat rss.txt) / 1024)) || echo -)"
  }
  echo "| softmax 10x5 | (trained) | 0 | - | - | $(accuracy sm10.ulm) | - | - |"
  for k in $batches; do batch "b-exact-$k" exact sm10.ulm s10 "" "$k" "softmax 10x5"; done
  if [ "$approx_k" -gt 0 ]; then
    echo "| softmax 1 shard | (trained) | 0 | - | - | $(accuracy sm1.ulm) | - | - |"
    for m in puma newton; do
      for way in $curvature_updates; do
        batch "b-$m-$way" "$m" sm1.ulm s1 sm1.curv "$approx_k" "softmax 1 shard" $([ "$way" = auto ] || echo "--curvature-update $way")
      done
    done
    batch "b-exact1" exact sm1.ulm s1 "" "$approx_k" "softmax 1 shard"
  fi
  echo
  echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

if [ "$k" -gt 0 ]; then
  [ -s part-s10.csv ] || placement s10 > part-s10.csv
  [ -s part-a10.csv ] || placement a10 > part-a10.csv
  [ "$one_shard" = 0 ] || [ -s part-s1.csv ] || placement s1 > part-s1.csv
  python3 "$here/stream_batch.py" pick part-s10.csv "$k" 31 seq
  echo
  echo "### (d) one request of K = $k ids: worst case (one id in the first block of each shard of the 10x5 partition) beside random; median of $runs runs, each from the trained model and full store"
  echo
  echo "| model | method | ids | time s (median) | runs s | rows retrained (ledger) | rows retrained (partition) | test acc | ‖θ − θ_retrain‖ (‖θ_retrain‖) | load |"
  echo "|---|---|---|---:|---|---:|---:|---:|---:|---|"
  # rows retrained (partition): stream_batch.py's count from the placement of the ids; the ledger counts the
  # same rows once per epoch for softmax and mlp (row-epochs), and as they are for ARCANE's one-class kinds.
  kbatch() {  # kbatch NAME METHOD MODEL STORE CURV IDS PARTITION[:steps] LABEL [RETRAINED]
    local name=$1 times=() a b t d="-"
    for _ in $(seq "$runs"); do
      fresh "$name" "$3" "$4" "$5"
      { echo id; cat "seq.$6"; } > "run-$name/req.csv"
      a=$(now)
      "$bin/ul-forget" -q --method "$2" -m "run-$name/model.ulm" --data "run-$name/store" -r "run-$name/req.csv" \
        -o "run-$name/model.ulm" --ledger "run-$name/ledger.csv"
      b=$(now)
      times+=("$(elapsed "$a" "$b")")
    done
    t=$(printf '%s\n' "${times[@]}" | median)
    cp "run-$name/model.ulm" "k-$name.ulm"
    [ -z "${9:-}" ] || d=$(python3 "$here/stream_batch.py" dist "k-$name.ulm" "$9" | awk '{ printf "%.4g (%.4g)", $1, $2 }')
    local rows="-"  # puma and newton retrain nothing
    [ "$2" != exact ] || { d="0 (exact)"; rows=$(python3 "$here/stream_batch.py" cost "${7%:steps}" "seq.$6" "$([ "${7%:steps}" = "$7" ] && echo rows || echo steps)"); }
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$8" "$2" "$6" "$t" "$(printf '%s ' "${times[@]}")" \
      "$(tail -1 "run-$name/ledger.csv" | cut -d, -f8)" \
      "$rows" "$(accuracy "run-$name/model.ulm")" "$d" "$(load)"
  }
  for ids in worst random; do
    kbatch "k-sm10-$ids" exact sm10.ulm s10 "" "$ids" part-s10.csv "softmax 10x5"
    kbatch "k-mlp10-$ids" exact mlp10.ulm s10 "" "$ids" part-s10.csv "mlp 10x5"
    kbatch "k-arcane-$ids" exact "arcane-$arcane_kind.ulm" a10 "" "$ids" part-a10.csv:steps "ARCANE $arcane_kind, class shards x 5"
  done
  if [ "$one_shard" != 0 ]; then
    for ids in worst random; do
      kbatch "k-sm1-exact-$ids" exact sm1.ulm s1 "" "$ids" part-s1.csv "softmax 1 shard"
      echo "| softmax 1 shard | none (model before) | $ids | - | - | - | - | $(accuracy sm1.ulm) | $(python3 "$here/stream_batch.py" dist sm1.ulm "k-k-sm1-exact-$ids.ulm" | awk '{ printf "%.4g (%.4g)", $1, $2 }') | $(load) |"
      for m in puma newton; do
        kbatch "k-sm1-$m-$ids" "$m" sm1.ulm s1 sm1.curv "$ids" part-s1.csv "softmax 1 shard" "k-k-sm1-exact-$ids.ulm"
      done
    done
  fi
  echo
  echo "worst-case ids: $(tr '\n' ' ' < seq.worst); random ids: $(tr '\n' ' ' < seq.random)"
  echo "load at the end of (d): $(load)"
fi

if [ "$figure" = 1 ]; then
  # One unit for every curve: the rows of the rerun blocks (SISA's count, the ledger's row-epochs over the
  # epochs); the last curve counts ARCANE as its ledger does, each rerun step refitting blocks 0..r.
  # A deletion probability per row, known in advance: one row in ten (p_delete 0.05) is fifty times as likely
  # to be requested as the others (0.001; seeded). Requests of the skewed curves are drawn in proportion to it.
  [ -s train-p.csv ] || python3 -c "
import random, sys
random.seed(5)
with open('train.csv') as f, open('train-p.csv', 'w') as o:
    head = f.readline().rstrip('\n').split(',', 1)
    o.write(head[0] + ',p_delete,' + head[1] + '\n')
    for line in f:
        i, rest = line.split(',', 1)
        o.write(i + ',' + ('0.05' if random.random() < 0.1 else '0.001') + ',' + rest)"
  prob() { awk -F, '{ print $1 "," $2 "," $(NF - 1) "," $NF }'; }
  [ -s part-rand-p.csv ] || "$bin/ul-partition" --shards 10 --blocks 5 --seed 1 train-p.csv | prob > part-rand-p.csv
  [ -s part-sorted-p.csv ] || "$bin/ul-partition" --shards 10 --blocks 5 --seed 1 --sort-by p_delete train-p.csv | prob > part-sorted-p.csv
  [ -s part-class-sorted-p.csv ] || "$bin/ul-partition" --by class --blocks 5 --seed 1 --sort-by p_delete train-p.csv | prob > part-class-sorted-p.csv
  python3 "$here/stream_batch.py" figure stream-figure "$figure_max" "$figure_seeds" \
    "SISA random shards / uniform requests=part-s10.csv" "ARCANE / uniform requests=part-a10.csv" \
    "SISA random shards / skewed requests=part-rand-p.csv@p" "SISA sorted / skewed requests=part-sorted-p.csv@p" \
    "ARCANE sorted / skewed requests=part-class-sorted-p.csv@p" \
    "ARCANE / uniform / refit rows (ledger)=part-a10.csv:steps"
  echo
  echo "### (e) rows retrained by one request of K ids (mean of $figure_seeds draws; $work/stream-figure.csv and .svg)"
  echo
  awk -F, 'NR == 1 { gsub(/"/, ""); printf "| K |"; for (i = 2; i <= NF; i++) printf " %s |", $i; printf "\n|---:|"; for (i = 2; i <= NF; i++) printf "---:|"; print ""; next }
    { printf "| %s |", $1; for (i = 2; i <= NF; i++) printf " %.0f |", $i; print "" }' stream-figure.csv
fi
