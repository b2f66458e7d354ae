import Foundation
import XCTest
import ULTestSupport

/// A service a test needs cannot start here (thrown in CI, where that fails the test with the reason).
struct ServiceUnavailable: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// examples/postgres/: the forget-request queue in a PostgreSQL table, drained by pg-forget.sh, against a
/// private server the test starts (examples/postgres/private-server.sh) and stops.
final class PostgresQueueTests: XCTestCase {
    /// Why a private server cannot start here, or nil when it can.
    func serverUnavailable() -> String? {
        let fm = FileManager.default
        let bins = (try? fm.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard bins.contains(where: { fm.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/initdb") }) else {
            return "PostgreSQL is not installed (apt-get install postgresql)"
        }
        guard ProcessRunner.isInstalled("psql") else { return "psql is not installed (apt-get install postgresql-client)" }
        guard getuid() != 0 || ProcessRunner.isInstalled("setpriv") else { return "setpriv is not installed (util-linux)" }
        return nil
    }

    /// Starts the server in `dir`, runs `script` with psql pointed at it and the queue's tables made, and
    /// stops the server however the script ends. In CI (CI=true) a server that cannot start fails the test
    /// with the reason; elsewhere it skips.
    func runWithServer(_ script: String, in dir: URL) throws -> ProcessResult {
        if let reason = serverUnavailable() {
            if ProcessInfo.processInfo.environment["CI"] == "true" { throw ServiceUnavailable(reason: "PostgreSQL cannot start: \(reason)") }
            throw XCTSkip("PostgreSQL cannot start: \(reason); examples/postgres untested")
        }
        return try ProcessRunner.runScript("""
            set -e
            trap '"$REPO/examples/postgres/private-server.sh" stop "$PWD"' EXIT
            eval "$("$REPO/examples/postgres/private-server.sh" start "$PWD")"
            psql -X -q -v ON_ERROR_STOP=1 -f "$REPO/examples/postgres/schema.sql"
            ul-partition --shards 4 --blocks 3 --seed 2 "$DATA/digits.csv" -o data.csv
            cp data.csv original.csv
            ul-train -e 10 --scale 0.0625 data.csv -o model.ulm
            \(script)
            """, in: dir)
    }

    /// The checks after a drain: every request is done, in a closed batch with exactly one ledger line;
    /// the table's ledger lines are the file's, byte for byte; the remaining rows are the original ones
    /// without the requested ids; and the model is the one ul-train makes from them.
    static let drainedCorrectly = """
        test "$(psql -X -At -c "SELECT count(*) FROM forget_requests WHERE status <> 'done'")" = 0
        test "$(psql -X -At -c "SELECT count(*) FROM forget_batches WHERE done_at IS NULL")" = 0
        test "$(psql -X -At -c "SELECT count(*) FROM forget_batches b WHERE (SELECT count(*) FROM forget_ledger l WHERE l.batch = b.batch) <> 1")" = 0
        test "$(psql -X -At -c "SELECT count(*) FROM forget_batches")" -eq $(($(wc -l < ledger.csv) - 1))
        psql -X -c "\\copy (SELECT time, requests_digest, request_count, method, model_before, model_after, shards_retrained, rows_retrained, residual_bound, note FROM forget_ledger ORDER BY batch) TO 'table-ledger.csv' WITH (FORMAT csv)"
        tail -n +2 ledger.csv | cmp - table-ledger.csv
        psql -X -c "\\copy (SELECT id FROM forget_requests) TO 'requested.csv' WITH (FORMAT csv, HEADER)"
        awk -F, 'NR == FNR { if (FNR > 1) gone[$1] = 1; next } FNR == 1 || !($1 in gone)' requested.csv original.csv > expected.csv
        cmp expected.csv data.csv
        ul-train -e 10 --scale 0.0625 expected.csv -o reference.ulm
        cmp model.ulm reference.ulm
        """

    func testQueueIsDrainedInBatchesWithOneLedgerLineEach() throws {
        let dir = try makeWorkDirectory("postgres")
        let r = try runWithServer("""
            psql -X -q -c "INSERT INTO forget_requests (id) VALUES ('d00001'), ('d00002'), ('d00007')"
            "$REPO/examples/postgres/pg-forget.sh" model.ulm data.csv > first.out
            grep -q 'batch 1: forgotten (3 ids)$' first.out
            # A repeated request is the same row; an empty queue does nothing.
            psql -X -q -c "INSERT INTO forget_requests (id) VALUES ('d00011'), ('d00003'), ('d00001') ON CONFLICT (id) DO NOTHING"
            "$REPO/examples/postgres/pg-forget.sh" model.ulm data.csv > second.out
            grep -q 'batch 2: forgotten (2 ids)$' second.out
            "$REPO/examples/postgres/pg-forget.sh" model.ulm data.csv > third.out
            test ! -s third.out
            \(Self.drainedCorrectly)
            # A bad request fails with ul-forget's status, and its batch stays open for the next run.
            psql -X -q -c "INSERT INTO forget_requests (id) VALUES ('not-an-id')"
            set +e; "$REPO/examples/postgres/pg-forget.sh" model.ulm data.csv 2> bad.err; status=$?; set -e
            test $status -eq 65
            grep -q 'batch 3: ul-forget failed with status 65; the batch stays open' bad.err
            test "$(psql -X -At -c "SELECT status FROM forget_requests WHERE id = 'not-an-id'")" = claimed
            """, in: dir)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
    }

    /// kill -9 of the whole drain (script, psql and ul-forget) at seeded moments, new requests arriving
    /// between the kills, then one run to the end: no request is lost or applied twice.
    func testKilledDrainsLoseNothingAndApplyNothingTwice() throws {
        let dir = try makeWorkDirectory("postgres")
        let r = try runWithServer("""
            drain="$REPO/examples/postgres/pg-forget.sh"
            # How long one drain of two requests takes here: the kills fall within 1.3 times that.
            psql -X -q -c "INSERT INTO forget_requests (id) VALUES ('d00100'), ('d00101')"
            t0=$(date +%s.%N); "$drain" model.ulm data.csv > /dev/null; t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
            kills=12 seed=7 killed=0
            for i in $(seq $kills); do
                psql -X -q -c "INSERT INTO forget_requests (id) VALUES ('d$(printf %05d $((i * 37)))'), ('d$(printf %05d $((i * 37 + 1)))') ON CONFLICT (id) DO NOTHING"
                delay=$(awk -v s=$((seed * 1000 + i)) -v t="$t" 'BEGIN { srand(s); print rand() * 1.3 * t }')
                setsid "$drain" model.ulm data.csv > /dev/null 2>&1 & pid=$!
                sleep "$delay"
                kill -9 -- -$pid 2>/dev/null && killed=$((killed + 1)) || true
                wait $pid 2>/dev/null || true
            done
            echo "killed $killed of $kills drains"
            test $killed -ge $((kills / 2)) # most kills fell while the drain ran
            "$drain" model.ulm data.csv > /dev/null
            \(Self.drainedCorrectly)
            test "$(psql -X -At -c "SELECT count(*) FROM forget_requests")" = 26
            """, in: dir)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("killed "), r.stdout)
    }
}
