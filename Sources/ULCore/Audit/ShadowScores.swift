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
