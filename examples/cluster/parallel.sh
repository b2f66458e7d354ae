#!/usr/bin/env bash
# Trains every shard of a partitioned data set as an independent GNU Parallel job, then merges the part
# files into one model: the same bytes as one `ul-train` process with the same options.
#
#   parallel.sh DATA OUTDIR [TRAIN OPTION...]
#   e.g. parallel.sh parted.csv out --model softmax -e 100 --scale 0.0625
#
# Job slots come from PARALLEL_LOGIN (default "--sshlogin 2/:", two local slots). On a cluster, list the
# machines in a file (lines like "8/user@node1") and run
#   PARALLEL_LOGIN="--sshloginfile nodes.txt" parallel.sh /shared/parted.csv /shared/out ...
# DATA and OUTDIR must then be on a file system every node mounts at the same path, and ul-train on
# each node's PATH. slurm.sbatch runs the same commands as a Slurm job array.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $(basename "$0") DATA OUTDIR [TRAIN OPTION...]" >&2
    exit 64
fi
data=$(realpath "$1") out=$(realpath -m "$2")
shift 2
mkdir -p "$out"

# The shards are 0 ... largest shard value, read from the shard column written by ul-partition.
shards=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "shard") c = i; if (!c) exit 65; next }
                  $c + 0 > m { m = $c + 0 } END { print m + 0 }' "$data")

# One job per shard; --halt now,fail=1 stops the others when one fails. The options are quoted for the
# remote shell with printf %q.
rm -f "$out"/part-*.ulm
opts=$(printf '%q ' "$@")
# shellcheck disable=SC2086
seq 0 "$shards" | parallel ${PARALLEL_LOGIN:---sshlogin 2/:} --will-cite --halt now,fail=1 \
    "ul-train $opts --only-shards {} $(printf %q "$data") -o $(printf %q "$out")/part-{}.ulm"

ul-train --merge "$out"/part-*.ulm -o "$out/model.ulm"
