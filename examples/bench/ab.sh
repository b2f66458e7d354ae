#!/usr/bin/env bash
# Paired A/B of two ul-forget builds on the models and stores that examples/bench/stream.sh sets up: the
# measure of one change on a shared, noisy machine, where single runs move by more than a step's gain.
#
#   examples/bench/ab.sh OLD NEW [WORKDIR]      (WORKDIR: stream.sh's, default ${TMPDIR:-/tmp}/ul-stream-bench)
#
# OLD and NEW are ul-forget binaries (copy each build's .build/release/ul-forget aside). Every round gives both
# the same request on fresh copies of the model, its store (and curvature), and the order alternates from
# round to round: with a fixed order the second binary pays for the first's writeback (a rewritten 188 MB store).
# * ROUNDS (default 12) exact single-row requests of random ids on softmax 10 x 5 (sm10.ulm, s10);
# * APPROX_ROUNDS (default 5; 0 skips) PUMA and Newton --curvature-update drop requests of APPROX_K (default 600)
#   random ids on the one-shard softmax (sm1.ulm, s1, sm1.curv: stream.sh with ONE_SHARD=1).
# Ids are drawn with SEED (default 1). Prints per method the medians of wall, user and system time of each
# binary, the paired median of NEW − OLD (wall) and in how many rounds NEW was faster; a line DIFFER for every
# round whose model or store bytes differ between the two (a change meant to keep the bits must show none).
set -euo pipefail
TIMEFORMAT='%3R %3U %3S'
[ $# -ge 2 ] || { echo "usage: examples/bench/ab.sh OLD NEW [WORKDIR]" >&2; exit 64; }
old=$(realpath "$1"); new=$(realpath "$2")
work=${3:-${TMPDIR:-/tmp}/ul-stream-bench}
rounds=${ROUNDS:-12}
approx_rounds=${APPROX_ROUNDS:-5}
approx_k=${APPROX_K:-600}
seed=${SEED:-1}
for b in "$old" "$new"; do [ -x "$b" ] || { echo "ab.sh: not an executable: $b" >&2; exit 66; }; done
cd "$work" 2> /dev/null || { echo "ab.sh: no directory $work: run examples/bench/stream.sh $work first" >&2; exit 66; }
for f in sm10.ulm s10 train.csv; do [ -e "$f" ] || { echo "ab.sh: no $work/$f: run examples/bench/stream.sh $work first" >&2; exit 66; }; done
scratch=$(mktemp -d ab.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# COUNT ids of train.csv drawn with SEED + SALT.
ids() { awk -F, -v n="$1" -v s="$((seed * 1000 + $2))" 'NR > 1 { id[NR - 1] = $1 } END { srand(s); for (i = 1; i <= n; i++) { j = 1 + int(rand() * (NR - 1)); print id[j] } }' train.csv; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# round METHOD MODEL STORE CURV REQUESTS ROUND [OPTIONS...]: both binaries on fresh copies, the order by round.
round() {
  local method=$1 model=$2 store=$3 curv=$4 req=$5 r=$6; shift 6
  local order="old new"; [ $((r % 2)) -eq 0 ] && order="new old"
  for v in $order; do
    local b=$old; [ "$v" = new ] && b=$new
    rm -rf "$scratch/$v"; mkdir "$scratch/$v"
    cp "$model" "$scratch/$v/model.ulm"; cp -r "$store" "$scratch/$v/store"
    [ -z "$curv" ] || cp "$curv" "$scratch/$v/model.ulm.curv"
    sync
    # Bash's own timer: milliseconds (/usr/bin/time's wall clock has hundredths).
    { time "$b" -q --method "$method" "$@" -m "$scratch/$v/model.ulm" --data "$scratch/$v/store" -r "$req" \
        -o "$scratch/$v/model.ulm" 2> "$scratch/stderr" || { cat "$scratch/stderr" >&2; exit 1; }; } 2>> "$scratch/$method.$v"
  done
  cmp -s "$scratch/old/model.ulm" "$scratch/new/model.ulm" || echo "DIFFER $method round $r: model bytes"
  diff -rq "$scratch/old/store" "$scratch/new/store" > /dev/null || echo "DIFFER $method round $r: store bytes"
}

report() {
  local m=$1 label=$2
  printf '| %s | %s / %s | %s / %s | %s / %s | %+.3f | %d of %d |\n' "$label" \
    "$(cut -d' ' -f1 "$scratch/$m.old" | median)" "$(cut -d' ' -f1 "$scratch/$m.new" | median)" \
    "$(cut -d' ' -f2 "$scratch/$m.old" | median)" "$(cut -d' ' -f2 "$scratch/$m.new" | median)" \
    "$(cut -d' ' -f3 "$scratch/$m.old" | median)" "$(cut -d' ' -f3 "$scratch/$m.new" | median)" \
    "$(paste -d' ' "$scratch/$m.old" "$scratch/$m.new" | awk '{ print $4 - $1 }' | median)" \
    "$(paste -d' ' "$scratch/$m.old" "$scratch/$m.new" | awk '$4 < $1' | wc -l)" "$(wc -l < "$scratch/$m.old")"
}

echo "OLD $old"
echo "NEW $new"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
r=0
for id in $(ids "$rounds" 1); do
  r=$((r + 1))
  printf 'id\n%s\n' "$id" > "$scratch/req-exact.csv"
  round exact sm10.ulm s10 "" "$scratch/req-exact.csv" "$r"
done
approx=0
if [ "$approx_rounds" -gt 0 ] && [ -e sm1.ulm ] && [ -e s1 ] && [ -e sm1.curv ]; then
  approx=1
  { echo id; ids "$approx_k" 2 | sort -u; } > "$scratch/req-approx.csv"
  for m in puma newton; do
    for r in $(seq "$approx_rounds"); do round "$m" sm1.ulm s1 sm1.curv "$scratch/req-approx.csv" "$r" --curvature-update drop; done
  done
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| request | wall s OLD / NEW | user s OLD / NEW | system s OLD / NEW | paired NEW − OLD wall s | NEW faster |"
echo "|---|---:|---:|---:|---:|---:|"
report exact "exact, one row, softmax 10 x 5 (medians of $rounds)"
if [ "$approx" = 1 ]; then
  report puma "puma drop, $approx_k ids, one shard (medians of $approx_rounds)"
  report newton "newton drop, $approx_k ids, one shard (medians of $approx_rounds)"
fi
