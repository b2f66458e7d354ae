import Foundation
import XCTest
import ULTestSupport

/// Runs every case folder under `cases/<tool>/<case>/`: `cmd` is run by /bin/sh in a fresh temporary
/// directory holding a copy of the folder, with the built tools first on PATH and `$DATA` set to
/// examples/data; `expected_status` (default 0), `expected_output` (exact stdout), `expected_stderr`
/// (a substring of stderr) and `absent` (files that must not exist afterwards) are checked.
final class EndToEndTests: XCTestCase {
    static let casesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("cases")

    func caseFolders() throws -> [URL] {
        let fm = FileManager.default
        var out = [URL]()
        for tool in try fm.contentsOfDirectory(atPath: Self.casesDirectory.path).sorted() {
            let toolDir = Self.casesDirectory.appendingPathComponent(tool)
            for name in try fm.contentsOfDirectory(atPath: toolDir.path).sorted() {
                let dir = toolDir.appendingPathComponent(name)
                if fm.fileExists(atPath: dir.appendingPathComponent("cmd").path) { out.append(dir) }
            }
        }
        return out
    }

    func testAllCases() throws {
        let folders = try caseFolders()
        XCTAssertFalse(folders.isEmpty, "no case folders under \(Self.casesDirectory.path)")
        let tools = try FileManager.default.contentsOfDirectory(atPath: Self.casesDirectory.path)
        for tool in tools {
            XCTAssertTrue(BuiltTools.isBuilt(tool), "\(tool) is not built in \(BuiltTools.directory.path)")
        }
        for folder in folders { try run(folder) }
    }

    func run(_ folder: URL) throws {
        let fm = FileManager.default
        let name = folder.deletingLastPathComponent().lastPathComponent + "/" + folder.lastPathComponent
        let scratch = try WorkDirectory.make("e2e")
        let work = scratch.appendingPathComponent("work")
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: scratch) }
        for file in try fm.contentsOfDirectory(atPath: folder.path) {
            try fm.copyItem(at: folder.appendingPathComponent(file), to: work.appendingPathComponent(file))
        }
        let run = try ProcessRunner.runScript("exec /bin/sh cmd", in: work)
        let err = run.stderr
        func text(_ file: String) -> String? {
            (try? Data(contentsOf: folder.appendingPathComponent(file))).map { String(decoding: $0, as: UTF8.self) }
        }
        let expectedStatus = Int32(text("expected_status")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "0")
        XCTAssertNotNil(expectedStatus, "\(name): expected_status is not a number")
        XCTAssertEqual(run.status, expectedStatus ?? -1, "\(name): exit status; stderr: \(err)")
        if let expected = try? Data(contentsOf: folder.appendingPathComponent("expected_output")) {
            XCTAssertEqual(run.stdout, String(decoding: expected, as: UTF8.self), "\(name): standard output")
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
