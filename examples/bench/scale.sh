#!/usr/bin/env bash
# The whole pipeline at scale: a synthetic CSV of N rows (default 5,000,000) and F features (default
# 100; integers 0..255, 10 classes), then ul-partition --by random into 50 shards x 5 blocks (one
# stream, and --split DIR with one file per shard), ul-train softmax (the whole file at once, and one
# job per shard file merged), and ul-forget of 10 rows against the split directory. Prints wall time,
# throughput and peak RSS (/usr/bin/time -v) of every stage: training memory follows the largest
# shards (--jobs of them at once), not the file, whether from one file or from --split files.
#
#   examples/bench/scale.sh [N] [F] [WORKDIR] [EPOCHS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
n=${1:-5000000}; f=${2:-100}; work=${3:-/tmp/ul-scale}; epochs=${4:-10}
shards=50; blocks=5
mkdir -p "$work"
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
(cd "$root" && for t in ul-partition ul-train ul-forget; do swift build -c release --product $t >/dev/null; done)
bin="$root/.build/release"
awk=$(command -v mawk || command -v awk)
in="$work/synthetic-$n-$f.csv"
echo "df -h $work: $(df -h --output=avail "$work" | tail -1) available; $(nproc) cores"
printf '%-46s %9s %9s %9s %12s\n' stage 'wall s' 'rows/s' 'MB/s' 'peak RSS MiB'
row() {  # label seconds rss-kib bytes
  $awk -v l="$1" -v s="$2" -v r="$3" -v b="$4" -v n="$n" \
    'BEGIN { if (b > 0) printf "%-46s %9.1f %9.0f %9.1f %12.1f\n", l, s, n / s, b / 1e6 / s, r / 1024
             else printf "%-46s %9.1f %9s %9s %12.1f\n", l, s, "-", "-", r / 1024 }'
}
timed() {  # label bytes command...: one run, time and peak RSS
  local label=$1 bytes=$2; shift 2
  /usr/bin/time -v -o "$work/time.txt" "$@"
  secs=$($awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$work/time.txt")
  rss=$($awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")
  row "$label" "$secs" "$rss" "$bytes"
}
if [ ! -s "$in" ]; then
  start=$(date +%s.%N)
  $awk -v n="$n" -v f="$f" 'BEGIN { srand(1); printf "id,label"; for (j = 0; j < f; j++) printf ",f%d", j; printf "\n"
    for (i = 0; i < n; i++) { c = i % 10; printf "r%d,%d", i, c
      for (j = 0; j < f; j++) printf ",%d", (j % 10 == c ? 128 : 0) + int(rand() * 128)
      printf "\n" } }' > "$in.tmp" && mv "$in.tmp" "$in"
  row "generate (awk)" "$(echo "$(date +%s.%N) - $start" | bc)" 0 "$(stat -c %s "$in")"
fi
size=$(stat -c %s "$in")
echo "input: $n rows, $f features, $((size / 1000000)) MB"
rm -rf "$work/split" "$work/parts"; mkdir -p "$work/parts"
timed "ul-partition --by random 50x5 -o FILE" "$size" "$bin/ul-partition" --by random --shards $shards --blocks $blocks "$in" -o "$work/parted.csv"
timed "ul-partition --by random 50x5 --split DIR" "$size" "$bin/ul-partition" --by random --shards $shards --blocks $blocks "$in" --split "$work/split"
classes=0,1,2,3,4,5,6,7,8,9
common=(-m softmax -e "$epochs" --scale 0.00390625 --shards $shards --blocks $blocks --classes $classes -q)
psize=$(stat -c %s "$work/parted.csv")
timed "ul-train softmax, whole file, all shards" "$psize" "$bin/ul-train" "${common[@]}" "$work/parted.csv" -o "$work/whole.ulm"
# One job per shard file (what a scheduler would run); the table shows the sum of times and the largest RSS.
total=0; peak=0
for ((k = 0; k < shards; k++)); do
  file=$(printf '%s/split/shard-%04d.csv' "$work" $k)
  /usr/bin/time -v -o "$work/time.txt" "$bin/ul-train" "${common[@]}" -j 1 --only-shards $k "$file" -o "$work/parts/$k.ulm"
  secs=$($awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$work/time.txt")
  rss=$($awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")
  total=$(echo "$total + $secs" | bc); [ "$rss" -gt "$peak" ] && peak=$rss
done
largest=$(ls -S "$work/split" | head -1)
row "ul-train, 50 jobs on split files (sum; max)" "$total" "$peak" "$psize"
echo "  largest shard file: $largest, $(( $(stat -c %s "$work/split/$largest") / 1000000 )) MB"
timed "ul-train --merge 50 parts" 0 "$bin/ul-train" --merge "$work"/parts/*.ulm -o "$work/merged.ulm"
cmp -s "$work/merged.ulm" "$work/whole.ulm" && echo "  merged parts == whole-file model (same bytes)" || echo "  merged parts differ from the whole-file model"
$awk -F, -v n="$n" 'NR > 1 && NR % int(n / 10) == 2 { print $1 }' "$in" | head -10 | { echo id; cat; } > "$work/requests.csv"
cp -r "$work/split" "$work/split-forget"
timed "ul-forget 10 rows (--data DIR, exact)" 0 "$bin/ul-forget" -q -m "$work/merged.ulm" -d "$work/split-forget" -r "$work/requests.csv" -o "$work/forgot.ulm" --ledger "$work/ledger.csv"
tail -1 "$work/ledger.csv" | cut -d, -f4,7,8 | sed 's/^/  ledger: method,shards,rows retrained = /'
rm -rf "$work/split-forget" "$work/time.txt"
