import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import ULCore

/// LineChart, BarChart and their axes: well-formed SVG, one element per series or bar, nice and decade
/// ticks, gaps, escaping, determinism and the typed errors.
final class ChartTests: XCTestCase {
    /// Elements by name, the `class` of each path, rect and g, each path's `d`, and the text content.
    final class Collector: NSObject, XMLParserDelegate {
        var elements = [String: Int]()
        var classes = [String: Int]()
        var paths = [String]()
        var dashedPaths = 0
        var texts = [String]()
        var current = ""
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            elements[name, default: 0] += 1
            if let c = attributes["class"] { classes[c, default: 0] += 1 }
            if name == "path" {
                paths.append(attributes["d"] ?? "")
                if attributes["stroke-dasharray"] != nil { dashedPaths += 1 }
            }
            current = ""
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "text" || name == "title" { texts.append(current) }
            current = ""
        }
    }

    func parse(_ svg: String, file: StaticString = #filePath, line: UInt = #line) -> Collector {
        let parser = XMLParser(data: Data(svg.utf8))
        let c = Collector()
        parser.delegate = c
        XCTAssertTrue(parser.parse(), "\(String(describing: parser.parserError))", file: file, line: line)
        return c
    }

    func points(_ pairs: [(Double, Double?)]) -> [LineChart.Point?] {
        pairs.map { x, y in y.map { LineChart.Point(x: x, y: $0) } }
    }

    func twoSeries() -> LineChart {
        LineChart(series: [
            .init(name: "exact", points: points([(1, 0.9), (2, 0.8), (4, 0.75), (8, 0.7)])),
            .init(name: "retrain", points: points([(1, 0.95), (2, 0.85), (4, 0.8), (8, 0.72)]), dashed: true),
        ], title: "Accuracy", xLabel: "requests", yLabel: "accuracy")
    }

    func testLineChartHasOnePathAndMarkersPerSeries() throws {
        let c = parse(try twoSeries().svg())
        XCTAssertEqual(c.elements["svg"], 1)
        XCTAssertEqual(c.classes["series"], 2)
        XCTAssertEqual(c.classes["markers"], 2)
        XCTAssertEqual(c.elements["circle"], 8 + 2, "a marker per point and one per legend row")
        XCTAssertEqual(c.classes["legend"], 2)
        XCTAssertEqual(c.dashedPaths, 1, "the retrain series is dashed")
        for t in ["Accuracy", "requests", "accuracy", "exact", "retrain"] { XCTAssertTrue(c.texts.contains(t), t) }
        // x from 1 to 8: steps of 2 from 0 to 8 (rounded out); y from 0.7 to 0.95: steps of 0.05.
        for t in ["0", "2", "4", "6", "8", "0.70", "0.80", "0.95"] { XCTAssertTrue(c.texts.contains(t), t) }
        XCTAssertFalse(c.texts.contains("10"))
    }

    func testSameChartSameBytes() throws {
        XCTAssertEqual(try twoSeries().svg(), try twoSeries().svg())
        var other = twoSeries()
        other.series[0].points[1] = LineChart.Point(x: 2, y: 0.81)
        XCTAssertNotEqual(try twoSeries().svg(), try other.svg())
    }

    func testMissingPointBreaksTheLine() throws {
        let chart = LineChart(series: [.init(name: "a", points: points([(1, 1), (2, 2), (3, nil), (4, 3), (5, 4), (6, nil), (7, 5)]))])
        let c = parse(try chart.svg())
        let d = try XCTUnwrap(c.paths.first)
        XCTAssertEqual(d.filter { $0 == "M" }.count, 3, d)
        XCTAssertEqual(d.filter { $0 == "L" }.count, 2, d)
        XCTAssertEqual(c.elements["circle"], 5 + 1, "an isolated point keeps its marker")
    }

    func testSeriesWithoutPointsHasALegendRowButNoPath() throws {
        let chart = LineChart(series: [.init(name: "a", points: points([(1, 1), (2, 2)])), .init(name: "empty", points: [nil, nil])])
        let c = parse(try chart.svg())
        XCTAssertEqual(c.classes["series"], 1)
        XCTAssertEqual(c.classes["legend"], 2)
    }

    func testLongSeriesHaveNoMarkers() throws {
        let n = LineChart.markerLimit + 1
        let chart = LineChart(series: [.init(name: "long", points: (0..<n).map { LineChart.Point(x: Double($0), y: sin(Double($0))) })])
        let c = parse(try chart.svg())
        XCTAssertEqual(c.classes["series"], 1)
        XCTAssertNil(c.classes["markers"])
    }

    func testLogAxesHaveDecadeTicks() throws {
        var chart = LineChart(series: [.init(name: "time", points: points([(10, 0.002), (100, 0.03), (1000, 0.5), (5000, 0.9)]))])
        chart.logX = true
        chart.logY = true
        let c = parse(try chart.svg())
        // x: 10 … 5000; y: 0.002 … 1 (ends rounded out to 1, 2 or 5 × 10^k).
        for t in ["10", "100", "1000", "0.01", "0.1", "1"] { XCTAssertTrue(c.texts.contains(t), t) }
        XCTAssertFalse(c.texts.contains("1e4"))
        XCTAssertFalse(c.texts.contains("0.001"))
        XCTAssertEqual(c.classes["x-minor"], 1)
        XCTAssertEqual(c.classes["y-minor"], 1)
        let x = try AxisScale(values: [10, 4200], logarithmic: true, axis: "x")
        XCTAssertEqual([x.lower, x.upper], [10, 5000])
        XCTAssertEqual(x.ticks.map(\.label), ["10", "100", "1000"])
        XCTAssertEqual(x.minorTicks.count, 2 * 8 + 4, "2…9 × 10 and × 100, 2000 … 5000")
        XCTAssertEqual(x.fraction(100), 1 / log10(500), accuracy: 1e-12)
        let y = try AxisScale(values: [0.0031, 0.9], logarithmic: true, axis: "y")
        XCTAssertEqual([y.lower, y.upper], [0.002, 1])
        XCTAssertEqual(AxisScale.roundedDown(0.0031), 0.002)
        XCTAssertEqual(AxisScale.roundedDown(7), 5)
        XCTAssertEqual(AxisScale.roundedDown(100), 100)
        XCTAssertEqual(AxisScale.roundedUp(16), 20)
        XCTAssertEqual(AxisScale.roundedUp(0.3), 0.5)
        XCTAssertEqual(AxisScale.roundedUp(6), 10)
        XCTAssertEqual(AxisScale.roundedUp(1000), 1000)
    }

    func testLongLogAxisLabelsSomeDecades() throws {
        let a = try AxisScale(values: [1e-10, 1e10], logarithmic: true, axis: "y")
        XCTAssertEqual(a.ticks.map(\.label), ["1e-10", "1e-5", "1", "1e5", "1e10"])
        XCTAssertEqual(a.minorTicks.count, 21 - 5, "unlabelled decades only: 2…9 × 10^k would crowd 20 decades")
    }

    func testLogAxisWithinOneDecadeLabelsTheMultiples() throws {
        let a = try AxisScale(values: [3, 5], logarithmic: true, fixedLower: 2, fixedUpper: 8, axis: "y")
        XCTAssertEqual(a.ticks.map(\.label), ["2", "3", "4", "5", "6", "7", "8"])
        let short = try AxisScale(values: [1, 16], logarithmic: true, axis: "x")
        XCTAssertEqual(short.ticks.map(\.label), ["1", "2", "5", "10", "20"])
        XCTAssertEqual(short.minorTicks.count, 6, "3, 4, 6, 7, 8, 9")
        let one = try AxisScale(values: [100], logarithmic: true, axis: "y")
        XCTAssertEqual([one.lower, one.upper], [100, 1000])
    }

    func testLinearTicksAreNiceSteps() throws {
        let a = try AxisScale(values: [0.13, 0.87], logarithmic: false, axis: "y")
        XCTAssertEqual([a.lower, a.upper], [0, 1])
        XCTAssertEqual(a.ticks.map(\.label), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let b = try AxisScale(values: [3, 47], logarithmic: false, axis: "y")
        XCTAssertEqual(b.ticks.map(\.label), ["0", "10", "20", "30", "40", "50"])
        let c = try AxisScale(values: [-2.5, 1200], logarithmic: false, axis: "y")
        XCTAssertEqual(c.ticks.map(\.label), ["-500", "0", "500", "1000", "1500"])
        let d = try AxisScale(values: [4, 4], logarithmic: false, axis: "y")
        XCTAssertLessThan(d.lower, 4)
        XCTAssertGreaterThan(d.upper, 4)
        XCTAssertEqual(d.ticks.map(\.label), ["3.6", "3.8", "4.0", "4.2", "4.4"])
        XCTAssertEqual(AxisScale.niceStep(6), 1)
        XCTAssertEqual(AxisScale.niceStep(7), 2)
        XCTAssertEqual(AxisScale.niceStep(20), 5)
        XCTAssertEqual(AxisScale.niceStep(50), 10)
        // Large and tiny values switch to %g with enough digits to tell ticks apart.
        let e = try AxisScale(values: [1e9, 1e9 + 3], logarithmic: false, axis: "y")
        XCTAssertEqual(Set(e.ticks.map(\.label)).count, e.ticks.count, "\(e.ticks.map(\.label))")
    }

    func testFixedYRangeIsKeptAndClipped() throws {
        var chart = twoSeries()
        chart.yMin = 0.8
        chart.yMax = 0.9
        let svg = try chart.svg()
        let c = parse(svg)
        XCTAssertTrue(svg.contains("<clipPath id=\"plot-area\">"))
        XCTAssertTrue(svg.contains("<g clip-path=\"url(#plot-area)\">"))
        XCTAssertEqual(c.texts.filter { ["0.80", "0.82", "0.84", "0.86", "0.88", "0.90"].contains($0) }.count, 6)
        XCTAssertFalse(c.texts.contains("0.70"))
    }

    func testEscapingOfNamesAndTitles() throws {
        let chart = LineChart(series: [.init(name: "a<&>\"'\u{1}b", points: points([(1, 1), (2, 2)]))],
                              title: "T & <U>", xLabel: "x \"q\"", yLabel: "y's")
        let c = parse(try chart.svg())
        XCTAssertTrue(c.texts.contains("a<&>\"'\u{FFFD}b"))
        XCTAssertTrue(c.texts.contains("T & <U>"))
        XCTAssertTrue(c.texts.contains("x \"q\""))
        XCTAssertTrue(c.texts.contains("y's"))
    }

    func testErrors() {
        var log = LineChart(series: [.init(name: "a", points: points([(1, 1), (2, 0)]))])
        log.logY = true
        XCTAssertThrowsError(try log.svg()) { XCTAssertEqual($0 as? PlotError, .nonPositiveOnLogAxis(axis: "y", series: "a", value: 0)) }
        var logX = LineChart(series: [.init(name: "b", points: points([(-1, 1), (2, 3)]))])
        logX.logX = true
        XCTAssertThrowsError(try logX.svg()) { XCTAssertEqual($0 as? PlotError, .nonPositiveOnLogAxis(axis: "x", series: "b", value: -1)) }
        var bound = twoSeries()
        bound.logY = true
        bound.yMin = 0
        XCTAssertThrowsError(try bound.svg()) { XCTAssertEqual($0 as? PlotError, .nonPositiveBound(axis: "y", value: 0)) }
        var empty = twoSeries()
        empty.yMin = 1
        empty.yMax = 1
        XCTAssertThrowsError(try empty.svg()) { XCTAssertEqual($0 as? PlotError, .emptyRange(axis: "y", lower: 1, upper: 1)) }
        XCTAssertThrowsError(try LineChart(series: [.init(name: "a", points: [nil])]).svg()) { XCTAssertEqual($0 as? PlotError, .nothingToDraw) }
        XCTAssertThrowsError(try LineChart(series: []).svg()) { XCTAssertEqual($0 as? PlotError, .nothingToDraw) }
        let nan = LineChart(series: [.init(name: "n", points: points([(1, .nan)]))])
        XCTAssertThrowsError(try nan.svg()) { XCTAssertEqual($0 as? PlotError, .nonFinite(axis: "y", series: "n")) }
        let bars = BarChart(categories: ["a", "b"], series: [.init(name: "s", values: [1])])
        XCTAssertThrowsError(try bars.svg()) { XCTAssertEqual($0 as? PlotError, .valueCountMismatch(series: "s", values: 1, categories: 2)) }
        XCTAssertEqual("\(PlotError.nonPositiveOnLogAxis(axis: "y", series: "a", value: 0))",
                       "series 'a' has y = 0.0; a log y axis needs values above 0")
    }

    func bars() -> BarChart {
        BarChart(categories: ["SISA", "ARCANE", "retrain"], series: [
            .init(name: "seconds", values: [1.5, 0.7, 12]),
            .init(name: "accuracy", values: [0.91, nil, 0.93]),
        ], title: "Cost", yLabel: "value")
    }

    func testBarChartGroupsBarsByCategory() throws {
        let svg = try bars().svg()
        let c = parse(svg)
        XCTAssertEqual(c.classes["bar"], 5, "a missing value has no bar")
        XCTAssertEqual(c.classes["legend"], 2)
        XCTAssertNil(c.classes["series"])
        for t in ["SISA", "ARCANE", "retrain", "seconds, SISA: 1.5", "accuracy, retrain: 0.93", "0", "12"] {
            XCTAssertTrue(c.texts.contains(t), t)
        }
        XCTAssertEqual(svg, try bars().svg())
        // The bars of one category sit side by side, in series order.
        let xs = svg.split(separator: "\n").filter { $0.contains("class=\"bar\"") }.map { line -> Double in
            let r = line.range(of: #"x="[0-9.]+""#, options: .regularExpression)!
            return Double(line[r].dropFirst(3).dropLast())!
        }
        XCTAssertEqual(xs.count, 5)
        XCTAssertLessThan(xs[0], xs[3])  // seconds, SISA before accuracy, SISA
        XCTAssertLessThan(xs[3], xs[1])  // … before seconds, ARCANE
    }

    func testBarChartNegativeValuesAndLogAxis() throws {
        let negative = BarChart(categories: ["a", "b"], series: [.init(name: "d", values: [-2, 3])])
        let c = parse(try negative.svg())
        XCTAssertEqual(c.classes["baseline"], 1)
        XCTAssertTrue(c.texts.contains("-2"))
        var log = bars()
        log.logY = true
        let l = parse(try log.svg())
        XCTAssertEqual(l.classes["bar"], 5)
        // 0.7 … 12 on a log axis: 0.5 … 20, decades 1 and 10 labelled.
        for t in ["1", "10"] { XCTAssertTrue(l.texts.contains(t), t) }
        XCTAssertFalse(l.texts.contains("100"))
        XCTAssertNil(l.classes["baseline"])
        var zero = bars()
        zero.series[0].values[0] = 0
        zero.logY = true
        XCTAssertThrowsError(try zero.svg()) { XCTAssertEqual($0 as? PlotError, .nonPositiveOnLogAxis(axis: "y", series: "seconds", value: 0)) }
    }

    func testLongCategoryNamesAreSlanted() throws {
        let chart = BarChart(categories: (1...12).map { "a rather long category \($0)" }, series: [.init(name: "v", values: (1...12).map { Double($0) })])
        let svg = try chart.svg()
        XCTAssertTrue(svg.contains("rotate(-35)"))
        XCTAssertEqual(parse(svg).classes["bar"], 12)
        XCTAssertFalse(try bars().svg().contains("rotate(-35)"))
    }
}
