import Foundation

// What the SVG plots share (ROCPlot, HistogramPlot, LineChart, BarChart): the document start, number and text
// formatting, the palette and decade labels. Every number goes through `svgNumber`, so a plot's bytes depend
// only on its input.

/// Series colours, cycled: the Okabe–Ito palette, which stays distinguishable with the common colour-vision
/// deficiencies.
let chartColours = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000"]

/// The start of a standalone SVG plot: the XML declaration, the `<svg>` element, a white background and the
/// title centred at (titleX, titleY); the caller closes the `<svg>`.
func svgDocumentStart(width: Double, height: Double, title: String, titleX: Double, titleY: Double) -> String {
    """
    <?xml version="1.0" encoding="UTF-8"?>
    <svg xmlns="http://www.w3.org/2000/svg" width="\(svgNumber(width))" height="\(svgNumber(height))" \
    viewBox="0 0 \(svgNumber(width)) \(svgNumber(height))" font-family="sans-serif" font-size="12">
    <rect width="100%" height="100%" fill="white"/>
    <text x="\(svgNumber(titleX))" y="\(svgNumber(titleY))" text-anchor="middle" font-size="14">\(xmlEscape(title))</text>

    """
}

/// A coordinate or label of the SVG plots, two decimals.
func svgNumber(_ v: Double) -> String { String(format: "%.2f", v) }

/// Text safe inside XML character data and attribute values (control characters XML forbids become U+FFFD).
func xmlEscape(_ s: String) -> String {
    var out = ""
    for c in s {
        if let a = c.asciiValue, a < 0x20, a != 0x09, a != 0x0a { out += "\u{FFFD}"; continue }
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(c)
        }
    }
    return out
}

/// The label of the tick at 10^k: decimal from 0.001 to 1000, else `1e-4`, `1e4`.
func decadeLabel(_ k: Int) -> String {
    switch k {
    case 0...3: return String(Int(pow(10, Double(k))))
    case -3..<0: return String(format: "%.\(-k)f", pow(10, Double(k)))
    default: return "1e\(k)"
    }
}
