#!/usr/bin/env bash
# Quick start on the shipped digits set (examples/data/digits.csv: 1797 rows, 64 features, 10 classes):
# partition → train → predict → forget → predict → audit, then check that exact forgetting gave the
# same bytes as retraining from scratch without the forgotten rows.
#   examples/quickstart.sh [WORKDIR]        (UL_BIN=DIR: tools already built in DIR, no build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
# UL_BIN=DIR: use the tools already built there (the tests do) instead of a release build.
if [ -n "${UL_BIN:-}" ]; then
    PATH="$UL_BIN:$PATH"
else
    # swift build's progress goes to standard error, so a first build (about 2 minutes) is not silent.
    echo "== building the tools (swift build -c release; the first build takes about 2 minutes)" >&2
    swift build --package-path "$root" -c release >&2
    PATH="$root/.build/release:$PATH"
fi
cd "$work"
data=$root/examples/data/digits.csv

# Hold out every id ending in 0 or 5 as a test set; train on the rest.
awk -F, 'NR == 1 || $1 !~ /[05]$/' "$data" > train.csv
awk -F, 'NR == 1 || $1 ~ /[05]$/' "$data" > test.csv

echo "== ul-partition: 4 random shards × 3 blocks (a function of id and seed only)"
ul-partition --by random --shards 4 --blocks 3 --seed 1 train.csv -o parted.csv
echo "== ul-train: softmax per shard, a checkpoint after every block"
ul-train --model softmax --scale 0.0625 --epochs 60 -v parted.csv -o model.ulm
echo "== ul-predict on the held-out rows"
ul-predict --model model.ulm test.csv | awk -F, 'NR > 1 { n++; c += ($2 == $NF) } END { printf "test accuracy %.4f\n", c / n }'

echo "== ul-forget: three deletion requests, exact"
printf 'id\nd00001\nd00002\nd00103\n' > requests.csv
ul-forget --model model.ulm --data parted.csv --requests requests.csv --method exact \
    --ledger ledger.csv -o model2.ulm --remaining remaining.csv -v
ul-predict --model model2.ulm test.csv | awk -F, 'NR > 1 { n++; c += ($2 == $NF) } END { printf "test accuracy after forgetting %.4f\n", c / n }'

echo "== the promise: retraining from scratch without those rows gives the same bytes"
ul-train --model softmax --scale 0.0625 --epochs 60 remaining.csv -o retrained.ulm
cmp model2.ulm retrained.ulm && echo "model2.ulm and retrained.ulm are identical"

echo "== ul-audit: accuracy, membership inference, distance to the retrained model, lineage"
ul-audit --model model2.ulm --reference retrained.ulm --data remaining.csv --forget requests.csv --rows train.csv \
    --test test.csv --ledger ledger.csv --require-lineage --report audit.csv --plot roc.svg
# The headline metrics; the report also has 95 % intervals (_ci_low, _ci_high) and the reference's numbers.
awk -F, '$1 !~ /_ci_|^reference_/ { printf "  %-28s %s\n", $1, $2 }' audit.csv
echo "(NaN: not measurable here — the LiRA attack needs shadow models, --shadow K; a TPR at 0.1 % FPR needs"
echo " more than 1,000 test rows)"
echo "(full report: $work/audit.csv; ROC curves: $work/roc.svg; ledger: $work/ledger.csv)"
