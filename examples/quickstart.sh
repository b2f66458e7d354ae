#!/usr/bin/env bash
# Quick start: partition the digits set (examples/data/digits.csv, 1797 rows, 10 classes) into
# 5 shards of 3 blocks, once per method, and show how the rows spread.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
swift build --product ul-partition >/dev/null
PATH="$root/.build/debug:$PATH"
data=examples/data/digits.csv
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== ul-partition --by random --shards 5 --blocks 3 --seed 1  (first rows, last columns)"
ul-partition --by random --shards 5 --blocks 3 --seed 1 "$data" -o "$out/random.csv"
cut -d, -f1,2,67,68 "$out/random.csv" | sed -n 1,4p
echo "== rows per shard (random):"
awk -F, 'NR > 1 { n[$67]++ } END { for (k in n) printf "  shard %s: %d rows\n", k, n[k] }' "$out/random.csv" | sort

echo "== ul-partition --by class --blocks 3 --split DIR  (one file per label)"
ul-partition --by class --blocks 3 --split "$out/shards" "$data"
for f in "$out"/shards/shard-*.csv; do printf '  %s: %d rows\n' "$(basename "$f")" $(( $(wc -l < "$f") - 1 )); done

echo "== deleting 100 rows moves no other row:"
grep -v '^d001[0-9][0-9],' "$data" | ul-partition --by random --shards 5 --blocks 3 --seed 1 > "$out/after.csv"
grep -v '^d001[0-9][0-9],' "$out/random.csv" | cmp - "$out/after.csv" && echo "  identical assignments for the $(( $(wc -l < "$out/after.csv") - 1 )) remaining rows"
