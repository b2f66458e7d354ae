/// Accuracy and membership-attack measurements of one model.
public struct ModelMeasurement {
    let accuracyRetain: Double
    let accuracyForget: Double
    public let accuracyTest: Double
    /// Loss attack, forgotten rows (members) against test rows (non-members).
    public let lossCurve: ROCCurve
    /// LiRA (online or offline, as the shadows were trained), same rows; nil without shadow models.
    public let liraCurve: ROCCurve?
    /// Share of forgotten rows the loss attack calls non-members at `resistanceThreshold`.
    let resistance: Double
    /// The loss attack's threshold that best separates the model's retained rows (known members) from the test
    /// rows: an attacker calibrated on rows the model certainly holds.
    let resistanceThreshold: Double
    /// The attacks' scores of the forgotten rows (members) and the test rows (non-members), for intervals.
    let lossScores: (members: [Double], nonMembers: [Double])
    /// Loss attack with the retained rows as members against the test rows: what the model still leaks about
    /// the rows it keeps.
    let retainLossAUC: Double
    let liraScores: (members: [Double], nonMembers: [Double])?

    public init(outputs o: ModelOutputs, data: AuditData, shadows: ShadowScores?) throws {
        let yr = data.retain.classes.map(Int.init), yf = data.forget.classes.map(Int.init)
        let yt = data.test.classes.map(Int.init)
        accuracyRetain = try ModelComparison.accuracy(o.retain, labels: yr)
        accuracyForget = try ModelComparison.accuracy(o.forget, labels: yf)
        accuracyTest = try ModelComparison.accuracy(o.test, labels: yt)
        let lossForget = try MembershipScore.lossScores(o.forget, labels: yf)
        let lossTest = try MembershipScore.lossScores(o.test, labels: yt)
        lossCurve = try ROCCurve(memberScores: lossForget, nonMemberScores: lossTest)
        lossScores = (lossForget, lossTest)
        let calibration = try ROCCurve(memberScores: MembershipScore.lossScores(o.retain, labels: yr), nonMemberScores: lossTest)
        resistanceThreshold = calibration.advantageThreshold
        retainLossAUC = calibration.auc
        resistance = try ULCore.resistance(lossForget, threshold: resistanceThreshold)
        if let s = shadows {
            let targetForget = try MembershipScore.liraScores(o.forget, labels: yf)
            let targetTest = try MembershipScore.liraScores(o.test, labels: yt)
            if let forgetIn = s.forgetIn, let testIn = s.testIn {
                // Each row has about K/2 scores of each kind: the variance rule follows that count.
                let variance = ShadowScores.variance(forShadowCount: s.forget.first?.count ?? 0)
                let f = try LiRA.onlineScores(target: targetForget, in: forgetIn, out: s.forget, variance: variance)
                let t = try LiRA.onlineScores(target: targetTest, in: testIn, out: s.test, variance: variance)
                liraCurve = try ROCCurve(memberScores: f, nonMemberScores: t)
                liraScores = (f, t)
            } else {
                let variance = ShadowScores.variance(forShadowCount: s.forget.first?.count ?? 0)
                let f = try LiRA.offlineScores(target: targetForget, out: s.forget, variance: variance)
                let t = try LiRA.offlineScores(target: targetTest, out: s.test, variance: variance)
                liraCurve = try ROCCurve(memberScores: f, nonMemberScores: t)
                liraScores = (f, t)
            }
        } else {
            liraCurve = nil
            liraScores = nil
        }
    }

    /// Writes the measurements under their `AuditMetric` names, each prefixed with `prefix` (e.g. `reference_`),
    /// followed by `mia_lira_advantage` and `resistance_threshold`.
    /// 95 % intervals, by name of the metric they belong to: bootstrap percentiles (`resamples` draws, seeded) for
    /// the AUCs and advantages, Clopper–Pearson for the TPRs at fixed FPR (the count of forgotten rows above the
    /// threshold the test rows fix, out of all forgotten rows; the threshold's own sampling error is not in it).
    public func intervals(resamples: Int, seed: UInt64) throws -> [(name: String, interval: ConfidenceInterval)] {
        var out = [(name: String, interval: ConfidenceInterval)]()
        let auc: (ROCCurve) -> Double = { $0.auc }, advantage: (ROCCurve) -> Double = { $0.advantage }
        let loss = try ConfidenceInterval.bootstrap(members: lossScores.members, nonMembers: lossScores.nonMembers,
                                                    resamples: resamples, seed: seed, statistics: [auc, advantage])
        out += [(AuditMetric.miaLossAUC, loss[0]), (AuditMetric.miaLossAdvantage, loss[1])]
        if let l = liraScores {
            let lira = try ConfidenceInterval.bootstrap(members: l.members, nonMembers: l.nonMembers, resamples: resamples,
                                                        seed: seed &+ 1, statistics: [auc, advantage])
            out += [(AuditMetric.miaLiRAAUC, lira[0]), ("mia_lira_advantage", lira[1])]
        } else {
            out += [(AuditMetric.miaLiRAAUC, .unmeasured), ("mia_lira_advantage", .unmeasured)]
        }
        let strongest = liraCurve ?? lossCurve
        for (name, target) in AuditReport.tprTargets {
            let t = strongest.tpr(atFPR: target)
            let hits = Int((t.truePositiveRate * Double(strongest.members)).rounded())
            out.append((name, t.isResolved ? .clopperPearson(successes: hits, trials: strongest.members) : .unmeasured))
        }
        return out
    }

    public func record(into report: inout AuditReport, prefix: String = "") {
        var r = AuditReport()
        r.set(AuditMetric.accuracyRetain, accuracyRetain)
        r.set(AuditMetric.accuracyForget, accuracyForget)
        r.set(AuditMetric.accuracyTest, accuracyTest)
        r.setMembership(loss: lossCurve, lira: liraCurve)
        r.set(AuditMetric.resistance, resistance)
        r.set("mia_lira_advantage", liraCurve?.advantage ?? .nan)
        r.set("resistance_threshold", resistanceThreshold)
        r.set("retain_mia_loss_auc", retainLossAUC)
        for e in r.entries { report.set(prefix + e.name, e.value) }
    }
}
