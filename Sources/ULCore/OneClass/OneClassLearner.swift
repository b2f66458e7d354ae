import Foundation

/// A sub-model of one class shard (ARCANE): a one-class model of the shard's only label, refitted at each block
/// step on the cumulative rows B1 ∪ … ∪ Br. The checkpoint θr is the model as a flat list of numbers:
///
///     [class index, calibration mean, calibration deviation, dimension (0: no rows yet), kind-specific values…]
///
/// `ppca`: q, σ², μ (d), λ (q), U (d·q row-major). `mppca`: K, EM iterations, log π (K), then per component
/// q, σ², μ, λ, U. `knn`: k, n, the n rows (d each). `autoencoder`: H, epochs run so far, W₁ (d·H row-major),
/// b₁ (H), W₂ (H·d row-major), b₂ (d). Every value is an exact copy of the fitted model's Double (or Float)
/// bits, so a checkpoint reproduces the model bit for bit.
///
/// The autoencoder is the one kind with a seeded initial state: θ0 is a checkpoint of the initial weights
/// (seeded by (seed, shard), class index 0 as a placeholder), and a block step without rows keeps the weights.
///
/// A shard's score for a row is the model's score (log-likelihood for ppca and mppca, −mean distance to the k
/// nearest rows for knn, −squared reconstruction error for autoencoder), optionally standardised by the mean
/// and deviation of the scores of the class's own training rows (`calibrate`). Prediction is the argmax of the classes' scores; probabilities are the softmax
/// of the scores (for a log-likelihood: the posterior under equal class priors).
struct OneClassLearner: ShardLearner {
    let kind: ModelKind
    let config: TrainConfig
    let dimension: Int
    let classCount: Int

    var parameterCount: Int { -1 }
    var isOneClass: Bool { true }

    func accepts(_ theta: [Double]) -> Bool {
        guard theta.count >= 4, let c = exactInt(theta[0]), c >= 0, c < classCount, let d = exactInt(theta[3]) else { return false }
        if d == 0 { return theta.count == 4 }
        guard d == dimension else { return false }
        return (try? decode(theta)) != nil
    }

    /// θ0: no class known yet, no rows; for autoencoder, the seeded initial weights.
    func initialParameters(shard: Int) -> [Double] {
        guard kind == .autoencoder else { return [] }
        let model = AutoencoderModel.initial(dimension: dimension, hidden: autoencoderConfig.hidden, seed: config.seed, shard: shard)
        return [0, 0, 1] + FittedOneClass.autoencoder(model).flattened
    }

    func trainStep(data: Dataset, order: (Int) -> [Int], from theta: [Double], epochs: Int,
                   progress: ((Int) -> Void)?) throws -> [Double] {
        _ = blasSingleThreaded
        let rows = order(0)
        let cls = Double(data.classes[0])
        guard !rows.isEmpty else {
            if kind == .autoencoder { return [cls, 0, 1] + theta.dropFirst(3) }
            return [cls, 0, 1, 0]
        }
        let sub = data.subset(rows)
        let model: FittedOneClass
        // Failures here are LAPACK errors (OneClassError), which the caller reports with the shard.
        switch kind {
        case .ppca:
            model = .ppca(try PPCAModel.fit(features: sub.features, dimension: dimension, ids: sub.ids,
                                             config: ppcaConfig))
        case .mppca:
            let state: MixturePPCAModel?
            if case .mppca(let m)? = try? decode(theta).model { state = m } else { state = nil }
            model = .mppca(try MixturePPCAModel.fit(features: sub.features, dimension: dimension, ids: sub.ids,
                                                     config: mixtureConfig, startingFrom: state, iterations: epochs))
        case .knn:
            model = .knn(try NearestNeighbourDescription.fit(features: sub.features, dimension: dimension, ids: sub.ids,
                                                             neighbours: config.neighbours))
        case .autoencoder:
            // θ is θ0 or a checkpoint `accepts` passed, so it holds the weights to continue from.
            guard case .autoencoder(let state)? = try decode(theta).model else {
                throw OneClassError.incompatibleState("an autoencoder step needs the weights to continue from")
            }
            model = .autoencoder(state.trained(features: data.features, order: order, epochs: epochs, config: autoencoderConfig))
        default:
            preconditionFailure("not a one-class kind")
        }
        var calibration = (mean: 0.0, deviation: 1.0)
        if config.calibrate {
            let s = model.scores(sub.features)
            let mean = s.reduce(0, +) / Double(s.count)
            let v = s.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(s.count)
            calibration = (mean, max(v.squareRoot(), 1e-12))
        }
        progress?(epochs)
        return [cls, calibration.mean, calibration.deviation] + model.flattened
    }

    /// One-hot rows of the shard's class (a one-class sub-model has no probabilities of its own); `Predictor`
    /// combines one-class shards through `scores` instead.
    func probabilities(_ theta: [Double], x: UnsafePointer<Float>, m: Int) -> [Double] {
        var p = [Double](repeating: 0, count: m * classCount)
        if let c = exactInt(theta.first ?? -1), c >= 0, c < classCount { for i in 0..<m { p[i * classCount + c] = 1 } }
        return p
    }

    /// The shard's class and the (calibrated) score of each of `m` rows; −∞ when the shard had no rows. A model
    /// file's checkpoints are decoded when it is read (`accepts`), so a state that does not decode here comes
    /// from no model file; it scores −∞ like an empty shard.
    func scores(_ theta: [Double], x: UnsafePointer<Float>, m: Int) -> (classIndex: Int, scores: [Double]) {
        guard let fitted = try? decode(theta), let model = fitted.model else {
            return (exactInt(theta.first ?? 0) ?? 0, Array(repeating: -.infinity, count: m))
        }
        let raw = model.scores(Array(UnsafeBufferPointer(start: x, count: m * dimension)))
        return (fitted.classIndex, raw.map { ($0 - fitted.calibration.mean) / fitted.calibration.deviation })
    }

    var ppcaConfig: PPCAConfig { PPCAConfig(components: config.components, varianceFloor: config.varianceFloor) }
    var autoencoderConfig: AutoencoderConfig {
        AutoencoderConfig(hidden: config.hidden.first ?? 64, l2: config.l2, learningRate: config.learningRate,
                          batchSize: config.batchSize)
    }
    var mixtureConfig: MixturePPCAConfig {
        MixturePPCAConfig(mixtureComponents: config.mixtures, ppca: ppcaConfig, seed: config.seed)
    }

    func decode(_ theta: [Double]) throws -> (classIndex: Int, calibration: (mean: Double, deviation: Double), model: FittedOneClass?) {
        var r = FlatReader(theta)
        guard let c = exactInt(try r.next()) else { throw ByteReaderError.invalid("class index") }
        let calibration = (try r.next(), try r.next())
        let d = try r.int()
        guard d == 0 || d == dimension else { throw ByteReaderError.invalid("dimension \(d)") }
        if d == 0 { return (c, calibration, nil) }
        let model: FittedOneClass
        switch kind {
        case .ppca: model = .ppca(try r.ppca(dimension: d))
        case .mppca:
            let k = try r.int(), iterations = try r.int()
            guard k >= 1 else { throw ByteReaderError.invalid("mixture components") }
            let logW = try r.take(k)
            let comps = try (0..<k).map { _ in try r.ppca(dimension: d) }
            model = .mppca(MixturePPCAModel(dimension: d, logWeights: logW, components: comps, iterations: iterations,
                                            calibration: (0, 1)))
        case .knn:
            let k = try r.int(), n = try r.int()
            guard k >= 1, n >= k else { throw ByteReaderError.invalid("nearest-neighbour shape") }
            model = .knn(NearestNeighbourDescription(dimension: d, neighbours: k, rows: try r.take(n, by: d).map(Float.init)))
        case .autoencoder:
            let h = try r.int(), epochs = try r.int()
            guard h == autoencoderConfig.hidden else { throw ByteReaderError.invalid("autoencoder width \(h)") }
            // h equals the configured width (bounded), d the feature count: (d + 1)·h + (h + 1)·d cannot overflow.
            let theta = try r.take(AutoencoderModel.parameterCount(dimension: d, hidden: h))
            guard theta.allSatisfy(\.isFinite) else { throw ByteReaderError.invalid("autoencoder weights") }
            model = .autoencoder(AutoencoderModel(dimension: d, hidden: h, epochs: epochs, parameters: theta))
        default: throw ByteReaderError.invalid("not a one-class kind")
        }
        guard r.atEnd else { throw ByteReaderError.invalid("trailing values") }
        return (c, calibration, model)
    }
}

/// The integer a Double holds exactly, if any (within ±2⁵³).
func exactInt(_ v: Double) -> Int? {
    guard v.isFinite, v == v.rounded(), abs(v) <= 9_007_199_254_740_992 else { return nil }
    return Int(v)
}
