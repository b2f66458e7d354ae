/// Forgotten rows that look *less* like members under the audited model than under the retrained reference
/// (Hayes et al. 2024): pushing a row below where retraining leaves it is itself a signal an attacker can see.
public enum OverUnlearning {
    /// How many OUT standard deviations below the reference's φ counts as over-unlearned.
    public static let margin = 2.0

    /// Indices of the forgotten rows whose LiRA score φ under the model is below its φ under the reference by
    /// more than `margin` times the row's spread under the shadow models that did not train on it (the spread
    /// retraining itself shows; pooled over rows below 64 shadows, as LiRA's own variance).
    public static func rows(model: ModelOutputs, reference: ModelOutputs, data: AuditData, shadows: ShadowScores) throws -> [Int] {
        let labels = data.forget.classes.map(Int.init)
        let mine = try MembershipScore.liraScores(model.forget, labels: labels)
        let theirs = try MembershipScore.liraScores(reference.forget, labels: labels)
        let fits = try LiRA.fit(shadows.forget, variance: ShadowScores.variance(forShadowCount: shadows.forget.first?.count ?? 0))
        return mine.indices.filter { mine[$0] < theirs[$0] - margin * fits[$0].standardDeviation }
    }
}
