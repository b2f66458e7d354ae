#!/bin/sh
# How often deleting one row that was not selected changes a greedy step of ul-select (and so makes ul-forget
# re-select the class and retrain it): one Fashion-MNIST class, select, then for each of R random unselected rows
# delete it alone, select again on the remaining rows and print the first step whose row changed ("-" if none).
# Only coverage and herding can change (their objectives sum over every row); entropy and spread never do
# (property 1, checked by the exactness matrix), so they serve as the control.
#
#   examples/bench/selection_stability.sh [WORKDIR]
#   METHODS="herding coverage spread"  FRACTIONS="0.5 0.25"  CLASSES="0 5"  ROWS=6000 (rows of each class)  R=8
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
METHODS=${METHODS:-herding coverage spread}
FRACTIONS=${FRACTIONS:-0.5 0.25}
CLASSES=${CLASSES:-0 5}
ROWS=${ROWS:-6000}
R=${R:-8}
(cd "$here" && swift build -c release >/dev/null)
PATH="$here/.build/release:$PATH"
scale=0.00392156862745098
cd "$work"
[ -f full-train.csv ] || {
    python3 "$here/examples/bench/fashion_mnist_csv.py" . >/dev/null
    mv train.csv full-train.csv
    mv test.csv full-test.csv
}
echo "| method | fraction | class | rows | first changed step per unselected deletion | no step changed | same rows chosen |"
echo "|---|---|---|---|---|---|---|"
for c in $CLASSES; do
    awk -F, -v c="$c" -v n="$ROWS" 'NR == 1 || ($2 == c && k++ < n)' full-train.csv > class.csv
    for m in $METHODS; do
        for f in $FRACTIONS; do
            ul-select -q --method "$m" --fraction "$f" --scale $scale class.csv -o base.csv
            firsts=$(python3 - "$R" "$c" <<'PY'
import csv, random, sys
rows = list(csv.reader(open("base.csv"))); h = rows[0]
s = h.index("selected")
unselected = [r[0] for r in rows[1:] if r[s] == "0"]
print(" ".join(random.Random(int(sys.argv[2])).sample(unselected, int(sys.argv[1]))))
PY
)
            out="" same=0 free=0
            for id in $firsts; do
                awk -F, -v id="$id" '$1 != id' class.csv > rest.csv
                ul-select -q --method "$m" --fraction "$f" --scale $scale rest.csv -o again.csv
                r=$(python3 - "$id" <<'PY'
import csv, sys
def order(p):
    rows = list(csv.reader(open(p))); h = rows[0]; s = h.index("select_step")
    return [x[0] for x in sorted((r for r in rows[1:] if r[s] != "0"), key=lambda r: int(r[s]))]
a, b = order("base.csv"), order("again.csv")
first = next((t + 1 for t in range(min(len(a), len(b))) if a[t] != b[t]), None)
if first is None and len(a) != len(b): first = min(len(a), len(b)) + 1
print(first or "-", int(set(a) == set(b)))
PY
)
                out="$out ${r% *}"
                [ "${r% *}" = - ] && free=$((free + 1))
                same=$((same + ${r#* }))
            done
            echo "| $m | $f | $c | $(($(wc -l < class.csv) - 1)) |$out | $free of $R | $same of $R |"
        done
    done
done
