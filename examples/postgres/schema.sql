-- The forget-request queue and its ledger, for pg-forget.sh.
--   psql -v ON_ERROR_STOP=1 -f schema.sql

-- One row per id to forget. An application inserts with status 'pending' (a repeated request for an id
-- is the same row: INSERT ... ON CONFLICT (id) DO NOTHING); pg-forget.sh moves it to 'claimed' with a
-- batch number, then to 'done' in the transaction that records the batch's ledger line.
CREATE TABLE forget_requests (
    id           text PRIMARY KEY,
    requested_at timestamptz NOT NULL DEFAULT now(),
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'claimed', 'done')),
    batch        integer,
    CHECK ((status = 'pending') = (batch IS NULL))
);
CREATE INDEX forget_requests_pending ON forget_requests (status) WHERE status <> 'done';

-- One row per claimed batch. ledger_records_before is the ledger file's record count when the batch was
-- claimed: the batch's own line is the one after it, however often a killed run is repeated.
CREATE TABLE forget_batches (
    batch                 serial PRIMARY KEY,
    claimed_at            timestamptz NOT NULL DEFAULT now(),
    ledger_records_before integer NOT NULL,
    done_at               timestamptz
);
-- At most one batch is open: a run that died leaves it open, and the next run finishes it first.
CREATE UNIQUE INDEX forget_batches_one_open ON forget_batches ((true)) WHERE done_at IS NULL;
ALTER TABLE forget_requests ADD FOREIGN KEY (batch) REFERENCES forget_batches;

-- The ul-forget ledger lines (ul-forget(1)), one per batch, as the ledger file has them: an empty field is
-- NULL, and COPY ... TO ... (FORMAT csv) gives the file's bytes back.
CREATE TABLE forget_ledger (
    batch            integer UNIQUE REFERENCES forget_batches,
    time             text NOT NULL,
    requests_digest  text NOT NULL,
    request_count    integer NOT NULL,
    method           text NOT NULL,
    model_before     text NOT NULL,
    model_after      text NOT NULL,
    shards_retrained text,
    rows_retrained   integer NOT NULL,
    residual_bound   text,
    note             text
);
