#!/usr/bin/env bash
# Drains a queue of forget requests: every QUEUE/*.csv (a CSV with an id column), in name order, is
# forgotten from MODEL exactly, in place; DATA (the remaining rows) is kept current; each honoured file
# moves to QUEUE/done/. Meant for cron: it prints one line per request and its exit status says whether
# all is well, so cron's mail (or a wrapper) can alert on it.
#
#   cron-forget.sh QUEUE MODEL DATA [TEST]
#
# Environment: LEDGER (default: ledger.csv beside MODEL), WAIT (seconds to wait for another job's lock
# on the model, default 3600), MAX_AUC (membership-inference AUC the audit may not exceed, default 0.6).
#
# Exit status: 0 all requests honoured (and the audit passed); otherwise the status of the first
# ul-forget that failed (its request stays queued and the drain stops, so the order is kept), or of
# ul-audit when it is installed and a check fails.
#
# Crontab line (every 10 minutes; overlapping runs are safe: ul-forget's lock makes a second run wait,
# and a request already honoured is a no-op thanks to the ledger):
#   */10 * * * * PATH=/opt/ul/bin:/usr/bin:/bin /opt/ul/examples/cron-forget.sh /srv/ul/queue /srv/ul/model.ulm /srv/ul/remaining.csv /srv/ul/test.csv >>/srv/ul/forget.log 2>&1
set -uo pipefail

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
    echo "usage: $(basename "$0") QUEUE MODEL DATA [TEST]" >&2
    exit 64
fi
queue=$1 model=$2 data=$3 test=${4:-}
ledger=${LEDGER:-$(dirname "$model")/ledger.csv}
wait=${WAIT:-3600}
max_auc=${MAX_AUC:-0.6}
mkdir -p "$queue/done" || exit 73

# The audit needs the forgotten rows themselves, which the drain deletes: keep a copy of DATA from before
# this run, only until the audit is done (it is removed on exit, pass or fail).
before=""
if [ -n "$test" ] && command -v ul-audit >/dev/null 2>&1 && [ -n "$(find "$queue" -maxdepth 1 -name '*.csv' -type f)" ]; then
    before=$(mktemp "$(dirname "$data")/.rows-before.XXXXXX") || exit 73
    trap 'rm -f "$before" "${forgotten:-}"' EXIT
    cp -- "$data" "$before" || exit 74
fi
processed=()

status=0
for request in $(find "$queue" -maxdepth 1 -name '*.csv' -type f | LC_ALL=C sort); do
    # Another run may have honoured it while this one waited for the lock.
    [ -e "$request" ] || continue
    ul-forget --method exact --model "$model" --data "$data" --requests "$request" \
        -o "$model" --remaining "$data" --ledger "$ledger" --wait "$wait" -q
    status=$?
    if [ $status -ne 0 ]; then
        echo "$(date -u +%FT%TZ) $request: ul-forget failed with status $status; left in the queue" >&2
        break
    fi
    mv -f -- "$request" "$queue/done/" 2>/dev/null || [ ! -e "$request" ] || status=73
    processed+=("$queue/done/$(basename "$request")")
    echo "$(date -u +%FT%TZ) $request: forgotten ($(($(wc -l < "$queue/done/$(basename "$request")") - 1)) ids)"
done

# The final check. With ul-audit installed and a TEST file: lineage (no forgotten id left in the model,
# the model matches the ledger) and the membership-inference AUC of the rows forgotten in this run,
# taken from the copy of DATA made before it. Without them, the status of the forgets is the verdict.
if [ $status -eq 0 ] && [ -n "$before" ] && [ ${#processed[@]} -gt 0 ]; then
    forgotten=$(mktemp) || exit 73
    echo id > "$forgotten"
    for f in "${processed[@]}"; do tail -n +2 "$f"; done >> "$forgotten"
    ul-audit --model "$model" --data "$data" --forget "$forgotten" --rows "$before" --test "$test" \
        --ledger "$ledger" --require-lineage --max-auc "$max_auc" --report "$(dirname "$model")/audit.csv" -q
    status=$?
    [ $status -eq 0 ] || echo "$(date -u +%FT%TZ) ul-audit failed with status $status" >&2
fi
exit $status
