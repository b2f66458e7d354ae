/// The three row sets of an audit, features raw (before the model's `--scale`), classes indexing the model's
/// labels: the retained rows (members the model still trains on), the forgotten rows (the rows whose membership is
/// in question) and held-out test rows (non-members).
public struct AuditData {
    public var retain: Dataset
    public var forget: Dataset
    public var test: Dataset

    public init(retain: Dataset, forget: Dataset, test: Dataset) {
        self.retain = retain
        self.forget = forget
        self.test = test
    }

    /// The forgotten rows followed by the test rows: the rows every attack scores.
    var audited: Dataset {
        var d = forget
        d.ids += test.ids
        d.classes += test.classes
        d.features += test.features
        return d
    }
}

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

/// Each audited row's LiRA scores φ under the shadow models (all OUT models for it).
public struct ShadowScores {
    /// `forget[i][k]`: φ of forgotten row i under shadow model k.
    public let forget: [[Double]]
    /// `test[i][k]`: φ of test row i under shadow model k.
    public let test: [[Double]]

    public init(shadows: [ModelFile], data: AuditData) throws {
        var f = [[Double]](repeating: [], count: data.forget.count)
        var t = [[Double]](repeating: [], count: data.test.count)
        for s in shadows {
            let p = Predictor(model: s)
            let pf = try ClassProbabilities(flat: p.probabilities(data.forget.features, rows: data.forget.count), classes: p.classCount)
            let pt = try ClassProbabilities(flat: p.probabilities(data.test.features, rows: data.test.count), classes: p.classCount)
            for (i, v) in try MembershipScore.liraScores(pf, labels: data.forget.classes.map(Int.init)).enumerated() { f[i].append(v) }
            for (i, v) in try MembershipScore.liraScores(pt, labels: data.test.classes.map(Int.init)).enumerated() { t[i].append(v) }
        }
        forget = f
        test = t
    }

    /// LiRA's variance estimate for `k` shadow models: Carlini et al.'s global variance below 64 models, where
    /// per-example variances are too noisy, per-example from 64 on.
    public static func variance(forShadowCount k: Int) -> ShadowVariance { k < 64 ? .global : .perExample }
}

/// Accuracy and membership-attack measurements of one model.
public struct ModelMeasurement {
    public let accuracyRetain: Double
    public let accuracyForget: Double
    public let accuracyTest: Double
    /// Loss attack, forgotten rows (members) against test rows (non-members).
    public let lossCurve: ROCCurve
    /// Offline LiRA, same rows; nil without shadow models.
    public let liraCurve: ROCCurve?
    /// Share of forgotten rows the loss attack calls non-members at `resistanceThreshold`.
    public let resistance: Double
    /// The loss attack's threshold that best separates the model's retained rows (known members) from the test
    /// rows: an attacker calibrated on rows the model certainly holds.
    public let resistanceThreshold: Double

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

/// Distances between an audited model and a reference (usually the model retrained without the forgotten rows).
public struct ReferenceComparison {
    /// ‖θ − θ_ref‖₂ over every shard's final parameters in shard order; nil when the two models' parameter
    /// layouts differ (kind, widths or shard count), so no distance is meaningful.
    public let parameterDistance: Double?
    /// Share of forgotten rows on which the two models predict the same class.
    public let agreement: Double
    /// Mean KL(p_ref ‖ p_model) over the forgotten rows.
    public let kl: Double
    /// The same two on the test rows.
    public let agreementTest: Double
    public let klTest: Double

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
