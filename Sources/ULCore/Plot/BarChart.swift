import Foundation

/// Values per category as grouped bars in a standalone SVG document: one group per category (in the order
/// given), one bar per series in each group, bars from 0 (from the axis's lower end on a log y axis). The
/// same frame, palette and legend as `LineChart`.
public struct BarChart {
    /// A series' value for each category; `nil`: no bar.
    public struct Series {
        public var name: String
        public var values: [Double?]
        public init(name: String, values: [Double?]) {
            self.name = name
            self.values = values
        }
    }

    public var categories: [String]
    public var series: [Series]
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logY = false
    /// Fixed ends of the y axis (nil: from the data and 0, rounded out to a tick).
    public var yMin: Double?
    public var yMax: Double?
    public var width = 640.0
    public var height = 400.0

    public init(categories: [String], series: [Series], title: String = "", xLabel: String = "", yLabel: String = "") {
        self.categories = categories
        self.series = series
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// The SVG document; each bar is one `<rect class="bar">` with its series, category and value in a
    /// `<title>`.
    public func svg() throws -> String {
        var ys = [Double]()
        for s in series {
            guard s.values.count == categories.count else {
                throw PlotError.valueCountMismatch(series: s.name, values: s.values.count, categories: categories.count)
            }
            for case let v? in s.values {
                guard v.isFinite else { throw PlotError.nonFinite(axis: "y", series: s.name) }
                if logY, v <= 0 { throw PlotError.nonPositiveOnLogAxis(axis: "y", series: s.name, value: v) }
                ys.append(v)
            }
        }
        let yScale = try AxisScale(values: ys, logarithmic: logY, fixedLower: yMin, fixedUpper: yMax, includeZero: true, axis: "y")
        let legend = series.enumerated().map { i, s in
            ChartFrame.LegendEntry(name: s.name, colour: chartColours[i % chartColours.count], dashed: false)
        }
        // Names wider than their group are slanted; they then need room below the axis.
        let widest = categories.map(\.count).max() ?? 0
        let estimate = ChartFrame(width: width, height: height, y: yScale, yLabel: yLabel, xLabel: xLabel, extraBottom: 0,
                                  legend: legend, legendLines: false)
        let slanted = Double(widest) * ChartFrame.characterWidth > estimate.plotWidth / Double(max(categories.count, 1)) - 4
        let frame = slanted
            ? ChartFrame(width: width, height: height, y: yScale, yLabel: yLabel, xLabel: xLabel,
                         extraBottom: 0.6 * ChartFrame.characterWidth * Double(min(widest, 30)), legend: legend, legendLines: false)
            : estimate

        var s = frame.start(title: title, xLabel: xLabel, yLabel: yLabel)
        let band = frame.plotWidth / Double(max(categories.count, 1))
        let barWidth = band * 0.8 / Double(max(series.count, 1))
        s += "<g class=\"x-ticks\">\n"
        for (c, name) in categories.enumerated() {
            let cx = frame.left + band * (Double(c) + 0.5), ty = frame.plotBottom + 18
            if slanted {
                s += "<text transform=\"translate(\(svgNumber(cx)) \(svgNumber(ty - 6))) rotate(-35)\" text-anchor=\"end\">\(xmlEscape(name))</text>\n"
            } else {
                s += "<text x=\"\(svgNumber(cx))\" y=\"\(svgNumber(ty))\" text-anchor=\"middle\">\(xmlEscape(name))</text>\n"
            }
        }
        s += "</g>\n<g clip-path=\"url(#plot-area)\">\n"
        let base = logY ? yScale.lower : min(max(0, yScale.lower), yScale.upper)
        let baseY = frame.yPixel(base)
        for (i, serie) in series.enumerated() {
            for (c, value) in serie.values.enumerated() {
                guard let v = value else { continue }
                // A bar beyond a fixed end stops just past the border, where the clip cuts it.
                let vy = min(max(frame.yPixel(v), frame.top - 1), frame.plotBottom + 1)
                let x = frame.left + band * Double(c) + band * 0.1 + barWidth * Double(i)
                s += "<rect class=\"bar\" x=\"\(svgNumber(x))\" y=\"\(svgNumber(min(vy, baseY)))\" width=\"\(svgNumber(barWidth))\" "
                    + "height=\"\(svgNumber(abs(vy - baseY)))\" fill=\"\(legend[i].colour)\">"
                    + "<title>\(xmlEscape(serie.name)), \(xmlEscape(categories[c])): \(String(format: "%g", v))</title></rect>\n"
            }
        }
        s += "</g>\n"
        if !logY && yScale.lower < 0 && yScale.upper > 0 {
            s += "<line class=\"baseline\" x1=\"\(svgNumber(frame.left))\" y1=\"\(svgNumber(baseY))\" x2=\"\(svgNumber(frame.plotRight))\" "
                + "y2=\"\(svgNumber(baseY))\" stroke=\"black\"/>\n"
        }
        return s + frame.end()
    }
}
