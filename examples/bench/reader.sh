#!/bin/sh
# ul-forget's two readers of a data file: the memory map (a file with no quote character) against libcsv
# (the same rows with the ids quoted, which sends the file through the CSV parser). The request names an
# id no row has, with --ignore-unknown, so each run is the whole-file part of a forget request: read every
# row, check it against the model's record, write the remaining rows. Prints the median of REPS runs.
#   examples/bench/reader.sh DIR [ROWS] [FEATURES]      (REPS=5; UL_BIN=DIR: the tools to run)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:?usage: reader.sh DIR [ROWS] [FEATURES]}
rows=${2:-200000}
features=${3:-100}
reps=${REPS:-5}
PATH="${UL_BIN:+$UL_BIN:}$root/.build/release:$PATH"
mkdir -p "$work"
cd "$work"
python3 - "$rows" "$features" <<'PY'
import random, sys
n, d = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(1)
with open("plain.csv", "w") as plain:
    plain.write("id,label," + ",".join("f%d" % j for j in range(d)) + "\n")
    for i in range(n):
        values = ",".join("%.4f" % rng.random() for _ in range(d))
        plain.write("r%07d,%d,%s\n" % (i, rng.randrange(10), values))
PY
ul-partition --by random --shards 10 --blocks 2 --seed 1 plain.csv -o parted-plain.csv
# The same rows, the ids quoted: the same data to libcsv, a file the memory map leaves to libcsv.
sed 's/^\(r[0-9]*\),/"\1",/' parted-plain.csv > parted-quoted.csv
ul-train --model softmax --epochs 1 --quiet parted-plain.csv -o model.ulm
printf 'id\nno-such-row\n' > requests.csv
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
time_one() {
    s=$(date +%s.%N)
    ul-forget --model model.ulm --data "$1" --requests requests.csv --ignore-unknown --quiet -o out.ulm --remaining rest.csv
    e=$(date +%s.%N)
    echo "$s $e" | awk '{ printf "%.3f\n", $2 - $1 }'
}
printf '%-22s %10s %10s %8s\n' reader bytes 'median s' 'MB/s'
for kind in plain quoted; do
    size=$(wc -c < parted-$kind.csv)
    t=$(for i in $(seq "$reps"); do time_one parted-$kind.csv; done | median)
    name=$([ $kind = plain ] && echo "memory map" || echo "libcsv (quoted ids)")
    printf '%-22s %10d %10s %8.1f\n' "$name" "$size" "$t" "$(echo "$size $t" | awk '{ print $1 / $2 / 1e6 }')"
done
