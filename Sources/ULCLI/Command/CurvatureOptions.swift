import Foundation
import ULCore

/// `--solver`, `--curvature-kind`, `--preconditioner`, `--damping`, `--curvature`: how the stored curvature of
/// a softmax or mlp model is used (ul-influence, ul-forget --method puma|newton).
public struct CurvatureOptions: Sendable {
    /// The options, each help text after `prefix` (e.g. "puma/newton: "); `curvatureHelp` says where
    /// `--curvature` is read and written by default.
    public static func specs(prefix: String = "",
                             curvatureHelp: String = "(default MODEL.curv); computed and written when missing") -> [OptionSpec] {
        [OptionSpec("solver", value: SolverKind.allCases.map(\.rawValue).joined(separator: "|"),
                    help: prefix + "Cholesky of the dense Hessian (softmax; default) or conjugate gradient (default for mlp)"),
         OptionSpec("curvature-kind", value: CurvatureKind.allCases.map(\.rawValue).joined(separator: "|"),
                    help: prefix + "mlp: exact Hessian or generalised Gauss–Newton (default; positive semi-definite); softmax: the same matrix"),
         OptionSpec("preconditioner", value: "diagonal|none",
                    help: prefix + "cg: precondition by the curvature's diagonal (default, but for gauss-newton) or not at all"),
         OptionSpec("cg-limit", value: "N", help: prefix + "cg: iterations per solve before it counts as not converged (default 1000)"),
         OptionSpec("cg-tolerance", value: "T", help: prefix + "cg: relative residual at which a solve stops (default 1e-10 softmax, 1e-4 mlp)"),
         OptionSpec("damping", value: "D", help: prefix + "add D·I to the curvature (default 0)"),
         OptionSpec("curvature", value: "FILE",
                    help: prefix + "stored Hessian factor or preconditioner " + curvatureHelp)]
    }

    /// The default curvature of a model kind: Gauss–Newton for mlp (see ul-forget(1), APPROXIMATE METHODS);
    /// softmax's Hessian is its Gauss–Newton matrix, named `hessian` so its stored factors keep one name.
    public static func defaultKind(for kind: ModelKind) -> CurvatureKind { kind == .mlp ? .gaussNewton : .hessian }

    /// `--curvature-kind` (nil: not given).
    public static func parseKind(_ args: ParsedArguments) throws -> CurvatureKind? {
        try args.value("curvature-kind").map { _ in
            CurvatureKind(rawValue: try args.choice("curvature-kind", CurvatureKind.allCases.map(\.rawValue), default: ""))!
        }
    }

    /// Whether `--preconditioner` asks for the diagonal (nil: not given).
    public static func parsePreconditioned(_ args: ParsedArguments) throws -> Bool? {
        try args.value("preconditioner").map { _ in try args.choice("preconditioner", ["diagonal", "none"], default: "") == "diagonal" }
    }

    /// Whether conjugate gradient on `kind` is preconditioned under `requested` (nil: the default). The
    /// Gauss–Newton diagonal made conjugate gradient slower on Fashion-MNIST (no convergence in 1,000
    /// iterations where the plain one took 360; examples/bench/ggn.sh), so Gauss–Newton runs without it
    /// unless asked; the Hessian keeps its diagonal.
    public static func preconditioned(_ requested: Bool?, kind: CurvatureKind) -> Bool { requested ?? (kind == .hessian) }

    /// `--cg-tolerance` (nil: the solver's default for the objective).
    public static func parseTolerance(_ args: ParsedArguments) throws -> Double? {
        try args.value("cg-tolerance").map { _ in try args.double("cg-tolerance", default: 0, min: 0) }
    }

    /// `--cg-limit`.
    public static func parseLimit(_ args: ParsedArguments) throws -> Int { try args.int("cg-limit", default: 1000, min: 1) }

    /// The curvature kind a model of `modelKind` uses under `requested` (nil: its default). Softmax's two
    /// kinds are one matrix: both are `hessian`.
    public static func kind(_ requested: CurvatureKind?, for modelKind: ModelKind) -> CurvatureKind {
        modelKind == .softmax ? .hessian : requested ?? defaultKind(for: modelKind)
    }

    public var solver: SolverKind
    public var kind: CurvatureKind
    public var preconditioned: Bool
    public var cgLimit: Int
    public var cgTolerance: Double?
    public var damping: Double
    public var path: String

    /// Parses the options for a model of `kind` read from `modelPath`.
    public init(_ args: ParsedArguments, kind: ModelKind, modelPath: String) throws {
        solver = SolverKind(rawValue: try args.choice("solver", SolverKind.allCases.map(\.rawValue),
                                                      default: kind == .softmax ? SolverKind.exact.rawValue : SolverKind.cg.rawValue))!
        if solver == .exact && kind != .softmax {
            throw ToolError.usage("--solver exact: only for softmax models", hint: "use --solver cg")
        }
        self.kind = Self.kind(try Self.parseKind(args), for: kind)
        preconditioned = Self.preconditioned(try Self.parsePreconditioned(args), kind: self.kind)
        cgLimit = try Self.parseLimit(args)
        cgTolerance = try Self.parseTolerance(args)
        damping = try args.double("damping", default: 0, min: 0)
        path = args.value("curvature") ?? modelPath + ".curv"
    }
}
