import CBLAS

/// The model kinds. Everything that differs between kinds is reached through `learner(...)`, the one
/// place that dispatches on the kind; a new kind adds a case here and a `ShardLearner`.
public enum ModelKind: String, CaseIterable, Sendable {
    /// Multinomial logistic regression, full-batch L-BFGS.
    case softmax
    /// ReLU multilayer perceptron, mini-batch Adam.
    case mlp
    /// One-class probabilistic PCA per class shard (closed form at each block step).
    case ppca
    /// One-class mixture of PPCA per class shard (EM, continued from the previous block's checkpoint).
    case mppca
    /// One-class nearest-neighbour description per class shard (the rows are the model).
    case knn
    /// One-class autoencoder per class shard (mini-batch Adam, continued from the previous block's checkpoint).
    case autoencoder

    /// Kinds that model each class shard alone (ARCANE) instead of all classes per shard.
    public var isOneClass: Bool { self == .ppca || self == .mppca || self == .knn || self == .autoencoder }

    /// Whether a block step continues from the previous checkpoint for its epochs (rather than refitting
    /// in closed form), so that retraining costs rows × epochs.
    public var trainsIteratively: Bool { self != .ppca && self != .knn }

    /// Default of `--epochs`: L-BFGS iterations for softmax, passes over the data for mlp and autoencoder.
    public var defaultEpochs: Int {
        switch self {
        case .softmax: return 100
        case .mlp, .autoencoder: return 10
        case .ppca, .knn: return 1
        case .mppca: return 20
        }
    }

    /// The learner of one shard's sub-model.
    public func learner(config: TrainConfig, featureCount: Int, classCount: Int) -> ShardLearner {
        switch self {
        case .softmax:
            return NetworkLearner(network: DenseNetwork(inputs: featureCount, hidden: [], classes: classCount), config: config)
        case .mlp:
            return NetworkLearner(network: DenseNetwork(inputs: featureCount, hidden: config.hidden, classes: classCount), config: config)
        case .ppca, .mppca, .knn, .autoencoder:
            return OneClassLearner(kind: self, config: config, dimension: featureCount, classCount: classCount)
        }
    }
}

/// One shard's sub-model: its initial state, one block step of training, and prediction.
public protocol ShardLearner {
    /// Length of θ (−1 when it varies, as for one-class models).
    var parameterCount: Int { get }
    /// Whether `theta` is a well-formed checkpoint of this learner.
    func accepts(_ theta: [Double]) -> Bool
    /// θ0 of a shard, seeded by (seed, shard).
    func initialParameters(shard: Int) -> [Double]
    /// Trains block step `step` (1-based) on `rows` of `data` from `theta` for `epochs` epochs; `order(epoch)`
    /// gives the rows in that epoch's canonical order. Optimiser state starts afresh.
    func trainStep(data: Dataset, order: (Int) -> [Int], from theta: [Double], epochs: Int,
                   progress: ((Int) -> Void)?) -> [Double]
    /// Class probabilities (`m × K`) of `m` standardised rows at `x`.
    func probabilities(_ theta: [Double], x: UnsafePointer<Float>, m: Int) -> [Double]
    /// The training objective on `rows` of `data`, for influence and removal methods (nil if the kind has none).
    func loss(data: Dataset, rows: [Int], terms: ObjectiveTerms) -> TwiceDifferentiableLoss?
}

extension ShardLearner {
    public func accepts(_ theta: [Double]) -> Bool { theta.count == parameterCount }
}

/// BLAS runs single-threaded inside a shard: parallelism comes from shards and fixed lanes, so results
/// never depend on the number of threads.
let blasSingleThreaded: Void = { openblas_set_num_threads(1) }()

/// `softmax` and `mlp`: cross-entropy networks.
struct NetworkLearner: ShardLearner {
    let network: DenseNetwork
    let config: TrainConfig

    var parameterCount: Int { network.parameterCount }

    func initialParameters(shard: Int) -> [Double] { network.initialParameters(seed: config.seed, shard: shard) }

    func loss(data: Dataset, rows: [Int], terms: ObjectiveTerms) -> TwiceDifferentiableLoss? {
        NetworkLoss(network: network, data: data, rows: rows, terms: terms)
    }

    func trainStep(data: Dataset, order: (Int) -> [Int], from theta: [Double], epochs: Int,
                   progress: ((Int) -> Void)?) -> [Double] {
        _ = blasSingleThreaded
        guard epochs > 0 else { return theta }
        if network.layerCount == 1 {
            // Full batch: "epochs" are L-BFGS iterations; sums run in the step's canonical order, on a
            // copy of the step's rows laid out in that order (read in place, chunk by chunk).
            let linear = ShardCurvature.perturbation(config: config, parameterCount: network.parameterCount)
            let loss = NetworkLoss(network: network, data: data.subset(order(0)), terms: ObjectiveTerms(l2: config.l2, linear: linear), chunkRows: 256)
            guard loss.rowCount > 0 else { return theta }
            return LBFGS(maxIterations: epochs).minimize(loss, from: theta, progress: progress).theta
        }
        // Mini-batch Adam on J/N: batch mean of ℓ plus (λ/N)·θ. A batch is cut into four fixed lanes.
        let lanes = 4
        let evaluator = NetworkEvaluator(network: network, data: data,
                                         chunkRows: (config.batchSize + lanes - 1) / lanes, lanes: lanes)
        var theta = theta
        var adam = Adam(parameterCount: theta.count, learningRate: config.learningRate)
        for epoch in 0..<epochs {
            let rows = order(epoch)
            let n = rows.count
            guard n > 0 else { return theta }
            let decay = config.l2 / Double(n)
            rows.withUnsafeBufferPointer { all in
                var start = 0
                while start < n {
                    let m = min(config.batchSize, n - start)
                    var g = evaluator.evaluate(theta, rows: UnsafeBufferPointer(rebasing: all[start..<start + m]), gradient: true).gradient
                    let inv = 1 / Double(m)
                    for i in g.indices { g[i] = g[i] * inv + decay * theta[i] }
                    adam.step(&theta, gradient: g)
                    start += m
                }
            }
            progress?(epoch + 1)
        }
        return theta
    }

    func probabilities(_ theta: [Double], x: UnsafePointer<Float>, m: Int) -> [Double] {
        _ = blasSingleThreaded
        let evaluator = NetworkEvaluator(network: network, data: Dataset(featureCount: network.inputCount), chunkRows: 1024, lanes: 1)
        return evaluator.probabilities(theta.map { Float($0) }, x: x, m: m)
    }
}
