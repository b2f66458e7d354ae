import Foundation

/// Mixture of PPCA for one class: p(x) = Σ_k π_k N(x | μ_k, W_kW_kᵀ + σ_k²I).
///
/// Iterative, so it uses the block checkpoints: `fit(…, startingFrom: θ_{r−1}, iterations: e_r)` continues EM
/// from the previous block's state on the cumulative rows B1 ∪ … ∪ B_r. The first call (no state) starts from K
/// centres: the rows with the smallest stable hash of (id, seed), every row assigned to its nearest centre.
/// Everything depends only on the set of (id, row) pairs, the state and the configuration, so refitting from
/// the same checkpoint on the same rows gives the same bits.
///
/// Score: the mixture log-likelihood, a normalised density, comparable across classes without calibration
/// (per-class standardisation of a density's log-likelihood hurt accuracy in the reference runs). The mean and
/// standard deviation of the training rows' log-likelihood are kept as `calibration` for a caller that wants
/// `standardisedScore` instead.
struct MixturePPCAModel: OneClassModel, Equatable {
    let dimension: Int
    /// log π_k.
    let logWeights: [Double]
    let components: [PPCAModel]
    /// EM iterations run so far (over all calls).
    let iterations: Int
    /// Mean and standard deviation of the log-likelihood of the rows of the last fit.
    let calibration: (mean: Double, deviation: Double)

    static func == (a: MixturePPCAModel, b: MixturePPCAModel) -> Bool {
        a.dimension == b.dimension && a.logWeights == b.logWeights && a.components == b.components
            && a.iterations == b.iterations && a.calibration == b.calibration
    }

    /// Runs `iterations` EM steps on these rows, from `state` (a checkpoint of the same configuration and
    /// dimension) or, when `state` is nil, from the hash-chosen initial partition.
    static func fit(features: [Float], dimension: Int, ids: [String],
                           config: MixturePPCAConfig = MixturePPCAConfig(),
                           startingFrom state: MixturePPCAModel? = nil, iterations: Int) throws -> MixturePPCAModel {
        guard config.mixtureComponents >= 1 else { throw OneClassError.invalidConfig("mixture components must be ≥ 1") }
        guard iterations >= 0 else { throw OneClassError.invalidConfig("iterations must be ≥ 0") }
        let rows = try CanonicalRows(features: features, dimension: dimension, ids: ids)
        var model: MixturePPCAModel
        if let s = state {
            guard s.dimension == dimension, s.components.count <= config.mixtureComponents else {
                throw OneClassError.incompatibleState("checkpoint has dimension \(s.dimension) and \(s.components.count) components")
            }
            model = s
        } else {
            model = try initial(rows, config: config)
        }
        for _ in 0..<iterations { model = try model.emStep(rows, config: config) }
        return model.calibrated(on: rows)
    }

    static func initial(_ rows: CanonicalRows, config: MixturePPCAConfig) throws -> MixturePPCAModel {
        let n = rows.n, d = rows.d
        let k = min(config.mixtureComponents, n)
        let centres = rows.ids.indices.sorted {
            let a = stableHash(rows.ids[$0], seed: config.seed, salt: 0x3ca7_7e12), b = stableHash(rows.ids[$1], seed: config.seed, salt: 0x3ca7_7e12)
            return a != b ? a < b : rows.ids[$0] < rows.ids[$1]
        }.prefix(k)
        var assignment = [Int](repeating: 0, count: n)
        for i in 0..<n {
            var best = 0, bestDist = Double.infinity
            for (j, c) in centres.enumerated() {
                var s = 0.0
                for f in 0..<d { let t = rows.x[i * d + f] - rows.x[c * d + f]; s += t * t }
                if s < bestDist { best = j; bestDist = s }
            }
            assignment[i] = best
        }
        var comps = [PPCAModel]()
        var logW = [Double]()
        for j in 0..<k {
            let w = assignment.map { $0 == j ? 1.0 : 0.0 }
            let mass = w.reduce(0, +)
            guard mass > 0 else { continue }
            comps.append(try PPCAModel.fitWeighted(rows, weights: w, config: config.ppca))
            logW.append(log(mass / Double(n)))
        }
        return MixturePPCAModel(dimension: d, logWeights: logW, components: comps, iterations: 0, calibration: (0, 1))
    }

    /// Responsibilities from the current parameters, then a weighted PPCA fit per component. A component whose
    /// responsibility mass falls below 1e-8 of a row keeps its parameters and gets that tiny weight.
    func emStep(_ rows: CanonicalRows, config: MixturePPCAConfig) throws -> MixturePPCAModel {
        let n = rows.n, d = rows.d, k = components.count
        var resp = [Double](repeating: 0, count: n * k)
        for i in 0..<n {
            var l = [Double](repeating: 0, count: k)
            for j in 0..<k { l[j] = logWeights[j] + components[j].logLikelihood { rows.x[i * d + $0] } }
            let m = l.max()!
            var s = 0.0
            for j in 0..<k { l[j] = exp(l[j] - m); s += l[j] }
            for j in 0..<k { resp[i * k + j] = l[j] / s }
        }
        var comps = components
        var logW = logWeights
        for j in 0..<k {
            let w = (0..<n).map { resp[$0 * k + j] }
            let mass = w.reduce(0, +)
            if mass > 1e-8 { comps[j] = try PPCAModel.fitWeighted(rows, weights: w, config: config.ppca) }
            logW[j] = log(max(mass, 1e-8) / Double(n))
        }
        return MixturePPCAModel(dimension: d, logWeights: logW, components: comps, iterations: iterations + 1,
                                calibration: calibration)
    }

    func calibrated(on rows: CanonicalRows) -> MixturePPCAModel {
        let ll = (0..<rows.n).map { i in logLikelihood { rows.x[i * rows.d + $0] } }
        let mean = ll.reduce(0, +) / Double(ll.count)
        let variance = ll.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(ll.count)
        return MixturePPCAModel(dimension: dimension, logWeights: logWeights, components: components,
                                iterations: iterations, calibration: (mean, max(variance.squareRoot(), 1e-12)))
    }

    init(dimension: Int, logWeights: [Double], components: [PPCAModel], iterations: Int,
         calibration: (mean: Double, deviation: Double)) {
        self.dimension = dimension
        self.logWeights = logWeights
        self.components = components
        self.iterations = iterations
        self.calibration = calibration
    }

    @inline(__always)
    func logLikelihood(_ x: (Int) -> Double) -> Double {
        var l = [Double](repeating: 0, count: components.count)
        for j in components.indices { l[j] = logWeights[j] + components[j].logLikelihood(x) }
        let m = l.max()!
        return m + log(l.reduce(0) { $0 + exp($1 - m) })
    }

    /// log p(x), by log-sum-exp over the components.
    func score(_ x: UnsafeBufferPointer<Float>) -> Double { logLikelihood { Double(x[$0]) } }

    /// (log p(x) − mean) / deviation, with the statistics of the class's own training rows.
    func standardisedScore(_ x: UnsafeBufferPointer<Float>) -> Double {
        (score(x) - calibration.mean) / calibration.deviation
    }

    func encode(into w: inout ByteWriter) {
        w.int(dimension)
        w.int(iterations)
        w.f64(calibration.mean)
        w.f64(calibration.deviation)
        w.doubles(logWeights)
        for c in components { c.encode(into: &w) }
    }

    init(from r: inout ByteReader) throws {
        dimension = try r.count(limit: 1 << 24)
        iterations = try r.count(limit: Int.max)
        calibration = (try r.f64(), try r.f64())
        logWeights = try r.doubles()
        guard !logWeights.isEmpty else { throw ByteReaderError.invalid("mixture without components") }
        var comps = [PPCAModel]()
        for _ in logWeights {
            let c = try PPCAModel(from: &r)
            guard c.dimension == dimension else { throw ByteReaderError.invalid("component dimension") }
            comps.append(c)
        }
        components = comps
    }
}
