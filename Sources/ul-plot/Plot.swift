import Foundation
import ULCLI
import ULCore

/// Reads the CSV, draws the chart and writes it; nothing is written when the input is refused.
func runPlot(_ options: PlotOptions, _ ctx: ToolContext) throws -> ExitStatus {
    try checkOutputKind(options.output)
    let r = try CSVReader(path: options.input)
    let columns = try PlotColumns(r, options)
    let svg: String
    do {
        switch options.kind {
        case .line:
            var chart = try readLines(r, columns, options)
            chart.logX = options.logX
            chart.takeFrame(from: options)
            try markDashed(options.dashed, in: &chart.series, file: options.input)
            svg = try chart.svg()
            ctx.summary("\(chart.series.count) series, \(chart.series.map { $0.points.compactMap { $0 }.count }.reduce(0, +)) points")
        case .bar:
            var chart = try readBars(r, columns, options)
            chart.takeFrame(from: options)
            svg = try chart.svg()
            ctx.summary("\(chart.series.count) series, \(chart.categories.count) categories")
        }
    } catch let e as PlotError {
        throw ToolError.data("\(e)", file: options.input)
    }
    let out = try OutputFile(path: options.output)
    try out.write(Array(svg.utf8))
    try out.commit()
    return .ok
}

/// What both chart kinds take from the options: the y axis and the size.
protocol FramedChart {
    var logY: Bool { get set }
    var yMin: Double? { get set }
    var yMax: Double? { get set }
    var width: Double { get set }
    var height: Double { get set }
}

extension FramedChart {
    mutating func takeFrame(from options: PlotOptions) {
        logY = options.logY
        yMin = options.yMin
        yMax = options.yMax
        width = options.width
        height = options.height
    }
}

extension LineChart: FramedChart {}
extension BarChart: FramedChart {}

/// The columns the chart is drawn from, found in the header, and the axis labels that follow from them.
struct PlotColumns {
    let x: Int
    /// One index per series without `--series`; the one y column with it.
    let y: [Int]
    let series: Int?
    let xLabel: String
    let yLabel: String

    init(_ r: CSVReader, _ options: PlotOptions) throws {
        let series = try options.seriesColumn.map { try r.requireColumn($0, option: "series") }
        // Without --x: the first column, or the second when the first is the series column.
        let x = try options.xColumn.map { try r.requireColumn($0, option: "x") } ?? (series == 0 ? 1 : 0)
        guard x < r.header.count else {
            throw ToolError.data("no column to plot: the header has only the --series column", file: r.path, line: 1)
        }
        if series == x { throw ToolError.usage("--series: \(quoted(r.header[x])) is the x column") }
        let y: [Int]
        if let names = options.yColumns {
            y = try names.map { try r.requireColumn($0, option: "y") }
            if let twice = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
                throw ToolError.usage("--y: \(quoted(twice)) is given twice")
            }
            for i in y where i == x || i == series {
                throw ToolError.usage("--y: \(quoted(r.header[i])) is the \(i == x ? "x" : "--series") column")
            }
        } else {
            y = r.header.indices.filter { $0 != x && $0 != series }
            guard !y.isEmpty else {
                throw ToolError.data("no column to plot: the header has no column but x\(series == nil ? "" : " and --series")", file: r.path, line: 1)
            }
            if series != nil, y.count > 1 {
                throw ToolError.usage("--series takes one y column: name it with --y (the other columns are \(y.map { quoted(r.header[$0]) }.joined(separator: ", ")))")
            }
        }
        (self.x, self.y, self.series) = (x, y, series)
        xLabel = options.xLabel ?? r.header[x]
        yLabel = options.yLabel ?? (y.count == 1 ? r.header[y[0]] : "")
    }
}

/// A cell as a number; nil when it is empty (a missing point). Decimal only, as the data readers take it.
/// `names`: what to say when the cell is not a number.
func number(_ r: CSVReader, _ column: Int, logAxis: String?, names: String = "") throws -> Double? {
    let text = r.string(column)
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else { return nil }
    guard let v = parseDouble(trimmed), !trimmed.contains(where: { $0 == "x" || $0 == "X" }) else {
        throw ToolError.data("column \(quoted(r.header[column])): not a number \(quoted(text))\(names)", file: r.path, line: r.line)
    }
    guard v.isFinite else {
        throw ToolError.data("column \(quoted(r.header[column])): non-finite value \(quoted(text))", file: r.path, line: r.line)
    }
    if let axis = logAxis, v <= 0 {
        throw ToolError.data("column \(quoted(r.header[column])): a log \(axis) axis needs values above 0, got \(quoted(text))",
                             file: r.path, line: r.line)
    }
    return v
}

/// The series' name on the current row (with `--series`); an empty one is refused, since it could not be told
/// apart in the legend.
func seriesName(_ r: CSVReader, _ column: Int) throws -> String {
    let name = r.string(column)
    guard !name.isEmpty else { throw ToolError.data("column \(quoted(r.header[column])): empty series name", file: r.path, line: r.line) }
    return name
}

/// The rows as lines: one series per y column, or per value of the series column. An empty x makes the row
/// a gap.
func readLines(_ r: CSVReader, _ c: PlotColumns, _ options: PlotOptions) throws -> LineChart {
    var series = [LineChart.Series](), index = [String: Int]()
    if c.series == nil { series = c.y.map { LineChart.Series(name: r.header[$0], points: []) } }
    while try r.next() {
        let x = try number(r, c.x, logAxis: options.logX ? "x" : nil, names: " (names on the x axis: --kind bar)")
        let ys = try c.y.map { try number(r, $0, logAxis: options.logY ? "y" : nil) }
        if let sc = c.series {
            let name = try seriesName(r, sc)
            let k = index[name] ?? series.count
            if k == series.count {
                index[name] = k
                series.append(LineChart.Series(name: name, points: []))
            }
            series[k].points.append(point(x, ys[0]))
        } else {
            for (k, y) in ys.enumerated() { series[k].points.append(point(x, y)) }
        }
    }
    guard r.recordCount > 0 else { throw ToolError.data("no rows", file: r.path) }
    return LineChart(series: series, title: options.title, xLabel: c.xLabel, yLabel: c.yLabel)
}

func point(_ x: Double?, _ y: Double?) -> LineChart.Point? {
    guard let x, let y else { return nil }
    return LineChart.Point(x: x, y: y)
}

/// The rows as grouped bars: the x values are the categories; one series per y column (a category on one row
/// each), or per value of the series column (a category and series on one row each). A row with an empty x is
/// skipped.
func readBars(_ r: CSVReader, _ c: PlotColumns, _ options: PlotOptions) throws -> BarChart {
    var categories = [String](), categoryIndex = [String: Int]()
    var names = c.series == nil ? c.y.map { r.header[$0] } : [], seriesIndex = [String: Int]()
    /// (category, series) → value and the line it came from.
    var values = [[Int]: (value: Double?, line: Int)]()
    while try r.next() {
        let category = r.string(c.x)
        let ys = try c.y.map { try number(r, $0, logAxis: options.logY ? "y" : nil) }
        guard !category.isEmpty else { continue }
        let ci = categoryIndex[category] ?? categories.count
        if ci == categories.count {
            categoryIndex[category] = ci
            categories.append(category)
        }
        var cells = [(series: Int, value: Double?)]()
        if let sc = c.series {
            let name = try seriesName(r, sc)
            let si = seriesIndex[name] ?? names.count
            if si == names.count {
                seriesIndex[name] = si
                names.append(name)
            }
            cells = [(si, ys[0])]
        } else {
            cells = ys.enumerated().map { ($0, $1) }
        }
        for (si, v) in cells {
            if let earlier = values[[ci, si]] {
                let what = c.series == nil ? "" : " of series \(quoted(names[si]))"
                throw ToolError.data("category \(quoted(category))\(what) appears twice (lines \(earlier.line) and \(r.line))",
                                     file: r.path, line: r.line)
            }
            values[[ci, si]] = (v, r.line)
        }
    }
    guard r.recordCount > 0 else { throw ToolError.data("no rows", file: r.path) }
    let series = names.enumerated().map { si, name in
        BarChart.Series(name: name, values: categories.indices.map { values[[$0, si]]?.value ?? nil })
    }
    return BarChart(categories: categories, series: series, title: options.title, xLabel: c.xLabel, yLabel: c.yLabel)
}

/// Marks the series named in `--dashed`; a name no series has is refused (a misspelling would pass unseen).
func markDashed(_ names: [String], in series: inout [LineChart.Series], file: String) throws {
    for name in names {
        guard let i = series.firstIndex(where: { $0.name == name }) else {
            throw ToolError.data("--dashed: no series named \(quoted(name)) (the series are \(series.map { quoted($0.name) }.joined(separator: ", ")))",
                                 file: file)
        }
        series[i].dashed = true
    }
}
