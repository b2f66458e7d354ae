#!/bin/sh
# Coverage-guided fuzzing of the decoders with libFuzzer (Tests/ULFuzzTarget, built only here, with
# UL_LIBFUZZER=1 and -sanitize=fuzzer[,address] in a build directory of its own, so the normal build is
# untouched). The corpus starts from small real files made by the debug tools: models of every kind, a
# part file, a stored curvature, a forget ledger and CSV heads. A crash, a trap, an input slower than
# -timeout, a process above -rss_limit_mb or (with address) one allocation above -malloc_limit_mb is
# a finding: libFuzzer writes it to examples/bench/libfuzzer-findings/ and this script exits non-zero.
#   examples/bench/libfuzzer.sh [SECONDS] [SANITIZERS]     (default 60, fuzzer,address)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
sanitize=${2:-fuzzer,address}
scratch=$root/.build/libfuzzer-$(echo "$sanitize" | tr ',' '-')
cd "$root"
echo "libfuzzer: $seconds s, -sanitize=$sanitize, load $(cut -d' ' -f1-3 /proc/loadavg)"
UL_LIBFUZZER=1 swift build --scratch-path "$scratch" -Xswiftc -sanitize="$sanitize" --product ul-fuzz-decoders > /dev/null
swift build > /dev/null
PATH=$root/.build/debug:$PATH
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/make"
findings=$root/examples/bench/libfuzzer-findings
mkdir -p "$findings"

# Seeds: small, so that mutations reach every part of them.
cd "$work/make"
head -41 "$root/examples/data/digits.csv" | cut -d, -f1-10 > d.csv
ul-partition --shards 2 --blocks 2 --seed 1 d.csv -o p.csv
ul-train --quiet --epochs 3 p.csv -o softmax.ulm
ul-train --quiet --model mlp --hidden 3 --epochs 1 p.csv -o mlp.ulm
ul-train --quiet --only-shards 1 p.csv -o part.ulm
ul-partition --by class --blocks 2 --seed 1 d.csv -o c.csv
ul-train --quiet --model ppca --components 2 c.csv -o ppca.ulm
ul-train --quiet --model mppca --mixtures 2 --components 1 --epochs 1 c.csv -o mppca.ulm
ul-train --quiet --model knn --neighbours 2 c.csv -o knn.ulm
ul-train --quiet --model autoencoder --hidden 3 --epochs 1 c.csv -o autoencoder.ulm
printf 'id\nd00001\n' > r.csv
ul-train --quiet --epochs 5 d.csv -o one.ulm
ul-influence --quiet --model one.ulm --data d.csv --valid d.csv -o influence.csv
cp one.ulm.curv "$work/corpus/"   # a request drops it
ul-forget --quiet --model one.ulm --data d.csv --requests r.csv --method newton --ledger ledger.csv -o newton.ulm \
    --remaining rest.csv 2> /dev/null
cp ./*.ulm ledger.csv "$work/corpus/"
head -4 d.csv > "$work/corpus/head.csv"
printf 'id,label,a\n"q,""x""",1,2\r\n"multi\nline",0,1\n' > "$work/corpus/quoted.csv"
ls "$work/corpus" | tr '\n' ' '; echo

cd "$work"
set +e
"$scratch/debug/ul-fuzz-decoders" -max_total_time="$seconds" -timeout=2 -rss_limit_mb=1024 -malloc_limit_mb=256 -max_len=65536 \
    -artifact_prefix="$findings/" -print_final_stats=1 corpus > log 2>&1
status=$?
set -e
grep -E '^#[0-9]+.*(DONE|pulse)|stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb|new_units_added)|ERROR|SUMMARY|Test unit written' log | tail -12
echo "libfuzzer: exit $status"
exit $status
