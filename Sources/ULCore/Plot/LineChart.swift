import Foundation

/// Named series of (x, y) points as a line chart in a standalone SVG document: linear axes with ticks at
/// 1, 2 or 5 × 10^k, or log10 axes with decade ticks; a title, axis labels and a legend. Points are joined
/// in the order given; a missing point breaks the line. No scripts, fonts or external references, and the
/// same chart gives the same bytes.
public struct LineChart {
    /// One point of a series.
    public struct Point: Equatable {
        public let x: Double
        public let y: Double
        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    /// A line and the name its legend entry shows; `nil` points are gaps.
    public struct Series {
        public var name: String
        public var points: [Point?]
        /// Drawn dashed (a reference such as an optimum or a retrained model).
        public var dashed: Bool
        public init(name: String, points: [Point?], dashed: Bool = false) {
            self.name = name
            self.points = points
            self.dashed = dashed
        }
    }

    public var series: [Series]
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logX = false
    public var logY = false
    /// Fixed ends of the y axis (nil: from the data, rounded out to a tick).
    public var yMin: Double?
    public var yMax: Double?
    public var width = 640.0
    public var height = 400.0

    /// A series with more points than this is drawn as a line without markers (markers would hide it).
    public static let markerLimit = 200

    public init(series: [Series], title: String = "", xLabel: String = "", yLabel: String = "") {
        self.series = series
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// The SVG document. Each series with a point is one `<path class="series">` (a gap starts a new
    /// subpath) and, up to `markerLimit` points, a `<g class="markers">` of circles.
    public func svg() throws -> String {
        var xs = [Double](), ys = [Double]()
        for s in series {
            for case let p? in s.points {
                guard p.x.isFinite else { throw PlotError.nonFinite(axis: "x", series: s.name) }
                guard p.y.isFinite else { throw PlotError.nonFinite(axis: "y", series: s.name) }
                if logX, p.x <= 0 { throw PlotError.nonPositiveOnLogAxis(axis: "x", series: s.name, value: p.x) }
                if logY, p.y <= 0 { throw PlotError.nonPositiveOnLogAxis(axis: "y", series: s.name, value: p.y) }
                xs.append(p.x)
                ys.append(p.y)
            }
        }
        let yScale = try AxisScale(values: ys, logarithmic: logY, fixedLower: yMin, fixedUpper: yMax, axis: "y")
        let xScale = try AxisScale(values: xs, logarithmic: logX, axis: "x")
        let legend = series.enumerated().map { i, s in
            ChartFrame.LegendEntry(name: s.name, colour: chartColours[i % chartColours.count], dashed: s.dashed)
        }
        let frame = ChartFrame(width: width, height: height, y: yScale, yLabel: yLabel, xLabel: xLabel, extraBottom: 0,
                               legend: legend, legendLines: true)
        func px(_ v: Double) -> Double { frame.left + xScale.fraction(v) * frame.plotWidth }

        var s = frame.start(title: title, xLabel: xLabel, yLabel: yLabel)
        s += "<g class=\"grid\" stroke=\"#dddddd\" stroke-width=\"1\">\n"
        for t in xScale.ticks { s += frame.verticalLine(px(t.value), from: frame.top, to: frame.plotBottom) }
        s += "</g>\n<g class=\"x-ticks\">\n"
        for t in xScale.ticks {
            s += "<text x=\"\(svgNumber(px(t.value)))\" y=\"\(svgNumber(frame.plotBottom + 18))\" text-anchor=\"middle\">\(xmlEscape(t.label))</text>\n"
        }
        s += "</g>\n"
        if !xScale.minorTicks.isEmpty {
            s += "<g class=\"x-minor\" stroke=\"black\" stroke-width=\"1\">\n"
            for v in xScale.minorTicks { s += frame.verticalLine(px(v), from: frame.plotBottom, to: frame.plotBottom - 4) }
            s += "</g>\n"
        }
        s += "<g clip-path=\"url(#plot-area)\">\n"
        for (i, serie) in series.enumerated() {
            let colour = legend[i].colour
            var d = "", joined = false
            var markers = [(Double, Double)]()
            for point in serie.points {
                guard let p = point else { joined = false; continue }
                let q = (px(p.x), frame.yPixel(p.y))
                d += (joined ? "L" : "M") + "\(svgNumber(q.0)) \(svgNumber(q.1))"
                joined = true
                markers.append(q)
            }
            guard !d.isEmpty else { continue }
            s += "<path class=\"series\" d=\"\(d)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.8\" stroke-linejoin=\"round\""
                + (serie.dashed ? " stroke-dasharray=\"\(ChartFrame.dash)\"" : "") + "/>\n"
            if markers.count <= Self.markerLimit {
                s += "<g class=\"markers\" fill=\"\(colour)\">"
                for (mx, my) in markers { s += "<circle cx=\"\(svgNumber(mx))\" cy=\"\(svgNumber(my))\" r=\"2.5\"/>" }
                s += "</g>\n"
            }
        }
        s += "</g>\n"
        return s + frame.end()
    }
}
