#!/bin/sh
# Fuzzes the CSV reader and the model decoder for SECONDS each (default 30): seeded mutations of
# valid inputs (Tests/ULRobustnessTests/FuzzTests.swift). Prints inputs tried and failures; an input
# that crashes the process is copied to Tests/ULRobustnessTests/fuzz-regressions/ to become a test.
#   examples/bench/fuzz.sh [SECONDS] [SEED]
set -u
cd "$(dirname "$0")/../.."
seconds=${1:-30}
seed=${2:-$(date +%s)}
last=$(mktemp -d)/input
echo "fuzz: $seconds s per target, seed $seed"
status=0
for pair in testMutatedCSVGivesRecordsOrToolErrors:csv testMutatedModelsDecodeOrGiveModelFileErrors:model; do
    test=${pair%%:*}; kind=${pair##*:}
    log=$(UL_FUZZ_SECONDS=$seconds UL_FUZZ_SEED=$seed UL_FUZZ_LAST=$last swift test --filter "FuzzTests/$test" 2>&1)
    echo "$log" | grep '^fuzz ' || { echo "fuzz $kind: no summary (crash?)"; status=1; }
    echo "$log" | grep -E 'error:|runtime failure' | head -5
    if [ -f "$last.$kind" ]; then
        keep=Tests/ULRobustnessTests/fuzz-regressions/$kind-seed$seed-$(cksum < "$last.$kind" | cut -d' ' -f1)
        cp "$last.$kind" "$keep"
        echo "fuzz $kind: crashing input saved as $keep"
        status=1
    fi
done
rm -rf "$(dirname "$last")"
exit $status
