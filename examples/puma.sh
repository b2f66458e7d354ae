#!/bin/sh
# Influence and approximate forgetting on digits: find suspicious rows, forget some rows with PUMA and
# with the Newton step, and compare with an exact retrain.
#
#     examples/puma.sh [WORKDIR]      (the tools on PATH, or built in .build/debug)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-$(mktemp -d)}
PATH=${UL_BIN:+$UL_BIN:}$ROOT/.build/release:$ROOT/.build/debug:$PATH   # UL_BIN=DIR: these tools first
mkdir -p "$W"
cd "$W"

# Hold out every fifth row for validation; train a softmax model on the rest.
awk -F, 'NR == 1 || (NR - 2) % 5 != 0' "$ROOT/examples/data/digits.csv" > train.csv
awk -F, 'NR == 1 || (NR - 2) % 5 == 0' "$ROOT/examples/data/digits.csv" > valid.csv
rm -f ledger-*.csv model.ulm.curv
ul-train --standardize --l2 1 --epochs 300 train.csv -o model.ulm

# Influence of every row; the factor of the Hessian is stored in model.ulm.curv and reused below.
ul-influence --model model.ulm --data train.csv --valid valid.csv --sort self_influence -o influence.csv
echo "most self-influential rows (likely mislabelled or atypical):"
head -6 influence.csv

# Forget the ten rows that hurt the validation loss most (largest influence_criterion).
{ echo id; sort -t, -k3 -g -r influence.csv | grep -v '^id,' | head -10 | cut -d, -f1; } > requests.csv

# Three alternatives applied to the same model, so each keeps its own ledger (one ledger is one chain of models).
ul-forget --model model.ulm --data train.csv --requests requests.csv --method puma --valid valid.csv \
    --weights weights.csv --ledger ledger-puma.csv -o puma.ulm --remaining remaining.csv
ul-forget --model model.ulm --data train.csv --requests requests.csv --method newton \
    --ledger ledger-newton.csv -o newton.ulm --remaining remaining.csv
ul-forget --model model.ulm --data train.csv --requests requests.csv --method retrain \
    --ledger ledger-retrain.csv -o retrain.ulm --remaining remaining.csv

echo "PUMA weights: min and max over the remaining rows:"
awk -F, 'NR > 1 && $2 > 0 { if (min == "" || $2 < min) min = $2; if ($2 > max) max = $2 } END { print min, max }' weights.csv

for m in model puma newton retrain; do
    ul-predict --model $m.ulm valid.csv | awk -F, '{ print $2 "," $NF }' > $m.pred
done
for m in model puma newton retrain; do
    paste -d, $m.pred retrain.pred | awk -F, -v m=$m 'NR > 1 { n++; ok += ($1 == $2); agree += ($2 == $4) }
        END { printf "%s: validation accuracy %.4f, agreement with retrain %.4f\n", m, ok / n, agree / n }'
done
echo "ledgers:"
head -1 ledger-puma.csv
for m in puma newton retrain; do tail -n +2 ledger-$m.csv; done
echo "(work files in $W)"
