#!/bin/sh
# Golden outputs: runs every tool over every model kind on the shipped digits set (partition, select, train,
# predict, forget exact/ARCANE/retrain/PUMA/Newton, influence, audit) and prints the SHA-256 of every model
# and output. A change that must not change results (a refactoring) leaves this output identical: run it on
# the build before and after and compare.
#   examples/bench/golden.sh DIR        (UL_BIN=DIR: the tools to run; default .build/release, then debug)
# Long option names only, so that the same script runs on every version of the tools.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:?usage: golden.sh DIR}
PATH="${UL_BIN:+$UL_BIN:}$root/.build/release:$root/.build/debug:$PATH"
mkdir -p "$work"
cd "$work"
rm -rf ./*
awk -F, 'NR == 1 || $1 !~ /[05]$/' "$root/examples/data/digits.csv" > train.csv
awk -F, 'NR == 1 || $1 ~ /[05]$/' "$root/examples/data/digits.csv" > test.csv
printf 'id\nd00001\nd00002\nd00103\nd00999\n' > requests.csv
# Ledgers carry the time and a salted request digest: hash them without those two columns.
hash() { for f in "$@"; do case $f in ledger*) cut -d, -f3- "$f" | sha256sum | sed "s|-|$f|";; *) sha256sum "$f";; esac; done; }

# SISA: softmax and mlp over random shards.
ul-partition --by random --shards 3 --blocks 3 --seed 1 train.csv -o parted.csv
ul-partition --by stratified --shards 2 --blocks 2 --seed 2 train.csv -o strat.csv
ul-train --model softmax --scale 0.0625 --epochs 40 --quiet parted.csv -o softmax.ulm
ul-train --model softmax --standardize --epochs 30 --quiet strat.csv -o softmax-std.ulm
ul-train --model mlp --hidden 16 --epochs 3 --scale 0.0625 --quiet parted.csv -o mlp.ulm
for m in softmax mlp softmax-std; do ul-predict --model $m.ulm --proba test.csv -o pred-$m.csv; done
for m in softmax mlp; do
    ul-forget --model $m.ulm --data parted.csv --requests requests.csv --method exact --ledger ledger-$m.csv \
        -o $m-exact.ulm --remaining rem-$m.csv --quiet
    ul-forget --model $m.ulm --data parted.csv --requests requests.csv --method retrain -o $m-retrain.ulm --remaining rem2-$m.csv --quiet
done
ul-forget --model softmax-std.ulm --data strat.csv --requests requests.csv -o softmax-std-exact.ulm --remaining rem-std.csv --quiet

# Approximate: one-shard softmax, influence, PUMA, Newton.
ul-train --model softmax --standardize --epochs 100 --quiet train.csv -o one.ulm
ul-influence --model one.ulm --data train.csv --valid test.csv -o influence.csv --quiet
ul-forget --model one.ulm --data train.csv --requests requests.csv --method puma --valid test.csv --weights weights.csv \
    --ledger ledger-puma.csv -o puma.ulm --remaining rem-puma.csv --quiet
ul-forget --model one.ulm --data train.csv --requests requests.csv --method newton --ledger ledger-newton.csv \
    -o newton.ulm --remaining rem-newton.csv --quiet
ul-forget --model puma.ulm --data rem-puma.csv --requests requests.csv --method exact -o puma-exact.ulm --remaining rem-puma2.csv --quiet --ignore-unknown
ul-train --model mlp --hidden 8 --epochs 5 --scale 0.0625 --quiet train.csv -o one-mlp.ulm
ul-influence --model one-mlp.ulm --data train.csv --damping 10000 -o influence-mlp.csv --quiet
ul-forget --model one-mlp.ulm --data train.csv --requests requests.csv --method puma --damping 10000 -o puma-mlp.ulm --remaining rem-puma-mlp.csv --quiet

# ARCANE: class shards, selection, every one-class kind.
ul-partition --by class --blocks 3 train.csv -o classes.csv
ul-select --fraction 0.5 --scale 0.0625 --quiet classes.csv -o selected.csv
ul-select --method random --fraction 0.5 --seed 3 --quiet classes.csv -o selected-random.csv
spec=$(ul-select --spec --fraction 0.5 --scale 0.0625)
for k in ppca mppca knn autoencoder; do
    case $k in mppca) extra="--epochs 3 --mixtures 2 --components 4";; autoencoder) extra="--epochs 2 --hidden 8";; *) extra="";; esac
    ul-train --model $k --scale 0.0625 $extra --selection "$spec" --quiet selected.csv -o $k.ulm
    ul-predict --model $k.ulm test.csv -o pred-$k.csv
    ul-forget --model $k.ulm --data selected.csv --requests requests.csv --ledger ledger-$k.csv -o $k-exact.ulm --remaining rem-$k.csv --quiet
done
ul-train --model ppca --scale 0.0625 --quiet classes.csv -o ppca-all.ulm
ul-forget --model ppca-all.ulm --data classes.csv --requests requests.csv -o ppca-all-exact.ulm --remaining rem-ppca-all.csv --quiet

# Audit: the exact model against its retrained reference, with shadows.
ul-audit --model softmax-exact.ulm --reference softmax-retrain.ulm --data rem-softmax.csv --forget requests.csv --rows train.csv \
    --test test.csv --shadow 4 --seed 1 --report audit.csv --quiet

ls *.ulm *.csv | grep -v '^\(train\|test\|requests\)\.csv$' | sort | while read -r f; do hash "$f"; done
