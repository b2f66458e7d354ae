import Foundation
import XCTest
import ULCLI
@testable import ULCore
import ULTestSupport

/// The curvature sidecar after approximate requests, through the built tools: the affected shard's factor
/// is downdated to the remaining rows at the parameters it was made at and stored under the patched
/// state's key, so a second request loads it (no recompute) and a later one downdates it again; mlp's
/// preconditioner is dropped.
final class CurvatureSidecarTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try makeWorkDirectory("curvature-sidecar") }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func run(_ tool: String, _ args: [String]) throws -> ProcessResult {
        let r = try ProcessRunner.run(tool: tool, args, in: dir)
        XCTAssertEqual(r.status, 0, "\(tool) \(args): \(r.stderr)")
        return r
    }

    func model(_ name: String) throws -> ModelFile { try ModelFile.decode(try ModelContainerReader(source: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name)))))) }

    /// The factor of shard 0's Hessian over the rows of `data` that `reference` (a model) holds, at θ.
    func factor(model m: ModelFile, data: String, theta: [Double]) throws -> CholeskyFactor {
        let rows = try ModelRows(path: path(data), model: m)
        let record = m.shards[0]
        var position = [String: Int]()
        for (i, id) in rows.data.ids.enumerated() { position[id] = i }
        let objective = ShardCurvature.objective(config: m.config, classCount: m.labels.count, shard: record, data: rows.data,
                                                 rows: try record.rowsInRecordOrder(position))
        guard case let .cholesky(f) = try StoredCurvature.compute(objective, at: theta, solver: .exact, damping: 0) else { fatalError() }
        return f
    }

    func relativeError(_ a: CholeskyFactor, _ b: CholeskyFactor) -> Double {
        let la = a.lowerTriangle, lb = b.lowerTriangle
        var diff = 0.0, scale = 0.0
        for i in la.indices { diff = max(diff, abs(la[i] - lb[i])); scale = max(scale, abs(lb[i])) }
        return diff / scale
    }

    func testSecondRequestUsesTheDowndatedFactor() throws {
        let lines = try exampleLines("breast_cancer.csv").prefix(161)
        try (lines.joined(separator: "\n") + "\n").write(toFile: path("bc.csv"), atomically: true, encoding: .utf8)
        try "id\nbc00003\nbc00050\n".write(toFile: path("r1.csv"), atomically: true, encoding: .utf8)
        try "id\nbc00007\nbc00100\nbc00101\n".write(toFile: path("r2.csv"), atomically: true, encoding: .utf8)
        try "id\nbc00011\n".write(toFile: path("r3.csv"), atomically: true, encoding: .utf8)
        _ = try run("ul-train", ["-q", "--standardize", "-e", "200", "bc.csv", "-o", "m.ulm"])
        let theta0 = try model("m.ulm").shards[0].finalParameters

        // First request: no sidecar, so the curvature is computed, used, downdated and stored.
        let first = try run("ul-forget", ["-v", "--model", "m.ulm", "--data", "bc.csv", "--requests", "r1.csv", "--method", "puma",
                                          "-o", "a.ulm", "--remaining", "rem1.csv", "--curvature", "c.curv"])
        XCTAssertTrue(first.stderr.contains("curvature computed"), first.stderr)
        XCTAssertTrue(first.stderr.contains("shard 0 downdated to the remaining rows"), first.stderr)
        var sidecar = try CurvatureFile.decode(try openModelContainer(path("c.curv")))
        let a = try model("a.ulm")
        XCTAssertEqual(sidecar.entries.map(\.key), [ShardCurvature.key(config: a.config, featureCount: a.features.count,
                                                                       classCount: a.labels.count, shard: a.shards[0])])
        XCTAssertEqual(sidecar.entries[0].theta, theta0, "the parameters the factor was made at, not the patched ones")
        XCTAssertNotEqual(a.shards[0].finalParameters, theta0)
        guard case let .cholesky(stored1) = sidecar.entries[0].curvature else { return XCTFail("not a factor") }
        XCTAssertLessThan(relativeError(stored1, try factor(model: a, data: "rem1.csv", theta: theta0)), 1e-9)

        // Second request (Newton) on the patched model: the stored factor is loaded, downdated again.
        let second = try run("ul-forget", ["-v", "--model", "a.ulm", "--data", "rem1.csv", "--requests", "r2.csv", "--method", "newton",
                                           "-o", "b.ulm", "--remaining", "rem2.csv", "--curvature", "c.curv"])
        XCTAssertTrue(second.stderr.contains("curvature loaded"), second.stderr)
        XCTAssertFalse(second.stderr.contains("curvature computed"), second.stderr)
        sidecar = try CurvatureFile.decode(try openModelContainer(path("c.curv")))
        let b = try model("b.ulm")
        XCTAssertEqual(sidecar.entries.map(\.key), [ShardCurvature.key(config: b.config, featureCount: b.features.count,
                                                                       classCount: b.labels.count, shard: b.shards[0])])
        XCTAssertEqual(sidecar.entries[0].theta, theta0)
        guard case let .cholesky(stored2) = sidecar.entries[0].curvature else { return XCTFail("not a factor") }
        XCTAssertLessThan(relativeError(stored2, try factor(model: b, data: "rem2.csv", theta: theta0)), 1e-9)

        // A third (PUMA) loads it too; the model a request did not produce finds no curvature of its state.
        let third = try run("ul-forget", ["-v", "--model", "b.ulm", "--data", "rem2.csv", "--requests", "r3.csv", "--method", "puma",
                                          "-o", "c.ulm", "--remaining", "rem3.csv", "--curvature", "c.curv"])
        XCTAssertTrue(third.stderr.contains("curvature loaded"), third.stderr)
        let again = try run("ul-forget", ["-v", "--model", "a.ulm", "--data", "rem1.csv", "--requests", "r2.csv", "--method", "newton",
                                          "-o", "b2.ulm", "--remaining", "rem2b.csv", "--curvature", "c.curv"])
        XCTAssertTrue(again.stderr.contains("curvature computed"), again.stderr)
    }

    func testCurvatureUpdateDropLeavesNoFactorAndNewtonMatchesTheDowndate() throws {
        let lines = try exampleLines("breast_cancer.csv").prefix(161)
        try (lines.joined(separator: "\n") + "\n").write(toFile: path("bc.csv"), atomically: true, encoding: .utf8)
        try "id\nbc00003\nbc00050\nbc00051\nbc00120\n".write(toFile: path("r.csv"), atomically: true, encoding: .utf8)
        _ = try run("ul-train", ["-q", "--standardize", "-e", "200", "bc.csv", "-o", "m.ulm"])
        _ = try run("ul-influence", ["-q", "-m", "m.ulm", "-d", "bc.csv", "--top", "1", "-o", "/dev/null"])
        let request = ["-v", "--model", "m.ulm", "--data", "bc.csv", "--requests", "r.csv", "--method", "newton"]
        for way in ["downdate", "drop"] {
            try FileManager.default.copyItem(atPath: path("m.ulm.curv"), toPath: path("\(way).curv"))
            let r = try run("ul-forget", request + ["-o", "\(way).ulm", "--remaining", "rem.csv", "--curvature", "\(way).curv",
                                                   "--curvature-update", way])
            XCTAssertTrue(r.stderr.contains("curvature loaded"), r.stderr)
            if way == "drop" {
                // The entry leaves the sidecar (its only one: the file goes), nothing summed over the rows is kept.
                XCTAssertTrue(r.stderr.contains("--curvature-update drop"), r.stderr)
                XCTAssertTrue(r.stderr.contains("conjugate-gradient iterations preconditioned by the stored factor"), r.stderr)
                XCTAssertFalse(FileManager.default.fileExists(atPath: path("drop.curv")), "a sidecar was left")
            }
        }
        // Both solve with the Hessian over the remaining rows: the factor downdated, or conjugate gradient
        // preconditioned by the stored factor.
        let a = try model("downdate.ulm").shards[0].finalParameters, b = try model("drop.ulm").shards[0].finalParameters
        let scale = a.reduce(0) { max($0, abs($1)) }
        for i in a.indices { XCTAssertEqual(a[i], b[i], accuracy: 1e-8 * scale) }
        // A way that does not exist, and the option with the exact method, are usage errors.
        let bad = try ProcessRunner.run(tool: "ul-forget", request + ["-o", "x.ulm", "--curvature-update", "sometimes"], in: dir)
        XCTAssertEqual(bad.status, 64, bad.stderr)
        let exact = try ProcessRunner.run(tool: "ul-forget", ["--model", "m.ulm", "--data", "bc.csv", "--requests", "r.csv",
                                                              "-o", "x.ulm", "--curvature-update", "drop"], in: dir)
        XCTAssertEqual(exact.status, 64, exact.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.ulm")))
    }

    func testMlpHessianPreconditionerIsDroppedAndGaussNewtonsFollowsTheRows() throws {
        let lines = try exampleLines("breast_cancer.csv").prefix(121)
        try (lines.joined(separator: "\n") + "\n").write(toFile: path("bc.csv"), atomically: true, encoding: .utf8)
        try "id\nbc00003\n".write(toFile: path("r1.csv"), atomically: true, encoding: .utf8)
        try "id\nbc00050\n".write(toFile: path("r2.csv"), atomically: true, encoding: .utf8)
        _ = try run("ul-train", ["-q", "--model", "mlp", "--standardize", "--hidden", "4", "-e", "20", "--lr", "0.01", "bc.csv", "-o", "m.ulm"])
        let r = try run("ul-forget", ["--model", "m.ulm", "--data", "bc.csv", "--requests", "r1.csv", "--method", "puma", "--damping", "100",
                                      "--curvature-kind", "hessian", "-o", "p.ulm", "--remaining", "rem.csv"])
        XCTAssertTrue(r.stderr.contains("shard 0: its stored curvature is dropped"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("m.ulm.curv")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("p.ulm.curv")))
        // Gauss–Newton's exact diagonal loses the row's terms and is stored (version 3, its kind) beside the new
        // model, then loaded by a request on that model.
        let g = try run("ul-forget", ["-v", "--model", "m.ulm", "--data", "bc.csv", "--requests", "r1.csv", "--method", "newton",
                                      "-o", "g.ulm", "--remaining", "grem.csv"])
        XCTAssertTrue(g.stderr.contains("curvature computed"), g.stderr)
        XCTAssertTrue(g.stderr.contains("diagonal downdated"), g.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("m.ulm.curv")))
        let store = try CurvatureStore(try ModelContainerReader(source: try Array(Data(contentsOf: URL(fileURLWithPath: path("g.ulm.curv"))))))
        XCTAssertEqual(store.kind, .gaussNewton)
        let next = try run("ul-forget", ["-v", "--model", "g.ulm", "--data", "grem.csv", "--requests", "r2.csv", "--method", "puma",
                                         "-o", "g2.ulm", "--remaining", "grem2.csv"])
        XCTAssertTrue(next.stderr.contains("curvature loaded"), next.stderr)
    }

    /// A request written to another file stores its curvature beside that file and leaves the model's own
    /// sidecar as it was: two requests on one model both load the factor ul-influence stored, and a request
    /// on a model such a request wrote loads that model's sidecar. A sidecar left at NEW by an earlier file
    /// there is replaced, or dropped by an exact request when it does not belong to the new model.
    func testRequestToAnotherFileKeepsTheModelsCurvature() throws {
        let lines = try exampleLines("breast_cancer.csv").prefix(121)
        try (lines.joined(separator: "\n") + "\n").write(toFile: path("bc.csv"), atomically: true, encoding: .utf8)
        try "id\nbc00003\n".write(toFile: path("r1.csv"), atomically: true, encoding: .utf8)
        try "id\nbc00050\n".write(toFile: path("r2.csv"), atomically: true, encoding: .utf8)
        _ = try run("ul-train", ["-q", "--standardize", "-e", "100", "bc.csv", "-o", "m.ulm"])
        _ = try run("ul-influence", ["-q", "-m", "m.ulm", "-d", "bc.csv", "--top", "1", "-o", "/dev/null"])
        let stored = try Data(contentsOf: URL(fileURLWithPath: path("m.ulm.curv")))
        try Data("stale".utf8).write(to: URL(fileURLWithPath: path("b.ulm.curv")))
        for (method, out) in [("puma", "a.ulm"), ("newton", "b.ulm")] {
            let r = try run("ul-forget", ["-v", "-m", "m.ulm", "-d", "bc.csv", "-r", "r1.csv", "--method", method, "-o", out, "--remaining", "rem.csv"])
            XCTAssertTrue(r.stderr.contains("curvature loaded"), "\(method): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("stored in \(out).curv"), r.stderr)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("m.ulm.curv"))), stored, "\(method) changed m.ulm.curv")
        }
        XCTAssertNoThrow(try CurvatureStore(try ModelContainerReader(source: try Array(Data(contentsOf: URL(fileURLWithPath: path("b.ulm.curv")))))))
        let next = try run("ul-forget", ["-v", "-m", "a.ulm", "-d", "rem.csv", "-r", "r2.csv", "--method", "puma", "-o", "a.ulm", "--remaining", "rem2.csv"])
        XCTAssertTrue(next.stderr.contains("curvature loaded"), next.stderr)
        // An exact request to a file with a sidecar of another model drops what does not belong to the new one.
        try FileManager.default.copyItem(atPath: path("m.ulm.curv"), toPath: path("e.ulm.curv"))
        try "id\nbc00010\n".write(toFile: path("r3.csv"), atomically: true, encoding: .utf8)
        let exact = try run("ul-forget", ["-v", "-m", "a.ulm", "-d", "rem2.csv", "-r", "r3.csv", "-o", "e.ulm", "--remaining", "rem3.csv"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("e.ulm.curv")), exact.stderr)
    }

    /// A request on one shard carries the other shards' stored sections over as they are (same bytes, same
    /// table entries), replaces the affected shard's, and a damaged carried section fails the request.
    func testOtherShardsSectionsAreCarriedOverUnchanged() throws {
        let lines = try exampleLines("breast_cancer.csv").prefix(241)
        try (lines.joined(separator: "\n") + "\n").write(toFile: path("bc.csv"), atomically: true, encoding: .utf8)
        _ = try run("ul-partition", ["--shards", "3", "--seed", "1", "bc.csv", "-o", "part.csv"])
        _ = try run("ul-train", ["-q", "--standardize", "-e", "100", "part.csv", "-o", "m.ulm"])
        _ = try run("ul-influence", ["-q", "-m", "m.ulm", "-d", "part.csv", "--top", "1", "-o", "/dev/null"])
        // One row of shard 1.
        let row = try String(contentsOfFile: path("part.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
            .first { $0.split(separator: ",").dropLast().last == "1" }!
        try "id\n\(row.split(separator: ",")[0])\n".write(toFile: path("r.csv"), atomically: true, encoding: .utf8)
        let before = try openModelContainer(path("m.ulm.curv"))
        try FileManager.default.copyItem(atPath: path("m.ulm"), toPath: path("copy.ulm"))
        try FileManager.default.copyItem(atPath: path("m.ulm.curv"), toPath: path("copy.ulm.curv"))
        _ = try run("ul-forget", ["-q", "-m", "m.ulm", "-d", "part.csv", "-r", "r.csv", "--method", "puma", "-o", "m.ulm"])
        let after = try openModelContainer(path("m.ulm.curv"))
        for tag in ["curve0000", "curve0002"] {
            XCTAssertEqual(try after.payload(tag), try before.payload(tag), tag)
            XCTAssertEqual(after.entry(tag)!.crc, before.entry(tag)!.crc, tag)
        }
        XCTAssertNotEqual(try after.payload("curve0001"), try before.payload("curve0001"))

        // A flipped byte in a section to be carried: the request fails naming the sidecar, nothing written.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("copy.ulm.curv"))))
        let e = before.entry("curve0002")!
        bytes[e.offset + e.length / 2] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: path("copy.ulm.curv")))
        let model = try Data(contentsOf: URL(fileURLWithPath: path("copy.ulm")))
        let bad = try ProcessRunner.run(tool: "ul-forget", ["-q", "-m", "copy.ulm", "-d", "part.csv", "-r", "r.csv", "--method", "puma", "-o", "copy.ulm"], in: dir)
        XCTAssertEqual(bad.status, 65, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("copy.ulm.curv"), bad.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("copy.ulm"))), model)
        XCTAssertEqual([UInt8](try Data(contentsOf: URL(fileURLWithPath: path("copy.ulm.curv")))), bytes)
    }

    /// ul-train writing over a model (a resume in place, a plain retrain) drops the stored curvature of the
    /// shard states the new model does not have — they were summed over rows since deleted — and keeps the rest.
    func testTrainingOverAModelDropsItsStaleCurvature() throws {
        let lines = try exampleLines("breast_cancer.csv").prefix(241)
        try (lines.joined(separator: "\n") + "\n").write(toFile: path("bc.csv"), atomically: true, encoding: .utf8)
        _ = try run("ul-partition", ["--shards", "3", "--blocks", "2", "--seed", "1", "bc.csv", "-o", "part.csv"])
        _ = try run("ul-train", ["-q", "--standardize", "-e", "50", "part.csv", "-o", "m.ulm"])
        _ = try run("ul-influence", ["-q", "-m", "m.ulm", "-d", "part.csv", "--top", "1", "-o", "/dev/null"])
        let before = try openModelContainer(path("m.ulm.curv"))
        // The data without one row of shard 1.
        let text = try String(contentsOfFile: path("part.csv"), encoding: .utf8).split(separator: "\n")
        let victim = text.dropFirst().firstIndex { $0.split(separator: ",").dropLast().last == "1" }!
        try ((text[..<victim] + text[(victim + 1)...]).joined(separator: "\n") + "\n").write(toFile: path("less.csv"), atomically: true, encoding: .utf8)

        let resumed = try run("ul-train", ["--resume", "m.ulm", "--standardize", "-e", "50", "less.csv", "-o", "m.ulm"])
        XCTAssertTrue(resumed.stderr.contains("stored curvature of shard 1 dropped from m.ulm.curv"), resumed.stderr)
        let after = try openModelContainer(path("m.ulm.curv"))
        XCTAssertEqual(after.entries.map(\.tag), ["curvature", "curve0000", "curve0002"])
        for tag in ["curve0000", "curve0002"] { XCTAssertEqual(try after.payload(tag), try before.payload(tag), tag) }
        // The kept entries still belong to the new model: a request on shard 0 loads its factor, no recompute.
        let kept = try CurvatureFile.decode(after)
        XCTAssertEqual(kept.entries.map(\.shard), [0, 2])

        // A plain retrain with another penalty: no shard state is left, so the sidecar goes. (Fewer epochs
        // alone need not change a state: a shard whose L-BFGS stops early ends where it did.)
        let plain = try run("ul-train", ["--standardize", "-e", "40", "--l2", "2", "less.csv", "-o", "m.ulm"])
        XCTAssertTrue(plain.stderr.contains("stored curvature of shards 0 2 dropped"), plain.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("m.ulm.curv")))

        // Training to another path leaves a model's sidecar alone.
        _ = try run("ul-influence", ["-q", "-m", "m.ulm", "-d", "less.csv", "--top", "1", "-o", "/dev/null"])
        let sidecar = try Data(contentsOf: URL(fileURLWithPath: path("m.ulm.curv")))
        _ = try run("ul-train", ["-q", "--standardize", "-e", "30", "less.csv", "-o", "other.ulm"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("m.ulm.curv"))), sidecar)
    }
}
