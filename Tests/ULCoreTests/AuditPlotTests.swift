import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import ULCore

final class AuditPlotTests: XCTestCase {
    /// Counts elements by name and collects the `class` of each path; fails on malformed XML.
    final class Collector: NSObject, XMLParserDelegate {
        var elements = [String: Int]()
        var pathClasses = [String]()
        var text = ""
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            elements[name, default: 0] += 1
            if name == "path" { pathClasses.append(attributes["class"] ?? "") }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    }

    func parse(_ svg: String) throws -> Collector {
        let parser = XMLParser(data: Data(svg.utf8))
        let c = Collector()
        parser.delegate = c
        XCTAssertTrue(parser.parse(), "\(String(describing: parser.parserError))")
        return c
    }

    func curves() throws -> [ROCPlot.Series] {
        var g = SeededGenerator(seed: 11)
        func scores(_ n: Int, _ shift: Double) -> [Double] { (0..<n).map { _ in g.nextGaussian() + shift } }
        return [
            ROCPlot.Series(name: "original", curve: try ROCCurve(memberScores: scores(500, 1), nonMemberScores: scores(2000, 0))),
            ROCPlot.Series(name: "forgotten", curve: try ROCCurve(memberScores: scores(500, 0.2), nonMemberScores: scores(2000, 0))),
            ROCPlot.Series(name: "retrained <&> 'x'", curve: try ROCCurve(memberScores: scores(500, 0), nonMemberScores: scores(2000, 0))),
        ]
    }

    func testWellFormedWithOnePathPerCurve() throws {
        let series = try curves()
        let svg = ROCPlot(series: series).svg()
        let c = try parse(svg)
        XCTAssertEqual(c.elements["svg"], 1)
        XCTAssertEqual(c.pathClasses.filter { $0 == "roc" }.count, 3)
        XCTAssertEqual(c.pathClasses.filter { $0 == "chance" }.count, 1)
        XCTAssertTrue(c.text.contains("retrained <&> 'x'"))
        XCTAssertTrue(c.text.contains("False positive rate"))
        XCTAssertTrue(c.text.contains("True positive rate"))
        XCTAssertTrue(c.text.contains(String(format: "original (AUC %.3f)", series[0].curve.auc)))
        // 2000 non-members: axes from 1e-4 with decade labels.
        XCTAssertEqual(ROCPlot(series: series).axisMinimum, 1e-4)
        for label in ["1e-4", "0.001", "0.01", "0.1", "1"] { XCTAssertTrue(c.text.contains(label), label) }
    }

    func testAxisRangeAndEdgeCases() throws {
        let small = try ROCCurve(memberScores: [1, 2, 3], nonMemberScores: [0, 1.5])
        XCTAssertEqual(ROCPlot(series: [.init(name: "s", curve: small)]).axisMinimum, 1e-3)
        let big = try ROCCurve(memberScores: [1], nonMemberScores: [Double](repeating: 0, count: 1_100_000))
        XCTAssertEqual(ROCPlot(series: [.init(name: "b", curve: big)]).axisMinimum, 1e-6)
        var fixed = ROCPlot(series: [.init(name: "s", curve: small)])
        fixed.lowerBound = 1e-2
        XCTAssertEqual(fixed.axisMinimum, 1e-2)
        // No curves, and a name with a control character, still give well-formed XML.
        XCTAssertEqual(try parse(ROCPlot(series: []).svg()).pathClasses, ["chance"])
        let c = try parse(ROCPlot(series: [.init(name: "a\u{1}b", curve: small)], title: "T & U").svg())
        XCTAssertTrue(c.text.contains("T & U"))
        XCTAssertEqual(c.pathClasses.filter { $0 == "roc" }.count, 1)
    }
}
