import Foundation
import XCTest
import ULTestSupport

/// Runs the case folders under `cases/<tool>/<case>/` (format in cases/README.md): `cmd` is run by /bin/sh
/// in a fresh temporary directory holding a copy of the folder, with the built tools first on PATH and
/// `$DATA` set to examples/data; `expected_status` (default 0), `expected_output` (exact stdout),
/// `expected_stderr` (a substring of stderr) and `absent` (files that must not exist afterwards) are checked.
///
/// One test method per tool. `UL_CASE=<tool>/<case>` runs one case (a prefix such as `UL_CASE=ul-forget`
/// runs that tool's cases; several, comma-separated); `UL_REGENERATE=1` writes the run's standard output
/// and exit status over `expected_output` and `expected_status` instead of comparing them.
final class EndToEndTests: XCTestCase {
    static let casesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("cases")

    /// The tools that have a test method below; every folder under cases/ must be one of them.
    static let tools = ["ul-audit", "ul-forget", "ul-influence", "ul-inspect", "ul-partition", "ul-plot", "ul-predict", "ul-select", "ul-train"]

    func testULAuditCases() throws { try runCases(of: "ul-audit") }
    func testULForgetCases() throws { try runCases(of: "ul-forget") }
    func testULInfluenceCases() throws { try runCases(of: "ul-influence") }
    func testULInspectCases() throws { try runCases(of: "ul-inspect") }
    func testULPartitionCases() throws { try runCases(of: "ul-partition") }
    func testULPlotCases() throws { try runCases(of: "ul-plot") }
    func testULPredictCases() throws { try runCases(of: "ul-predict") }
    func testULSelectCases() throws { try runCases(of: "ul-select") }
    func testULTrainCases() throws { try runCases(of: "ul-train") }

    /// A new tool folder under cases/ needs its test method, or its cases would never run.
    func testEveryToolFolderHasATestMethod() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.casesDirectory.path).filter { !$0.hasPrefix(".") }
        let unknown = folders.filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: Self.casesDirectory.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && isDirectory.boolValue && !Self.tools.contains(name)
        }
        XCTAssertEqual(unknown.sorted(), [], "case folders without a test method in EndToEndTests")
    }

    /// The case names (`<tool>/<case>`) of every folder holding a `cmd`, sorted.
    static func allCases() throws -> [String] {
        let fm = FileManager.default
        var out = [String]()
        for tool in try fm.contentsOfDirectory(atPath: casesDirectory.path).sorted() {
            let toolDir = casesDirectory.appendingPathComponent(tool)
            guard let names = try? fm.contentsOfDirectory(atPath: toolDir.path) else { continue }
            for name in names.sorted() where fm.fileExists(atPath: toolDir.appendingPathComponent("\(name)/cmd").path) {
                out.append("\(tool)/\(name)")
            }
        }
        return out
    }

    /// The entries of `UL_CASE` (comma-separated), or nil when it is unset or empty.
    static var filter: [String]? {
        guard let value = ProcessInfo.processInfo.environment["UL_CASE"], !value.isEmpty else { return nil }
        return value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    /// The cases of `cases` that `entry` selects: the case of that name, or, when there is none, every case
    /// whose name starts with it.
    static func selected(by entry: String, among cases: [String]) -> [String] {
        cases.contains(entry) ? [entry] : cases.filter { $0.hasPrefix(entry) }
    }

    static var regenerating: Bool {
        let value = ProcessInfo.processInfo.environment["UL_REGENERATE"] ?? ""
        return !value.isEmpty && value != "0"
    }

    func runCases(of tool: String) throws {
        let all = try Self.allCases()
        var cases = all.filter { $0.hasPrefix(tool + "/") }
        XCTAssertFalse(cases.isEmpty, "no case folders under \(Self.casesDirectory.appendingPathComponent(tool).path)")
        if let entries = Self.filter {
            let filter = entries.joined(separator: ",")
            for entry in entries where Self.selected(by: entry, among: all).isEmpty {
                XCTFail("UL_CASE entry '\(entry)' names no case folder under \(Self.casesDirectory.path)")
            }
            let chosen = Set(entries.flatMap { Self.selected(by: $0, among: all) })
            cases = cases.filter(chosen.contains)
            if cases.isEmpty { throw XCTSkip("UL_CASE=\(filter) selects none of the \(tool) cases") }
            print("UL_CASE=\(filter): \(cases.joined(separator: " "))")
        }
        XCTAssertTrue(BuiltTools.isBuilt(tool), "\(tool) is not built in \(BuiltTools.directory.path)")
        for name in cases {
            let failuresBefore = testRun?.totalFailureCount ?? 0
            do {
                try run(name)
            } catch {
                XCTFail("\(name): \(error)")
            }
            if (testRun?.totalFailureCount ?? 0) > failuresBefore {
                print("case \(name) failed; run it alone with: UL_CASE=\(name) swift test --disable-swift-testing --filter ULEndToEndTests")
            }
        }
    }

    /// Runs the case `name` (`<tool>/<case>`); every failure message names it.
    func run(_ name: String) throws {
        let fm = FileManager.default
        let folder = Self.casesDirectory.appendingPathComponent(name)
        let scratch = try WorkDirectory.make("e2e")
        let work = scratch.appendingPathComponent("work")
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: scratch) }
        for file in try fm.contentsOfDirectory(atPath: folder.path) {
            try fm.copyItem(at: folder.appendingPathComponent(file), to: work.appendingPathComponent(file))
        }
        let run = try ProcessRunner.runScript("exec /bin/sh cmd", in: work)
        let err = run.stderr
        func url(_ file: String) -> URL { folder.appendingPathComponent(file) }
        func text(_ file: String) -> String? {
            (try? Data(contentsOf: url(file))).map { String(decoding: $0, as: UTF8.self) }
        }

        if Self.regenerating {
            // The run's status and output become the expectations; the hand-written checks below still apply.
            if fm.fileExists(atPath: url("expected_status").path) || run.status != 0 {
                try "\(run.status)\n".write(to: url("expected_status"), atomically: true, encoding: .utf8)
            }
            if fm.fileExists(atPath: url("expected_output").path) {
                try run.stdout.write(to: url("expected_output"), atomically: true, encoding: .utf8)
            }
            print("\(name): regenerated (status \(run.status))")
        } else {
            let expectedStatus = Int32(text("expected_status")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "0")
            XCTAssertNotNil(expectedStatus, "\(name): expected_status is not a number")
            XCTAssertEqual(run.status, expectedStatus ?? -1, "\(name): exit status; stderr: \(err)")
            if let expected = try? Data(contentsOf: url("expected_output")) {
                XCTAssertEqual(run.stdout, String(decoding: expected, as: UTF8.self), "\(name): standard output")
            }
        }
        if let needle = text("expected_stderr")?.trimmingCharacters(in: .newlines) {
            XCTAssertTrue(err.contains(needle), "\(name): stderr lacks '\(needle)'; got: \(err)")
        }
        for file in (text("absent") ?? "").split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) where !file.isEmpty {
            XCTAssertFalse(fm.fileExists(atPath: work.appendingPathComponent(file).path), "\(name): \(file) was left behind")
        }
        // No temporary output (.NAME.PID.tmp) may survive a run either.
        let leftovers = (try fm.contentsOfDirectory(atPath: work.path)).filter { $0.hasPrefix(".") && $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [], "\(name): temporary files left behind")
    }
}
