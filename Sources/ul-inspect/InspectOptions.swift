import Foundation
import ULCLI
import ULCore

/// Everything ul-inspect's command line says: the model, the curvature sidecar and the output.
struct InspectOptions {
    var modelPath: String
    /// `--curvature`: the stored curvature to report on (default MODEL.curv, when it exists).
    var curvaturePath: String
    /// Whether `--curvature` named the file (then it must exist).
    var curvatureGiven: Bool
    /// "csv" or "json".
    var format: String
    /// nil: standard output.
    var output: String?

    init(_ args: ParsedArguments) throws {
        guard args.positionals.count <= 1 else {
            throw ToolError.usage("expected one model file, got \(args.positionals.count) arguments")
        }
        guard let model = args.positionals.first ?? args.value("model") else {
            throw ToolError.usage("a model file is required (ul-inspect MODEL)")
        }
        if args.value("model") != nil, !args.positionals.isEmpty {
            throw ToolError.usage("give the model once: as MODEL or with --model")
        }
        guard model != "-" else { throw ToolError.usage("the model must be a file, not standard input") }
        modelPath = model
        curvatureGiven = args.value("curvature") != nil
        curvaturePath = args.value("curvature") ?? model + ".curv"
        output = args.value("output")
        format = try args.choice("format", ["csv", "json"], default: output?.hasSuffix(".json") == true ? "json" : "csv")
    }
}
