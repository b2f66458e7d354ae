/// Each audited row's LiRA scores φ under the shadow models, split into the models that trained on the row (IN)
/// and those that did not (OUT). Offline shadows never train on an audited row, so every score is OUT.
public struct ShadowScores {
    /// `forget[i]`: φ of forgotten row i under the shadow models that did not train on it.
    public let forget: [[Double]]
    /// `test[i]`: the same for test row i.
    public let test: [[Double]]
    /// φ under the shadow models that trained on the row (online shadows); nil for offline shadows.
    public let forgetIn: [[Double]]?
    public let testIn: [[Double]]?

    /// `membership(k)`, when given, says which forgotten and test rows shadow k trained on (online shadows).
    public init(shadows: [ModelFile], data: AuditData,
                membership: ((Int) -> (forget: Set<Int>, test: Set<Int>))? = nil) throws {
        var f = [[Double]](repeating: [], count: data.forget.count), fi = f
        var t = [[Double]](repeating: [], count: data.test.count), ti = t
        for (k, s) in shadows.enumerated() {
            let p = Predictor(model: s)
            let pf = try ClassProbabilities(flat: p.probabilities(data.forget.features, rows: data.forget.count), classes: p.classCount)
            let pt = try ClassProbabilities(flat: p.probabilities(data.test.features, rows: data.test.count), classes: p.classCount)
            let member = membership?(k)
            for (i, v) in try MembershipScore.liraScores(pf, labels: data.forget.classes.map(Int.init)).enumerated() {
                if member?.forget.contains(i) == true { fi[i].append(v) } else { f[i].append(v) }
            }
            for (i, v) in try MembershipScore.liraScores(pt, labels: data.test.classes.map(Int.init)).enumerated() {
                if member?.test.contains(i) == true { ti[i].append(v) } else { t[i].append(v) }
            }
        }
        forget = f
        test = t
        forgetIn = membership == nil ? nil : fi
        testIn = membership == nil ? nil : ti
    }

    /// Whether these are online shadows (IN and OUT scores per row).
    public var isOnline: Bool { forgetIn != nil }

    /// Online shadows for `data`: the pool is the retained, forgotten and test rows together, in that order, and
    /// each complementary pair of shadows splits it in two. Trains them and scores the audited rows.
    public static func online(model: ModelFile, count: Int, seed: UInt64, data: AuditData, jobs: Int,
                              progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws -> ShadowScores {
        let training = ShadowTraining(model: model, count: count, seed: seed, complementary: true)
        var pool = data.retain
        pool.append(contentsOf: data.forget)
        pool.append(contentsOf: data.test)
        // The halves once: they are both the shadows' rows and each row's IN/OUT membership.
        let halves = (0..<count).map { training.half($0, of: pool) }
        let shadows = try training.train(pool: pool, rows: halves, configs: (0..<count).map(training.config), jobs: jobs,
                                         progress: progress)
        let r = data.retain.count, f = data.forget.count
        return try ShadowScores(shadows: shadows, data: data) { k in
            (Set(halves[k].filter { $0 >= r && $0 < r + f }.map { $0 - r }), Set(halves[k].filter { $0 >= r + f }.map { $0 - r - f }))
        }
    }

    /// LiRA's variance estimate for `k` shadow models: Carlini et al.'s global variance below 64 models, where
    /// per-example variances are too noisy, per-example from 64 on.
    public static func variance(forShadowCount k: Int) -> ShadowVariance { k < 64 ? .global : .perExample }
}
