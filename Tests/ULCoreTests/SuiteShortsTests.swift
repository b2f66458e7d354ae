import Foundation
import XCTest
import ULCLI
import ULTestSupport

/// The suite's rule for short options (ul(7), SHORT OPTIONS): a short letter means the same long option in
/// every tool. Each built tool's --help is read, and every `-x, --name` row must agree with `SuiteShorts`.
final class SuiteShortsTests: XCTestCase {
    static let tools = ["ul-partition", "ul-select", "ul-train", "ul-predict", "ul-forget", "ul-influence", "ul-audit", "ul-inspect", "ul-plot"]

    /// The short letters of the "Options:" rows of --help, with their long names: lines like `  -m, --model M`.
    static func shortForms(_ help: String) -> [(short: Character, long: String)] {
        let regex = try! NSRegularExpression(pattern: #"^ +-([A-Za-z0-9]), --([a-z0-9]+(?:-[a-z0-9]+)*)"#, options: .anchorsMatchLines)
        let ns = help as NSString
        return regex.matches(in: help, range: NSRange(location: 0, length: ns.length)).map {
            (Character(ns.substring(with: $0.range(at: 1))), ns.substring(with: $0.range(at: 2)))
        }
    }

    func testHelpRowsAreParsed() {
        let help = "Options:\n  -m, --model M           the model\n      --data-dir DIR     rows\n  -j, --jobs J  at once\n"
            + "      --report FILE   the same as -o, --output\n"
        XCTAssertEqual(Self.shortForms(help).map { "\($0.short)=\($0.long)" }, ["m=model", "j=jobs"])
    }

    func testEveryToolsShortFormsMeanWhatTheSuiteSays() throws {
        let directory = FileManager.default.temporaryDirectory
        for tool in Self.tools {
            guard BuiltTools.isBuilt(tool) else {
                XCTFail("\(tool) is not built beside the tests (\(BuiltTools.directory.path)): run swift build first")
                continue
            }
            let r = try ProcessRunner.run(tool: tool, ["--help"], in: directory)
            XCTAssertEqual(r.status, 0, "\(tool) --help: \(r.stderr)")
            let shorts = Self.shortForms(r.stdout)
            XCTAssertTrue(shorts.contains { $0.short == "h" && $0.long == "help" }, "\(tool) --help: no -h, --help row in:\n\(r.stdout)")
            for (short, long) in shorts {
                if let meaning = SuiteShorts.meaning(short) {
                    XCTAssertEqual(long, meaning, "\(tool): -\(short) is --\(long), but -\(short) means --\(meaning) in the suite")
                } else {
                    XCTFail("\(tool): -\(short) (--\(long)) is not a short letter of the suite (SuiteShorts.table)")
                }
            }
            let letters = shorts.map(\.short)
            XCTAssertEqual(Set(letters).count, letters.count, "\(tool): a short letter is listed twice")
        }
    }
}
