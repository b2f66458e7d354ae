import Foundation

/// A log-log ROC plot as a standalone SVG document (the presentation of Carlini et al. 2022: the low-FPR region,
/// where a membership attack is dangerous, gets most of the room). No scripts, fonts or external references.
public struct ROCPlot {
    /// A curve and the name its legend entry shows.
    public struct Series {
        public let name: String
        public let curve: ROCCurve
        public init(name: String, curve: ROCCurve) {
            self.name = name
            self.curve = curve
        }
    }

    public var series: [Series]
    public var title: String
    public var width = 520.0
    var height = 500.0
    /// Both axes run from this to 1; `nil` picks the largest power of ten ≤ min(1e-3, 1/n) for the smallest
    /// member or non-member count n, but not below 1e-6. Points with FPR or TPR below it (including 0) are drawn
    /// on the axis.
    var lowerBound: Double?

    public init(series: [Series], title: String = "Membership inference ROC") {
        self.series = series
        self.title = title
    }

    /// Line colours, cycled.
    static let colours = chartColours

    /// The effective lower end of both axes.
    var axisMinimum: Double {
        if let b = lowerBound { return b }
        var smallest = 1e-3
        for s in series {
            smallest = min(smallest, 1 / Double(max(s.curve.members, s.curve.nonMembers, 1)))
        }
        return max(pow(10, floor(log10(smallest) + 1e-9)), 1e-6)
    }

    /// The SVG document. Each series is one `<path class="roc">`; the chance diagonal is a dashed line.
    public func svg() -> String {
        let left = 72.0, right = 16.0, top = 40.0, bottom = 58.0
        let pw = width - left - right, ph = height - top - bottom
        let lo = axisMinimum, decades = -log10(lo)
        func x(_ v: Double) -> Double { left + (log10(max(v, lo)) + decades) / decades * pw }
        func y(_ v: Double) -> Double { top + ph - (log10(max(v, lo)) + decades) / decades * ph }

        var s = svgDocumentStart(width: width, height: height, title: title, titleX: left + pw / 2, titleY: top / 2 + 5)
        // Grid and ticks: a line and a label per decade, short minor ticks at 2…9 × 10^k.
        s += "<g stroke=\"#dddddd\" stroke-width=\"1\">\n"
        var k = -Int(decades.rounded())
        while k <= 0 {
            let v = pow(10, Double(k))
            s += "<line x1=\"\(svgNumber(x(v)))\" y1=\"\(svgNumber(top))\" x2=\"\(svgNumber(x(v)))\" y2=\"\(svgNumber(top + ph))\"/>\n"
            s += "<line x1=\"\(svgNumber(left))\" y1=\"\(svgNumber(y(v)))\" x2=\"\(svgNumber(left + pw))\" y2=\"\(svgNumber(y(v)))\"/>\n"
            k += 1
        }
        s += "</g>\n<g stroke=\"black\" stroke-width=\"1\">\n"
        k = -Int(decades.rounded())
        while k < 0 {
            for m in 2...9 {
                let v = Double(m) * pow(10, Double(k))
                s += "<line x1=\"\(svgNumber(x(v)))\" y1=\"\(svgNumber(top + ph))\" x2=\"\(svgNumber(x(v)))\" y2=\"\(svgNumber(top + ph - 4))\"/>\n"
                s += "<line x1=\"\(svgNumber(left))\" y1=\"\(svgNumber(y(v)))\" x2=\"\(svgNumber(left + 4))\" y2=\"\(svgNumber(y(v)))\"/>\n"
            }
            k += 1
        }
        s += "</g>\n<g>\n"
        k = -Int(decades.rounded())
        while k <= 0 {
            let v = pow(10, Double(k)), label = decadeLabel(k)
            s += "<text x=\"\(svgNumber(x(v)))\" y=\"\(svgNumber(top + ph + 18))\" text-anchor=\"middle\">\(label)</text>\n"
            s += "<text x=\"\(svgNumber(left - 6))\" y=\"\(svgNumber(y(v) + 4))\" text-anchor=\"end\">\(label)</text>\n"
            k += 1
        }
        s += """
        </g>
        <text x="\(svgNumber(left + pw / 2))" y="\(svgNumber(height - 14))" text-anchor="middle">False positive rate</text>
        <text transform="translate(18 \(svgNumber(top + ph / 2))) rotate(-90)" text-anchor="middle">True positive rate</text>
        <rect x="\(svgNumber(left))" y="\(svgNumber(top))" width="\(svgNumber(pw))" height="\(svgNumber(ph))" fill="none" stroke="black"/>
        <path class="chance" d="M\(svgNumber(x(lo))) \(svgNumber(y(lo)))L\(svgNumber(x(1))) \(svgNumber(y(1)))" fill="none" stroke="#888888" stroke-dasharray="5 4"/>

        """
        for (i, serie) in series.enumerated() {
            let colour = Self.colours[i % Self.colours.count]
            s += "<path class=\"roc\" d=\"\(pathData(serie.curve, x: x, y: y))\" fill=\"none\" stroke=\"\(colour)\" "
                + "stroke-width=\"1.8\" stroke-linejoin=\"round\"/>\n"
        }
        // Legend in the lower right, below the diagonal, where a useful attack's curve does not go.
        let rowHeight = 18.0
        let legendTop = top + ph - 10 - rowHeight * Double(series.count)
        let legendLeft = left + pw * 0.42
        if !series.isEmpty {
            s += "<rect x=\"\(svgNumber(legendLeft - 8))\" y=\"\(svgNumber(legendTop - rowHeight / 2 - 4))\" "
                + "width=\"\(svgNumber(left + pw - legendLeft))\" height=\"\(svgNumber(rowHeight * Double(series.count) + 8))\" "
                + "fill=\"white\" fill-opacity=\"0.85\" stroke=\"#bbbbbb\"/>\n"
        }
        for (i, serie) in series.enumerated() {
            let colour = Self.colours[i % Self.colours.count]
            let ly = legendTop + rowHeight * Double(i)
            s += "<line x1=\"\(svgNumber(legendLeft))\" y1=\"\(svgNumber(ly))\" x2=\"\(svgNumber(legendLeft + 24))\" y2=\"\(svgNumber(ly))\" "
                + "stroke=\"\(colour)\" stroke-width=\"1.8\"/>\n"
            s += "<text x=\"\(svgNumber(legendLeft + 30))\" y=\"\(svgNumber(ly + 4))\">"
                + "\(xmlEscape(serie.name)) (AUC \(String(format: "%.3f", serie.curve.auc)))</text>\n"
        }
        return s + "</svg>\n"
    }

    /// The ROC points joined as the empirical curve joins them: linearly in (FPR, TPR). A step in one coordinate is
    /// straight on log axes too; a diagonal step (tied scores) bends there, so it is drawn as 16 pieces. Points
    /// that land within a quarter pixel of the previous one are skipped.
    private func pathData(_ c: ROCCurve, x: (Double) -> Double, y: (Double) -> Double) -> String {
        var d = ""
        var last = (-1.0, -1.0)
        func add(_ fpr: Double, _ tpr: Double, force: Bool) {
            let q = (x(fpr), y(tpr))
            if !force && abs(q.0 - last.0) < 0.25 && abs(q.1 - last.1) < 0.25 { return }
            d += (d.isEmpty ? "M" : "L") + "\(svgNumber(q.0)) \(svgNumber(q.1))"
            last = q
        }
        for (i, p) in c.points.enumerated() {
            if i > 0 {
                let a = c.points[i - 1]
                if a.falsePositives != p.falsePositives && a.truePositives != p.truePositives {
                    for k in 1..<16 {
                        let t = Double(k) / 16
                        add(a.falsePositiveRate + t * (p.falsePositiveRate - a.falsePositiveRate),
                            a.truePositiveRate + t * (p.truePositiveRate - a.truePositiveRate), force: false)
                    }
                }
            }
            add(p.falsePositiveRate, p.truePositiveRate, force: i == 0 || i == c.points.count - 1)
        }
        return d
    }
}
