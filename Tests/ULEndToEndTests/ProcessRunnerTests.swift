import Foundation
import XCTest
import ULTestSupport

/// The shared runner itself: standard input, environment, working directory, output and exit status.
final class ProcessRunnerTests: XCTestCase {
    func testInputEnvironmentDirectoryAndStatusReachTheChild() throws {
        let dir = try makeWorkDirectory("runner")
        let r = try ProcessRunner.run(URL(fileURLWithPath: "/bin/sh"),
                                      ["-c", "cat; printf '%s\\n' \"$UL_RUNNER_TEST\" \"$(pwd -P)\"; echo oops >&2; exit 3"],
                                      in: dir, input: .data(Data("from stdin\n".utf8)), environment: ["UL_RUNNER_TEST": "set"])
        XCTAssertEqual(r.status, 3)
        XCTAssertEqual(r.reason, .exit)
        XCTAssertEqual(r.stdout, "from stdin\nset\n\(dir.resolvingSymlinksInPath().path)\n")
        XCTAssertEqual(r.stderr, "oops\n")
    }

    func testScriptsFindTheBuiltToolsFirst() throws {
        let r = try ProcessRunner.runScript("command -v ul-train; echo \"$LC_ALL\"", in: try makeWorkDirectory("runner"))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, BuiltTools.url("ul-train").path + "\nC\n")
    }
}
