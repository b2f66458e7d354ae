#!/bin/sh
# kill -9 at random moments (seeded) of `ul-train -o model.ulm` over an existing model and of an
# in-place `ul-forget --ledger`, N times (default 100). After every kill it checks the promise
# (see Tests/ULRobustnessTests/CrashTests.swift): the model is byte for byte the old or the new one
# (so it decodes and its checksums hold); the ledger keeps its earlier lines and gains at most one;
# its last model_after is the model's SHA-256, or in the window between the model's rename and the
# ledger's the old model's, a gap that rerunning the request closes. Prints the outcomes.
#   examples/bench/crash_loop.sh [N] [SEED]
set -eu
cd "$(dirname "$0")/../.."
n=${1:-100}; seed=${2:-1}
swift build --product ul-train >/dev/null && swift build --product ul-forget >/dev/null
bin=$(swift build --show-bin-path)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
awk -F, 'NR==1{printf "id,label,shard,block"; for(i=3;i<=NF;i++) printf ",%s",$i; print ""; next}
         {sub(/\r$/,""); i=NR-2; printf "%s,%s,%d,%d",$1,$2,i%2,int(i/2)%2; for(j=3;j<=NF;j++) printf ",%s",$j; print ""}' \
    "$OLDPWD/examples/data/digits.csv" > data.csv
train="--model softmax --scale 0.0625 --shards 2 --blocks 2"
"$bin/ul-train" $train -e 3 data.csv -o train-old.ulm
"$bin/ul-train" $train -e 6 data.csv -o train-new.ulm
cp train-new.ulm model.ulm
printf 'id\nd00000\nd00005\n' > first.csv
printf 'id\nd00010\nd00011\nd00012\n' > second.csv
"$bin/ul-forget" -m model.ulm -d data.csv -r first.csv -o model.ulm --remaining rest.csv --ledger ledger.csv
cp model.ulm forget-old.ulm; cp ledger.csv ledger-old.csv
forget="-m model.ulm -d rest.csv -r second.csv -o model.ulm --remaining rest2.csv --ledger ledger.csv"
t0=$(date +%s.%N); "$bin/ul-forget" $forget; t1=$(date +%s.%N)
cp model.ulm forget-new.ulm
ft=$(echo "$t1 - $t0" | bc); t0=$(date +%s.%N); "$bin/ul-train" $train -e 6 data.csv -o x.ulm; tt=$(echo "$(date +%s.%N) - $t0" | bc)
sha() { sha256sum "$1" | cut -d' ' -f1; }
last_after() { tail -n 1 ledger.csv | awk -F, '{print $6}'; }
echo "ul-forget run $ft s, ul-train run $tt s; $n kills, seed $seed"
fail=0; old=0; new=0; window=0; after_exit=0
i=0
while [ $i -lt $n ]; do
    delay=$(awk -v s=$((seed * 100003 + i)) -v f="$ft" -v t="$tt" -v k=$((i % 2)) 'BEGIN{srand(s); print rand() * 1.3 * (k ? f : t)}')
    if [ $((i % 2)) -eq 0 ]; then
        cp train-old.ulm model.ulm
        "$bin/ul-train" $train -e 6 data.csv -o model.ulm 2>/dev/null & pid=$!
        sleep "$delay"; kill -9 $pid 2>/dev/null || after_exit=$((after_exit + 1)); wait $pid 2>/dev/null || true
        if cmp -s model.ulm train-old.ulm; then old=$((old + 1)); elif cmp -s model.ulm train-new.ulm; then new=$((new + 1))
        else echo "train kill $i ($delay s): model is neither old nor new"; fail=$((fail + 1)); fi
    else
        cp forget-old.ulm model.ulm; cp ledger-old.csv ledger.csv; rm -f rest2.csv
        "$bin/ul-forget" $forget 2>/dev/null & pid=$!
        sleep "$delay"; kill -9 $pid 2>/dev/null || after_exit=$((after_exit + 1)); wait $pid 2>/dev/null || true
        lines=$(wc -l < ledger.csv)
        if ! head -c "$(wc -c < ledger-old.csv)" ledger.csv | cmp -s - ledger-old.csv || [ "$lines" -lt 2 ] || [ "$lines" -gt 3 ]; then
            echo "forget kill $i ($delay s): ledger damaged"; fail=$((fail + 1))
        elif cmp -s model.ulm forget-old.ulm && [ "$lines" -eq 2 ]; then old=$((old + 1))
        elif cmp -s model.ulm forget-new.ulm && [ "$lines" -eq 3 ] && [ "$(last_after)" = "$(sha model.ulm)" ]; then new=$((new + 1))
        elif cmp -s model.ulm forget-new.ulm && [ "$lines" -eq 2 ] && [ "$(last_after)" = "$(sha forget-old.ulm)" ]; then
            window=$((window + 1))
            "$bin/ul-forget" $forget 2>/dev/null && [ "$(last_after)" = "$(sha model.ulm)" ] \
                || { echo "forget kill $i: the rerun did not close the gap"; fail=$((fail + 1)); }
        else echo "forget kill $i ($delay s): model and ledger inconsistent"; fail=$((fail + 1)); fi
    fi
    i=$((i + 1))
done
leftover=$(ls -a | grep -c "^\..*\.tmp$" || true)
printf '%-28s %s\n' "kills" "$n" "old state kept" "$old" "new state complete" "$new" \
    "model new, ledger behind" "$window (closed by rerun)" "process had exited" "$after_exit" \
    "stale .NAME.PID.tmp files" "$leftover" "failures" "$fail"
[ $fail -eq 0 ]
