import Foundation
import ULCLI
import ULCore

/// Everything ul-predict's command line says, checked before the model is read; what depends on the model's
/// kind is checked by `check(_:)` once it is.
struct PredictOptions {
    var modelPath: String
    /// `--aggregate`: how shards are combined instead of as the model says (softmax and mlp models only).
    var aggregation: Aggregation?
    var proba: Bool
    /// The id column, and whether `--id` named it (then it must exist).
    var idColumn: String
    var idGiven: Bool
    var input: String
    /// nil: standard output.
    var output: String?

    init(_ args: ParsedArguments) throws {
        guard let model = args.value("model") else { throw ToolError.usage("a model is required (--model MODEL)") }
        modelPath = model
        aggregation = try args.value("aggregate").map { _ in
            Aggregation(rawValue: try args.choice("aggregate", Aggregation.allCases.map(\.rawValue), default: Aggregation.mean.rawValue))!
        }
        proba = args.flag("proba")
        idColumn = ColumnNames(args).id
        idGiven = args.value("id") != nil
        input = try singleInput(args)
        output = args.value("output")
    }

    /// Refuses the options that do not apply to the model's kind.
    func check(_ kind: ModelKind) throws {
        if aggregation != nil, kind.isOneClass {
            throw ToolError.usage("--aggregate does not apply to a \(kind.rawValue) model; it applies to softmax and mlp models")
        }
    }
}
