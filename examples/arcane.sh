#!/bin/sh
# ARCANE on digits: one shard per class with sorted blocks, representative selection per class, one-class
# sub-models, then forgetting: an unselected row costs nothing; a selected row re-selects and retrains one class.
# Usage: examples/arcane.sh [MODEL_KIND]   (ppca by default; mppca or knn)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
PATH="${UL_BIN:+$UL_BIN:}$here/../.build/release:$here/../.build/debug:$PATH"   # UL_BIN=DIR: these tools first
kind=${1:-ppca}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# A deletion probability per row (here: a hash of the id, skewed), so likely deletions go to the last blocks.
python3 - "$here/data/digits.csv" > digits.csv <<'PY'
import csv, sys, zlib
r = csv.reader(open(sys.argv[1])); w = csv.writer(sys.stdout)
h = next(r); w.writerow(h + ["p_delete"])
for row in r:
    u = zlib.crc32(row[0].encode()) / 2**32
    w.writerow(row + ["%.4f" % (u ** 4)])
PY
# Train/test split by id.
awk -F, 'NR == 1 || NR % 5 != 0' digits.csv > train.csv
awk -F, 'NR == 1 || NR % 5 == 0' digits.csv > test.csv

ul-partition --by class --blocks 5 --sort-by p_delete --exclude p_delete train.csv -o part.csv
# A fixed count per class (--per-shard): forgetting an unselected row never changes it, so such a row is free.
# With --fraction F the count is round(F × N) of the remaining rows, and a forget that changes it re-selects.
spec_opts="--per-shard 72 --cells 8 --scale 0.0625"
ul-select $spec_opts --exclude p_delete part.csv -o selected.csv
SPEC=$(ul-select --spec $spec_opts)
ul-train --model "$kind" --scale 0.0625 --exclude p_delete --selection "$SPEC" selected.csv -o model.ulm
ul-predict -m model.ulm test.csv |
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "label") l = i; if ($i == "predicted") p = i }; next }
             { n++; ok += ($l == $p) } END { printf "test accuracy: %.4f (%d rows)\n", ok / n, n }'

# Forget one row that was not selected: nothing retrained, the model bytes stay the same.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "selected") s = i; next } $s == 0 { print "id"; print $1; exit }' selected.csv > unselected.csv
ul-forget --model model.ulm --data selected.csv --requests unselected.csv --ledger ledger.csv -o model2.ulm --remaining remaining2.csv
cmp model.ulm model2.ulm && echo "unselected row: model unchanged"

# Forget a selected row: its class re-selects from the step it was chosen at and retrains from the checkpoint
# before the first changed block; the other classes keep their bytes.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "select_step") s = i; next } $s == 3 { print "id"; print $1; exit }' remaining2.csv > selected-row.csv
ul-forget --model model2.ulm --data remaining2.csv --requests selected-row.csv --ledger ledger.csv -o model3.ulm --remaining remaining3.csv

# The same as running the same commands from scratch on the remaining rows.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i != "selected" && $i != "select_step") k[i] = 1 }
         { line = ""; for (i = 1; i <= NF; i++) if (i in k) line = line (line == "" ? "" : ",") $i; print line }' remaining3.csv > rest.csv
ul-select $spec_opts --exclude p_delete rest.csv -o reselected.csv
ul-train --model "$kind" --scale 0.0625 --exclude p_delete --selection "$SPEC" reselected.csv -o scratch.ulm
cmp model3.ulm scratch.ulm && echo "selected row: bit-identical to select → train from scratch"
cmp remaining3.csv reselected.csv && echo "remaining rows: same selection columns as a fresh ul-select"
cut -d, -f3,4,6-8,10 ledger.csv
