import Foundation
import XCTest
import ULTestSupport

/// The pages in man/: each renders without a warning, and each tool page lists exactly the options the
/// built tool's --help lists. A page whose tool is not built here is skipped until the tool exists.
final class ManPageTests: XCTestCase {
    static let manDirectory = TestPaths.repository.appendingPathComponent("man")

    func pages() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(atPath: Self.manDirectory.path)
            .filter { $0.range(of: #"\.[1-8]$"#, options: .regularExpression) != nil }
            .sorted().map { Self.manDirectory.appendingPathComponent($0) }
    }

    func testEveryPageRendersWithoutWarnings() throws {
        guard ProcessRunner.isInstalled("man") else { throw XCTSkip("man is not installed (apt-get install man-db groff-base)") }
        let pages = try pages()
        XCTAssertFalse(pages.isEmpty)
        for page in pages {
            let r = try ProcessRunner.runScript("MANWIDTH=80 man --warnings -l \"$PAGE\"", in: Self.manDirectory, environment: ["PAGE": page.path])
            XCTAssertEqual(r.status, 0, "\(page.lastPathComponent): \(r.stderr)")
            XCTAssertEqual(r.stderr, "", "\(page.lastPathComponent) renders with warnings")
            XCTAssertTrue(r.stdout.contains("NAME"), "\(page.lastPathComponent) rendered nothing")
        }
    }

    /// Long option names (`\-\-name` in roff) in the SYNOPSIS and in the tags of the OPTIONS entries (the
    /// line after each .TP), not in running text, which may name other tools' options.
    static func manOptions(_ roff: String) -> Set<String> {
        var section = ""
        var previous = ""
        var out = Set<String>()
        for line in roff.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix(".SH ") {
                section = line.dropFirst(4).trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\"", with: "")
            } else if section == "SYNOPSIS" || (section == "OPTIONS" && previous == ".TP") {
                // Font escapes (\fB, \fR, \f(CW, \f[B]) go first: they sit right against the dashes.
                let plain = line.replacingOccurrences(of: #"\\f(\[[^\]]*\]|\(..|.)"#, with: "", options: .regularExpression)
                out.formUnion(longNames(plain.replacingOccurrences(of: "\\-", with: "-")))
            }
            previous = line.trimmingCharacters(in: .whitespaces)
        }
        return out
    }

    /// Long option names in the "Options:" rows of --help: lines starting with `-x, --name` or `--name`.
    static func helpOptions(_ help: String) -> Set<String> {
        var out = Set<String>()
        for line in help.split(separator: "\n").map(String.init) {
            guard let m = line.range(of: #"^\s+(-[A-Za-z0-9], )?\s*--[a-z0-9][a-z0-9-]*"#, options: .regularExpression) else { continue }
            out.formUnion(longNames(String(line[m])))
        }
        return out
    }

    static func longNames(_ text: String) -> Set<String> {
        let regex = try! NSRegularExpression(pattern: #"(?<![A-Za-z0-9-])--([a-z0-9]+(?:-[a-z0-9]+)*)"#)
        let ns = text as NSString
        return Set(regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) })
    }

    func testToolPagesListExactlyTheOptionsOfHelp() throws {
        var checked = 0
        for page in try pages() where page.pathExtension == "1" {
            let tool = page.deletingPathExtension().lastPathComponent
            let binary = BuiltTools.url(tool)
            guard FileManager.default.isExecutableFile(atPath: binary.path) else { continue }  // not built on this branch
            let help = try ProcessRunner.runScript("\"$TOOL\" --help", in: Self.manDirectory, environment: ["TOOL": binary.path])
            XCTAssertEqual(help.status, 0, "\(tool) --help: \(help.stderr)")
            let fromHelp = Self.helpOptions(help.stdout)
            XCTAssertTrue(fromHelp.contains("help") && fromHelp.count > 2, "\(tool) --help: options not found in:\n\(help.stdout)")
            let fromPage = Self.manOptions(try String(contentsOf: page, encoding: .utf8))
            XCTAssertEqual(fromPage.subtracting(fromHelp).sorted(), [], "\(page.lastPathComponent) lists options \(tool) --help does not")
            XCTAssertEqual(fromHelp.subtracting(fromPage).sorted(), [], "\(page.lastPathComponent) lacks options of \(tool) --help")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 0, "no tool page has a built tool")
    }

    /// The parsers on text that has a known answer, so a broken parser cannot pass the test above vacuously.
    func testOptionParsers() {
        let roff = """
            .SH SYNOPSIS
            .B ul-x
            [\\fB\\-\\-alpha\\-beta\\fR \\fIN\\fR] [\\fB\\-q\\fR]
            .SH OPTIONS
            .TP
            .BR \\-g ", " \\-\\-gamma " \\fIG\\fR"
            Unlike \\fB\\-\\-delta\\fR of another tool.
            .TP
            .BI \\-\\-id " COL" "\\fR, \\fB\\-\\-label" " COL"
            Names.
            .SH EXAMPLE
            ul-x \\-\\-epsilon
            """
        XCTAssertEqual(Self.manOptions(roff), ["alpha-beta", "gamma", "id", "label"])
        let help = """
            ul-x — a tool

            Usage:
              ul-x [--alpha-beta N]

            Options:
              -g, --gamma G      the gamma (not --delta)
                  --id COL       the id
              -h, --help         show this help and exit
            """
        XCTAssertEqual(Self.helpOptions(help), ["gamma", "id", "help"])
    }
}
