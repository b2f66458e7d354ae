import Foundation
import XCTest
import ULCLI
@testable import ULCore
import ULTestSupport

/// The built ul-forget run as a process against ul-train: exactness through CSV, safety checks, the
/// lock, the ledger, and `kill -9` at many moments.
final class ForgetToolTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try makeWorkDirectory("forget-test") }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func start(_ tool: String, _ args: [String], input: StandardInput = .none) throws -> RunningProcess {
        try ProcessRunner.start(tool: tool, args, in: dir, input: input)
    }

    @discardableResult
    func run(_ tool: String, _ args: [String]) throws -> ProcessResult { try ProcessRunner.run(tool: tool, args, in: dir) }

    func bytes(_ name: String) -> [UInt8]? { (try? Data(contentsOf: dir.appendingPathComponent(name))).map { [UInt8]($0) } }
    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }
    func write(_ name: String, _ text: String) throws { try text.write(toFile: path(name), atomically: true, encoding: .utf8) }
    func read(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    static func location(_ id: String, shards: Int, blocks: Int) -> (Int, Int) {
        (Int(stableHash(id, seed: 3) % UInt64(shards)), Int(stableHash(id, seed: 3, salt: 5) % UInt64(blocks)))
    }

    /// digits.csv with shard and block columns after the label, as ul-partition writes them; `copies`
    /// repeats the rows under new ids (a bigger input). Returns the lines (header first).
    @discardableResult
    func writeParted(_ name: String, shards: Int, blocks: Int, copies: Int = 1) throws -> [String] {
        let lines = try exampleLines("digits.csv")
        let header = lines[0].split(separator: ",", maxSplits: 2).map(String.init)
        var out = ["\(header[0]),\(header[1]),shard,block,\(header[2])"]
        for c in 0..<copies {
            for line in lines.dropFirst() {
                let f = line.split(separator: ",", maxSplits: 2).map(String.init)
                let id = copies == 1 ? f[0] : "\(f[0])c\(c)"
                let (s, b) = Self.location(id, shards: shards, blocks: blocks)
                out.append("\(id),\(f[1]),\(s),\(b),\(f[2])")
            }
        }
        try write(name, out.joined(separator: "\n") + "\n")
        return out
    }

    func ids(_ lines: [String]) -> [String] { lines.dropFirst().map { String($0.prefix { $0 != "," }) } }

    let softmaxArgs = ["--model", "softmax", "-e", "8", "--scale", "0.0625"]
    let mlpArgs = ["--model", "mlp", "-e", "3", "--hidden", "12", "--batch", "32", "--seed", "5", "--scale", "0.0625"]

    func train(_ input: String, _ output: String, _ args: [String], shards: Int, blocks: Int) throws {
        let r = try run("ul-train", args + ["--shards", "\(shards)", "--blocks", "\(blocks)", input, "-o", output])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func testForgetEqualsTrainingOnTheRemainingRows() throws {
        for (kind, args) in [("softmax", softmaxArgs), ("mlp", mlpArgs)] {
            let lines = try writeParted("parted.csv", shards: 3, blocks: 4)
            try train("parted.csv", "model.ulm", args, shards: 3, blocks: 4)
            let all = ids(lines)
            let forget = [all[3], all[500], all[501], all[1700]]
            try write("requests.csv", "id\n" + forget.joined(separator: "\n") + "\n" + all[500] + "\n")
            let r = try run("ul-forget", ["--model", "model.ulm", "--data", "parted.csv", "--requests", "requests.csv",
                                          "-o", "new.ulm", "--ledger", "ledger.csv"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout, ([lines[0]] + lines.dropFirst().filter { !forget.contains(String($0.prefix { $0 != "," })) })
                .joined(separator: "\n") + "\n", "\(kind): remaining rows")
            try write("remaining.csv", r.stdout)
            try train("remaining.csv", "reference.ulm", args, shards: 3, blocks: 4)
            XCTAssertTrue(bytes("new.ulm") == bytes("reference.ulm"), "\(kind): not bit-identical to ul-train on the remaining rows")
            let retrain = try run("ul-forget", ["--model", "model.ulm", "--data", "parted.csv", "--requests", "requests.csv",
                                                "--method", "retrain", "-o", "retrained.ulm", "--remaining", "remaining2.csv"])
            XCTAssertEqual(retrain.status, 0, retrain.stderr)
            XCTAssertTrue(bytes("retrained.ulm") == bytes("new.ulm"), "\(kind): retrain differs from exact")
            XCTAssertEqual(try read("remaining2.csv"), r.stdout)
            let ledger = try LedgerFile.read(path("ledger.csv"))
            XCTAssertEqual(ledger.count, 1)
            XCTAssertEqual(ledger[0].modelBefore, hexString(SHA256Digest.hash(bytes("model.ulm")!)))
            XCTAssertEqual(ledger[0].modelAfter, hexString(SHA256Digest.hash(bytes("new.ulm")!)))
            XCTAssertTrue(ledger[0].records(requests: forget))
            XCTAssertFalse(ledger[0].records(requests: forget + ["another"]))
            XCTAssertFalse(ledger[0].requestsDigest.contains(requestsDigest(forget)), "the digest is salted")
            XCTAssertEqual(ledger[0].requestCount, 4)
            XCTAssertEqual(ledger[0].method, "exact")
            let shards = Set(forget.map { Self.location($0, shards: 3, blocks: 4).0 }).sorted()
            XCTAssertEqual(ledger[0].shardsRetrained, shards.map(String.init).joined(separator: " "))
            XCTAssertGreaterThan(ledger[0].rowsRetrained, 0)
            try FileManager.default.removeItem(atPath: path("ledger.csv"))
        }
    }

    func testStandardizedModelAndRequestsOnStandardInput() throws {
        let lines = try writeParted("parted.csv", shards: 2, blocks: 3)
        try train("parted.csv", "model.ulm", softmaxArgs + ["--standardize"], shards: 2, blocks: 3)
        let forget = ids(lines)[10]
        // Through a pipe, as from another command, not a file that could be mapped.
        let p = try start("ul-forget", ["--model", "model.ulm", "--data", "parted.csv", "--requests", "-", "-o", "new.ulm",
                                        "--remaining", "rest.csv"], input: .pipe)
        try p.write("id\n\(forget)\n".data(using: .utf8)!)
        try p.closeInput()
        let r = try p.wait()
        XCTAssertEqual(r.status, 0, r.stderr)
        try train("rest.csv", "reference.ulm", softmaxArgs + ["--standardize"], shards: 2, blocks: 3)
        XCTAssertTrue(bytes("new.ulm") == bytes("reference.ulm"))
    }

    func testSplitDirectoryRewritesOnlyAffectedShards() throws {
        let lines = try writeParted("parted.csv", shards: 3, blocks: 2)
        try train("parted.csv", "model.ulm", softmaxArgs, shards: 3, blocks: 2)
        try FileManager.default.createDirectory(atPath: path("split"), withIntermediateDirectories: true)
        for s in 0..<3 {
            let rows = lines.dropFirst().filter { $0.split(separator: ",")[2] == Substring(String(s)) }
            try write("split/shard-000\(s).csv", ([lines[0]] + rows).joined(separator: "\n") + "\n")
        }
        let forget = ids(lines).filter { Self.location($0, shards: 3, blocks: 2).0 == 1 }.prefix(2)
        try write("requests.csv", "id\n" + forget.joined(separator: "\n") + "\n")
        let before = (0..<3).map { bytes("split/shard-000\($0).csv")! }
        let r = try run("ul-forget", ["-m", "model.ulm", "-d", "split", "-r", "requests.csv", "-o", "new.ulm"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(bytes("split/shard-0000.csv") == before[0])
        XCTAssertTrue(bytes("split/shard-0002.csv") == before[2])
        let rewritten = try read("split/shard-0001.csv").split(separator: "\n").map(String.init)
        XCTAssertEqual(rewritten, String(decoding: before[1], as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { !forget.contains(String($0.prefix { $0 != "," })) })
        let viaFile = try run("ul-forget", ["-m", "model.ulm", "-d", "parted.csv", "-r", "requests.csv", "-o", "file.ulm", "--remaining", "rest.csv"])
        XCTAssertEqual(viaFile.status, 0, viaFile.stderr)
        XCTAssertTrue(bytes("new.ulm") == bytes("file.ulm"))
    }

    func testDataThatDoesNotMatchTheRecordIsRefused() throws {
        let lines = try writeParted("parted.csv", shards: 2, blocks: 2)
        try train("parted.csv", "model.ulm", softmaxArgs, shards: 2, blocks: 2)
        let target = ids(lines)[20]
        let (s, b) = Self.location(target, shards: 2, blocks: 2)
        try write("requests.csv", "id\n\(target)\n")
        func check(_ name: String, _ variant: [String], _ message: String) throws {
            try write("bad.csv", variant.joined(separator: "\n") + "\n")
            let r = try run("ul-forget", ["-m", "model.ulm", "-d", "bad.csv", "-r", "requests.csv", "-o", "new.ulm", "--remaining", "rest.csv"])
            XCTAssertEqual(r.status, 65, name)
            XCTAssertTrue(r.stderr.contains(message), "\(name): \(r.stderr)")
            XCTAssertFalse(exists("new.ulm"), name)
            XCTAssertFalse(exists("rest.csv"), name)
        }
        // A feature changed in a row of the affected shard.
        let sameShard = lines.indices.dropFirst().first { i in
            let f = lines[i].split(separator: ",")
            return f[2] == Substring(String(s)) && f[3] == Substring(String(b)) && !lines[i].hasPrefix(target + ",")
        }!
        var changed = lines
        var fields = changed[sameShard].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        fields[30] = fields[30] == "3" ? "4" : "3"
        changed[sameShard] = fields.joined(separator: ",")
        try check("changed feature", changed, "digest mismatch")
        // PUMA and Newton check the digests while they patch: still refused, and nothing written, the sidecar and
        // PUMA's weights included.
        for method in ["puma", "newton"] {
            let r = try run("ul-forget", ["-m", "model.ulm", "-d", "bad.csv", "-r", "requests.csv", "-o", "new.ulm", "--remaining", "rest.csv",
                                          "--method", method] + (method == "puma" ? ["--weights", "weights.csv"] : []))
            XCTAssertEqual(r.status, 65, method)
            XCTAssertTrue(r.stderr.contains("digest mismatch"), "\(method): \(r.stderr)")
            for file in ["new.ulm", "rest.csv", "new.ulm.curv", "weights.csv"] { XCTAssertFalse(exists(file), "\(method): \(file)") }
        }
        var relabelled = lines
        fields = relabelled[sameShard].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        fields[1] = fields[1] == "3" ? "4" : "3"
        relabelled[sameShard] = fields.joined(separator: ",")
        try check("changed label", relabelled, "digest mismatch")
        var moved = lines
        fields = moved[sameShard].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        fields[3] = String(1 - b)
        moved[sameShard] = fields.joined(separator: ",")
        try check("moved block", moved, "but was trained in shard")
        var missing = lines
        missing.remove(at: lines.count - 1)
        try check("missing row", missing, "is missing from the data")
        try check("extra row", lines + ["zzz,1,0,0," + lines[1].split(separator: ",").dropFirst(4).joined(separator: ",")], "not in the model's record")
        try check("duplicate id", lines + [lines[5]], "duplicate id")
    }

    func testUnknownIdsAndAlreadyHonouredRequests() throws {
        let lines = try writeParted("parted.csv", shards: 2, blocks: 2)
        try train("parted.csv", "model.ulm", softmaxArgs, shards: 2, blocks: 2)
        try write("requests.csv", "id\n\(ids(lines)[7])\nnobody\n")
        var r = try run("ul-forget", ["-m", "model.ulm", "-d", "parted.csv", "-r", "requests.csv", "-o", "new.ulm", "--remaining", "rest.csv"])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("unknown id 'nobody'"), r.stderr)
        XCTAssertFalse(exists("new.ulm"))
        XCTAssertFalse(exists("rest.csv"))
        r = try run("ul-forget", ["-m", "model.ulm", "-d", "parted.csv", "-r", "requests.csv", "-o", "new.ulm", "--remaining", "rest.csv",
                                  "--ignore-unknown", "--ledger", "ledger.csv"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("ignoring 1 unknown id"), r.stderr)
        // The same batch again, on the new model and the remaining rows: already honoured.
        r = try run("ul-forget", ["-m", "new.ulm", "-d", "rest.csv", "-r", "requests.csv", "-o", "again.ulm", "--remaining", "rest2.csv",
                                  "--ledger", "ledger.csv"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("already honoured"), r.stderr)
        XCTAssertTrue(bytes("again.ulm") == bytes("new.ulm"))
        XCTAssertTrue(bytes("rest2.csv") == bytes("rest.csv"))
        XCTAssertEqual(try LedgerFile.read(path("ledger.csv")).count, 1)
        // Without a ledger the same ids are unknown.
        r = try run("ul-forget", ["-m", "new.ulm", "-d", "rest.csv", "-r", "requests.csv", "-o", "again.ulm", "--remaining", "rest2.csv"])
        XCTAssertEqual(r.status, 65)
    }

    func testReplaceInPlace() throws {
        let lines = try writeParted("parted.csv", shards: 2, blocks: 2)
        try train("parted.csv", "model.ulm", mlpArgs, shards: 2, blocks: 2)
        try write("requests.csv", "id\n\(ids(lines)[99])\n")
        let r = try run("ul-forget", ["-m", "model.ulm", "-d", "parted.csv", "-r", "requests.csv", "-o", "model.ulm", "--remaining", "rest.csv"])
        XCTAssertEqual(r.status, 0, r.stderr)
        try train("rest.csv", "reference.ulm", mlpArgs, shards: 2, blocks: 2)
        XCTAssertTrue(bytes("model.ulm") == bytes("reference.ulm"))
    }

    /// Forgetting every row of a shard leaves an empty shard, as ul-train records a declared shard without
    /// rows: the same bytes. Forgetting every row of the model is refused, nothing written.
    func testWholeShardBecomesEmptyLikeTraining() throws {
        let lines = try writeParted("parted.csv", shards: 3, blocks: 2)
        try train("parted.csv", "model.ulm", softmaxArgs, shards: 3, blocks: 2)
        let shard1 = ids(lines).filter { Self.location($0, shards: 3, blocks: 2).0 == 1 }
        try write("requests.csv", "id\n" + shard1.joined(separator: "\n") + "\n")
        let r = try run("ul-forget", ["-m", "model.ulm", "-d", "parted.csv", "-r", "requests.csv", "-o", "new.ulm", "--remaining", "rest.csv"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try run("ul-train", softmaxArgs + ["--shards", "3", "--blocks", "2", "rest.csv", "-o", "reference.ulm"])
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertTrue(bytes("new.ulm") == bytes("reference.ulm"), "a forgotten shard must equal a shard trained without rows")
        try write("all.csv", "id\n" + ids(lines).joined(separator: "\n") + "\n")
        let all = try run("ul-forget", ["-m", "model.ulm", "-d", "parted.csv", "-r", "all.csv", "-o", "none.ulm", "--remaining", "none.csv"])
        XCTAssertEqual(all.status, 65)
        XCTAssertTrue(all.stderr.contains("forget every row the model was trained on"), all.stderr)
        XCTAssertFalse(exists("none.ulm"))
        XCTAssertFalse(exists("none.csv"))
    }

    func testSecondJobOnTheSameModelFailsOrWaits() throws {
        let lines = try writeParted("parted.csv", shards: 2, blocks: 2)
        try train("parted.csv", "model.ulm", softmaxArgs, shards: 2, blocks: 2)
        try write("requests.csv", "id\n\(ids(lines)[1])\n")
        let args = ["-m", "model.ulm", "-d", "parted.csv", "-r", "requests.csv", "-o", "new.ulm", "--remaining", "rest.csv"]
        var held: LockFile? = try LockFile(for: path("model.ulm"), timeout: 0)
        let r = try run("ul-forget", args)
        XCTAssertEqual(r.status, 75)  // EX_TEMPFAIL
        XCTAssertTrue(r.stderr.contains("another job holds the lock"), r.stderr)
        XCTAssertFalse(exists("new.ulm"))
        XCTAssertFalse(exists("rest.csv"))
        let p = try start("ul-forget", args + ["--wait", "30"])
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertTrue(p.isRunning, "the second job must wait for the lock")
        XCTAssertNotNil(held)
        held = nil
        let waited = try p.wait()
        XCTAssertEqual(waited.status, 0, waited.stderr)
        XCTAssertTrue(exists("new.ulm"))
    }

    /// `kill -9` at many moments: the old model keeps its bytes; the new model, the ledger line and the
    /// remaining rows are each either absent or complete and equal to an uninterrupted run's.
    func testKillAtAnyMomentLeavesOldModelAndCompleteOrAbsentOutputs() throws {
        try writeParted("big.csv", shards: 2, blocks: 3, copies: 2)
        let args = ["--model", "mlp", "-e", "4", "--hidden", "32", "--batch", "32", "--scale", "0.0625"]
        try train("big.csv", "model.ulm", args, shards: 2, blocks: 3)
        let original = bytes("model.ulm")!
        // Rows in the first block of both shards: everything is retrained.
        let lines = try read("big.csv").split(separator: "\n").map(String.init)
        let forget = ids(lines).filter { Self.location($0, shards: 2, blocks: 3).1 == 0 }.prefix(4)
        try write("requests.csv", "id\n" + forget.joined(separator: "\n") + "\n")
        let forgetArgs = ["-m", "model.ulm", "-d", "big.csv", "-r", "requests.csv", "-o", "new.ulm", "--remaining", "rest.csv", "--ledger", "ledger.csv"]
        let t0 = Date()
        let full = try run("ul-forget", forgetArgs)
        let duration = Date().timeIntervalSince(t0)
        XCTAssertEqual(full.status, 0, full.stderr)
        let expectedModel = bytes("new.ulm")!, expectedRest = bytes("rest.csv")!
        let expectedLine = try LedgerFile.read(path("ledger.csv"))[0]
        var outcomes = [String: Int]()
        for fraction in [0.02, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 0.95, 1.0, 1.1, 1.3, 2.0] {
            for name in ["new.ulm", "rest.csv", "ledger.csv"] { try? FileManager.default.removeItem(atPath: path(name)) }
            let p = try start("ul-forget", forgetArgs)
            Thread.sleep(forTimeInterval: duration * fraction)
            p.kill(SIGKILL)
            try p.wait()
            let at = "killed at \(Int(fraction * 100))%"
            XCTAssertTrue(bytes("model.ulm") == original, "\(at): the old model changed")
            XCTAssertNoThrow(try ModelFile.decode(try ModelContainerReader(source: original)))
            if let m = bytes("new.ulm") { XCTAssertTrue(m == expectedModel, "\(at): partial or wrong model") }
            if let r = bytes("rest.csv") { XCTAssertTrue(r == expectedRest, "\(at): partial remaining rows") }
            if exists("ledger.csv") {
                let ledger = try LedgerFile.read(path("ledger.csv"))
                XCTAssertEqual(ledger.count, 1, at)
                var line = ledger[0]
                line.time = expectedLine.time
                XCTAssertTrue(line.records(requests: Array(forget)), at)  // each line has its own salt
                line.requestsDigest = expectedLine.requestsDigest
                XCTAssertEqual(line, expectedLine, at)
                XCTAssertTrue(exists("new.ulm"), "\(at): a ledger line without its model")
            }
            if exists("rest.csv") { XCTAssertTrue(exists("ledger.csv"), "\(at): remaining rows before the ledger line") }
            let state = [exists("new.ulm"), exists("ledger.csv"), exists("rest.csv")].map { $0 ? "1" : "0" }.joined()
            outcomes[state, default: 0] += 1
            // The lock died with the process: a new run completes and recovers.
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where name.hasSuffix(".tmp") {
                try FileManager.default.removeItem(atPath: path(name))
            }
        }
        // States as (new model, ledger, remaining) present: some kills must land before any output.
        XCTAssertNotNil(outcomes["000"], "no kill landed before the outputs: \(outcomes)")
        print("kill -9 outcomes (model, ledger, remaining): \(outcomes.sorted { $0.key < $1.key })")
        // Rerunning after a kill between the model and the remaining rows finishes the job.
        for name in ["rest.csv", "ledger.csv"] { try? FileManager.default.removeItem(atPath: path(name)) }
        try Data(expectedModel).write(to: dir.appendingPathComponent("new.ulm"))
        let copy = ["-m", "new.ulm", "-d", "big.csv", "-r", "requests.csv", "-o", "new2.ulm", "--remaining", "rest.csv"]
        let again = try run("ul-forget", copy)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(bytes("new2.ulm") == expectedModel)
        XCTAssertTrue(bytes("rest.csv") == expectedRest)
    }
}

extension ForgetToolTests {
    /// A file without quotes is read from a memory map, one with quotes by the CSV parser: the same
    /// rows give the same model either way, and CR LF line ends are kept in the remaining rows.
    func testQuotedAndCRLFFilesGiveTheSameModel() throws {
        let lines = try writeParted("parted.csv", shards: 2, blocks: 2)
        try train("parted.csv", "model.ulm", softmaxArgs, shards: 2, blocks: 2)
        let forget = ids(lines)[42]
        try write("requests.csv", "id\n\(forget)\n")
        var quoted = lines
        quoted[1] = "\"" + quoted[1].replacingOccurrences(of: ",", with: "\",", options: [], range: quoted[1].range(of: ","))
        try write("quoted.csv", quoted.joined(separator: "\n") + "\n")
        try write("crlf.csv", lines.joined(separator: "\r\n") + "\r\n")
        var models = [[UInt8]]()
        for file in ["parted.csv", "quoted.csv", "crlf.csv"] {
            let r = try run("ul-forget", ["-m", "model.ulm", "-d", file, "-r", "requests.csv", "-o", "new-\(file).ulm", "--remaining", "rest-\(file)"])
            XCTAssertEqual(r.status, 0, "\(file): \(r.stderr)")
            models.append(bytes("new-\(file).ulm") ?? [])
        }
        XCTAssertTrue(models[0] == models[1])
        XCTAssertTrue(models[0] == models[2])
        let kept = lines.filter { !$0.hasPrefix(forget + ",") }
        XCTAssertEqual(try read("rest-parted.csv"), kept.joined(separator: "\n") + "\n")
        XCTAssertEqual(try read("rest-quoted.csv"), kept.joined(separator: "\n") + "\n")
        XCTAssertEqual(try read("rest-crlf.csv"), kept.joined(separator: "\r\n") + "\r\n")
    }
}
