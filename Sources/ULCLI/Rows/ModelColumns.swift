import ULCore

/// The columns of a file read for a trained model: the id, the label (when the tool needs it) and the
/// model's features by name. One wording for every tool that reads rows against a model.
public struct ModelColumns {
    public let id: Int?
    public let label: Int?
    /// Positions of the model's features, in the model's order.
    public let features: [Int]
    /// Class index of each of the model's labels.
    private let classIndex: [String: Int32]

    /// `needsId`/`needsLabel`: a missing column is an error (else the role is optional). `missingFeatureHint`
    /// ends the parenthesis of the message of a missing feature column ("; …").
    public init(_ r: DataRows, model: ModelFile, idColumn: String = "id", labelColumn: String = "label",
                needsId: Bool = true, needsLabel: Bool = true, missingFeatureHint: String = "") throws {
        id = needsId ? try r.requireColumn(idColumn, option: "id") : r.column(idColumn)
        label = needsLabel ? try r.requireColumn(labelColumn, option: "label") : r.column(labelColumn)
        features = try model.features.map { name in
            guard let c = r.column(name) else {
                throw ToolError.data("missing feature column \(quoted(name)) the model was trained on (it has \(model.features.count) features\(missingFeatureHint))",
                                     file: r.path, line: 1)
            }
            return c
        }
        classIndex = Dictionary(uniqueKeysWithValues: model.labels.enumerated().map { ($1, Int32($0)) })
    }

    /// The model's class index of `label`; nil for a label the model does not know.
    public func knownClassIndex(of label: String) -> Int32? { classIndex[label] }

    /// The model's class index of `label`, or the error every tool gives for a label the model does not know.
    public func classIndex(of label: String, path: String, line: Int) throws -> Int32 {
        guard let c = classIndex[label] else {
            throw ToolError.data("label \(quoted(label)) is not one the model knows", file: path, line: line)
        }
        return c
    }
}
