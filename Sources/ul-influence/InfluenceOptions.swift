import Foundation
import ULCLI
import ULCore

/// Everything ul-influence's command line says, checked before the model is read. The curvature options
/// depend on the model's kind (the default solver, exact for softmax only): their values are checked here,
/// and `curvature(for:)` applies the kind once the model is read.
struct InfluenceOptions {
    /// The output columns after id, and the values of `--sort`.
    static let columns = ["influence_params", "influence_criterion", "self_influence"]

    var modelPath: String
    var dataPath: String
    /// `--valid`: criterion = mean loss on these rows; nil: on the shard's training rows.
    var validPath: String?
    /// Do not write a computed factor or preconditioner.
    var noStore: Bool
    /// One of `columns`, sorted largest first; nil: in input order.
    var sortColumn: String?
    var top: Int?
    var columnNames: ColumnNames
    /// `--id-key`: the model's ids are keyed.
    var idKey: IdKey?
    /// nil: standard output.
    var output: String?
    /// The command line, for `CurvatureOptions`, which needs the model's kind.
    private let arguments: ParsedArguments

    init(_ args: ParsedArguments) throws {
        guard args.positionals.isEmpty else { throw ToolError.usage("unexpected argument \(quoted(args.positionals[0])) (inputs are named by --model and --data)") }
        guard let model = args.value("model") else { throw ToolError.usage("a model is required (--model M)") }
        guard let data = args.value("data") else { throw ToolError.usage("the training data is required (--data FILE)") }
        modelPath = model
        dataPath = data
        arguments = args
        // Softmax takes every solver: this checks the values of --solver and --damping before any work.
        _ = try CurvatureOptions(args, kind: .softmax, modelPath: model)
        validPath = args.value("valid")
        noStore = args.flag("no-store")
        sortColumn = try args.value("sort").map { _ in try args.choice("sort", Self.columns, default: Self.columns[0]) }
        top = try args.value("top").map { _ in try args.int("top", default: 0, min: 0) }
        columnNames = ColumnNames(args)
        idKey = try IdKeyOption.parse(args)
        output = args.value("output")
        try checkOutputKind(output)
    }

    /// The curvature options for a model of `kind`: `--solver exact` is refused for a model other than softmax.
    func curvature(for kind: ModelKind) throws -> CurvatureOptions {
        try CurvatureOptions(arguments, kind: kind, modelPath: modelPath)
    }
}
