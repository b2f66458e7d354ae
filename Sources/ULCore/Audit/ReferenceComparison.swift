/// Distances between an audited model and a reference (usually the model retrained without the forgotten rows).
public struct ReferenceComparison {
    /// ‖θ − θ_ref‖₂ over every shard's final parameters in shard order; nil when the two models' parameter
    /// layouts differ (kind, widths or shard count), so no distance is meaningful.
    public let parameterDistance: Double?
    /// Share of forgotten rows on which the two models predict the same class.
    let agreement: Double
    /// Mean KL(p_ref ‖ p_model) over the forgotten rows.
    let kl: Double
    /// The same two on the test rows.
    let agreementTest: Double
    let klTest: Double

    public init(model: ModelFile, reference: ModelFile, outputs: ModelOutputs, referenceOutputs: ModelOutputs) throws {
        let a = model.shards.flatMap(\.finalParameters), b = reference.shards.flatMap(\.finalParameters)
        let sameLayout = model.shards.count == reference.shards.count
            && zip(model.shards, reference.shards).allSatisfy { $0.finalParameters.count == $1.finalParameters.count }
        parameterDistance = sameLayout ? try ModelComparison.parameterDistance(a, b) : nil
        agreement = try ModelComparison.agreement(outputs.forget, referenceOutputs.forget)
        kl = try ModelComparison.meanKLDivergence(reference: referenceOutputs.forget, model: outputs.forget)
        agreementTest = try ModelComparison.agreement(outputs.test, referenceOutputs.test)
        klTest = try ModelComparison.meanKLDivergence(reference: referenceOutputs.test, model: outputs.test)
    }

    public func record(into report: inout AuditReport) {
        report.set(AuditMetric.paramDistance, parameterDistance ?? .nan)
        report.set(AuditMetric.agreement, agreement)
        report.set(AuditMetric.kl, kl)
        report.set("agreement_test", agreementTest)
        report.set("kl_test", klTest)
    }
}
