#!/usr/bin/env bash
# Drains the forget-request queue kept in PostgreSQL (schema.sql): claims the pending requests as a batch,
# exports their ids with psql's \copy, forgets them from MODEL exactly and in place with ul-forget (DATA,
# the remaining rows, is kept current), then in one transaction marks them done and stores the batch's
# ledger line in forget_ledger. Repeats until nothing is pending. Meant for cron.
#
#   pg-forget.sh MODEL DATA
#
# Connection: psql's usual environment (PGHOST, PGPORT, PGDATABASE, PGUSER, ...). Environment: LEDGER
# (default: ledger.csv beside MODEL), WAIT (seconds to wait for another run or job, default 3600).
#
# A request is never lost nor applied twice, whatever moment the script is killed at (kill -9 included):
# * the claim is one statement: requests move from 'pending' to 'claimed' together with a new open batch
#   that records how many lines the ledger file had; a run that died leaves its batch open, and the next
#   run takes that batch up again before claiming anything new;
# * ul-forget is idempotent on a batch: a rerun after a kill finishes the forgetting (exactly, with the
#   same bytes) or finds the batch in its ledger, "already honoured", without a second ledger line;
# * the ledger line after the recorded count is then the batch's, and one transaction stores it, marks
#   the requests 'done' and closes the batch: a kill before the commit changes nothing in the database.
#
# Exit status: 0 when the queue is drained; ul-forget's status when it fails (the batch stays open and is
# retried by the next run, so the order is kept); 75 when another run holds the lock longer than WAIT.
set -uo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $(basename "$0") MODEL DATA" >&2
    exit 64
fi
model=$1 data=$2
ledger=${LEDGER:-$(dirname "$model")/ledger.csv}
wait=${WAIT:-3600}
state=$(dirname "$model")/.pg-forget
mkdir -p "$state" || exit 73
psql=(psql -X -q -v ON_ERROR_STOP=1)

# One run at a time: the claimed batch is this run's until it is done (the lock goes with the process).
exec 9>>"$state/lock" || exit 73
flock -w "$wait" 9 || { echo "$(basename "$0"): another run holds $state/lock" >&2; exit 75; }

# Records (lines without the header) in the ledger file.
records() { if [ -s "$ledger" ]; then echo $(($(wc -l < "$ledger") - 1)); else echo 0; fi; }

while :; do
    # The open batch of a run that died, or a new one holding every pending request: "batch|before".
    claim=$("${psql[@]}" -At -v before="$(records)" <<'SQL'
WITH open AS (SELECT batch, ledger_records_before FROM forget_batches WHERE done_at IS NULL),
new AS (
    INSERT INTO forget_batches (ledger_records_before)
    SELECT :before WHERE NOT EXISTS (SELECT FROM open) AND EXISTS (SELECT FROM forget_requests WHERE status = 'pending')
    RETURNING batch, ledger_records_before),
claimed AS (
    UPDATE forget_requests SET status = 'claimed', batch = new.batch FROM new WHERE status = 'pending')
SELECT batch || '|' || ledger_records_before FROM open UNION ALL SELECT batch || '|' || ledger_records_before FROM new;
SQL
    ) || exit 69
    [ -n "$claim" ] || exit 0
    batch=${claim%|*} before=${claim#*|}

    "${psql[@]}" -c "\\copy (SELECT id FROM forget_requests WHERE batch = $batch ORDER BY id) TO '$state/requests.csv' WITH (FORMAT csv, HEADER)" \
        || exit 69
    count=$(($(wc -l < "$state/requests.csv") - 1))
    ul-forget --method exact --model "$model" --data "$data" --requests "$state/requests.csv" \
        -o "$model" --remaining "$data" --ledger "$ledger" --wait "$wait" -q
    status=$?
    if [ $status -ne 0 ]; then
        echo "$(date -u +%FT%TZ) batch $batch: ul-forget failed with status $status; the batch stays open" >&2
        exit $status
    fi

    added=$(($(records) - before))
    if [ $added -ne 1 ]; then
        echo "$(date -u +%FT%TZ) batch $batch: the ledger gained $added lines, not 1 (is another program writing $ledger?)" >&2
        exit 70
    fi
    tail -n +$((before + 2)) "$ledger" | head -n 1 > "$state/line.csv"
    "${psql[@]}" --single-transaction -v batch="$batch" <<SQL || exit 69
\\copy forget_ledger (time, requests_digest, request_count, method, model_before, model_after, shards_retrained, rows_retrained, residual_bound, note) FROM '$state/line.csv' WITH (FORMAT csv)
UPDATE forget_ledger SET batch = :batch WHERE batch IS NULL;
UPDATE forget_requests SET status = 'done' WHERE batch = :batch;
UPDATE forget_batches SET done_at = now() WHERE batch = :batch;
SQL
    echo "$(date -u +%FT%TZ) batch $batch: forgotten ($count ids)"
done
