#!/usr/bin/env bash
# ul-partition --by random at scale: a synthetic CSV of N rows (default 2,000,000; id, label and
# 8 numeric features), partitioned into 16 shards x 4 blocks. Reports throughput and peak RSS
# (/usr/bin/time -v, median of 3 runs) beside the input size: streaming keeps memory flat.
#
#   examples/bench/partition_scale.sh [WORKDIR] [N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-/tmp/ul-bench}
n=${2:-2000000}
mkdir -p "$work"
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
(cd "$root" && swift build -c release --product ul-partition >/dev/null)
ul="$root/.build/release/ul-partition"
in="$work/synthetic-$n.csv"
if [ ! -s "$in" ]; then
  awk -v n="$n" 'BEGIN { srand(1); print "id,label,f0,f1,f2,f3,f4,f5,f6,f7"
    for (i = 0; i < n; i++) { printf "u%08d,%d", i, i % 10
      for (j = 0; j < 8; j++) printf ",%.4f", rand() * 10 - 5
      printf "\n" } }' > "$in.tmp" && mv "$in.tmp" "$in"
fi
size=$(stat -c %s "$in")
printf '%-42s%12s%10s%10s%14s\n' command rows 'input MB' 'MB/s' 'peak RSS MiB'
for args in "--by random --shards 16 --blocks 4" "--by stratified --shards 16 --blocks 4" "--check"; do
  results=()
  for run in 1 2 3; do
    out="$work/out.csv"; [ "$args" = "--check" ] && out=""
    /usr/bin/time -v -o "$work/time.txt" "$ul" $args ${out:+-o "$out"} "$in"
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$work/time.txt")
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")
    results+=("$secs $rss")
  done
  read -r secs rss < <(printf '%s\n' "${results[@]}" | sort -n | sed -n 2p)
  awk -v a="$args" -v n="$n" -v b="$size" -v s="$secs" -v r="$rss" \
    'BEGIN { printf "%-42s%12d%10.1f%10.1f%14.1f\n", a, n, b / 1e6, b / 1e6 / s, r / 1024 }'
done
rm -f "$work/out.csv" "$work/time.txt"
