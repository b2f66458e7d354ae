import Foundation
import ULCLI
import ULCore

/// Everything ul-plot's command line says, checked before the input is read.
struct PlotOptions {
    enum Kind: String, CaseIterable {
        case line, bar
    }

    static let defaultWidth = 640.0
    static let defaultHeight = 400.0

    var input: String
    /// nil: standard output.
    var output: String?
    var kind: Kind
    /// nil: the first column that is not the series column.
    var xColumn: String?
    /// nil: every column but x and the series column.
    var yColumns: [String]?
    var seriesColumn: String?
    var logX: Bool
    var logY: Bool
    var title: String
    /// nil: the x column's name.
    var xLabel: String?
    /// nil: the y column's name when there is one y column.
    var yLabel: String?
    var yMin: Double?
    var yMax: Double?
    /// Names of the series drawn dashed.
    var dashed: [String]
    var width: Double
    var height: Double

    init(_ args: ParsedArguments) throws {
        input = try singleInput(args)
        output = args.value("output")
        kind = Kind(rawValue: try args.choice("kind", Kind.allCases.map(\.rawValue), default: Kind.line.rawValue))!
        xColumn = args.value("x")
        yColumns = try args.value("y").map { try Self.names($0, option: "y") }
        seriesColumn = args.value("series")
        logX = args.flag("log-x")
        logY = args.flag("log-y")
        title = args.string("title", default: "")
        xLabel = args.value("x-label")
        yLabel = args.value("y-label")
        yMin = try Self.bound(args, "y-min", logarithmic: logY)
        yMax = try Self.bound(args, "y-max", logarithmic: logY)
        dashed = try args.value("dashed").map { try Self.names($0, option: "dashed") } ?? []
        width = Double(try args.int("width", default: Int(Self.defaultWidth), min: 100, max: 100_000))
        height = Double(try args.int("height", default: Int(Self.defaultHeight), min: 100, max: 100_000))

        if let lo = yMin, let hi = yMax, lo >= hi {
            throw ToolError.usage("--y-min \(quoted(args.value("y-min")!)) is not below --y-max \(quoted(args.value("y-max")!))")
        }
        if kind == .bar {
            if logX { throw ToolError.usage("--log-x: only for --kind line (bar categories are names, not numbers)") }
            if !dashed.isEmpty { throw ToolError.usage("--dashed: only for --kind line") }
        }
        if seriesColumn != nil, let ys = yColumns, ys.count != 1 {
            throw ToolError.usage("--series takes one --y column, got \(ys.count): \(ys.map { quoted($0) }.joined(separator: ", "))")
        }
    }

    /// `--y-min` or `--y-max`: a number, above 0 on a log axis.
    static func bound(_ args: ParsedArguments, _ option: String, logarithmic: Bool) throws -> Double? {
        guard let text = args.value(option) else { return nil }
        let v = try args.double(option, default: 0)
        if logarithmic, v <= 0 { throw ToolError.usage("--\(option): a log y axis (--log-y) needs a value above 0, got \(quoted(text))") }
        return v
    }

    /// A comma-separated list of names, none empty.
    static func names(_ text: String, option: String) throws -> [String] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard !parts.contains("") else {
            throw ToolError.usage("--\(option): expected comma-separated names, none empty, got \(quoted(text))")
        }
        return parts
    }
}
