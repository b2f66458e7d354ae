import Foundation
import ULCore

/// `--solver`, `--damping`, `--curvature`: how the stored curvature of a softmax or mlp model is used
/// (ul-influence, ul-forget --method puma|newton).
public struct CurvatureOptions: Sendable {
    /// The options, each help text after `prefix` (e.g. "puma/newton: ").
    public static func specs(prefix: String = "") -> [OptionSpec] {
        [OptionSpec("solver", value: SolverKind.allCases.map(\.rawValue).joined(separator: "|"),
                    help: prefix + "Cholesky of the dense Hessian (softmax; default) or conjugate gradient (default for mlp)"),
         OptionSpec("damping", value: "D", help: prefix + "add D·I to the Hessian (default 0)"),
         OptionSpec("curvature", value: "FILE",
                    help: prefix + "stored Hessian factor or preconditioner (default MODEL.curv); computed and written when missing")]
    }

    public var solver: SolverKind
    public var damping: Double
    public var path: String

    /// Parses the options for a model of `kind` read from `modelPath`.
    public init(_ args: ParsedArguments, kind: ModelKind, modelPath: String) throws {
        solver = SolverKind(rawValue: try args.choice("solver", SolverKind.allCases.map(\.rawValue),
                                                      default: kind == .softmax ? SolverKind.exact.rawValue : SolverKind.cg.rawValue))!
        if solver == .exact && kind != .softmax {
            throw ToolError.usage("--solver exact: only for softmax models", hint: "use --solver cg")
        }
        damping = try args.double("damping", default: 0, min: 0)
        path = args.value("curvature") ?? modelPath + ".curv"
    }
}
