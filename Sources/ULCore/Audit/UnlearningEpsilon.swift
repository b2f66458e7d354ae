import Foundation

/// The per-example unlearning ε of the NeurIPS 2023 unlearning challenge: for each forgotten row, the outputs
/// (LiRA's φ) of N models trained on all rows and then unlearned by a method are compared with the outputs of N
/// models trained on the retained rows alone; ε is that of the best threshold test between the two populations
/// at a given δ. Exact unlearning gives retraining's own noise floor (two populations of retrained models).
public struct UnlearningEpsilon {
    public enum Method: String, CaseIterable, Sendable {
        case exact, puma, newton
    }

    /// The audited model: its configuration, labels and features are reused, with seeds of its own per model.
    public let model: ModelFile
    /// Models per population (N).
    public let count: Int
    public let seed: UInt64
    public let method: Method
    /// δ of the (ε, δ) test.
    public var delta = 1e-5
    /// Damping of the approximate methods' curvature (mlp needs some: see ul-forget(1)).
    public var damping = 0.0
    /// The curvature of an mlp's PUMA and Newton steps (ul-forget's default; softmax has one).
    public var curvatureKind = CurvatureKind.gaussNewton

    public init(model: ModelFile, count: Int, seed: UInt64, method: Method) {
        self.model = model
        self.count = count
        self.seed = seed
        self.method = method
    }

    /// The trainer of both populations: the audited model's configuration, a seed of its own per model.
    var training: ShadowTraining { ShadowTraining(model: model, count: 2 * count, seed: seed ^ 0x4550_5349_4c4f_4e00) }

    /// Per forgotten row its ε (in `data.forget` order).
    public func perExample(data: AuditData, jobs: Int,
                           progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws -> [Double] {
        var pool = data.retain
        pool.append(contentsOf: data.forget)
        let all = Array(0..<pool.count), retained = Array(0..<data.retain.count)
        // Models 0..<N train on every row and are unlearned; N..<2N train on the retained rows: each its own seed.
        let trained = try training.train(pool: pool, rows: Array(repeating: all, count: count) + Array(repeating: retained, count: count),
                                         configs: (0..<2 * count).map(training.config), jobs: jobs, progress: progress)
        let forgotten = Set(data.forget.ids)
        let unlearned = try concurrentMap(Array(0..<count), workers: max(1, jobs)) { _, k in
            try unlearn(trained[k], forgetting: forgotten, pool: pool)
        }
        let labels = data.forget.classes.map(Int.init)
        func scores(_ m: ModelFile) throws -> [Double] {
            let p = Predictor(model: m)
            return try MembershipScore.liraScores(
                ClassProbabilities(flat: p.probabilities(data.forget.features, rows: data.forget.count), classes: p.classCount), labels: labels)
        }
        let a = try unlearned.map(scores), b = try trained[count...].map(scores)
        return (0..<data.forget.count).map { i in Self.epsilon(a.map { $0[i] }, b.map { $0[i] }, delta: delta) }
    }

    /// `trained` (on every pool row, raw features in `pool`) with the `forgotten` ids removed by the method.
    func unlearn(_ trained: ModelFile, forgetting forgotten: Set<String>, pool: Dataset) throws -> ModelFile {
        var scaled = pool
        if let f = trained.config.scale { scaled.features = pool.features.map { $0 * f } }
        var position = [String: Int]()
        for (i, id) in scaled.ids.enumerated() { position[id] = i }
        let affected = Set(trained.rowLocations(of: forgotten).values.map(\.shard))
        switch method {
        case .exact:
            return try forgetExactly(trained, ids: forgotten, remaining: { shard in
                let record = trained.shards.first { $0.index == shard }!
                var rows = [Int](), blocks = [Int]()
                for (b, block) in record.blocks.enumerated() {
                    for id in block.ids where !forgotten.contains(id) { rows.append(position[id]!); blocks.append(b) }
                }
                return ShardInput(shard: shard, data: scaled.subset(rows), blocks: blocks)
            }, jobs: 1).model
        case .puma, .newton:
            var out = trained
            for shard in affected.sorted() {
                let i = out.shards.firstIndex { $0.index == shard }!
                let record = out.shards[i]
                let order = try record.rowsInRecordOrder(position)
                let shardData = scaled.subset(order)
                let forget = shardData.ids.indices.filter { forgotten.contains(shardData.ids[$0]) }
                let objective = ShardCurvature.objective(config: trained.config, classCount: trained.labels.count, shard: record, data: shardData)
                let kind: SolverKind = trained.config.kind == .softmax ? .exact : .cg
                let (solver, _) = try ShardCurvature.solver(objective: objective, theta: record.finalParameters, stored: nil, shard: shard,
                                                            key: [], solver: kind,
                                                            kind: kind == .exact ? .hessian : curvatureKind, damping: damping)
                let theta: [Double]
                if method == .newton {
                    let linear = ShardCurvature.perturbation(config: trained.config, parameterCount: objective.parameterCount)
                    theta = try ApproximateRemoval.newton(objective: objective, solver: solver, forget: forget, linear: linear).theta
                } else {
                    // PUMA's default criterion: the mean loss of the shard's remaining rows.
                    let gone = Set(forget)
                    let kept = (0..<objective.rowCount).filter { !gone.contains($0) }
                    var c = [Double](repeating: 0, count: objective.rowCount)
                    for r in kept { c[r] = 1 / Double(kept.count) }
                    theta = try ApproximateRemoval.puma(objective: objective, solver: solver, forget: forget,
                                                        criterionGradient: objective.gradientSum(record.finalParameters, coefficients: c),
                                                        settings: ApproximateRemoval.PumaSettings()).theta
                }
                out.shards[i].blocks[record.blocks.count - 1].parameters = theta
            }
            return out
        }
    }

    /// ε of the best threshold test telling population `a` from `b` (each a list of one row's scores): over every
    /// threshold t and both directions, max(log((1 − δ − FPR)/FNR), log((1 − δ − FNR)/FPR)), with an error rate of
    /// zero counted as half a model (1/2N), so that ε stays finite: at most log(2N(1 − δ)) when the populations
    /// separate completely. 0 when no test does better than chance.
    public static func epsilon(_ a: [Double], _ b: [Double], delta: Double) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return .nan }
        let thresholds = Set(a + b).sorted()
        let floorA = 0.5 / Double(a.count), floorB = 0.5 / Double(b.count)
        var best = 0.0
        for t in thresholds {
            // "a" iff score ≥ t: FPR = share of b at or above t, FNR = share of a below t; and the reverse test.
            let aAbove = Double(a.filter { $0 >= t }.count) / Double(a.count)
            let bAbove = Double(b.filter { $0 >= t }.count) / Double(b.count)
            for (fpr, fnr) in [(bAbove, 1 - aAbove), (1 - bAbove, aAbove)] {
                let p = max(fpr, floorB), n = max(fnr, floorA)
                for v in [log(max(1 - delta - p, 0) / n), log(max(1 - delta - n, 0) / p)] where v.isFinite {
                    best = max(best, v)
                }
            }
        }
        return best
    }
}
