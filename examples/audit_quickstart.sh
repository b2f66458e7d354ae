#!/bin/sh
# Quick start, last step: forget ten rows of examples/data/digits.csv exactly and audit the result.
#   examples/audit_quickstart.sh [WORKDIR]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-${TMPDIR:-/tmp}/ul-audit-quickstart}
swift build --package-path "$root" >/dev/null
export PATH="$root/.build/debug:$PATH"
mkdir -p "$work"
cd "$work"
data=$root/examples/data/digits.csv
# Training rows with a shard and a block each; 10 of them will be forgotten; 500 rows held out for testing.
awk -F, -v OFS=, '{ sub(/\r$/, "") } NR == 1 { print $0, "shard", "block"; next }
                  NR <= 1201 { print $0, NR % 2, NR % 3 }' "$data" > train.csv
{ head -1 "$data"; sed -n 1202,1701p "$data"; } > test.csv
sed -n 2,11p train.csv | cut -d, -f1 | { echo id; cat; } > requests.csv
opts="--model mlp --hidden 64 --epochs 40 --l2 0 --scale 0.0625"
ul-train $opts -o model.ulm train.csv
ul-forget -m model.ulm -d train.csv -r requests.csv --method exact --ledger ledger.csv -o model2.ulm --remaining remaining.csv
ul-train $opts -o retrained.ulm remaining.csv
# The forgotten rows are looked up by id in the training data (--rows).
ul-audit -m model2.ulm -r retrained.ulm -d remaining.csv -f requests.csv --rows train.csv -t test.csv --shadow 4 \
    --ledger ledger.csv --require-lineage --max-auc 0.9 --report audit.csv --plot roc.svg
cat audit.csv
echo "ROC plot: $work/roc.svg"
