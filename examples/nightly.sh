#!/usr/bin/env bash
# The nightly batch of a model that learns as well as forgets: today's new and corrected rows are put
# into the model (ul-train --resume reruns only the block steps whose rows changed), today's deletion
# requests are honoured exactly (ul-forget), and the result is audited. Meant for cron: one line per
# step on standard output, and an exit status that says whether all is well.
#
#   nightly.sh MODEL DATA TODAY [DELETIONS [TEST]]
#
# MODEL was trained by `ul-train $TRAIN DATA -o MODEL` on DATA, a CSV with shard and block columns (as
# ul-partition writes them). TODAY holds today's rows, with the columns of DATA except shard and block: a
# new id is appended, a known id replaces its row (a correction). DELETIONS is a CSV with an id column.
# TEST (rows the model never saw) enables the audit.
#
# Environment: TRAIN, the model's ul-train options (the same every night: a change retrains every shard),
# e.g. "-e 10 --scale 0.0625 --shards 4 --blocks 4"; PARTITION, the ul-partition options that place today's
# rows, e.g. "--shards 4 --seed 1 --block 3" (the last block, so that a night reruns only the last block
# step of each shard); LEDGER (default: ledger.csv beside MODEL); WAIT (seconds to wait for a lock,
# default 3600); MAX_AUC (membership-inference AUC the audit may not exceed, default 0.6).
#
# Locks: the whole run holds MODEL.nightly.lock (flock), so two nightly runs never interleave; each tool
# also takes the model's own lock. This script honours the deletions itself: do not run cron-forget.sh on
# the same model, whose forgets could fall between this script's steps.
#
# Crash safety: the new DATA is written beside the old one and renamed into place only after the model;
# running the script again after a crash finds today's rows already in the model (nothing to rerun) and
# requests already honoured in the ledger.
#
# Exit status: 0 all done (and the audit passed); otherwise the status of the step that failed, which is
# named on standard error.
#
# Crontab line (every night at 02:30):
#   30 2 * * * PATH=/opt/ul/bin:/usr/bin:/bin TRAIN="-e 10 --shards 4 --blocks 4" PARTITION="--shards 4 --block 3" /opt/ul/examples/nightly.sh /srv/ul/model.ulm /srv/ul/data.csv /srv/ul/in/$(date +\%F).csv /srv/ul/del/$(date +\%F).csv /srv/ul/test.csv >>/srv/ul/nightly.log 2>&1
set -uo pipefail

if [ $# -lt 3 ] || [ $# -gt 5 ]; then
    echo "usage: $(basename "$0") MODEL DATA TODAY [DELETIONS [TEST]]" >&2
    exit 64
fi
model=$1 data=$2 today=$3 deletions=${4:-} test=${5:-}
ledger=${LEDGER:-$(dirname "$model")/ledger.csv}
wait=${WAIT:-3600}
max_auc=${MAX_AUC:-0.6}
train=${TRAIN:-}
partition=${PARTITION:-}
now() { date -u +%FT%TZ; }
fail() { echo "$(now) $1 failed with status $2" >&2; exit "$2"; }

exec 9>>"$model.nightly.lock" || exit 73
flock -w "$wait" 9 || { echo "$(now) another nightly run holds $model.nightly.lock" >&2; exit 75; }

work=$(mktemp -d "$(dirname "$data")/.nightly.XXXXXX") || exit 73
trap 'rm -rf "$work"' EXIT

# 1. Today's rows: partitioned as the old ones were, then merged into DATA by id (the first column). A
# known id is a correction: its row is replaced and keeps its shard and block, so its shard reruns from
# that block on.
ul-partition $partition "$today" -o "$work/today.csv" -q || fail "ul-partition $today" $?
if [ "$(head -1 "$work/today.csv")" != "$(head -1 "$data")" ]; then
    echo "$(now) $today: its columns are not those of $data" >&2
    exit 65
fi
awk -F, 'BEGIN { OFS = "," }
    FNR == 1 { pass++; if (pass == 1) for (i = 1; i <= NF; i++) { if ($i == "shard") s = i; if ($i == "block") b = i } }
    pass == 1 { if (FNR > 1) fresh[$1] = 1; next }
    pass == 2 { if (FNR > 1 && ($1 in fresh)) { shard[$1] = $s; block[$1] = $b } else print; next }
    FNR > 1 { if ($1 in shard) { $s = shard[$1]; $b = block[$1] } print }' \
    "$work/today.csv" "$data" "$work/today.csv" > "$work/data.csv" || exit 74
ul-train $train --resume "$model" --ledger "$ledger" --wait "$wait" "$work/data.csv" -o "$model" 2> "$work/resume.log"
status=$?
[ $status -eq 0 ] || { cat "$work/resume.log" >&2; fail "ul-train --resume" $status; }
mv -f -- "$work/data.csv" "$data" || exit 74
echo "$(now) $today: $(tail -1 "$work/resume.log" | sed 's/^ul-train: //')"

# 2. Today's deletion requests, exactly. The audit needs the forgotten rows, which leave DATA: keep them.
if [ -n "$deletions" ]; then
    awk -F, 'NR == FNR { if (FNR > 1) gone[$1] = 1; next } FNR == 1 || ($1 in gone)' "$deletions" "$data" > "$work/forgotten.csv"
    ul-forget --method exact --model "$model" --data "$data" --requests "$deletions" \
        -o "$model" --remaining "$data" --ledger "$ledger" --wait "$wait" -q || fail "ul-forget $deletions" $?
    echo "$(now) $deletions: forgotten ($(($(wc -l < "$work/forgotten.csv") - 1)) rows)"
fi

# 3. The audit: lineage (no forgotten id left in the model, every block digest matches DATA, the ledger's
# chain ends at the model) and the membership-inference AUC of today's forgotten rows.
if [ -n "$test" ] && [ -n "$deletions" ] && [ "$(wc -l < "$work/forgotten.csv")" -gt 1 ]; then
    ul-audit --model "$model" --data "$data" --forget "$work/forgotten.csv" --test "$test" \
        --ledger "$ledger" --require-lineage --max-auc "$max_auc" --report "$(dirname "$model")/audit.csv" -q \
        || fail "ul-audit" $?
    echo "$(now) audit passed"
fi
exit 0
