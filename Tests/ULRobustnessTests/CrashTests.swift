import Foundation
import XCTest
import ULCLI
@testable import ULCore
import ULTestSupport

/// `kill -9` at seeded random moments of `ul-train -o` over an existing model and of an in-place
/// `ul-forget --ledger`. The promise checked after every kill:
/// * the model decodes with every checksum intact, and its bytes are the old model's or the complete
///   new one's (the uninterrupted run's);
/// * the ledger parses, keeps its earlier lines, and gains at most the run's one line;
/// * the ledger's last `model_after` is the model's SHA-256, except in the window between the model's
///   rename and the ledger's (model new, ledger not yet): then it is the old model's, and rerunning the
///   same request closes the gap.
final class CrashTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try makeWorkDirectory("crash") }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    func bytes(_ name: String) -> [UInt8]? { (try? Data(contentsOf: dir.appendingPathComponent(name))).map { [UInt8]($0) } }
    func put(_ name: String, _ b: [UInt8]) throws { try Data(b).write(to: dir.appendingPathComponent(name)) }
    func sha(_ b: [UInt8]) -> String { hexString(SHA256Digest.hash(b)) }

    /// Runs to the end; returns the exit status and the wall time.
    func run(_ tool: String, _ args: [String]) throws -> (Int32, TimeInterval) {
        let t0 = Date()
        let r = try ProcessRunner.run(tool: tool, args, in: dir)
        return (r.status, Date().timeIntervalSince(t0))
    }

    /// Starts, sleeps `delay` seconds, kills with SIGKILL; true when the kill landed before the exit.
    func killed(_ tool: String, _ args: [String], after delay: TimeInterval) throws -> Bool {
        let p = try ProcessRunner.start(tool: tool, args, in: dir)
        Thread.sleep(forTimeInterval: delay)
        let landed = p.isRunning
        p.kill(SIGKILL)
        let r = try p.wait()
        return landed && r.reason == .uncaughtSignal
    }

    /// digits.csv with shard and block columns: shard = row mod 2, block = (row / 2) mod 2.
    func writeParted(_ name: String) throws {
        let lines = try exampleLines("digits.csv")
        var out = ["id,label,shard,block," + lines[0].split(separator: ",", maxSplits: 2)[2]]
        for (i, line) in lines.dropFirst().enumerated() {
            let f = line.split(separator: ",", maxSplits: 2)
            out.append("\(f[0]),\(f[1]),\(i % 2),\(i / 2 % 2),\(f[2])")
        }
        try (out.joined(separator: "\n") + "\n").write(toFile: path(name), atomically: true, encoding: .utf8)
    }

    let train = ["--model", "softmax", "--scale", "0.0625", "--shards", "2", "--blocks", "2"]

    func testKillTrainOverAnExistingModel() throws {
        try writeParted("data.csv")
        XCTAssertEqual(try run("ul-train", train + ["-e", "3", "data.csv", "-o", "old.ulm"]).0, 0)
        let (status, duration) = try run("ul-train", train + ["-e", "6", "data.csv", "-o", "new.ulm"])
        XCTAssertEqual(status, 0)
        let old = bytes("old.ulm")!, new = bytes("new.ulm")!
        var rng = SeededGenerator(seed: 11)
        var landed = 0, replaced = 0
        for i in 0..<10 {
            try put("model.ulm", old)
            let delay = rng.nextUnit() * duration * 1.2
            if try killed("ul-train", train + ["-e", "6", "data.csv", "-o", "model.ulm"], after: delay) { landed += 1 }
            let now = bytes("model.ulm")!
            XCTAssertTrue(now == old || now == new, "kill \(i) at \(delay) s: the model is neither the old nor the new one")
            XCTAssertNoThrow(try ModelFile.decode(try ModelContainerReader(source: now)))
            if now == new { replaced += 1 }
        }
        print("kill -9 of ul-train: \(landed) of 10 kills before the exit, \(replaced) left the new model")
        XCTAssertGreaterThan(landed, 0)
    }

    func testKillForgetWithLedger() throws {
        try writeParted("data.csv")
        XCTAssertEqual(try run("ul-train", train + ["-e", "6", "data.csv", "-o", "model.ulm"]).0, 0)
        // A first request, completed: the starting state is a model and a one-line ledger.
        try "id\nd00000\nd00005\n".write(toFile: path("first.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try run("ul-forget", ["-m", "model.ulm", "-d", "data.csv", "-r", "first.csv", "-o", "model.ulm",
                                             "--remaining", "rest.csv", "--ledger", "ledger.csv"]).0, 0)
        let before = bytes("model.ulm")!, ledgerBefore = bytes("ledger.csv")!
        XCTAssertEqual(try LedgerFile.read(path("ledger.csv")).last?.modelAfter, sha(before))
        // The second request, uninterrupted, gives the new model.
        try "id\nd00010\nd00011\nd00012\n".write(toFile: path("second.csv"), atomically: true, encoding: .utf8)
        let second = ["-m", "model.ulm", "-d", "rest.csv", "-r", "second.csv", "-o", "model.ulm", "--remaining", "rest2.csv", "--ledger", "ledger.csv"]
        let (status, duration) = try run("ul-forget", second)
        XCTAssertEqual(status, 0)
        let after = bytes("model.ulm")!
        XCTAssertNotEqual(after, before)
        var rng = SeededGenerator(seed: 12)
        var states = [String: Int]()
        for i in 0..<12 {
            try put("model.ulm", before)
            try put("ledger.csv", ledgerBefore)
            try? FileManager.default.removeItem(atPath: path("rest2.csv"))
            let delay = rng.nextUnit() * duration * 1.3
            _ = try killed("ul-forget", second, after: delay)
            let at = "kill \(i) at \(String(format: "%.3f", delay)) s"
            let model = bytes("model.ulm")!
            XCTAssertNoThrow(try ModelFile.decode(try ModelContainerReader(source: model)), at)
            XCTAssertTrue(model == before || model == after, "\(at): a model that is neither the old nor the new one")
            let ledger = try LedgerFile.read(path("ledger.csv"))
            XCTAssertTrue(bytes("ledger.csv")!.starts(with: ledgerBefore), "\(at): earlier ledger lines changed")
            XCTAssertTrue(ledger.count == 1 || ledger.count == 2, at)
            let state: String
            if ledger.last!.modelAfter == sha(model) {
                state = model == before ? "old model, old ledger" : "new model, new ledger"
                if ledger.count == 2 { XCTAssertEqual(ledger[1].modelBefore, sha(before), at) }
            } else {
                // The window between the two renames: the rerun of the request closes it.
                XCTAssertTrue(model == after && ledger.count == 1 && ledger[0].modelAfter == sha(before), "\(at): ledger and model disagree")
                state = "new model, old ledger"
                XCTAssertEqual(try run("ul-forget", second).0, 0, "\(at): the rerun failed")
                XCTAssertEqual(try LedgerFile.read(path("ledger.csv")).last?.modelAfter, sha(bytes("model.ulm")!), "\(at): rerun left a gap")
                XCTAssertEqual(bytes("model.ulm"), after)
            }
            states[state, default: 0] += 1
        }
        print("kill -9 of ul-forget --ledger: \(states.sorted { $0.key < $1.key })")
        XCTAssertNotNil(states["old model, old ledger"], "no kill landed before the outputs")
    }

    /// The same with --data DIR of a shard store (ul-store(5)): after every kill each store file is the old
    /// one or the new one (never partial), the old model comes only with the old store, and rerunning the
    /// request leaves the new model with the new store.
    func testKillForgetWithStore() throws {
        try writeParted("data.csv")
        XCTAssertEqual(try run("ul-partition", ["--store", "store", "--as-is", "data.csv"]).0, 0)
        XCTAssertEqual(try run("ul-train", train + ["-e", "6", "store", "-o", "model.ulm"]).0, 0)
        let files = ["store/shard-0000.uls", "store/shard-0001.uls"]
        let before = bytes("model.ulm")!, storeBefore = files.map { bytes($0)! }
        try "id\nd00010\nd00011\nd00012\n".write(toFile: path("req.csv"), atomically: true, encoding: .utf8)
        let request = ["-m", "model.ulm", "-d", "store", "-r", "req.csv", "-o", "model.ulm", "--ledger", "ledger.csv"]
        let (status, duration) = try run("ul-forget", request)
        XCTAssertEqual(status, 0)
        let after = bytes("model.ulm")!, storeAfter = files.map { bytes($0)! }, ledgerAfter = bytes("ledger.csv")!
        XCTAssertNotEqual(storeAfter, storeBefore)
        var rng = SeededGenerator(seed: 13)
        var states = [String: Int]()
        for i in 0..<12 {
            try put("model.ulm", before)
            for (f, b) in zip(files, storeBefore) { try put(f, b) }
            try? FileManager.default.removeItem(atPath: path("ledger.csv"))
            let delay = rng.nextUnit() * duration * 1.3
            _ = try killed("ul-forget", request, after: delay)
            let at = "kill \(i) at \(String(format: "%.3f", delay)) s"
            let model = bytes("model.ulm")!
            XCTAssertTrue(model == before || model == after, "\(at): a model that is neither the old nor the new one")
            let store = files.map { bytes($0)! }
            for k in files.indices {
                XCTAssertTrue(store[k] == storeBefore[k] || store[k] == storeAfter[k], "\(at): \(files[k]) is neither the old nor the new one")
            }
            if model == before { XCTAssertEqual(store, storeBefore, "\(at): the store changed before the model") }
            let state = model == before ? "old model" : store == storeAfter ? "new model, new store" : "new model, store being rewritten"
            states[state, default: 0] += 1
            // Whatever the state, the request runs again and ends with the uninterrupted run's model and store.
            XCTAssertEqual(try run("ul-forget", request).0, 0, "\(at): the rerun failed")
            XCTAssertTrue(bytes("model.ulm") == after, "\(at): the rerun left another model")
            XCTAssertTrue(files.map { bytes($0)! } == storeAfter, "\(at): the rerun left another store")
        }
        print("kill -9 of ul-forget --data STORE: \(states.sorted { $0.key < $1.key })")
        XCTAssertNotNil(states["old model"], "no kill landed before the outputs")
        // The windows after the model's rename are narrow for random kills: every state they can leave is set
        // up directly, and the rerun finishes it. Before the ledger line: the new model, the old store. After
        // it: the new model with any mix of old and new store files.
        for (mix, ledgerLine) in [([false, false], false), ([false, false], true), ([true, false], true), ([false, true], true)] {
            let state = "new model, \(ledgerLine ? "ledger line written" : "no ledger line"), store files new: \(mix)"
            try put("model.ulm", after)
            for k in files.indices { try put(files[k], mix[k] ? storeAfter[k] : storeBefore[k]) }
            try? FileManager.default.removeItem(atPath: path("ledger.csv"))
            if ledgerLine { try put("ledger.csv", ledgerAfter) }
            XCTAssertEqual(try run("ul-forget", request).0, 0, "\(state): the rerun failed")
            XCTAssertTrue(bytes("model.ulm") == after, "\(state): the rerun left another model")
            XCTAssertTrue(files.map { bytes($0)! } == storeAfter, "\(state): the rerun left another store")
            if ledgerLine { XCTAssertTrue(bytes("ledger.csv") == ledgerAfter, "\(state): the rerun added a second line for the batch") }
        }
    }
}
