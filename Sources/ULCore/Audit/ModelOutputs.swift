/// A model's aggregated class probabilities on the three sets.
public struct ModelOutputs {
    public let retain: ClassProbabilities
    public let forget: ClassProbabilities
    public let test: ClassProbabilities

    public init(model: ModelFile, data: AuditData) throws {
        let p = Predictor(model: model)
        func run(_ d: Dataset) throws -> ClassProbabilities {
            try ClassProbabilities(flat: d.count == 0 ? [] : p.probabilities(d.features, rows: d.count), classes: p.classCount)
        }
        retain = try run(data.retain)
        forget = try run(data.forget)
        test = try run(data.test)
    }
}
