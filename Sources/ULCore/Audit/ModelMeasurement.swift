/// Accuracy and membership-attack measurements of one model.
public struct ModelMeasurement {
    let accuracyRetain: Double
    let accuracyForget: Double
    public let accuracyTest: Double
    /// Loss attack, forgotten rows (members) against test rows (non-members).
    public let lossCurve: ROCCurve
    /// Offline LiRA, same rows; nil without shadow models.
    public let liraCurve: ROCCurve?
    /// Share of forgotten rows the loss attack calls non-members at `resistanceThreshold`.
    let resistance: Double
    /// The loss attack's threshold that best separates the model's retained rows (known members) from the test
    /// rows: an attacker calibrated on rows the model certainly holds.
    let resistanceThreshold: Double

    public init(outputs o: ModelOutputs, data: AuditData, shadows: ShadowScores?) throws {
        let yr = data.retain.classes.map(Int.init), yf = data.forget.classes.map(Int.init)
        let yt = data.test.classes.map(Int.init)
        accuracyRetain = try ModelComparison.accuracy(o.retain, labels: yr)
        accuracyForget = try ModelComparison.accuracy(o.forget, labels: yf)
        accuracyTest = try ModelComparison.accuracy(o.test, labels: yt)
        let lossForget = try MembershipScore.lossScores(o.forget, labels: yf)
        let lossTest = try MembershipScore.lossScores(o.test, labels: yt)
        lossCurve = try ROCCurve(memberScores: lossForget, nonMemberScores: lossTest)
        let calibration = try ROCCurve(memberScores: MembershipScore.lossScores(o.retain, labels: yr), nonMemberScores: lossTest)
        resistanceThreshold = calibration.advantageThreshold
        resistance = try ULCore.resistance(lossForget, threshold: resistanceThreshold)
        if let s = shadows {
            let variance = ShadowScores.variance(forShadowCount: s.forget.first?.count ?? 0)
            let f = try LiRA.offlineScores(target: MembershipScore.liraScores(o.forget, labels: yf), out: s.forget, variance: variance)
            let t = try LiRA.offlineScores(target: MembershipScore.liraScores(o.test, labels: yt), out: s.test, variance: variance)
            liraCurve = try ROCCurve(memberScores: f, nonMemberScores: t)
        } else {
            liraCurve = nil
        }
    }

    /// Writes the measurements under their `AuditMetric` names, each prefixed with `prefix` (e.g. `reference_`),
    /// followed by `mia_lira_advantage` and `resistance_threshold`.
    public func record(into report: inout AuditReport, prefix: String = "") {
        var r = AuditReport()
        r.set(AuditMetric.accuracyRetain, accuracyRetain)
        r.set(AuditMetric.accuracyForget, accuracyForget)
        r.set(AuditMetric.accuracyTest, accuracyTest)
        r.setMembership(loss: lossCurve, lira: liraCurve)
        r.set(AuditMetric.resistance, resistance)
        r.set("mia_lira_advantage", liraCurve?.advantage ?? .nan)
        r.set("resistance_threshold", resistanceThreshold)
        for e in r.entries { report.set(prefix + e.name, e.value) }
    }
}
