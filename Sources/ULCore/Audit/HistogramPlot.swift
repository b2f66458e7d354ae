import Foundation

/// A histogram as a standalone SVG document (bars over equal-width bins from 0 to the largest value), in the
/// style of `ROCPlot`: per-example ε of the unlearning audit.
public struct HistogramPlot {
    public var values: [Double]
    public var title: String
    public var axisLabel: String
    public var bins = 20
    var width = 520.0, height = 360.0

    public init(values: [Double], title: String, axisLabel: String) {
        self.values = values.filter(\.isFinite)
        self.title = title
        self.axisLabel = axisLabel
    }

    /// Counts per bin and the bin width (values at the top edge fall in the last bin).
    var counts: (counts: [Int], width: Double) {
        let top = max(values.max() ?? 0, 1e-9)
        let w = top / Double(bins)
        var c = [Int](repeating: 0, count: bins)
        for v in values { c[min(bins - 1, max(0, Int(v / w)))] += 1 }
        return (c, w)
    }

    /// The SVG document; each bar is one `<rect class="bar">` with its count and range in a `<title>`.
    public func svg() -> String {
        let left = 56.0, right = 16.0, top = 40.0, bottom = 52.0
        let pw = width - left - right, ph = height - top - bottom
        let (c, w) = counts
        let highest = Double(max(c.max() ?? 0, 1))
        var s = svgDocumentStart(width: width, height: height, title: title, titleX: left + pw / 2, titleY: top / 2 + 5) + """
        <line x1="\(svgNumber(left))" y1="\(svgNumber(top + ph))" x2="\(svgNumber(left + pw))" y2="\(svgNumber(top + ph))" stroke="black"/>
        <line x1="\(svgNumber(left))" y1="\(svgNumber(top))" x2="\(svgNumber(left))" y2="\(svgNumber(top + ph))" stroke="black"/>

        """
        let barWidth = pw / Double(bins)
        for (i, n) in c.enumerated() {
            let h = Double(n) / highest * ph
            s += "<rect class=\"bar\" x=\"\(svgNumber(left + Double(i) * barWidth + 1))\" y=\"\(svgNumber(top + ph - h))\" width=\"\(svgNumber(barWidth - 2))\" "
                + "height=\"\(svgNumber(h))\" fill=\"#0072b2\"><title>\(n) in [\(svgNumber(Double(i) * w)), \(svgNumber(Double(i + 1) * w)))</title></rect>\n"
        }
        for k in 0...4 {
            let v = Double(k) / 4 * Double(bins) * w, x = left + Double(k) / 4 * pw
            s += "<text x=\"\(svgNumber(x))\" y=\"\(svgNumber(top + ph + 16))\" text-anchor=\"middle\">\(svgNumber(v))</text>\n"
            let count = Double(k) / 4 * highest, y = top + ph - Double(k) / 4 * ph
            s += "<text x=\"\(svgNumber(left - 6))\" y=\"\(svgNumber(y + 4))\" text-anchor=\"end\">\(svgNumber(count))</text>\n"
        }
        s += "<text x=\"\(svgNumber(left + pw / 2))\" y=\"\(svgNumber(height - 12))\" text-anchor=\"middle\">\(xmlEscape(axisLabel))</text>\n"
        s += "<text x=\"14\" y=\"\(svgNumber(top + ph / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(svgNumber(top + ph / 2)))\">rows</text>\n"
        return s + "</svg>\n"
    }
}
