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
    func learner(config: TrainConfig, featureCount: Int, classCount: Int) -> ShardLearner {
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
