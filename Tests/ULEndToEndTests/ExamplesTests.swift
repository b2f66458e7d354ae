import Foundation
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
import ULTestSupport

/// The workflows in examples/: the quick start, the ARCANE and PUMA pipelines, the Makefile, the cron queue
/// drainer and the cluster scripts, run on digits.
final class ExamplesTests: XCTestCase {
    /// Lines of a file (0 when it does not exist).
    func lineCount(_ url: URL) -> Int {
        guard let d = try? Data(contentsOf: url) else { return 0 }
        return String(decoding: d, as: UTF8.self).split(separator: "\n").count
    }

    /// Runs an example in a scratch directory on the tools under test (UL_BIN); it must exit 0.
    func runExample(_ command: String) throws -> ProcessResult {
        let r = try ProcessRunner.runScript(command, in: try makeWorkDirectory("examples"), environment: ["UL_BIN": BuiltTools.directory.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r
    }

    /// The README's first command, on the tools under test: exact forgetting equals retraining, and the audit
    /// report is printed.
    func testQuickStartEndsWithIdenticalModels() throws {
        let r = try runExample("\"$REPO/examples/quickstart.sh\" work")
        XCTAssertTrue(r.stdout.contains("model2.ulm and retrained.ulm are identical"), r.stdout)
        XCTAssertTrue(r.stdout.contains("param_distance               0\n"), r.stdout)
    }

    /// The pipeline of ul(7), extracted from the page and run as printed on digits (with a p_delete column).
    func testManualPipelineRunsAsPrinted() throws {
        let page = String(decoding: try Data(contentsOf: TestPaths.repository.appendingPathComponent("man/ul.7")), as: UTF8.self)
        let body = try XCTUnwrap(page.components(separatedBy: ".SH PIPELINE\n.nf\n").dropFirst().first?.components(separatedBy: "\n.fi").first)
        let script = body.replacingOccurrences(of: "\\-", with: "-").replacingOccurrences(of: "\\e", with: "\\")
        let prepare = """
            set -e
            awk -F, 'BEGIN { OFS = "," } { sub(/\\r$/, "") } NR == 1 { print $0, "p_delete"; next } NR <= 1201 { print $0, (NR % 7) / 7 }' "$DATA/digits.csv" > train.csv
            { head -1 "$DATA/digits.csv"; tail -n +1202 "$DATA/digits.csv"; } > test.csv
            printf 'id\\nd00003\\nd00400\\n' > requests.csv

            """
        let r = try ProcessRunner.runScript(prepare + script, in: try makeWorkDirectory("pipeline"))
        XCTAssertEqual(r.status, 0, "\(script)\n\(r.stderr)")
        XCTAssertTrue(r.stdout.contains("lineage_ok,1"), r.stdout)
    }

    /// examples/arcane.sh: an unselected row costs nothing, a selected one re-selects and retrains one class.
    func testArcaneExampleForgetsBothKindsOfRow() throws {
        let r = try runExample("sh \"$REPO/examples/arcane.sh\"")
        XCTAssertTrue(r.stdout.contains("unselected: nothing retrained"), r.stdout)
        XCTAssertTrue(r.stdout.contains("re-selected from step"), r.stdout)
    }

    /// examples/puma.sh: influence, PUMA, Newton and retrain each leave a ledger line.
    func testPumaExampleRunsEveryMethod() throws {
        let r = try runExample("sh \"$REPO/examples/puma.sh\" work")
        for method in ["puma", "newton", "retrain"] {
            XCTAssertTrue(r.stdout.contains(",\(method),"), "no ledger line of \(method): \(r.stdout)")
        }
    }

    /// examples/bench/papers.sh with QUICK=1 (digits): the report links a figure and a CSV per experiment; every
    /// figure parses as SVG and every CSV is rectangular with numbers after its first column; what the exact
    /// methods must give holds (a removed class scores 0 after retraining and SISA exact forgetting; the
    /// mislabel curves' random line is the share inspected and the optimum never falls).
    func testPapersQuickRunWritesEveryFigure() throws {
        let dir = try makeWorkDirectory("papers")
        let r = try ProcessRunner.runScript("QUICK=1 sh \"$REPO/examples/bench/papers.sh\" out", in: dir,
                                            environment: ["UL_BIN": BuiltTools.directory.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = dir.appendingPathComponent("out")
        let report = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        let figures = ["puma-removal", "puma-class", "puma-resistance", "puma-time", "puma-eta", "puma-mislabel",
                       "arcane-accuracy", "arcane-time", "arcane-sequence", "arcane-ratio", "arcane-ratio-time", "arcane-blocks"]
        var tables: [String: [[String]]] = [:]
        for name in figures {
            XCTAssertTrue(report.contains("(\(name).svg)"), "report.md does not show \(name).svg")
            XCTAssertTrue(report.contains("(\(name).csv)"), "report.md does not link \(name).csv")
            let svg = try Data(contentsOf: out.appendingPathComponent("\(name).svg"))
            let parser = XMLParser(data: svg)
            XCTAssertTrue(parser.parse(), "\(name).svg: \(parser.parserError.map { "\($0)" } ?? "not XML")")
            XCTAssertTrue(String(decoding: svg, as: UTF8.self).hasPrefix("<svg") || String(decoding: svg, as: UTF8.self).contains("<svg "), name)
            let lines = try String(contentsOf: out.appendingPathComponent("\(name).csv"), encoding: .utf8)
                .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            XCTAssertGreaterThan(lines.count, 1, "\(name).csv has no rows")
            for (i, row) in lines.enumerated() {
                XCTAssertEqual(row.count, lines[0].count, "\(name).csv line \(i + 1)")
                if i > 0 {
                    for cell in row.dropFirst() { XCTAssertNotNil(Double(cell), "\(name).csv line \(i + 1): \(cell)") }
                }
            }
            tables[name] = lines
        }
        XCTAssertFalse(report.contains("%%"), "a format left in the report")
        for row in tables["puma-class"]!.dropFirst() where row[0] == "retrain" || row[0] == "SISA exact" {
            XCTAssertEqual(Double(row[1]), 0, "\(row[0]) still predicts the removed class")
        }
        var optimum = 0.0
        for row in tables["puma-mislabel"]!.dropFirst() {
            XCTAssertEqual(Double(row[3]), Double(row[0]), "random finds the share inspected")
            XCTAssertGreaterThanOrEqual(Double(row[4])!, optimum)
            optimum = Double(row[4])!
        }
        XCTAssertEqual(optimum, 1)
    }

    /// The README's install: `make install PREFIX=...` puts every tool that has a manual page on PATH and every
    /// page where man finds it through PATH; `make uninstall` removes them all.
    func testMakeInstallPutsToolsAndPagesUnderThePrefix() throws {
        guard ProcessRunner.isInstalled("make"), ProcessRunner.isInstalled("man") else { throw XCTSkip("make or man is not installed") }
        let dir = try makeWorkDirectory("install")
        let r = try ProcessRunner.runScript("""
            set -e
            make -s -C "$REPO" install PREFIX="$PWD/prefix" BIN="$UL_BIN" > /dev/null
            for page in "$REPO"/man/*.1; do test -x "prefix/bin/$(basename "$page" .1)"; done
            test "$(ls prefix/bin | wc -l)" -eq "$(ls "$REPO"/man/*.1 | wc -l)"
            export PATH="$PWD/prefix/bin:/usr/bin:/bin"
            man -w ul-inspect ul-model 7 ul | sed "s|$PWD/||"
            ul-inspect --version
            make -s -C "$REPO" uninstall PREFIX="$PWD/prefix"
            test -z "$(find prefix -type f)"
            """, in: dir, environment: ["UL_BIN": BuiltTools.directory.path])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(r.stdout, "prefix/share/man/man1/ul-inspect.1\nprefix/share/man/man5/ul-model.5\nprefix/share/man/man7/ul.7\nul-inspect (ul) 0.1.0\n")
    }

    func testMakefileRerunsNothingAndANewRequestRunsOneForget() throws {
        guard ProcessRunner.isInstalled("make") else { throw XCTSkip("make is not installed") }
        let dir = try makeWorkDirectory("examples")
        let make = "make -f \"$REPO/examples/Makefile\" DATA=\"$DATA/digits.csv\""
        let ledger = dir.appendingPathComponent("out/ledger.csv")

        var r = try ProcessRunner.runScript("\(make) -s", in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("accuracy 0.9"), r.stdout)
        r = try ProcessRunner.runScript("\(make) -q", in: dir)
        XCTAssertEqual(r.status, 0, "a second make would do work")

        // One new request: make is out of date, and the work it plans is that one forget, then evaluation.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("requests"), withIntermediateDirectories: true)
        try "id\nd00005\nd00010\n".write(to: dir.appendingPathComponent("requests/0001.csv"), atomically: true, encoding: .utf8)
        r = try ProcessRunner.runScript("\(make) -q", in: dir)
        XCTAssertEqual(r.status, 1, "a new request file did not make the workflow out of date")
        r = try ProcessRunner.runScript("\(make) -n", in: dir)
        XCTAssertEqual(r.stdout.components(separatedBy: "ul-forget ").count - 1, 1, r.stdout)
        XCTAssertFalse(r.stdout.contains("ul-train") || r.stdout.contains("ul-partition"), r.stdout)
        r = try ProcessRunner.runScript("\(make) -s", in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(lineCount(ledger), 2, "header and exactly one forget")
        r = try ProcessRunner.runScript("\(make) -q", in: dir)
        XCTAssertEqual(r.status, 0)

        // Two more at once under -j: the lock queues them; each is applied once; the model stays exactly
        // the one ul-train makes from the remaining rows, which no longer hold any forgotten id.
        try "id\nd00020\n".write(to: dir.appendingPathComponent("requests/0002.csv"), atomically: true, encoding: .utf8)
        try "id\nd00030\nd00031\n".write(to: dir.appendingPathComponent("requests/0003.csv"), atomically: true, encoding: .utf8)
        r = try ProcessRunner.runScript("\(make) -s -j3", in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(lineCount(ledger), 4)
        r = try ProcessRunner.runScript("\(make) -q", in: dir)
        XCTAssertEqual(r.status, 0)
        r = try ProcessRunner.runScript("""
            set -e
            ! grep -E '^d000(05|10|20|30|31),' out/remaining.csv
            test "$(grep -cE '^d000(05|10|20|30|31),' out/parted.csv)" -gt 0
            ul-train --model softmax -e 20 --scale 0.0625 --seed 1 out/remaining.csv -o reference.ulm
            cmp out/model.ulm reference.ulm
            """, in: dir)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
    }

    /// examples/nightly.sh: two nights of new rows (one a correction of a known id) and deletions; after each the
    /// model is the bytes ul-train makes from scratch on the data, the ledger records each step, the audit passes,
    /// and running a night again changes nothing.
    func testNightlyAppendsCorrectsAndForgetsExactly() throws {
        let dir = try makeWorkDirectory("examples")
        var r = try ProcessRunner.runScript("""
            set -e
            tr -d '\\r' < "$DATA/digits.csv" > digits.csv
            head -1001 digits.csv > day0.csv
            ul-partition --shards 4 --blocks 4 --seed 1 day0.csv -o data.csv
            ul-train -e 10 --scale 0.0625 --shards 4 --blocks 4 data.csv -o model.ulm
            { head -1 digits.csv; sed -n 1002,1051p digits.csv; grep '^d00005,' digits.csv | awk -F, 'BEGIN { OFS = "," } { $10 = $10 + 3; print }'; } > in1.csv
            { head -1 digits.csv; sed -n 1052,1071p digits.csv; } > in2.csv
            printf 'id\\nd00003\\nd00010\\n' > del1.csv
            { head -1 digits.csv; sed -n 1501,1798p digits.csv; } > test.csv
            """, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let env = ["TRAIN": "-e 10 --scale 0.0625 --shards 4 --blocks 4", "PARTITION": "--shards 4 --seed 1 --block 3"]
        let check = """
            set -e
            ul-train $TRAIN data.csv -o reference.ulm
            cmp model.ulm reference.ulm
            """
        r = try ProcessRunner.runScript("\"$REPO/examples/nightly.sh\" model.ulm data.csv in1.csv del1.csv test.csv", in: dir, environment: env)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("in1.csv: resumed model.ulm: rows added 50, removed 0, corrected in 1 block; block steps rerun 7 of 16"), r.stdout)
        XCTAssertTrue(r.stdout.contains("del1.csv: forgotten (2 rows)") && r.stdout.contains("audit passed"), r.stdout)
        r = try ProcessRunner.runScript(check + """

            ! grep -qE '^d000(03|10),' data.csv
            grep '^d00005,' data.csv | cut -d, -f10
            grep -c '^lineage_ok,1$' audit.csv
            """, in: dir, environment: env)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(r.stdout, "3\n1\n", "the correction is in the data and the audit passed lineage")

        // Again: nothing to rerun, the requests already honoured; then the second night, with no deletions.
        r = try ProcessRunner.runScript("\"$REPO/examples/nightly.sh\" model.ulm data.csv in1.csv del1.csv test.csv", in: dir, environment: env)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("nothing changed since model.ulm: no block step rerun"), r.stdout)
        r = try ProcessRunner.runScript("\"$REPO/examples/nightly.sh\" model.ulm data.csv in2.csv", in: dir, environment: env)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("rows added 20, removed 0, corrected in 0 blocks; block steps rerun 4 of 16"), r.stdout)
        r = try ProcessRunner.runScript(check + "\ncut -d, -f4 ledger.csv | tr '\\n' ' '", in: dir, environment: env)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(r.stdout, "method resume exact resume resume ")
    }

    func testCronForgetDrainsTheQueueInOrder() throws {
        let dir = try makeWorkDirectory("examples")
        let setup = """
            set -e
            ul-partition --shards 4 --blocks 3 --seed 2 "$DATA/digits.csv" -o data.csv
            ul-train -e 10 --scale 0.0625 data.csv -o model.ulm
            mkdir queue
            printf 'id\\nd00001\\nd00002\\n' > queue/2026-01-01.csv
            printf 'id\\nd00003\\n' > queue/2026-01-02.csv
            """
        var r = try ProcessRunner.runScript(setup, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let cron = "\"$REPO/examples/cron-forget.sh\" queue model.ulm data.csv"
        r = try ProcessRunner.runScript(cron, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, r.stdout)
        XCTAssertTrue(lines.first?.contains("2026-01-01.csv: forgotten (2 ids)") ?? false, r.stdout)
        XCTAssertTrue(lines.last?.contains("2026-01-02.csv: forgotten (1 ids)") ?? false, r.stdout)
        r = try ProcessRunner.runScript("""
            set -e
            ls queue/done
            test -z "$(ls queue/*.csv 2>/dev/null)"
            ! grep -E '^d0000[123],' data.csv
            test "$(wc -l < ledger.csv)" -eq 3
            ul-train -e 10 --scale 0.0625 data.csv -o reference.ulm
            cmp model.ulm reference.ulm
            """, in: dir)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(r.stdout, "2026-01-01.csv\n2026-01-02.csv\n")

        // An empty queue does nothing; a bad request alerts with ul-forget's status and stays queued.
        r = try ProcessRunner.runScript(cron, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "")
        r = try ProcessRunner.runScript("printf 'id\\nnot-an-id\\n' > queue/2026-01-03.csv; " + cron, in: dir)
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("2026-01-03.csv: ul-forget failed with status 65; left in the queue"), r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("queue/2026-01-03.csv").path))
        XCTAssertEqual(lineCount(dir.appendingPathComponent("ledger.csv")), 3)
    }

    func testCronForgetAuditsWhatItForgot() throws {
        let dir = try makeWorkDirectory("examples")
        var r = try ProcessRunner.runScript("""
            set -e
            awk -F, 'NR == 1 || $1 !~ /[05]$/' "$DATA/digits.csv" > train.csv
            awk -F, 'NR == 1 || $1 ~ /[05]$/' "$DATA/digits.csv" > test.csv
            ul-partition --shards 4 --blocks 3 --seed 2 train.csv -o data.csv
            ul-train -e 10 --scale 0.0625 data.csv -o model.ulm
            mkdir queue
            printf 'id\\nd00001\\nd00002\\n' > queue/a.csv
            """, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let cron = "\"$REPO/examples/cron-forget.sh\" queue model.ulm data.csv test.csv"
        r = try ProcessRunner.runScript(cron, in: dir)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        r = try ProcessRunner.runScript("grep '^lineage_ok,1$' audit.csv && ls -a | grep -c rows-before || true", in: dir)
        XCTAssertEqual(r.stdout, "lineage_ok,1\n0\n", "the audit passed lineage and the held copy of the rows is gone")

        // A threshold no model can meet makes the drain's status the audit's: exit 1, for cron to alert.
        r = try ProcessRunner.runScript("printf 'id\\nd00003\\n' > queue/b.csv; MAX_AUC=0 " + cron, in: dir)
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("ul-audit failed with status 1"), r.stderr)
    }

    func testClusterScriptsMergeToTheBytesOfOneProcess() throws {
        guard ProcessRunner.isInstalled("parallel") else {
            throw XCTSkip("GNU parallel is not installed (apt-get install parallel): examples/cluster/parallel.sh untested")
        }
        let dir = try makeWorkDirectory("examples")
        let r = try ProcessRunner.runScript("""
            set -e
            ul-partition --shards 5 --blocks 2 --seed 4 "$DATA/digits.csv" -o parted.csv
            ul-train -e 5 --scale 0.0625 parted.csv -o one.ulm
            "$REPO/examples/cluster/parallel.sh" parted.csv out -e 5 --scale 0.0625
            test "$(ls out/part-*.ulm | wc -l)" -eq 5
            cmp one.ulm out/model.ulm
            ul-train --model mlp --hidden 8 -e 2 --scale 0.0625 parted.csv -o one-mlp.ulm
            PARALLEL_LOGIN=-j2 "$REPO/examples/cluster/parallel.sh" parted.csv out-mlp --model mlp --hidden 8 -e 2 --scale 0.0625
            cmp one-mlp.ulm out-mlp/model.ulm
            # The Slurm script's commands, run here as the array's tasks would run them, one after another.
            export TRAIN_OPTS="-e 5 --scale 0.0625"
            for t in 0 1 2 3 4; do SLURM_ARRAY_TASK_ID=$t bash "$REPO/examples/cluster/slurm.sbatch" train parted.csv slurm; done
            bash "$REPO/examples/cluster/slurm.sbatch" merge parted.csv slurm
            cmp one.ulm slurm/model.ulm
            """, in: dir)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
    }

    /// examples/cluster/slurm.sbatch under Slurm itself: a one-node cluster on the loopback address
    /// (examples/cluster/one-node-slurm.sh: slurm.conf, munged, slurmctld and slurmd in the test's directory)
    /// runs the shards as a job array and the merge as a job that waits for it; the merged model has the bytes
    /// of one ul-train process. In CI (CI=true, as root, after .ci/run installed slurm-wlm and munge) a cluster
    /// that cannot start fails the test with the reason; elsewhere a machine without them skips it.
    func testSlurmJobArrayMergesToTheBytesOfOneProcess() throws {
        let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
        let missing = ["munged", "slurmctld", "slurmd", "sbatch", "scontrol", "sinfo"].filter { program in
            !ProcessRunner.isInstalled(program) && !FileManager.default.isExecutableFile(atPath: "/usr/sbin/\(program)")
        }
        var unavailable: String?
        if !missing.isEmpty {
            unavailable = "not installed: \(missing.joined(separator: " ")) (apt-get install slurm-wlm munge)"
        } else if getuid() != 0 {
            unavailable = "a one-node Slurm cluster needs root (slurmd starts jobs as their user)"
        }
        if let unavailable {
            if inCI { return XCTFail("Slurm cluster cannot start: \(unavailable)") }
            throw XCTSkip("Slurm cluster cannot start: \(unavailable); examples/cluster/slurm.sbatch untested")
        }
        let dir = try makeWorkDirectory("slurm")
        let r = try ProcessRunner.runScript("""
            set -e
            export PATH=$PATH:/usr/sbin
            mkdir cluster
            # The daemons are stopped however the script ends.
            trap '"$REPO/examples/cluster/one-node-slurm.sh" stop "$PWD/cluster"' EXIT
            "$REPO/examples/cluster/one-node-slurm.sh" start cluster
            export SLURM_CONF=$PWD/cluster/slurm.conf
            ul-partition --shards 5 --blocks 2 --seed 4 "$DATA/digits.csv" -o parted.csv
            ul-train -e 5 --scale 0.0625 parted.csv -o one.ulm
            export TRAIN_OPTS="-e 5 --scale 0.0625"
            jobs=$(sbatch --parsable --array=0-4 "$REPO/examples/cluster/slurm.sbatch" train parted.csv out)
            timeout 300 sbatch --wait --dependency=afterok:"$jobs" "$REPO/examples/cluster/slurm.sbatch" merge parted.csv out \
                || { tail -n 5 ul-train-*.log >&2; exit 1; }
            test "$(ls ul-train-*.log | wc -l)" -eq 6 # five tasks and the merge, each with its own log
            test "$(ls out/part-*.ulm | wc -l)" -eq 5
            cmp one.ulm out/model.ulm
            """, in: dir)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        for left in ["cluster/slurmctld.pid", "cluster/slurmd.pid", "cluster/munge/munged.pid"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent(left).path), "\(left): a daemon was not stopped")
        }
    }

    /// A shard that fails stops the run: no merged model.
    func testClusterScriptFailsWithoutAModelWhenAShardFails() throws {
        guard ProcessRunner.isInstalled("parallel") else {
            throw XCTSkip("GNU parallel is not installed (apt-get install parallel): examples/cluster/parallel.sh untested")
        }
        let dir = try makeWorkDirectory("examples")
        let r = try ProcessRunner.runScript("""
            ul-partition --shards 3 --seed 4 "$DATA/digits.csv" -o parted.csv || exit 99
            "$REPO/examples/cluster/parallel.sh" parted.csv out --model no-such-kind
            """, in: dir)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertNotEqual(r.status, 99, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/model.ulm").path))
    }
}
