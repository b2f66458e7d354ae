#!/bin/sh
# Fuzzes the CSV reader, the forget ledger reader, the model decoder and the curvature sidecar decoder for
# SECONDS per target (default 30): seeded mutations of valid inputs, blind and aimed at the declared counts
# (Tests/ULRobustnessTests/FuzzTests.swift, StructuredMutations.swift). Every input must be read or refused
# with a typed error within the CPU bound (UL_FUZZ_MAX_CPU seconds, default 0.5, plus 4 µs per input byte)
# and without raising the peak resident set by more than 16 MiB + 32 bytes per input byte (ResourceMeter).
# Prints per target the inputs tried, the failures, the largest CPU and wall time and the largest memory
# growth; an input that crashes the process is copied to Tests/ULRobustnessTests/fuzz-regressions/ to become
# a test.
#   examples/bench/fuzz.sh [SECONDS] [SEED]
set -u
cd "$(dirname "$0")/../.."
seconds=${1:-30}
seed=${2:-$(date +%s)}
tmp=$(mktemp -d)
last=$tmp/input
echo "fuzz: $seconds s per target, seed $seed, load $(cut -d' ' -f1-3 /proc/loadavg)"
swift build --build-tests > "$tmp/build.log" 2>&1 || { tail -20 "$tmp/build.log"; exit 1; }
status=0
for test in testMutatedCSVGivesRecordsOrToolErrors testMutatedLedgersGiveEntriesOrToolErrors \
            testMutatedModelsDecodeOrGiveModelFileErrors testCountMutatedModelsDecodeOrGiveModelFileErrors \
            testMutatedCurvatureDecodesOrGivesModelFileErrors; do
    log=$(UL_FUZZ_SECONDS=$seconds UL_FUZZ_SEED=$seed UL_FUZZ_LAST=$last \
          swift test --skip-build --disable-swift-testing --filter "FuzzTests/$test" 2>&1)
    echo "$log" | grep '^fuzz ' || { echo "fuzz $test: no summary (crash?)"; status=1; }
    if echo "$log" | grep -qE 'error:|runtime failure|Fatal error'; then
        echo "$log" | grep -E 'error:|runtime failure|Fatal error' | head -5
        status=1
    fi
    for kept in "$last".*; do
        [ -f "$kept" ] || continue
        kind=${kept##*.}
        keep=Tests/ULRobustnessTests/fuzz-regressions/$kind-seed$seed-$(cksum < "$kept" | cut -d' ' -f1)
        cp "$kept" "$keep"
        echo "fuzz $kind: crashing input saved as $keep"
        rm -f "$kept"
        status=1
    done
done
rm -rf "$tmp"
exit $status
