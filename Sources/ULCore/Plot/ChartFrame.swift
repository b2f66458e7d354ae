import Foundation

/// What LineChart and BarChart draw around their data: the margins, title, y axis with grid and labels,
/// the plot's border, the axis labels and the legend at the right. Text widths are estimated at 7 pixels a
/// character (12 px sans-serif), so the layout depends only on the input, never on installed fonts.
struct ChartFrame {
    /// One legend row: the series' name, colour and how it is drawn.
    struct LegendEntry {
        let name: String
        let colour: String
        let dashed: Bool
    }

    static let characterWidth = 7.0
    /// Legend names longer than this are not given more room (the text still shows whole).
    static let legendCharacters = 40
    static let dash = "6 4"

    let width: Double
    let height: Double
    let left: Double
    let top = 40.0
    let plotWidth: Double
    let plotHeight: Double
    let y: AxisScale
    let legend: [LegendEntry]
    /// Whether legend rows show a line with a marker (line charts) or a filled square (bar charts).
    let legendLines: Bool

    /// `extraBottom`: room the x tick labels need beyond one line (slanted category names).
    init(width: Double, height: Double, y: AxisScale, yLabel: String, xLabel: String, extraBottom: Double,
         legend: [LegendEntry], legendLines: Bool) {
        let tickCharacters = y.ticks.map(\.label.count).max() ?? 1
        left = (yLabel.isEmpty ? 12 : 32) + Self.characterWidth * Double(tickCharacters)
        let nameCharacters = min(Self.legendCharacters, legend.map(\.name.count).max() ?? 0)
        let right = legend.isEmpty ? 16 : 16 + 30 + Self.characterWidth * Double(nameCharacters) + 16
        let bottom = 24 + (xLabel.isEmpty ? 4 : 22) + extraBottom
        // The plot keeps at least 200 × 120 pixels: the document grows rather than the plot vanishing.
        self.width = max(width, left + right + 200)
        self.height = max(height, top + bottom + 120)
        plotWidth = self.width - left - right
        plotHeight = self.height - top - bottom
        self.y = y
        self.legend = legend
        self.legendLines = legendLines
    }

    var plotBottom: Double { top + plotHeight }
    var plotRight: Double { left + plotWidth }

    /// The vertical pixel of value `v`.
    func yPixel(_ v: Double) -> Double { plotBottom - y.fraction(v) * plotHeight }

    /// The document start with the title, a clip path for the data, the y grid, ticks and labels, the
    /// axis labels (the caller draws the x ticks).
    func start(title: String, xLabel: String, yLabel: String) -> String {
        var s = svgDocumentStart(width: width, height: height, title: title, titleX: left + plotWidth / 2, titleY: top / 2 + 5)
        // Values beyond a fixed y range are cut at the plot's border.
        s += "<defs><clipPath id=\"plot-area\"><rect x=\"\(svgNumber(left))\" y=\"\(svgNumber(top))\" "
            + "width=\"\(svgNumber(plotWidth))\" height=\"\(svgNumber(plotHeight))\"/></clipPath></defs>\n"
        s += "<g class=\"grid\" stroke=\"#dddddd\" stroke-width=\"1\">\n"
        for t in y.ticks {
            s += horizontalLine(yPixel(t.value), from: left, to: plotRight)
        }
        s += "</g>\n<g class=\"y-ticks\">\n"
        for t in y.ticks {
            s += "<text x=\"\(svgNumber(left - 6))\" y=\"\(svgNumber(yPixel(t.value) + 4))\" text-anchor=\"end\">\(xmlEscape(t.label))</text>\n"
        }
        s += "</g>\n"
        if !y.minorTicks.isEmpty {
            s += "<g class=\"y-minor\" stroke=\"black\" stroke-width=\"1\">\n"
            for v in y.minorTicks { s += horizontalLine(yPixel(v), from: left, to: left + 4) }
            s += "</g>\n"
        }
        if !xLabel.isEmpty {
            s += "<text x=\"\(svgNumber(left + plotWidth / 2))\" y=\"\(svgNumber(height - 12))\" text-anchor=\"middle\">\(xmlEscape(xLabel))</text>\n"
        }
        if !yLabel.isEmpty {
            s += "<text transform=\"translate(16 \(svgNumber(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(xmlEscape(yLabel))</text>\n"
        }
        return s
    }

    /// The plot's border, the legend and the document's end.
    func end() -> String {
        var s = "<rect x=\"\(svgNumber(left))\" y=\"\(svgNumber(top))\" width=\"\(svgNumber(plotWidth))\" height=\"\(svgNumber(plotHeight))\" "
            + "fill=\"none\" stroke=\"black\"/>\n"
        let x0 = plotRight + 16, rowHeight = 18.0
        for (i, entry) in legend.enumerated() {
            let ly = top + 8 + rowHeight * Double(i)
            s += "<g class=\"legend\">"
            if legendLines {
                s += "<line x1=\"\(svgNumber(x0))\" y1=\"\(svgNumber(ly))\" x2=\"\(svgNumber(x0 + 24))\" y2=\"\(svgNumber(ly))\" "
                    + "stroke=\"\(entry.colour)\" stroke-width=\"1.8\"\(entry.dashed ? " stroke-dasharray=\"\(Self.dash)\"" : "")/>"
                s += "<circle cx=\"\(svgNumber(x0 + 12))\" cy=\"\(svgNumber(ly))\" r=\"2.5\" fill=\"\(entry.colour)\"/>"
            } else {
                s += "<rect x=\"\(svgNumber(x0 + 6))\" y=\"\(svgNumber(ly - 6))\" width=\"12\" height=\"12\" fill=\"\(entry.colour)\"/>"
            }
            s += "<text x=\"\(svgNumber(x0 + 30))\" y=\"\(svgNumber(ly + 4))\">\(xmlEscape(entry.name))</text></g>\n"
        }
        return s + "</svg>\n"
    }

    func horizontalLine(_ py: Double, from x1: Double, to x2: Double) -> String {
        "<line x1=\"\(svgNumber(x1))\" y1=\"\(svgNumber(py))\" x2=\"\(svgNumber(x2))\" y2=\"\(svgNumber(py))\"/>\n"
    }

    func verticalLine(_ px: Double, from y1: Double, to y2: Double) -> String {
        "<line x1=\"\(svgNumber(px))\" y1=\"\(svgNumber(y1))\" x2=\"\(svgNumber(px))\" y2=\"\(svgNumber(y2))\"/>\n"
    }
}
